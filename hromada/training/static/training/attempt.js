// A test attempt: save each answer as it changes, count the time down.
// Messages and numbers go to the page as text (textContent), never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("training-attempt");
  if (!form) return;
  var status = document.getElementById("training-save-status");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  function save(fieldset) {
    var data = new FormData();
    data.append("question", fieldset.getAttribute("data-question"));
    fieldset.querySelectorAll("input, select").forEach(function (field) {
      if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
      data.append(field.name, field.value);
    });
    fetch(form.getAttribute("data-save-url"), {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": token },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) {
        if (body.error) {
          status.textContent = body.error.message;
        } else {
          status.textContent = form.getAttribute("data-saved") || "✓";
        }
      });
    }).catch(function () {
      status.textContent = "…";
    });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("[data-question]");
    if (fieldset) save(fieldset);
  });

  var timer = document.getElementById("training-timer");
  var value = document.getElementById("training-timer-value");
  var left = parseInt(timer.getAttribute("data-seconds"), 10) || 0;
  setInterval(function () {
    left = Math.max(0, left - 1);
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    value.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }, 1000);
})();
