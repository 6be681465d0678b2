// The column editor: Enter moves to the next pupil, "Everyone present" clears
// every "н", a ticked box writes "н". Values are set as text, never as markup.
// A changed cell is saved alone by htmx (hx-post on the cell); a value set
// here fires "change" too, so it is saved the same way.
(function () {
  "use strict";
  var form = document.getElementById("column-form");
  if (!form) { return; }
  function changed(cell) {
    cell.dispatchEvent(new Event("change", { bubbles: true }));
  }
  var cells = Array.prototype.slice.call(form.querySelectorAll(".schools-cell"));
  cells.forEach(function (cell, index) {
    cell.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === "ArrowDown") {
        event.preventDefault();
        var next = cells[index + 1];
        if (next) { next.focus(); next.select(); } else { form.querySelector("button[type=submit]").focus(); }
      } else if (event.key === "ArrowUp" && index > 0) {
        event.preventDefault();
        cells[index - 1].focus();
        cells[index - 1].select();
      }
    });
  });
  form.querySelectorAll("[data-absent-for]").forEach(function (box) {
    box.addEventListener("change", function () {
      var cell = document.getElementById(box.getAttribute("data-absent-for"));
      if (!cell) { return; }
      var before = cell.value;
      if (box.checked) { cell.value = "н"; } else if (cell.value.trim().toLowerCase() === "н") { cell.value = ""; }
      if (cell.value !== before) { changed(cell); }
    });
  });
  var all = form.querySelector("[data-all-present]");
  if (all) {
    all.addEventListener("click", function () {
      cells.forEach(function (cell) {
        if (cell.value.trim().toLowerCase() === "н") { cell.value = ""; changed(cell); }
      });
      form.querySelectorAll("[data-absent-for]").forEach(function (box) { box.checked = false; });
    });
  }
})();
