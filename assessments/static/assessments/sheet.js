// Score sheet: totals and grades as you type (the same rule as assessments.rules: Σ score × weight,
// the highest band whose threshold the total reaches), Enter / ↑ / ↓ move between rows.
(function () {
  "use strict";
  const form = document.getElementById("score-sheet");
  if (!form) return;
  const scheme = JSON.parse(document.getElementById(form.dataset.scheme).textContent);
  const weights = Object.fromEntries(scheme.items.map((i) => [i.code, Number(i.weight)]));
  const maxima = Object.fromEntries(scheme.items.map((i) => [i.code, Number(i.max)]));

  function gradeFor(total) {
    for (const band of scheme.bands) {
      if (total >= Number(band.min) - 1e-9) return band;
    }
    return null;
  }

  function recompute(row) {
    let total = 0;
    let any = false;
    let bad = false;
    row.querySelectorAll("input.score").forEach((input) => {
      const text = input.value.trim();
      input.classList.remove("invalid");
      if (text === "") return;
      const value = Number(text);
      if (!Number.isFinite(value) || value < 0 || value > maxima[input.dataset.code]) {
        input.classList.add("invalid");
        bad = true;
        return;
      }
      any = true;
      total += value * weights[input.dataset.code];
    });
    const totalCell = row.querySelector("[data-total]");
    const gradeCell = row.querySelector("[data-grade]");
    if (!any || bad) {
      totalCell.textContent = bad ? "?" : "";
      gradeCell.textContent = "";
      gradeCell.className = "grade grade-none";
      return;
    }
    total = Math.round(total * 100) / 100;
    totalCell.textContent = total.toFixed(2);
    const band = gradeFor(total);
    gradeCell.textContent = band ? band.label : "";
    gradeCell.className = "grade grade-" + (band ? band.grade : "none");
  }

  const rows = Array.from(form.querySelectorAll("tr.sheet-row"));
  rows.forEach((row) => {
    row.addEventListener("input", () => recompute(row));
  });

  function moveVertical(input, step) {
    const row = input.closest("tr");
    const index = rows.indexOf(row);
    const code = input.dataset.code;
    for (let i = index + step; i >= 0 && i < rows.length; i += step) {
      const target = rows[i].querySelector(`input.score[data-code="${code}"]:not([disabled])`);
      if (target) {
        target.focus();
        target.select();
        return true;
      }
    }
    return false;
  }

  form.addEventListener("keydown", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("score")) return;
    if (event.key === "Enter") {
      // Enter moves on like Tab (to the next cell; after a row's last item, the next row) rather than submitting.
      event.preventDefault();
      const inputs = Array.from(form.querySelectorAll("input.score:not([disabled])"));
      const next = inputs[inputs.indexOf(input) + (event.shiftKey ? -1 : 1)];
      if (next) {
        next.focus();
        next.select();
      }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (moveVertical(input, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
    }
  });

  form.addEventListener("submit", (event) => {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
  });
})();
