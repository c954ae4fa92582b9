/* A service worker that keeps one thing: Plotly's content-hashed bundle, in the browser's Cache Storage.
   Installed from the sign-in page. A script stored while its worker installs is compiled by Chromium at once
   and its compiled code kept beside it (V8's code cache), so the first chart page of a session starts Plotly
   without compiling 1 MB of JavaScript. Pages, API answers and downloads hold clinical data: this worker never
   stores or answers them (it answers only the bundle's URL; everything else goes to the network untouched).
   The server writes the bundle's URL below (dashboards/assets.py), so a new bundle is a new worker, which
   replaces the old copy. */
'use strict';
var BUNDLE = '__PLOTLY_BUNDLE__';
var CACHE = 'plotly-bundle';
var HASHED = /^\/assets\/plotly-[0-9a-f]{16}\.min\.js$/;  // the only URLs ever stored

self.addEventListener('install', function (event) {
  if (!HASHED.test(BUNDLE)) { return; }
  if (event.addRoutes) {  // where the browser can (Chromium), everything else bypasses this worker unstarted
    event.waitUntil(event.addRoutes({condition: {not: {urlPattern: new URLPattern({pathname: BUNDLE})}},
                                     source: 'network'}).catch(function () {}));
  }
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.add(BUNDLE);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {  // drop an older bundle, and anything else
    return cache.keys().then(function (requests) {
      return Promise.all(requests.filter(function (request) {
        return new URL(request.url).pathname !== BUNDLE;
      }).map(function (request) { return cache.delete(request); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var url = new URL(event.request.url);
  if (url.origin !== self.location.origin || url.pathname !== BUNDLE || event.request.method !== 'GET') {
    return;  // not answered here: the browser fetches it as if there were no worker
  }
  event.respondWith(caches.open(CACHE).then(function (cache) {
    return cache.match(event.request);
  }).then(function (kept) { return kept || fetch(event.request); }));
});
