/* Voting page: show how many choices are left as the resident ticks boxes. The server
   checks the limits again; this only helps, and the page works without it. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("pb-ballot");
    if (!form) { return; }
    var limit = parseInt(form.dataset.limit, 10);
    var points = parseInt(form.dataset.points || "0", 10);
    var status = document.getElementById("pb-left");
    function update() {
      var boxes = form.querySelectorAll("input[name=project]");
      var chosen = form.querySelectorAll("input[name=project]:checked").length;
      if (boxes.length) {
        status.textContent = status.dataset.template.replace("{n}", chosen).replace("{k}", limit);
        Array.prototype.forEach.call(boxes, function (box) {
          box.disabled = !box.checked && chosen >= limit;
        });
      } else {
        var given = 0;
        Array.prototype.forEach.call(form.querySelectorAll("input[type=number]"), function (input) {
          given += parseInt(input.value || "0", 10) || 0;
        });
        status.textContent = status.dataset.template.replace("{n}", given).replace("{k}", points);
      }
    }
    form.addEventListener("change", update);
    form.addEventListener("input", update);
    update();
  });
})();
