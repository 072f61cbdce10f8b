/* 聘任通 能上能下: after a refused step, bring its form into view and put the cursor on the first
   field in error (the page works without this file). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var failed = document.querySelector(".dm-action-failed, details.dm-dismiss[open]");
    if (!failed) return;
    failed.scrollIntoView({ block: "center" });
    var field = failed.querySelector(".has-error input, .has-error textarea, .has-error select") ||
      failed.querySelector("input:not([type=hidden]), textarea, select");
    if (field) field.focus({ preventScroll: true });
  });
})();
