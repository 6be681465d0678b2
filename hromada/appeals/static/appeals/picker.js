/* Choosing the place of a problem: a click on the map or a street from the registry. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("appeals-picker-config").textContent);
  var latInput = document.getElementById("id_lat");
  var lonInput = document.getElementById("id_lon");
  var streetSelect = document.getElementById("id_street");
  var note = document.getElementById("picker-status");
  var nearbyBox = document.getElementById("nearby-live");
  var csrf = document.querySelector("[name=csrfmiddlewaretoken]");
  var map = L.map("picker", { maxZoom: 19 }).setView(config.center, 15);
  if (config.tiles) {
    L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution }).addTo(map);
  }
  if (config.territory) {
    L.geoJSON(config.territory, { style: { color: "#0b4ea2", weight: 2, fill: false } }).addTo(map);
  }
  var marker = null;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function inRing(ring, lon, lat) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }

  function inside(lat, lon) {
    var t = config.territory;
    if (!t) { return true; }
    var polygons = t.type === "Polygon" ? [t.coordinates] : t.coordinates;
    return polygons.some(function (rings) { return inRing(rings[0], lon, lat); });
  }

  function empty(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function showNearby(reports) {
    empty(nearbyBox);
    if (!reports.length) { nearbyBox.hidden = true; return; }
    nearbyBox.hidden = false;
    var heading = document.createElement("h2");
    heading.textContent = config.texts.nearby;
    nearbyBox.appendChild(heading);
    var list = document.createElement("ul");
    reports.forEach(function (report) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = report.url;
      link.textContent = report.number + " — " + report.address + " (" +
        format(config.texts.metres, { distance: report.distance }) + ", " + report.status + ")";
      item.appendChild(link);
      if (report.own) {
        var own = document.createElement("p");
        own.className = "muted";
        own.textContent = config.texts.own;
        item.appendChild(own);
        list.appendChild(item);
        return;
      }
      var form = document.createElement("form");
      form.method = "post";
      form.action = report.supportUrl;
      var token = document.createElement("input");
      token.type = "hidden"; token.name = "csrfmiddlewaretoken"; token.value = csrf ? csrf.value : "";
      var button = document.createElement("button");
      button.type = "submit"; button.className = "button-secondary button";
      button.textContent = config.texts.same;
      form.appendChild(token);
      form.appendChild(button);
      item.appendChild(form);
      list.appendChild(item);
    });
    nearbyBox.appendChild(list);
  }

  // A tap on the map names the registry's nearest street: on a phone that
  // saves finding it in the list.
  var lastAsked = 0;
  function fillNearestStreet(lat, lon) {
    if (!config.nearestUrl) { return; }
    var asked = ++lastAsked;
    fetch(config.nearestUrl + "?" + new URLSearchParams({ lat: lat, lon: lon }).toString())
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.street || asked !== lastAsked) { return; }  // a later tap won
        if (streetSelect) { streetSelect.value = String(data.street.id); }
        note.textContent += " " + format(config.texts.nearest, data.street);
      });
  }

  function choose(lat, lon, fromTap) {
    if (!inside(lat, lon)) {
      note.textContent = config.texts.outside;
      return;
    }
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    if (marker) { marker.setLatLng([lat, lon]); } else { marker = L.marker([lat, lon]).addTo(map); }
    note.textContent = format(config.texts.chosen, { lat: lat.toFixed(5), lon: lon.toFixed(5) });
    if (fromTap) { fillNearestStreet(lat, lon); }
    var params = new URLSearchParams({ category: config.category, lat: lat, lon: lon });
    fetch(config.nearbyUrl + "?" + params.toString())
      .then(function (response) { return response.json(); })
      .then(function (data) { showNearby(data.reports || []); });
  }

  map.on("click", function (event) { choose(event.latlng.lat, event.latlng.lng, true); });

  var locate = document.getElementById("locate-me");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      note.textContent = config.texts.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        var lat = position.coords.latitude, lon = position.coords.longitude;
        map.setView([lat, lon], 17);
        choose(lat, lon, true);
      }, function (error) {
        note.textContent = error.code === 1 ? config.texts.refused : config.texts.unavailable;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }
  if (latInput.value && lonInput.value) {
    choose(parseFloat(latInput.value), parseFloat(lonInput.value));
    map.setView([parseFloat(latInput.value), parseFloat(lonInput.value)], 17);
  }

  var search = document.getElementById("street-search");
  var results = document.getElementById("street-results");
  var timer = null;
  search.hidden = false;
  search.querySelector("input").addEventListener("input", function (event) {
    clearTimeout(timer);
    var query = event.target.value;
    timer = setTimeout(function () {
      fetch(config.streetsUrl + "?" + new URLSearchParams({ q: query }).toString())
        .then(function (response) { return response.json(); })
        .then(function (data) {
          empty(results);
          if (!data.streets.length && query.length > 1) {
            var none = document.createElement("li");
            none.textContent = config.texts.noStreets;
            results.appendChild(none);
          }
          data.streets.forEach(function (street) {
            var item = document.createElement("li");
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = street.name;
            button.addEventListener("click", function () {
              if (streetSelect) { streetSelect.value = String(street.id); }
              if (street.lat !== null) {
                map.setView([street.lat, street.lon], 17);
                choose(street.lat, street.lon);
              }
            });
            item.appendChild(button);
            results.appendChild(item);
          });
        });
    }, 250);
  });
})();
