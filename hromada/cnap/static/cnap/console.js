// Operator console shortcuts: a key presses the button that carries it (data-key).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) { return; }
    var target = event.target;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) { return; }
    var key = (event.key || "").toLowerCase();
    // The same keys on a Ukrainian layout.
    var alias = { "т": "n", "к": "r", "і": "s", "ы": "s", "а": "f", "ч": "x", "и": "b" };
    key = alias[key] || key;
    var button = document.querySelector('#desk-panel [data-key="' + key + '"]:not([disabled])');
    if (button) {
      event.preventDefault();
      button.click();
    }
  });
})();
