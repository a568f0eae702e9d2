/* Lokasi pages of the staff console: the registry's map (GeoJSON of the list's filters) and a
   site's own small map. No inline script: the URL and the feature come from data- attributes. */
(function () {
  "use strict";

  var STYLE = { color: "#0b3d6b", weight: 2, fillColor: "#0b5394", fillOpacity: 0.35 };

  function baseMap(el) {
    var box = (el.getAttribute("data-bbox") || "113.5,-3,119.5,2.8").split(",").map(Number);
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.5 });
    map.fitBounds([[box[1], box[0]], [box[3], box[2]]]);
    L.control.scale({ imperial: false }).addTo(map);
    return map;
  }

  function layerOf(data) {
    return L.geoJSON(data, {
      style: function () { return STYLE; },
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, { radius: 7, color: STYLE.color, weight: 2,
          fillColor: STYLE.fillColor, fillOpacity: 0.7 });
      },
      onEachFeature: function (feature, layer) {
        var p = feature.properties || {};
        layer.bindTooltip(String(p.code || "") + (p.name ? " · " + p.name : ""));
        if (p.code) {
          layer.on("click", function () { window.location.href = "/lokasi/" + encodeURIComponent(p.code); });
        }
      }
    });
  }

  function fit(map, layer, zoom) {
    var bounds = layer.getBounds();
    if (bounds.isValid()) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: zoom }); }
  }

  function registryMap(el) {
    var map = baseMap(el);
    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { type: "FeatureCollection", features: [] }; })
      .then(function (data) {
        var layer = layerOf(data).addTo(map);
        fit(map, layer, 12);
        el.setAttribute("data-loaded", String(data.features.length));
      });
  }

  function siteMap(el) {
    var map = baseMap(el);
    var layer = layerOf(JSON.parse(el.getAttribute("data-feature"))).addTo(map);
    fit(map, layer, 15);
    el.setAttribute("data-loaded", "1");
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll(".map[data-geojson]").forEach(registryMap);
    document.querySelectorAll(".map[data-feature]").forEach(siteMap);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
