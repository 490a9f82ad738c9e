/* The phone app's service worker (scope {{ scope }}): the app shell is precached under a cache
   named for its version; app pages come from the network, and the offline page stands in when
   there is none. Personal pages and API answers are never put in any cache. */
"use strict";
const CACHE = "cme-app-shell-{{ version }}";
const SHELL = {{ urls|tojson }};
const OFFLINE = {{ offline|tojson }};

self.addEventListener("install", (event) => {
  // Without cookies: the offline page says nothing about anyone.
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, {cache: "reload", credentials: "omit"}))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith("cme-app-shell-") && n !== CACHE).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE)));
  } else if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
});
