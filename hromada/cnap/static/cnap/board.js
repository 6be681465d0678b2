// The display board: polls its feed (answered 304 while nothing changed), shows
// the calls and announces each new one with a chime and, when the server has
// a voice, the call read aloud. After a lost connection it announces the calls
// it missed, oldest first. Text reaches the page through textContent only.
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root) { return; }
  var feed = root.dataset.feed;
  var voiceUrl = root.dataset.voice;
  var poll = parseInt(root.dataset.poll, 10) || 1000;
  var chime = new Audio(root.dataset.chime);
  var etag = null;
  var lastId = null;
  var soundOn = false;
  var queue = [];
  var speaking = false;

  document.getElementById("board-sound").addEventListener("click", function (event) {
    soundOn = true;
    event.target.hidden = true;
    chime.play().catch(function () {});
  });

  function play(audio) {
    return new Promise(function (resolve) {
      if (!soundOn) { resolve(); return; }
      audio.onended = resolve;
      audio.onerror = resolve;
      audio.play().catch(resolve);
    });
  }

  function announceNext() {
    if (speaking || !queue.length) { return; }
    speaking = true;
    var call = queue.shift();
    document.getElementById("board-spoken").textContent = call.text;
    chime.currentTime = 0;
    play(chime).then(function () {
      if (!voiceUrl) { return null; }
      return play(new Audio(voiceUrl + "?text=" + encodeURIComponent(call.spoken)));
    }).then(function () {
      window.setTimeout(function () { speaking = false; announceNext(); }, 800);
    });
  }

  function rows(body, items, cells) {
    while (body.firstChild) { body.removeChild(body.firstChild); }
    items.forEach(function (item) {
      var row = document.createElement(cells ? "tr" : "li");
      if (cells) {
        [item.ticket, String(item.desk)].forEach(function (text) {
          var cell = document.createElement("td");
          cell.textContent = text;
          row.appendChild(cell);
        });
      } else {
        row.textContent = item.ticket + " → " + item.desk;
      }
      body.appendChild(row);
    });
  }

  function show(data) {
    rows(document.getElementById("board-current"), data.current, true);
    rows(document.getElementById("board-recent"), data.recent, false);
    document.getElementById("board-waiting").textContent = String(data.waiting);
    document.getElementById("board-notice").hidden = !data.paused;
    document.getElementById("board-blackout").hidden = !data.blackout;
    var fresh = data.recent.filter(function (call) { return lastId !== null && call.id > lastId; });
    fresh.reverse().forEach(function (call) { queue.push(call); });
    data.recent.forEach(function (call) { if (lastId === null || call.id > lastId) { lastId = call.id; } });
    if (lastId === null) { lastId = 0; }
    announceNext();
  }

  function tick() {
    var headers = {};
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(feed, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error(String(response.status)); }
        etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (data) { if (data) { show(data); } })
      .catch(function () { /* offline: the next poll catches up */ })
      .then(function () { window.setTimeout(tick, poll); });
  }
  tick();
})();
