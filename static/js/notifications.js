/* 聘任通: the top bar's unread-notification badge.  A page renders the count when the server has
   it cached; otherwise the bell carries data-unread-src and the count is fetched once here. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var bell = document.querySelector(".nt-bell[data-unread-src]");
    if (!bell || !window.fetch) return;
    fetch(bell.dataset.unreadSrc, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var badge = bell.querySelector(".nt-badge");
        var count = Number(data.unread) || 0;
        badge.textContent = count > 99 ? "99+" : String(count);
        badge.hidden = count === 0;
        bell.setAttribute("aria-label", count ? "通知（" + count + "条未读）" : "通知");
      })
      .catch(function () { /* the badge stays empty; the page works without it */ });
  });
  // 我的待办: the navigation's count, fetched once when the page had no cached figure.
  document.addEventListener("DOMContentLoaded", function () {
    var link = document.querySelector(".nav-tasks[data-count-src]");
    if (!link || !window.fetch) return;
    fetch(link.dataset.countSrc, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var badge = link.querySelector(".tk-badge");
        var count = Number(data.tasks) || 0;
        badge.textContent = count > 99 ? "99+" : String(count);
        badge.hidden = count === 0;
        link.setAttribute("aria-label", count ? "我的待办（" + count + "项）" : "我的待办");
      })
      .catch(function () { /* the count stays empty; the page works without it */ });
  });
})();
