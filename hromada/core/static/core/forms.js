/* A form sent back with errors: the focus moves to its error summary (core/_error_summary.html),
   so keyboard and screen-reader users start from the list; a link in the list moves the focus
   to its field. Also after htmx swaps a form in place. No inline script: the CSP forbids it. */
(function () {
  "use strict";
  function focusSummary(root) {
    var summary = (root || document).querySelector("[data-error-summary]");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    // A group of choices has its id on the wrapper: focus its first input instead.
    var target = field.matches("input, select, textarea") ? field : field.querySelector("input, select, textarea");
    (target || field).scrollIntoView({block: "center"});
    if (target) { target.focus(); }
  });
  document.addEventListener("htmx:afterSettle", function (event) { focusSummary(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { focusSummary(); });
  } else {
    focusSummary();
  }
})();
