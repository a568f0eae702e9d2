/* Pantau Tambang /lapor: the outbox of reports kept on the phone until they are sent.
 *
 * Shared by the page (lapor.js) and the service worker (Background Sync): both load
 * idb-keyval first. An item is the form's text fields, its photos and videos (Blobs) and an
 * idempotency key made on the phone. It is sent to POST /lapor with that key, so the server
 * stores it once however often it is sent; the item leaves the outbox only after the server
 * answered with the report's tracking code (201 new, 200 the same report again).
 */
(function (root) {
  'use strict';
  var idb = root.idbKeyval;
  var outbox = idb.createStore('pantau-lapor-outbox', 'outbox');
  var mine = idb.createStore('pantau-lapor-mine', 'mine');
  var sending = null;

  function newKey() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    root.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  /* Keep a filled form: text fields as pairs, files as Blobs. Returns the stored item. */
  function add(formData) {
    var item = { key: newKey(), createdAt: new Date().toISOString(), fields: [], files: [], error: null };
    formData.forEach(function (value, name) {
      if (name === 'idempotency_key') { return; }
      if (typeof value === 'string') { item.fields.push([name, value]); }
      else if (value && value.size > 0) {
        item.files.push({ field: name, name: value.name || 'bukti', type: value.type, blob: value });
      }
    });
    return idb.set(item.key, item, outbox).then(function () { return item; });
  }

  function pending() { return idb.values(outbox); }
  function sent() { return idb.values(mine); }
  function remove(key) { return idb.del(key, outbox); }

  function body(item) {
    var fd = new FormData();
    item.fields.forEach(function (pair) { fd.append(pair[0], pair[1]); });
    item.files.forEach(function (f) { fd.append('evidence', f.blob, f.name); });
    fd.append('idempotency_key', item.key);
    return fd;
  }

  /* Send one item. Resolves {code} when stored, {errors} when refused for good (the item is
   * kept, marked, for the reporter to see), {retry: true} when there was no answer. */
  function sendOne(item) {
    return fetch('/lapor', {
      method: 'POST',
      body: body(item),
      headers: { 'Accept': 'application/json', 'Idempotency-Key': item.key },
      credentials: 'same-origin',
      cache: 'no-store'
    }).then(function (response) {
      if (response.status === 200 || response.status === 201) {
        return response.json().then(function (receipt) {
          var record = { code: receipt.code, sentAt: new Date().toISOString(), key: item.key };
          return idb.set(receipt.code, record, mine)
            .then(function () { return remove(item.key); })
            .then(function () { return { code: receipt.code }; });
        });
      }
      if (response.status === 422 || response.status === 409 || response.status === 413) {
        return response.json().then(function (answer) {
          item.error = answer.error ? answer.error.message : String(response.status);
          return idb.set(item.key, item, outbox).then(function () {
            return { errors: answer.errors || {}, status: response.status };
          });
        });
      }
      return { retry: true };  // 429, 5xx: try again later
    }, function () { return { retry: true }; });
  }

  function sendAllNow() {
    return pending().then(function (items) {
      var results = [];
      var chain = Promise.resolve();
      items.filter(function (i) { return !i.error; }).forEach(function (item) {
        chain = chain.then(function () {
          return sendOne(item).then(function (r) { results.push(r); });
        });
      });
      return chain.then(function () { return results; });
    });
  }

  /* Run ``work`` holding the outbox lock: one sender at a time in this browser, page or worker. */
  function locked(work) {
    return (root.navigator && root.navigator.locks)
      ? root.navigator.locks.request('pantau-lapor-outbox', work)
      : work();
  }

  /* Send every waiting item once. */
  function sendAll() {
    if (sending) { return sending; }
    sending = Promise.resolve(locked(sendAllNow)).then(function (r) { sending = null; return r; },
                                                        function (e) { sending = null; throw e; });
    return sending;
  }

  /* Send one item now, unless another sender already did: then its code, from "my reports". */
  function send(key) {
    return locked(function () {
      return idb.get(key, outbox).then(function (item) {
        if (item) { return sendOne(item); }
        return sent().then(function (records) {
          var done = records.filter(function (r) { return r.key === key; })[0];
          return done ? { code: done.code } : { retry: true };
        });
      });
    });
  }

  root.PantauOutbox = {
    add: add, pending: pending, sent: sent, remove: remove,
    send: send, sendOne: sendOne, sendAll: sendAll
  };
})(self);
