/* Maps of the participatory budget: the territory, project markers, a point picker.
   Tiles load only when the site names a tile server; otherwise the outline alone is drawn,
   so no resident's browser talks to a third party by default. */
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  // Titles are residents' text: Leaflet puts a string in as HTML, a node as it is.
  function label(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }
  function setup(element) {
    if (!window.L) { return; }
    var territory = data(element.dataset.territory);
    var points = data(element.dataset.points) || [];
    var map = L.map(element, { scrollWheelZoom: false });
    var tiles = element.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: element.dataset.attribution || "" }).addTo(map);
    }
    // The view must be set before vector layers are added: Leaflet draws them at once.
    var outline = territory && territory.type
      ? L.geoJSON(territory, { style: { color: "#0b4ea2", weight: 2, fillOpacity: 0.05 } })
      : null;
    var bounds = outline ? outline.getBounds() : null;
    if (bounds && bounds.isValid()) { map.fitBounds(bounds); }
    else if (points.length) { map.setView([points[0].lat, points[0].lon], 14); }
    else { map.setView([48.5, 31.2], 6); }
    if (outline) { outline.addTo(map); }
    points.forEach(function (p) {
      var marker = L.circleMarker([p.lat, p.lon], { radius: 7, color: "#083a78", fillColor: "#ffd500", fillOpacity: 0.9, weight: 2 }).addTo(map);
      if (p.url) {
        var link = document.createElement("a");
        link.href = p.url;
        link.textContent = p.title;
        marker.bindPopup(link);
      } else if (p.title) {
        marker.bindTooltip(label(p.title));
      }
    });
    if (points.length === 1 && element.dataset.zoom) { map.setView([points[0].lat, points[0].lon], 15); }
    var lat = element.dataset.lat && document.getElementById(element.dataset.lat);
    var lon = element.dataset.lon && document.getElementById(element.dataset.lon);
    if (lat && lon) {
      var pick = null;
      var place = function (latlng) {
        if (pick) { pick.setLatLng(latlng); } else { pick = L.marker(latlng).addTo(map); }
      };
      if (lat.value && lon.value) { place([parseFloat(lat.value), parseFloat(lon.value)]); }
      map.on("click", function (event) {
        lat.value = event.latlng.lat.toFixed(6);
        lon.value = event.latlng.lng.toFixed(6);
        place(event.latlng);
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-pb-map]"), setup);
  });
})();
