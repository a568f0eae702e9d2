/* Pantau Tambang /lapor: the report form, enhanced. Without this file the form is a plain
 * multipart POST; with it the phone's position and a pin on a map (no tiles needed) fill the
 * coordinates, and every report goes to the outbox on the phone (lapor.outbox.js) first, so a
 * report made with no signal is sent automatically, once, when the signal returns.
 * Every text shown comes from the page (data-msg-* attributes, in the reader's language). */
(function () {
  'use strict';
  var doc = document;
  var outbox = window.PantauOutbox;
  var form = doc.getElementById('report-form');
  var statusBox = doc.getElementById('form-status');
  var mineBox = doc.getElementById('mine');

  /* Kabupaten and kota seats of East Kalimantan, so a pin can be placed with no map tiles. */
  var TOWNS = [
    ['Samarinda', -0.502, 117.154], ['Balikpapan', -1.265, 116.831], ['Bontang', 0.133, 117.500],
    ['Tenggarong', -0.423, 116.985], ['Sendawar', -0.232, 115.707], ['Sangatta', 0.494, 117.560],
    ['Tanjung Redeb', 2.151, 117.494], ['Tanah Grogot', -1.911, 116.198],
    ['Penajam', -1.294, 116.707], ['Ujoh Bilang', 0.736, 115.017]
  ];

  function msg(el, name, values) {
    var text = (el && el.getAttribute('data-msg-' + name)) || '';
    Object.keys(values || {}).forEach(function (k) { text = text.split('{' + k + '}').join(values[k]); });
    return text;
  }

  function say(text) { if (statusBox) { statusBox.textContent = text; } }

  Array.prototype.forEach.call(doc.querySelectorAll('.js-only'), function (el) { el.hidden = false; });

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/lapor/sw.js', { scope: '/lapor' }).catch(function () {});
  }

  function requestSync() {
    if (!('serviceWorker' in navigator)) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync) { return reg.sync.register('pantau-lapor-outbox'); }
    }).catch(function () {});
  }

  /* ---- where: the phone's position, a pin, typed coordinates ---- */
  var field = function (id) { return doc.getElementById(id); };
  var pin = null;
  var map = null;

  function setPoint(lat, lon, source, accuracy) {
    field('lat').value = lat.toFixed(5);
    field('lon').value = lon.toFixed(5);
    field('location_source').value = source;
    field('accuracy_m').value = accuracy === undefined ? '' : String(Math.round(accuracy));
    showPin(lat, lon);
  }

  function showPin(lat, lon) {
    if (!map) { return; }
    if (pin) { pin.setLatLng([lat, lon]); }
    else {
      pin = window.L.circleMarker([lat, lon], {
        radius: 10, color: '#b3261e', weight: 3, fillColor: '#ffffff', fillOpacity: 0.9
      }).addTo(map);
    }
  }

  /* Without the app's base map (none configured): degree lines and the kabupaten seats. */
  function graticule(L) {
    var lines = { color: '#7d8c6e', weight: 1, opacity: 0.8, interactive: false };
    for (var lon = 113; lon <= 120; lon += 1) {
      L.polyline([[-3.5, lon], [3.5, lon]], lines).addTo(map);
    }
    for (var lat = -3; lat <= 3; lat += 1) {
      L.polyline([[lat, 112.5], [lat, 120.5]], lines).addTo(map);
    }
    TOWNS.forEach(function (town) {
      L.circleMarker([town[1], town[2]], {
        radius: 4, color: '#333333', weight: 1, fillColor: '#333333', fillOpacity: 1, interactive: false
      }).bindTooltip(town[0], { permanent: true, direction: 'right', className: 'graticule-label' })
        .addTo(map);
    });
  }

  function makeMap() {
    var el = field('map');
    if (!el || !window.L) { return; }
    var L = window.L;
    map = L.map(el, { center: [-0.3, 116.4], zoom: 6, attributionControl: true });
    map.attributionControl.setPrefix(false);
    /* The base map (coast, rivers, roads, towns) comes from this app and is kept by the
     * service worker, so it is there with no signal too. */
    var based = window.PantauBase ? window.PantauBase.add(map, el) : Promise.resolve(null);
    based.then(function (layer) { if (!layer) { graticule(L); } });
    map.on('click', function (e) {
      setPoint(e.latlng.lat, e.latlng.lng, 'map_pin');
      say(msg(form, 'pinned', { lat: field('lat').value, lon: field('lon').value }));
    });
    ['lat', 'lon'].forEach(function (id) {
      field(id).addEventListener('change', function () {
        var la = parseFloat(field('lat').value.replace(',', '.'));
        var lo = parseFloat(field('lon').value.replace(',', '.'));
        field('location_source').value = 'map_pin';
        field('accuracy_m').value = '';
        if (isFinite(la) && isFinite(lo)) { showPin(la, lo); map.panTo([la, lo]); }
      });
    });
  }

  function useGps() {
    if (!navigator.geolocation) { say(msg(form, 'gps-fail')); return; }
    say(msg(form, 'gps-wait'));
    navigator.geolocation.getCurrentPosition(function (p) {
      setPoint(p.coords.latitude, p.coords.longitude, 'device_gps', p.coords.accuracy);
      if (map) { map.setView([p.coords.latitude, p.coords.longitude], 12); }
      say(msg(form, 'gps-ok', { m: String(Math.round(p.coords.accuracy)) }));
    }, function () { say(msg(form, 'gps-fail')); }, { enableHighAccuracy: true, timeout: 30000, maximumAge: 60000 });
  }

  /* ---- errors next to their fields ---- */
  function clearErrors() {
    Array.prototype.forEach.call(form.querySelectorAll('p.error'), function (p) { p.remove(); });
    Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (el) {
      el.removeAttribute('aria-invalid');
      var ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(function (id) {
        return id && id.slice(-6) !== '-error';
      });
      el.setAttribute('aria-describedby', ids.join(' '));
    });
    Array.prototype.forEach.call(form.querySelectorAll('.has-error'), function (el) {
      el.classList.remove('has-error');
    });
  }

  function showErrors(errors) {
    var first = null;
    var general = [];
    Object.keys(errors).forEach(function (name) {
      var control = name ? field(name) : null;
      if (!control) { general.push(errors[name]); return; }
      var box = control.closest('.field') || control.closest('fieldset');
      var p = doc.createElement('p');
      p.className = 'error';
      p.id = name + '-error';
      p.textContent = errors[name];
      control.parentNode.insertBefore(p, control);
      box.classList.add('has-error');
      control.setAttribute('aria-invalid', 'true');
      control.setAttribute('aria-describedby', ((control.getAttribute('aria-describedby') || '') + ' ' + p.id).trim());
      first = first || control;
    });
    say([msg(form, 'errors')].concat(general).join(' '));
    if (first) { first.focus(); }
  }

  /* ---- my reports: sent codes and what is waiting ---- */
  function renderMine() {
    if (!mineBox || !outbox) { return Promise.resolve(); }
    return Promise.all([outbox.sent(), outbox.pending()]).then(function (lists) {
      var list = doc.getElementById('mine-list');
      list.textContent = '';
      lists[0].sort(function (a, b) { return a.sentAt < b.sentAt ? 1 : -1; }).forEach(function (r) {
        var li = doc.createElement('li');
        var a = doc.createElement('a');
        a.href = '/lapor/status?kode=' + encodeURIComponent(r.code);
        a.textContent = r.code;
        a.className = 'mine-code';
        li.appendChild(a);
        li.appendChild(doc.createTextNode(' · ' + new Date(r.sentAt).toLocaleString()));
        list.appendChild(li);
      });
      lists[1].forEach(function (item) {
        var li = doc.createElement('li');
        li.className = 'pending';
        var when = new Date(item.createdAt).toLocaleString();
        li.textContent = when + ': ' + (item.error ? msg(mineBox, 'failed', { message: item.error }) : msg(mineBox, 'pending'));
        if (item.error) {
          var del = doc.createElement('button');
          del.type = 'button';
          del.textContent = msg(mineBox, 'delete');
          del.addEventListener('click', function () { outbox.remove(item.key).then(renderMine); });
          li.appendChild(del);
        }
        list.appendChild(li);
      });
      mineBox.hidden = lists[0].length + lists[1].length === 0;
    });
  }

  function flush() {
    if (!outbox || !navigator.onLine) { return Promise.resolve(); }
    return outbox.sendAll().then(renderMine, renderMine);
  }

  /* With no signal the server cannot check the report now: the two refusals a reporter can
   * fix on the spot are checked here, so the report does not wait for a signal to be refused. */
  function offlineErrors() {
    var errors = {};
    if (!field('description').value.trim()) { errors.description = msg(form, 'need-description'); }
    var point = field('lat').value.trim() && field('lon').value.trim();
    if (!point && !field('location_text').value.trim()) { errors.location_text = msg(form, 'need-place'); }
    return errors;
  }

  /* ---- sending ---- */
  function submit(event) {
    if (!outbox) { return; }  // no IndexedDB helper: the plain POST
    event.preventDefault();
    var button = field('send-button');
    clearErrors();
    if (!navigator.onLine) {
      var missing = offlineErrors();
      if (Object.keys(missing).length) { showErrors(missing); return; }
    }
    button.disabled = true;
    var data = new FormData(form);
    outbox.add(data).then(function (item) {
      if (!navigator.onLine) { return { retry: true }; }
      say(msg(form, 'sending'));
      return outbox.send(item.key).then(function (result) {
        if (result.errors) { return outbox.remove(item.key).then(function () { return result; }); }
        return result;
      });
    }, function () {
      form.submit();  // the phone cannot keep it (private mode): send as a plain form
      return {};
    }).then(function (result) {
      button.disabled = false;
      if (result.code) {
        window.location.assign('/lapor/terkirim?kode=' + encodeURIComponent(result.code));
      } else if (result.errors) {
        showErrors(result.errors);
      } else if (result.retry) {
        say(msg(form, navigator.onLine ? 'retry' : 'offline'));
        requestSync();
        form.reset();
        if (pin && map) { map.removeLayer(pin); pin = null; }
        renderMine();
        statusBox.focus && statusBox.scrollIntoView();
      }
    });
  }

  if (form) {
    form.addEventListener('submit', submit);
    var gps = field('gps-button');
    if (gps) { gps.addEventListener('click', useGps); }
    makeMap();
  }
  window.addEventListener('online', flush);
  // A busy server (429, 5xx) is tried again while the page is open.
  window.setInterval(function () { outbox && outbox.pending().then(function (items) { if (items.length) { flush(); } }); }, 60000);
  renderMine().then(flush);
  window.PantauLapor = { flush: flush, renderMine: renderMine };
})();
