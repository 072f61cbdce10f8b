// Progress sheet: flag a figure that is not a number ≥ 0 as you type; Enter moves on like Tab,
// ↑ / ↓ move to the same target in the row above or below.
(function () {
  "use strict";
  const form = document.getElementById("progress-sheet");
  if (!form) return;
  const rows = Array.from(form.querySelectorAll("tr.sheet-row"));

  form.addEventListener("input", (event) => {
    const input = event.target;
    if (!input.classList || !input.classList.contains("progress")) return;
    const text = input.value.trim();
    const value = Number(text);
    input.classList.toggle("invalid", text !== "" && (!Number.isFinite(value) || value < 0));
  });

  function moveVertical(input, step) {
    const index = rows.indexOf(input.closest("tr"));
    for (let i = index + step; i >= 0 && i < rows.length; i += step) {
      const target = rows[i].querySelector(`input.progress[data-code="${input.dataset.code}"]:not([disabled])`);
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
    if (!(input instanceof HTMLInputElement) || !input.classList.contains("progress")) return;
    if (event.key === "Enter") {
      event.preventDefault();
      const inputs = Array.from(form.querySelectorAll("input.progress:not([disabled])"));
      const next = inputs[inputs.indexOf(input) + (event.shiftKey ? -1 : 1)];
      if (next) {
        next.focus();
        next.select();
      }
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (moveVertical(input, event.key === "ArrowDown" ? 1 : -1)) event.preventDefault();
    }
  });
})();
