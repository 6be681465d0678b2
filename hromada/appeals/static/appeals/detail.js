/* One report's place on a small map. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("appeals-detail-config").textContent);
  var map = L.map("detail-map", { scrollWheelZoom: false, maxZoom: 19 }).setView([config.lat, config.lon], 16);
  if (config.tiles) {
    L.tileLayer(config.tiles, { maxZoom: 19, attribution: config.attribution }).addTo(map);
  }
  L.marker([config.lat, config.lon], { title: config.title, alt: config.title }).addTo(map);
})();
