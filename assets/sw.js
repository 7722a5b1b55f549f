// Candidate Security Guide service worker: every guidance page offline, one version at a time.
//
// The server serves this file at {base}/sw.js with the next line replaced by the build's manifest:
//   {"version": "abc123", "base": "/security", "precache": ["/security/", "/security/guidance/...", ...]}
// (precache: every page, the web app manifest and every content-hashed asset and icon).
//
// Rules:
// - Install downloads the whole precache into `cs-<version>`: all of it or nothing.
// - Activate deletes the other `cs-` caches. It takes control of open pages only on the first install or
//   after the person pressed "Reload" on the update notice (the page sends SKIP_WAITING).
// - Only GET requests to this origin, inside the base path, are handled.
// - Nothing under {base}/api/ or {base}/search is ever cached or answered from the cache: network only.
//   A /search page that cannot be fetched (offline) gets the saved offline page instead.
// - Pages: cache first (a known page path matches whatever its query string), then the network, then the
//   saved offline page. Assets: cache first, then the network.
// - Only this worker's own cache is ever read, so a page, its stylesheet and its script always come from
//   the same version. Reading never creates the cache (the Offline page may have removed it).
// - The semantic model (MANIFEST.semantic, about 3 MB) is not part of the install, so it never delays the
//   offline copy: the search worker asks for it once the bundle is loaded, and this worker keeps it in the
//   cache "cs-semantic" (cache first, stored on the first successful download; activate drops other models).
//   A search worker started before this worker took control (a first visit) fetches it past this worker: the
//   page then sends {type: "KEEP_SEMANTIC"}, and this worker keeps it if it is not kept yet.
// - A page may ask about the copy ({type: "STATUS"} with a MessagePort): the answer is {version, complete,
//   saved, total, savedAt, semantic}, savedAt being the Date the server sent with the saved home page (ms),
//   or null, and semantic whether the semantic model is saved.
const MANIFEST = {};

const VERSION = typeof MANIFEST.version === "string" && MANIFEST.version ? MANIFEST.version : "dev";
const BASE = typeof MANIFEST.base === "string" ? MANIFEST.base.replace(/\/+$/, "") : "";
const CACHE = `cs-${VERSION}`;
const CACHE_PREFIX = "cs-";
const SCOPE = `${BASE}/`;
const API_PREFIX = `${BASE}/api/`;
const SEARCH_PATH = `${BASE}/search`;
const OFFLINE_PATH = `${BASE}/offline`;
const ASSET_PREFIX = `${BASE}/assets/`;
const SEMANTIC_CACHE = "cs-semantic";

/** A precache entry as an absolute path under the base path ("/guidance/x" becomes "/security/guidance/x"). */
function underBase(path) {
  if (typeof path !== "string" || !path.startsWith("/")) return null;
  if (!BASE || path === BASE || path.startsWith(`${BASE}/`)) return path;
  return BASE + path;
}

const SEMANTIC_PATH = typeof MANIFEST.semantic === "string" ? underBase(MANIFEST.semantic) : null;

const PRECACHE = Array.from(
  new Set((Array.isArray(MANIFEST.precache) ? MANIFEST.precache : []).map(underBase).filter(Boolean)),
);

/** Paths of the saved pages (everything that is not an asset or the manifest). */
const PAGE_PATHS = new Set(
  PRECACHE.filter((path) => !path.startsWith(ASSET_PREFIX) && !path.endsWith(".webmanifest")).map(
    (path) => new URL(path, self.location.origin).pathname,
  ),
);

let accepted = false;

function isSearch(pathname) {
  return pathname === SEARCH_PATH || pathname.startsWith(`${SEARCH_PATH}/`);
}

/** A response the Cache API and navigations accept: redirected responses are copied without the redirect flag. */
async function storable(response) {
  if (!response.redirected) return response;
  const body = await response.blob();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

async function precache() {
  // Download everything first; write the cache only when every download succeeded.
  const entries = await Promise.all(
    PRECACHE.map(async (path) => {
      const isAsset = path.startsWith(ASSET_PREFIX);
      // Hashed assets never change, so the HTTP cache may answer; pages are revalidated.
      const request = new Request(path, { cache: isAsset ? "default" : "no-cache", credentials: "same-origin" });
      const response = await fetch(request);
      if (!response.ok) throw new Error(`precache: ${path} answered HTTP ${response.status}`);
      return [path, await storable(response)];
    }),
  );
  const cache = await caches.open(CACHE);
  try {
    await Promise.all(entries.map(([path, response]) => cache.put(path, response)));
  } catch (error) {
    await caches.delete(CACHE);
    throw error;
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    precache().catch(async (error) => {
      await caches.delete(CACHE);
      throw error;
    }),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      const older = names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE && name !== SEMANTIC_CACHE);
      await Promise.all(older.map((name) => caches.delete(name)));
      // Keep only this version's semantic model.
      if (names.includes(SEMANTIC_CACHE)) {
        const models = await caches.open(SEMANTIC_CACHE);
        for (const request of await models.keys()) {
          if (new URL(request.url).pathname !== SEMANTIC_PATH) await models.delete(request);
        }
      }
      // First install (no older version): control the open page now, so it works offline at once.
      // An update: only when the person accepted it; otherwise pages keep the version they loaded with.
      if (older.length === 0 || accepted) await self.clients.claim();
    })(),
  );
});

