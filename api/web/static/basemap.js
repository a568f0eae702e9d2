/* Pantau Tambang: the base map under the console's maps and /lapor's pin map. The layers (land,
 * water, coastline, rivers, roads, boundaries, towns) come from this app (/static/basemap.json,
 * the same base the offline HTML maps draw, geo/maps/basemap.py), drawn on a canvas beneath the
 * data, with the same colours. No tile server, no internet. Texts come from data- attributes
 * written by the server in the reader's language: data-base (the URL), data-base-attribution
 * ("... {sources}") and data-base-approximate (said when the boundaries are approximate). */
(function () {
  'use strict';
  var ROADS = { motorway: ['#d9822b', 2.4], trunk: ['#d9822b', 2.2], primary: ['#e8a35a', 1.8],
    secondary: ['#efc27e', 1.3] };
  var DASHES = { 2: ['#5e3c99', 1.8, '8 4'], 4: ['#6a51a3', 1.5, '6 4'],
    5: ['#807dba', 1.2, '5 4'], 6: ['#9e9ac8', 0.8, '2 4'] };

  function style(key, f) {
    var p = f.properties || {};
    switch (key) {
      case 'land': return { stroke: false, fillColor: '#f3efe6', fillOpacity: 1 };
      case 'water': return { stroke: false, fillColor: '#b9d6e8', fillOpacity: 1 };
      case 'coastline': return { color: '#6c9bbd', weight: 1, fill: false };
      case 'rivers': return { color: '#5b9bd5', weight: 1.4, fill: false };
      case 'roads':
        var r = ROADS[p['class']] || ['#c8c0b0', 0.9];
        return { color: r[0], weight: r[1], fill: false };
      case 'boundaries':
        var d = DASHES[p.admin_level] || DASHES[6];
        return { color: d[0], weight: d[1], dashArray: d[2], fill: false,
          opacity: p.approximate ? 0.75 : 1 };
    }
    return {};
  }

  /* Town labels: kabupaten seats always, towns from zoom 9, villages from zoom 11. */
  function declutter(map, labels) {
    var z = map.getZoom();
    labels.forEach(function (item) {
      var show = item.rank <= 1 || (item.rank === 2 && z >= 9) || z >= 11;
      if (show) { item.marker.openTooltip(); } else { item.marker.closeTooltip(); }
    });
  }

  function draw(map, base, el) {
    var L = window.L;
    [['pantauBase', 250], ['pantauBaseLabels', 390]].forEach(function (p) {
      var pane = map.createPane(p[0]);
      pane.style.zIndex = p[1];
      pane.style.pointerEvents = 'none';
    });
    if (base.tiles) {  // a raster base map: the app's own tiles (PANTAU_MAPS_BASEMAP)
      L.tileLayer(base.tiles, { pane: 'pantauBase', maxZoom: 19 }).addTo(map);
    }
    var renderer = L.canvas({ pane: 'pantauBase', padding: 0.5 });
    var labels = [];
    var group = L.layerGroup();
    base.order.forEach(function (key) {
      if (!base.layers[key]) { return; }
      group.addLayer(L.geoJSON(base.layers[key], {
        interactive: false, pane: 'pantauBase', renderer: renderer,
        style: function (f) { return style(key, f); },
        pointToLayer: function (f, ll) {
          var rank = f.properties.rank || 3;
          var dot = L.circleMarker(ll, { renderer: renderer, pane: 'pantauBase', interactive: false,
            radius: rank === 1 ? 3.5 : 2.5, weight: 1, color: '#333', fillColor: '#fff',
            fillOpacity: 1 });
          dot.bindTooltip(String(f.properties.name || ''), { permanent: true, direction: 'right',
            offset: [4, 0], pane: 'pantauBaseLabels', interactive: false,
            className: 'pantau-place pantau-place-' + rank });
          labels.push({ marker: dot, rank: rank });
          return dot;
        }
      }));
    });
    group.addTo(map);
    map.getContainer().style.background = base.layers.land ? '#b9d6e8' : '#f3efe6';
    var text = (el.getAttribute('data-base-attribution') || '{sources}')
      .split('{sources}').join(base.sources.join('; '));
    if (base.approximate && el.getAttribute('data-base-approximate')) {
      text += ' · ' + el.getAttribute('data-base-approximate');
    }
    var control = map.attributionControl || L.control.attribution({ prefix: false }).addTo(map);
    var span = document.createElement('span');
    span.textContent = text;  // text, never HTML
    control.addAttribution(span.innerHTML);
    map.on('zoomend', function () { declutter(map, labels); });
    declutter(map, labels);
    el.setAttribute('data-base-layers', base.order.concat(base.tiles ? ['tiles'] : []).join(','));
    return group;
  }

  /* Fetch the base once per page (the browser and /lapor's service worker keep it) and draw it. */
  var pending = {};
  function add(map, el) {
    var url = el.getAttribute('data-base');
    if (!url || !window.fetch) { return Promise.resolve(null); }
    pending[url] = pending[url] || fetch(url, { credentials: 'same-origin' })
      .then(function (r) { return r.ok ? r.json() : null; });
    return pending[url].then(function (base) {
      if (!base || (!base.order.length && !base.tiles)) {
        el.setAttribute('data-base-layers', '');
        return null;
      }
      return draw(map, base, el);
    }).catch(function () { el.setAttribute('data-base-layers', ''); return null; });
  }

  window.PantauBase = { add: add };
})();
