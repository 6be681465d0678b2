// The web chat widget: text goes in and out as text (textContent), never as HTML.
(function () {
  "use strict";
  function start() {
    var root = document.getElementById("webchat");
    if (!root) { return; }
    var log = document.getElementById("webchat-log");
    // The live region is the log itself; its lines are a list inside it.
    var lines = document.getElementById("webchat-lines") || log;
    var buttons = document.getElementById("webchat-buttons");
    var form = document.getElementById("webchat-form");
    var input = document.getElementById("webchat-text");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var last = 0;

    function add(who, text) {
      var item = document.createElement("li");
      item.className = who === "you" ? "webchat-you" : "webchat-bot";
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = (who === "you" ? root.dataset.you : root.dataset.bot) + ": ";
      var body = document.createElement("span");
      body.textContent = text;
      item.appendChild(name);
      item.appendChild(body);
      lines.appendChild(item);
      log.scrollTop = log.scrollHeight;
    }

    function showButtons(reply) {
      // A choice pressed by keyboard is replaced by the new ones: the focus goes to the
      // first of them (or the text field), not back to the top of the page.
      var hadFocus = buttons.contains(document.activeElement);
      buttons.textContent = "";
      (reply.buttons || []).forEach(function (row) {
        row.forEach(function (button) {
          var element;
          if (button.url) {
            element = document.createElement("a");
            element.href = button.url;
            element.rel = "noopener";
          } else {
            element = document.createElement("button");
            element.type = "button";
            element.dataset.chat = button.data;
          }
          element.className = "webchat-choice";
          element.textContent = button.text;
          buttons.appendChild(element);
        });
      });
      if (reply.request_location && navigator.geolocation) {
        var place = document.createElement("button");
        place.type = "button";
        place.className = "webchat-choice";
        place.dataset.location = "1";
        place.textContent = root.dataset.location;
        buttons.appendChild(place);
      }
      if (hadFocus) {
        (buttons.querySelector(".webchat-choice") || input).focus();
      }
    }

    function post(fields, shown) {
      var body = new URLSearchParams(fields);
      if (shown) { add("you", shown); }
      return fetch(root.dataset.sendUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {"X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"},
        body: body.toString()
      }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.error || root.dataset.error); }
          return data;
        });
      }).then(function (data) {
        data.replies.forEach(function (reply) { add("bot", reply.text); });
        if (data.replies.length) { showButtons(data.replies[data.replies.length - 1]); }
        last = Math.max(last, data.last || 0);
      }).catch(function (error) {
        add("bot", error.message || root.dataset.error);
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = input.value.trim();
      if (!text) { return; }
      input.value = "";
      post({text: text}, text);
    });

    root.addEventListener("click", function (event) {
      var target = event.target.closest("[data-chat],[data-location]");
      if (!target) { return; }
      if (target.dataset.location) {
        navigator.geolocation.getCurrentPosition(function (position) {
          post({data: "x:location", lat: position.coords.latitude, lon: position.coords.longitude},
               root.dataset.location);
        });
        return;
      }
      post({data: target.dataset.chat}, target.textContent);
    });

    function poll() {
      fetch(root.dataset.messagesUrl + "?after=" + encodeURIComponent(last), {credentials: "same-origin"})
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          data.messages.forEach(function (message) { add("bot", message.text); });
          last = Math.max(last, data.last || 0);
        })
        .catch(function () {});
    }
    post({data: "x:menu"}, "");
    window.setInterval(poll, 8000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
