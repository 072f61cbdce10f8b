/* 聘任通: behaviours declared in the markup instead of inline handlers (the Content-Security-Policy
   allows no inline script): <input data-autosubmit> submits its form when changed (selects are
   handled by app.js), <a data-opens="ID"> opens the <details id="ID"> it links to. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-autosubmit]").forEach(function (input) {
      input.addEventListener("change", function () { input.form.submit(); });
    });
    document.querySelectorAll("a[data-opens]").forEach(function (link) {
      link.addEventListener("click", function () {
        var target = document.getElementById(link.dataset.opens);
        if (target) target.open = true;
      });
    });
  });
})();
