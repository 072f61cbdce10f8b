/* 聘任通: the scheme editor's item and band tables (assessments/scheme_rows.html): 添加一行 without
   reloading, and the weighted total of the items kept up to date. */
(function () {
  "use strict";
  var items = document.getElementById("item-rows");
  if (!items) return;
  function addRow(kind) {
    var table = document.getElementById(kind + "-rows");
    var prefix = table.dataset.prefix;
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    var n = parseInt(total.value, 10);
    if (max && n >= parseInt(max.value, 10)) { return; }
    var html = document.getElementById(kind + "-empty").innerHTML
      .replace(/__prefix__/g, String(n)).replace(/__row__/g, String(n + 1));
    table.tBodies[0].insertAdjacentHTML("beforeend", html);
    total.value = String(n + 1);
    var first = table.tBodies[0].lastElementChild.querySelector("input, select");
    if (first) { first.focus(); }
  }
  function recompute() {
    var sum = 0, ok = true;
    items.tBodies[0].querySelectorAll("tr").forEach(function (tr) {
      var max = tr.querySelector('input[name$="-max_points"]');
      var weight = tr.querySelector('input[name$="-weight"]');
      var del = tr.querySelector('input[name$="-DELETE"]');
      if (!max || !max.value.trim() || (del && del.checked)) { return; }
      var m = Number(max.value), w = weight && weight.value.trim() ? Number(weight.value) : 1;
      if (isNaN(m) || isNaN(w)) { ok = false; return; }
      sum += m * w;
    });
    document.getElementById("weighted-total").textContent = ok ? (Math.round(sum * 100) / 100).toString() : "—";
  }
  document.querySelectorAll("[data-add-row]").forEach(function (button) {
    button.addEventListener("click", function () { addRow(button.dataset.addRow); recompute(); });
  });
  items.addEventListener("input", recompute);
  items.addEventListener("change", recompute);
  recompute();
})();
