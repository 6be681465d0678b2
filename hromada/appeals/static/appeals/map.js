/* The public map: markers for a box at a time, clustered; counts per area when too many. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("appeals-map-config").textContent);
  var status = document.getElementById("map-status");
  // maxZoom on the map itself: the clusters need it when no tile server is named.
  var map = L.map("map", { scrollWheelZoom: false, maxZoom: 19 }).setView(config.center, config.zoom);
  if (config.tiles) {
    L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution }).addTo(map);
  }
  if (config.territory) {
    L.geoJSON(config.territory, { style: { color: "#0b4ea2", weight: 2, fill: false } }).addTo(map);
  }
  // Cluster icons carry a count and nothing else, put in as text.
  function countIcon(count, className, size) {
    var box = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(Number(count));
    box.appendChild(number);
    return L.divIcon({ html: box, className: className, iconSize: [size, size] });
  }
  var cluster = L.markerClusterGroup({
    showCoverageOnHover: false,
    iconCreateFunction: function (group) {
      var count = group.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      return countIcon(count, "marker-cluster marker-cluster-" + size, 40);
    }
  });
  var areas = L.layerGroup();
  map.addLayer(cluster);
  map.addLayer(areas);
  var colours = {
    new: "#0b4ea2", accepted: "#8a4b00", in_progress: "#8a4b00",
    resolved: "#1e6b31", closed: "#1e6b31", rejected: "#4a4a4a", merged: "#4a4a4a"
  };
  var pending = null;

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  // A count's text comes in each plural category (see views._plural_forms).
  var pluralRules = new Intl.PluralRules(document.documentElement.lang || undefined);
  function plural(forms, count) {
    return forms[pluralRules.select(count)] || forms.other;
  }

  function popup(row) {
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = config.categories[row[4]] || "";
    var state = document.createElement("p");
    state.textContent = config.statuses[row[3]] || row[3];
    var link = document.createElement("a");
    link.href = config.detailUrl.replace("/0/", "/" + row[0] + "/");
    link.textContent = config.texts.open;
    box.appendChild(title);
    box.appendChild(state);
    box.appendChild(link);
    return box;
  }

  function load() {
    var params = new URLSearchParams(config.filters);
    params.set("bbox", map.getBounds().toBBoxString());
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(config.markersUrl + "?" + params.toString(), { signal: pending.signal })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        cluster.clearLayers();
        areas.clearLayers();
        data.markers.forEach(function (row) {
          var marker = L.circleMarker([row[1], row[2]], {
            radius: 8, color: "#ffffff", weight: 2, fillOpacity: 0.95,
            fillColor: colours[row[3]] || "#0b4ea2"
          });
          marker.bindPopup(popup(row));
          cluster.addLayer(marker);
        });
        data.clusters.forEach(function (row) {
          var size = 34 + Math.min(30, Math.round(Math.log(row[2]) * 4));
          var icon = countIcon(row[2], "server-cluster", size);
          var area = L.marker([row[0], row[1]], {
            icon: icon, keyboard: true, title: format(plural(config.texts.zoomIn, row[2]), { count: row[2] })
          });
          area.on("click", function () { map.setView([row[0], row[1]], map.getZoom() + 2); });
          areas.addLayer(area);
        });
        status.textContent = data.total ? format(config.texts.shown, { count: data.total })
                                        : config.texts.none;
      })
      .catch(function (error) {
        if (error.name !== "AbortError") { status.textContent = config.texts.failed; }
      });
  }

  // Opening a popup may pan the map; reloading then would remove its marker and the
  // popup with it, so a move while a popup is open reloads once the popup closes.
  var popupOpen = false;
  var stale = false;
  map.on("popupopen", function () { popupOpen = true; });
  map.on("popupclose", function () {
    popupOpen = false;
    if (stale) { stale = false; load(); }
  });
  map.on("moveend", function () {
    if (popupOpen) { stale = true; } else { load(); }
  });
  load();
})();
