// Print buttons on the service card and the kiosk's own ticket, without inline scripts.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
  if (document.querySelector("[data-autoprint]")) {
    window.addEventListener("load", function () { window.print(); });
    // Back to the start screen for the next visitor.
    window.setTimeout(function () {
      var back = document.querySelector(".no-print a");
      if (back) { window.location.href = back.href; }
    }, 20000);
  }
})();
