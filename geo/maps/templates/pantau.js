/* Pantau Tambang map runtime: layers built from data, popups built with text nodes only
 * (user text never reaches innerHTML), a reporting-period filter, and a registry that tests,
 * briefings and benchmarks read through window.pantau. First-party code, no dependencies
 * beyond Leaflet and the plugins the map pulls in. */
(function () {
  "use strict";
  var registry = {};
  var filterables = [];
  var clusters = [];
  var started = false;
  var DAY = 86400000;

  function node(tag, className, text) {
    var el = document.createElement(tag);
    if (className) { el.className = className; }
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    return el;
  }

  function isoDay(day) {
    return new Date(day * DAY).toISOString().slice(0, 10);
  }

  /* A day as the reader's locale writes it ("20 Nov 2026"); ISO when no locale or no Intl. */
  function showDay(day, locale) {
    if (locale && window.Intl) {
      try {
        return new Intl.DateTimeFormat(locale, {day: "numeric", month: "short", year: "numeric",
                                                timeZone: "UTC"}).format(new Date(day * DAY));
      } catch (e) { /* an unknown locale: fall through to ISO */ }
    }
    return isoDay(day);
  }

  /* card = {title, subtitle, rows: [[label, value]], reasons: {label, items}, link: {href, text}} */
  function card(spec) {
    var root = node("div", "pantau-card");
    root.appendChild(node("div", "pantau-card-title", spec.title));
    if (spec.subtitle) { root.appendChild(node("div", "pantau-card-subtitle", spec.subtitle)); }
    var table = node("table", "pantau-card-rows");
    (spec.rows || []).forEach(function (row) {
      var tr = node("tr");
      tr.appendChild(node("th", null, row[0]));
      tr.appendChild(node("td", null, row[1]));
      table.appendChild(tr);
    });
    root.appendChild(table);
    if (spec.reasons && spec.reasons.items && spec.reasons.items.length) {
      root.appendChild(node("div", "pantau-card-heading", spec.reasons.label));
      var ul = node("ul", "pantau-card-reasons");
      spec.reasons.items.forEach(function (item) { ul.appendChild(node("li", null, item)); });
      root.appendChild(ul);
    }
    if (spec.link && /^(https?:\/\/|\/)/.test(spec.link.href)) {
      var a = node("a", "pantau-card-link", spec.link.text);
      a.setAttribute("href", spec.link.href);
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
      root.appendChild(a);
    }
    return root;
  }

  function tooltip(text) {
    return function () { return node("span", null, text); };
  }

  function register(key, layer, count) {
    registry[key] = {layer: layer, count: count};
  }

  /* A GeoJSON layer whose features carry _style, _card and _tip properties made in Python. */
  function featureLayer(key, data, options) {
    options = options || {};
    var layer = L.geoJSON(data, {
      attribution: options.attribution,
      pointToLayer: function (feature, latlng) {
        return L.circleMarker(latlng, (feature.properties || {})._style || {});
      },
      style: function (feature) { return (feature.properties || {})._style || {}; },
      onEachFeature: function (feature, lyr) {
        var p = feature.properties || {};
        if (p._card) { lyr.bindPopup(function () { return card(p._card); }, {maxWidth: 360}); }
        if (p._tip) { lyr.bindTooltip(tooltip(p._tip)); }
      }
    });
    register(key, layer, function () { return layer.getLayers().length; });
    return layer;
  }

  /* Report points: columnar data {lat, lon, day, card fields...}; clustered or canvas markers.
   * Markers carry only their row index; one click handler on the layer builds the popup on
   * demand, so 10^5 reports do not mean 10^5 popup objects. */
  function reportLayer(key, data, options) {
    var n = data.lat.length;
    var clustered = options.cluster && L.markerClusterGroup;
    var many = !clustered && n > options.canvasFrom;
    function open(index) {
      var popup = L.popup({maxWidth: 360})
        .setLatLng([data.lat[index], data.lon[index]])
        .setContent(reportCard(data, index, options));
      popup.openOn(window.pantauMap);
      return popup;
    }
    var group, markers = [];
    if (many) {
      PointCanvas = PointCanvas || definePointCanvas();
      group = new PointCanvas(data, {radius: 4, fillColor: "#54278f", fillOpacity: 0.7}, open);
    } else {
      group = clustered
        ? L.markerClusterGroup({chunkedLoading: true, chunkInterval: 150,
            showCoverageOnHover: false, maxClusterRadius: 50,
            chunkProgress: function (done, total) {
              if (done === total) { group.pantauLoaded = true; }
            }})
        : L.featureGroup();
      for (var i = 0; i < n; i++) { markers.push(makeReportMarker(data, i)); }
      group.on("click", function (e) {
        if (e.layer && e.layer.pantauIndex !== undefined) { open(e.layer.pantauIndex); }
      });
    }
    var shown = 0;
    function apply(from, to) {
      var keep = [];
      for (var j = 0; j < n; j++) {
        var d = data.day[j];
        if ((from === null || d >= from) && (to === null || d <= to)) { keep.push(j); }
      }
      shown = keep.length;
      if (many) { group.setIndices(keep); return; }
      group.clearLayers();
      var layers = keep.map(function (j) { return markers[j]; });
      if (clustered) {
        group.pantauLoaded = layers.length === 0;
        if (layers.length) { group.addLayers(layers); }
      } else {
        layers.forEach(function (mk) { group.addLayer(mk); });
      }
    }
    if (clustered) { clusters.push(group); }
    apply(options.from, options.to);
    filterables.push(apply);
    registry[key] = {layer: group, count: function () { return shown; }, open: open, size: n,
                     latlng: function (i) { return L.latLng(data.lat[i], data.lon[i]); }};
    return group;
  }

  function makeReportMarker(data, i) {
    var count = data.count ? data.count[i] : 1;
    var radius = data.count ? Math.min(22, 5 + 3 * Math.sqrt(count)) : 5;
    var mk = L.circleMarker([data.lat[i], data.lon[i]], {
      radius: radius, color: "#4a1486", weight: 1, fillColor: "#807dba", fillOpacity: 0.8
    });
    mk.pantauIndex = i;
    return mk;
  }

  function reportCard(data, i, options) {
    var rows = [];
    (options.fields || []).forEach(function (f) {
      var v = data[f.key] ? data[f.key][i] : null;
      if (v !== null && v !== undefined && v !== "") {
        rows.push([f.label, f.key === "day" ? showDay(v, options.locale) : v]);
      }
    });
    var title = data.title ? data.title[i] : options.heading;
    return card({title: title, rows: rows});
  }

  /* Many points on one canvas: one path and one fill for all of them, a pixel grid for clicks.
   * Used above the clustering limit, where one Leaflet object per point costs seconds. */
  var PointCanvas = null;  // defined on first use: Leaflet may load after this runtime

  function definePointCanvas() {
    return L.Layer.extend({
    initialize: function (data, style, onClick) {
      this._data = data; this._style = style; this._onClick = onClick;
      this._indices = [];
    },
    setIndices: function (indices) { this._indices = indices; this._draw(); },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "leaflet-zoom-hide pantau-points");
      // Clicks go through to the sites' canvas below; points are found from the map's click.
      this._canvas.style.pointerEvents = "none";
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._draw, this);
      map.on("click", this._click, this);
      this._draw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this._draw, this);
      map.off("click", this._click, this);
    },
    _draw: function () {
      var map = this._map;
      if (!map) { return; }
      var size = map.getSize(), canvas = this._canvas, r = this._style.radius;
      var ratio = window.devicePixelRatio || 1;
      canvas.width = size.x * ratio; canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px"; canvas.style.height = size.y + "px";
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.fillStyle = this._style.fillColor;
      ctx.globalAlpha = this._style.fillOpacity;
      ctx.beginPath();
      var grid = {}, cell = 2 * r + 4, lat = this._data.lat, lon = this._data.lon;
      for (var k = 0; k < this._indices.length; k++) {
        var i = this._indices[k];
        var p = map.latLngToContainerPoint([lat[i], lon[i]]);
        if (p.x < -r || p.y < -r || p.x > size.x + r || p.y > size.y + r) { continue; }
        ctx.moveTo(p.x + r, p.y);
        ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
        var key = Math.floor(p.x / cell) + ":" + Math.floor(p.y / cell);
        (grid[key] = grid[key] || []).push([i, p.x, p.y]);
      }
      ctx.fill();
      this._grid = grid; this._cell = cell;
    },
    _click: function (e) {
      if (e.propagatedFrom || e.layer) { return; }  // a site, hotspot or base was clicked
      var p = e.containerPoint, cell = this._cell, best = null, bestD = Infinity;
      var r = this._style.radius + 2;
      for (var dx = -1; dx <= 1; dx++) {
        for (var dy = -1; dy <= 1; dy++) {
          var items = this._grid[(Math.floor(p.x / cell) + dx) + ":" + (Math.floor(p.y / cell) + dy)];
          (items || []).forEach(function (it) {
            var d = (it[1] - p.x) * (it[1] - p.x) + (it[2] - p.y) * (it[2] - p.y);
            if (d <= r * r && d < bestD) { bestD = d; best = it[0]; }
          });
        }
      }
      if (best !== null) { this._onClick(best); }
    }
  });
  }

  /* Heat map of the reports inside the last `days` days of the selected period. */
  function heatLayer(key, data, options) {
    var layer = L.heatLayer([], {radius: options.radius || 18, blur: 15, maxZoom: 11});
    var shown = 0;
    function apply(from, to) {
      var end = to === null ? options.to : to;
      var start = end === null ? null : end - options.days;
      if (from !== null && start !== null) { start = Math.max(start, from); }
      var pts = [];
      for (var j = 0; j < data.lat.length; j++) {
        var d = data.day[j];
        if ((start === null || d >= start) && (end === null || d <= end)) {
          pts.push([data.lat[j], data.lon[j], data.count ? data.count[j] : 1]);
        }
      }
      shown = pts.length;
      layer.setLatLngs(pts);
    }
    apply(options.from, options.to);
    filterables.push(apply);
    register(key, layer, function () { return shown; });
    return layer;
  }

  function setPeriod(from, to) {
    filterables.forEach(function (apply) { apply(from, to); });
  }

  /* Two range inputs (from/to, in days) over the reporting period. */
  function periodControl(options) {
    var ctrl = L.control({position: options.position || "bottomleft"});
    ctrl.onAdd = function () {
      var box = node("div", "pantau-period leaflet-bar");
      box.appendChild(node("div", "pantau-period-title", options.label));
      var out = node("div", "pantau-period-value");
      function slider(labelText, value) {
        var row = node("label", "pantau-period-row");
        row.appendChild(node("span", null, labelText));
        var input = node("input");
        input.type = "range"; input.min = options.min; input.max = options.max;
        input.step = 1; input.value = value;
        row.appendChild(input);
        box.appendChild(row);
        return input;
      }
      var a = slider(options.fromLabel, options.from);
      var b = slider(options.toLabel, options.to);
      box.appendChild(out);
      function update() {
        var from = Math.min(+a.value, +b.value), to = Math.max(+a.value, +b.value);
        out.textContent = showDay(from, options.locale) + " \u2013 " + showDay(to, options.locale);
        setPeriod(from, to);
      }
      a.addEventListener("input", update);
      b.addEventListener("input", update);
      out.textContent = showDay(options.from, options.locale) + " \u2013 " +
        showDay(options.to, options.locale);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    return ctrl;
  }

  /* A box control (legend, title block) whose content is a DOM tree built from a spec. */
  function boxControl(position, className, build) {
    var ctrl = L.control({position: position});
    ctrl.onAdd = function () {
      var box = node("div", className);
      build(box, node);
      L.DomEvent.disableClickPropagation(box);
      return box;
    };
    return ctrl;
  }

  /* Tiles have settled when no tile layer is still loading one and none is still fading in
   * (Leaflet fades a tile in over 200 ms after it loads; a failed tile counts as settled). */
  function tilesSettled(map) {
    var loading = false;
    map.eachLayer(function (layer) {
      if (layer instanceof L.GridLayer && layer.isLoading()) { loading = true; }
    });
    if (loading) { return false; }
    var tiles = map.getContainer().querySelectorAll('.leaflet-tile');
    for (var i = 0; i < tiles.length; i++) {
      var opacity = tiles[i].style.opacity;
      if (opacity !== '' && Number(opacity) < 1) { return false; }
    }
    return true;
  }

  /* Ready once the page ran to its end, the view has settled, every clustered layer on the
   * map has loaded and its tiles are drawn: a briefing's screenshot is taken then. */
  function ready() {
    var map = window.pantauMap;
    var moving = map && (map._animatingZoom || (map._panAnim && map._panAnim._inProgress));
    return started && !moving && (!map || tilesSettled(map)) &&
      clusters.every(function (g) { return !g._map || g.pantauLoaded; });
  }

  function start(map) {
    window.pantauMap = map;
    started = true;
  }

  /* Open the popup of report `index` of layer `key`, as a click on its marker does. */
  function openReport(key, index) {
    return registry[key].open(index);
  }

  function counts() {
    var out = {};
    Object.keys(registry).forEach(function (k) { out[k] = registry[k].count(); });
    return out;
  }

  window.pantau = {
    card: card, node: node, featureLayer: featureLayer, reportLayer: reportLayer,
    heatLayer: heatLayer, periodControl: periodControl, boxControl: boxControl,
    setPeriod: setPeriod, start: start, ready: ready, openReport: openReport, counts: counts, registry: registry, isoDay: isoDay,
    showDay: showDay
  };
})();
