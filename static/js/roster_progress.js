/* 聘任通: the roster import's live progress (roster/detail.html); polls the record until it is finished. */
(function () {
  "use strict";
  var box = document.getElementById("roster-progress");
  if (!box) return;
  var bar = document.getElementById("roster-progress-bar");
  var text = document.getElementById("roster-progress-text");
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        bar.max = data.total || 1;
        bar.value = data.progress;
        text.textContent = data.progress + " / " + data.total + " 行（" + data.percent + "%）";
        if (data.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
