/* Pantau Tambang staff console: the CSRF header for htmx and the Leaflet maps. No inline script:
   every value comes from data- attributes written by the server. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) { event.detail.headers["X-CSRF-Token"] = token; }
  });

  function baseMap(el) {
    var box = (el.getAttribute("data-bbox") || "113.5,-3,119.5,2.8").split(",").map(Number);
    var map = L.map(el, { attributionControl: true, zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    map.fitBounds([[box[1], box[0]], [box[3], box[2]]]);
    L.control.scale({ imperial: false }).addTo(map);
    var tiles = el.getAttribute("data-tiles");
    if (tiles) { L.tileLayer(tiles, { maxZoom: 18 }).addTo(map); }
    /* The base map (coast, rivers, roads, boundaries, towns) from this app: basemap.js and
       the <meta name="pantau-basemap"> of the layout (URL and texts in the reader's language). */
    var config = document.querySelector('meta[name="pantau-basemap"]');
    if (config && window.PantauBase) {
      el.setAttribute("data-base", config.getAttribute("content"));
      ["attribution", "approximate"].forEach(function (k) {
        el.setAttribute("data-base-" + k, config.getAttribute("data-" + k) || "");
      });
      window.PantauBase.add(map, el);
    }
    return map;
  }

  function label(el, n) {
    return (el.getAttribute("data-label") || "%n").replace("%n", String(n));
  }

  function cellMap(el) {
    var map = baseMap(el);
    var layer = L.layerGroup().addTo(map);
    var url = el.getAttribute("data-cells");
    var pending = null;
    function load() {
      var b = map.getBounds();
      var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]
        .map(function (v) { return v.toFixed(4); }).join(",");
      var q = url + "?z=" + Math.round(map.getZoom()) + "&bbox=" + bbox;
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(q, { credentials: "same-origin", signal: pending.signal })
        .then(function (r) { return r.ok ? r.json() : { cells: [] }; })
        .then(function (data) {
          layer.clearLayers();
          data.cells.forEach(function (c) {
            var radius = Math.min(30, 4 + 3 * Math.sqrt(c.n));
            L.circleMarker([c.lat, c.lon], {
              radius: radius, color: "#7a1d16", weight: 1, fillColor: "#b3261e", fillOpacity: 0.55
            }).bindTooltip(label(el, c.n)).addTo(layer);
          });
          el.setAttribute("data-loaded", String(data.cells.length));
        })
        .catch(function () { /* a newer request replaced this one */ });
    }
    map.on("moveend", load);
    load();
  }

  function pointMap(el) {
    var points = JSON.parse(el.getAttribute("data-points") || "[]");
    var map = baseMap(el);
    var bounds = [];
    points.forEach(function (p) {
      L.circleMarker([p.lat, p.lon], {
        radius: 8, color: "#0b3d6b", weight: 2, fillColor: "#0b5394", fillOpacity: 0.7
      }).bindTooltip(p.label).addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length === 1) { map.setView(bounds[0], 13); }
    else if (bounds.length > 1) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 13 }); }
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll(".map[data-cells]").forEach(cellMap);
    document.querySelectorAll(".map[data-points]").forEach(pointMap);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
