/* 聘任通: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // A department <select data-follows="institution"> offers only the chosen institution's departments.
  function followInstitution(select) {
    var form = select.form;
    var institution = form && form.elements.namedItem(select.dataset.follows);
    if (!institution || !institution.tagName || institution.tagName !== "SELECT") return;
    function apply() {
      var chosen = institution.value;
      Array.prototype.forEach.call(select.options, function (option) {
        var owner = option.dataset.institution;
        var show = !owner || !chosen || owner === chosen;
        option.hidden = !show;
        option.disabled = !show;
        if (!show && option.selected) select.value = "";
      });
    }
    institution.addEventListener("change", apply);
    apply();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-follows]").forEach(followInstitution);
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