/** What the Offline page shows about this version's copy. */
async function copyStatus() {
  const answer = { version: VERSION, complete: false, saved: 0, total: PRECACHE.length, savedAt: null, semantic: false };
  if (SEMANTIC_PATH && (await caches.has(SEMANTIC_CACHE))) {
    answer.semantic = !!(await caches.match(SEMANTIC_PATH, { cacheName: SEMANTIC_CACHE }));
  }
  if (!(await caches.has(CACHE))) return answer;
  const cache = await caches.open(CACHE);
  const kept = new Set((await cache.keys()).map((request) => {
    const url = new URL(request.url);
    return url.pathname + url.search;
  }));
  answer.saved = PRECACHE.filter((path) => kept.has(path)).length;
  answer.complete = answer.saved === PRECACHE.length;
  const home = await cache.match(SCOPE, { ignoreVary: true });
  const date = home ? Date.parse(home.headers.get("Date") || "") : NaN;
  answer.savedAt = Number.isFinite(date) ? date : null;
  return answer;
}

self.addEventListener("message", (event) => {
  const data = event.data;
  if (data && data.type === "SKIP_WAITING") {
    accepted = true;
    self.skipWaiting();
  }
  if (data && data.type === "KEEP_SEMANTIC") event.waitUntil(keepSemantic().catch(() => {}));
  const port = event.ports && event.ports[0];
  if (data && data.type === "STATUS" && port) {
    event.waitUntil(
      copyStatus()
        .catch(() => ({ version: VERSION, complete: false, saved: 0, total: PRECACHE.length, savedAt: null }))
        .then((answer) => port.postMessage(answer)),
    );
  }
});

async function fromCache(key) {
  return caches.match(key, { cacheName: CACHE, ignoreVary: true });
}

async function offlinePage() {
  const page = await fromCache(OFFLINE_PATH);
  if (page) return page;
  return new Response("You are offline and this page is not saved on your device. In immediate danger, call 999.", {
    status: 503,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" },
  });
}

async function page(request, url) {
  // A known page ignores its query string (and a trailing slash: static hosts redirect
  // /guidance/x to /guidance/x/); anything else must match exactly.
  const trimmed = url.pathname.length > 1 && url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : url.pathname;
  const known = PAGE_PATHS.has(url.pathname) ? url.pathname : PAGE_PATHS.has(trimmed) ? trimmed : null;
  const cached = await fromCache(known ?? request);
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch {
    return offlinePage();
  }
}

/** The semantic model: cache first; the first good download is kept (it never changes at this URL). */
async function semanticModel(request) {
  const cached = await caches.match(request, { cacheName: SEMANTIC_CACHE });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    try {
      const cache = await caches.open(SEMANTIC_CACHE);
      await cache.put(request, response.clone());
    } catch {
      // Storage is full or refused: search ranks by words until it can be kept.
    }
  }
  return response;
}

/** Keep the semantic model if it is not kept yet. The browser's HTTP cache usually answers: the page asks
 * once its search worker has downloaded the model, which never changes at this URL. */
async function keepSemantic() {
  if (!SEMANTIC_PATH || (await caches.match(SEMANTIC_PATH, { cacheName: SEMANTIC_CACHE }))) return;
  const response = await fetch(SEMANTIC_PATH, { credentials: "same-origin" });
  if (!response.ok) return;
  const cache = await caches.open(SEMANTIC_CACHE);
  await cache.put(SEMANTIC_PATH, response);
}

async function asset(request) {
  const cached = await fromCache(request);
  if (cached) return cached;
  return fetch(request);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith(SCOPE)) return;

  // Never cached, never answered from a cache.
  if (url.pathname.startsWith(API_PREFIX)) return;
  if (isSearch(url.pathname)) {
    if (request.mode === "navigate") event.respondWith(fetch(request).catch(() => offlinePage()));
    return;
  }

  if (request.mode === "navigate") {
    event.respondWith(page(request, url));
    return;
  }
  if (SEMANTIC_PATH && url.pathname === SEMANTIC_PATH) {
    event.respondWith(semanticModel(request));
    return;
  }
  event.respondWith(asset(request));
});
