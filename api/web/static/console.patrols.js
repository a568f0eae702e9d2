/* Patroli: the plan's map. Routes (one colour per team), the sites to inspect, offices and
   overnight places, all from the map element's data-plan attribute; no inline script. */
(function () {
  "use strict";
  var COLOURS = ["#0b5394", "#b3261e", "#2d6a3e", "#8a4e00", "#6a1b9a", "#00695c", "#ad1457", "#37474f"];

  function planMap(el) {
    var data = JSON.parse(el.getAttribute("data-plan") || "{}");
    var map = L.map(el, { attributionControl: false, zoomSnap: 0.5 });
    L.control.scale({ imperial: false }).addTo(map);
    var bounds = [];
    (data.routes || []).forEach(function (r) {
      var latlngs = r.line.map(function (c) { return [c[1], c[0]]; });
      L.polyline(latlngs, { color: COLOURS[r.team % COLOURS.length], weight: 3, opacity: 0.85 })
        .bindTooltip(r.label).addTo(map);
      bounds = bounds.concat(latlngs);
    });
    (data.sites || []).forEach(function (s) {
      L.circleMarker([s.lat, s.lon], {
        radius: 6, color: "#1a1a1a", weight: 1, fillColor: "#e8a200", fillOpacity: 0.9
      }).bindTooltip(s.label).addTo(map);
      bounds.push([s.lat, s.lon]);
    });
    (data.places || []).forEach(function (p) {
      var d = 0.01;
      L.rectangle([[p.lat - d, p.lon - d], [p.lat + d, p.lon + d]], {
        color: p.office ? "#14452f" : "#6a1b9a", weight: 2, fillOpacity: 0.6
      }).bindTooltip(p.label).addTo(map);
      bounds.push([p.lat, p.lon]);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 12 }); }
    else { map.fitBounds([[-3, 113.5], [2.8, 119.5]]); }
    el.setAttribute("data-loaded", String((data.routes || []).length));
  }

  function start() {
    if (typeof L === "undefined") { return; }
    document.querySelectorAll(".map[data-plan]").forEach(planMap);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
