/* Pantau Tambang /lapor: the service worker. Keeps the report page and its files for use with
 * no signal (a versioned cache, old versions dropped on activate) and sends the outbox when
 * Background Sync says the signal is back. */
'use strict';
var VERSION = '__VERSION__';
var CACHE = 'pantau-lapor-' + VERSION;
var PAGES = __PAGES__;
var ASSETS = __ASSETS__;
importScripts.apply(self, __SCRIPTS__);

self.addEventListener('install', function (event) {
  event.waitUntil(
    caches.open(CACHE)
      .then(function (cache) {
        // 'reload': past the browser's HTTP cache, where assets are kept for a year.
        return cache.addAll(PAGES.concat(ASSETS).map(function (url) {
          return new Request(url, { cache: 'reload' });
        }));
      })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener('activate', function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) {
        return k.indexOf('pantau-lapor-') === 0 && k !== CACHE;
      }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromNetworkFirst(request, path) {
  return fetch(request).then(function (response) {
    if (response.ok && request.url.indexOf('?') < 0) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(path).then(function (kept) {
      return kept || caches.match('/lapor');
    });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (PAGES.indexOf(url.pathname) >= 0) {
    event.respondWith(fromNetworkFirst(request, url.pathname));
    return;
  }
  if (ASSETS.indexOf(url.pathname + url.search) >= 0) {
    event.respondWith(caches.match(url.pathname + url.search).then(function (kept) {
      return kept || fetch(request);
    }));
  }
});

self.addEventListener('sync', function (event) {
  if (event.tag === 'pantau-lapor-outbox') {
    event.waitUntil(self.PantauOutbox.sendAll());
  }
});
