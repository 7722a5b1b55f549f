// Candidate Security Guide: instant search (on the device once its offline copy is loaded), checklists, the
// offline service worker, the update notice, "Leave this page quickly", the notice that the saved copy is old,
// keeping the copy (navigator.storage.persist) and installing the app. The Offline page and sharing a section
// live in extras.js, loaded only on the pages that have them.
//
// Plain ES module, no dependencies, no build step. Works under the strict CSP: no inline scripts or styles,
// no eval, no innerHTML. The only search HTML it shows is heading_html / snippet_html (from the search
// worker or the search API), and even from those it keeps nothing but text and <mark> elements.
//
// Privacy: the query lives only in the URL fragment (#q=...), which browsers never send to a server. Once the
// search worker is ready, searches run on the device and the words are sent nowhere; until then (and without
// module workers) they go to {base}/api/search, which does not log them. Nothing here logs or stores query
// text; localStorage holds only cs:* keys: checklist ticks and progress, the nation, the per-document version
// hashes used for the update notice, the saved copy's date, how often the app was used (a count) and which
// tips were dismissed. The Offline page removes them all.
//
// Measurements (for benches/offline-latency.mjs; names only, never the query): performance marks
// "search:start" (the debounce fired or the form was submitted) and "search:rendered" (results in the DOM),
// measure "search" (detail: where it ran, "device" or "server", and the engine's took_us); marks
// "engine:start" (worker created) and "engine:ready", measure "engine" (detail: the worker's own loadMs).
// Only the latest of each is kept.

const root = document.documentElement;
const BASE = (root.dataset.base || "").replace(/\/+$/, "");
const VERSION = root.dataset.version || "";
const DEBOUNCE_MS = 150;
const REPORTING = `${BASE}/guidance/reporting-and-contacts`;
const OFFLINE_MESSAGE = "You are offline: search needs a connection on this device for now; all guidance pages still open.";
/** How long an offline search waits for the search worker to finish loading. */
const ENGINE_WAIT_MS = 15000;
/** Served from a static host (export --site): no /api/search, searches run only on the device. */
const STATIC_SITE = root.dataset.static === "true";
/** How long a search online waits for the search worker (when the offline copy is there) before asking the server. */
const ENGINE_WAIT_ONLINE_MS = 3000;

// ---------- Small helpers ----------

/** localStorage that never throws (private browsing, storage disabled, quota). After the person removed this
 * app's data (the Offline page), `off` is set and nothing is written again by this page. */
const store = {
  off: false,
  get(key) {
    try {
      return window.localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    if (store.off) return;
    try {
      window.localStorage.setItem(key, value);
    } catch {
      // Storage unavailable: the page still works, the tick is just not remembered.
    }
  },
  remove(key) {
    if (store.off) return;
    try {
      window.localStorage.removeItem(key);
    } catch {
      // Nothing to do.
    }
  },
  json(key) {
    const raw = store.get(key);
    if (raw === null) return null;
    try {
      return JSON.parse(raw);
    } catch {
      return null;
    }
  },
};

/** Build an element: h("a", {href: "/x", class: "y"}, "text", child, ...). Text is always text. */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child);
  }
  return node;
}

/** A site path from the API ("/guidance/x", with "#anchor" for a section) as a link under the base path. Anything else goes home. */
function sitePath(path) {
  if (typeof path === "string" && path.startsWith("/") && !path.startsWith("//")) return BASE + path;
  return `${BASE}/`;
}

const inertParser = new DOMParser();

/**
 * Append the server's escaped, <mark>-highlighted HTML to `parent`, keeping only text and <mark>.
 * DOMParser builds an inert document (no scripts run, nothing loads); the nodes copied into the page
 * are new text nodes and new <mark> elements, so no other markup can get through.
 */
function appendMarked(parent, html) {
  if (typeof html !== "string" || html === "") return;
  const parsed = inertParser.parseFromString(`<!doctype html><body>${html}`, "text/html");
  for (const node of parsed.body.childNodes) {
    if (node.nodeType === Node.ELEMENT_NODE && node.localName === "mark") {
      parent.append(h("mark", {}, node.textContent));
    } else {
      parent.append(node.textContent);
    }
  }
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function sentence(text) {
  const trimmed = String(text || "").trim();
  if (!trimmed) return "Search failed. Please try again; guidance pages still work.";
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function listOf(items) {
  if (typeof Intl !== "undefined" && Intl.ListFormat) {
    return new Intl.ListFormat("en-GB", { style: "long", type: "conjunction" }).format(items);
  }
  return items.join(", ");
}

// ---------- Search on the device (the search worker) ----------

/** Keep only the latest performance entry of `name`, then add a mark (names only: never the query). */
function mark(name) {
  try {
    performance.clearMarks(name);
    performance.mark(name);
  } catch {
    // No User Timing: nothing to measure.
  }
}

function measure(name, start, end, detail) {
  try {
    performance.clearMeasures(name);
    performance.measure(name, { start, end, detail });
  } catch {
    // A mark is missing or User Timing is unavailable.
  }
}

/**
 * The search worker (assets/static/search-worker.js): it loads the engine and the offline bundle (both kept by
 * the service worker) and answers searches with the same JSON as GET /api/search.
 *
 * state: "idle" (not started), "starting", "ready" or "failed" (no module workers, no bundle, a bundle that
 * does not check out, a crashed worker). When ready, <html data-search-engine="device">; when failed, "server".
 */
const device = (() => {
  let state = "idle";
  let worker = null;
  let nextId = 0;
  const pending = new Map(); // id → {resolve, reject}
  const waiters = []; // resolve(ready: boolean), called once the worker is ready or has failed

  function settle() {
    for (const resolve of waiters.splice(0)) resolve(state === "ready");
  }

  function fail() {
    if (state === "failed") return;
    state = "failed";
    root.dataset.searchEngine = "server";
    if (worker) {
      try {
        worker.terminate();
      } catch {
        // Already gone.
      }
    }
    worker = null;
    for (const { reject } of pending.values()) reject(new Error("the search worker stopped"));
    pending.clear();
    settle();
  }

  function onMessage(event) {
    const message = event.data || {};
    if (message.type === "ready") {
      if (state !== "starting") return;
      state = "ready";
      mark("engine:ready");
      measure("engine", "engine:start", "engine:ready", { loadMs: Number(message.loadMs) || 0 });
      root.dataset.searchEngine = "device";
      settle();
      return;
    }
    if (message.type === "failed") {
      fail();
      return;
    }
    if (message.type === "semantic") {
      // "meaning": the device ranks by words and meaning, as the server does; "words": by words only.
      root.dataset.searchRanking = message.ready ? "meaning" : "words";
      if (message.ready) {
        mark("semantic:ready");
        measure("semantic", "engine:ready", "semantic:ready", { loadMs: Number(message.loadMs) || 0 });
        keepSemanticModel();
      }
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return; // a stale answer: a newer search replaced it
    pending.delete(message.id);
    if (message.type === "results") {
      waiting.resolve(message.results);
    } else {
      const error = new Error(String(message.message || "search failed"));
      error.kind = message.kind || "failed";
      waiting.reject(error);
    }
  }

  return {
    get state() {
      return state;
    },

    /** Start the worker (once). */
    start() {
      if (state !== "idle") return;
      const { worker: workerUrl, engine: engineUrl, bundle: bundleUrl, semantic: semanticUrl } = root.dataset;
      state = "starting";
      if (!workerUrl || !engineUrl || !bundleUrl || typeof Worker !== "function") {
        fail();
        return;
      }
      try {
        mark("engine:start");
        worker = new Worker(workerUrl, { type: "module" });
      } catch {
        fail();
        return;
      }
      worker.addEventListener("message", onMessage);
      // A script that cannot load or run (e.g. no module workers), or a crash.
      worker.addEventListener("error", fail);
      worker.addEventListener("messageerror", fail);
      worker.postMessage({ type: "init", engineUrl, bundleUrl, semanticUrl });
    },

    /** Resolves true once the worker is ready, false if it failed or did not get ready within `timeoutMs`. */
    whenSettled(timeoutMs) {
      if (state === "ready") return Promise.resolve(true);
      if (state === "failed") return Promise.resolve(false);
      this.start();
      return new Promise((resolve) => {
        const timer = window.setTimeout(() => {
          const at = waiters.indexOf(done);
          if (at >= 0) waiters.splice(at, 1);
          resolve(false);
        }, timeoutMs);
        function done(ready) {
          window.clearTimeout(timer);
          resolve(ready);
        }
        waiters.push(done);
        if (state === "ready" || state === "failed") settle();
      });
    },

    /**
     * Search on the device: {id, promise}. The promise resolves with the API's JSON, or rejects with an Error
     * whose kind is the engine's ("too-long", "too-many-words") or "failed".
     */
    search(request) {
      nextId += 1;
      const id = nextId;
      const promise = new Promise((resolve, reject) => {
        if (state !== "ready" || !worker) {
          const error = new Error("the search worker is not ready");
          error.kind = "failed";
          reject(error);
          return;
        }
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: "search", id, request });
      });
      return { id, promise };
    },

    /** Forget a search: its answer, when it comes, is ignored. */
    cancel(id) {
      pending.delete(id);
    },
  };
})();

/** Start the search worker once the page has loaded and the browser is idle, so it never delays the first paint. */
function startDeviceSearchWhenIdle() {
  const start = () => {
    if (typeof window.requestIdleCallback === "function") {
      window.requestIdleCallback(() => device.start(), { timeout: 1000 });
    } else {
      window.setTimeout(() => device.start(), 0);
    }
  };
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start, { once: true });
}

// ---------- Where are you standing? ----------
// The person's nation stays on this device (localStorage, never a cookie): it puts their nation's guidance
// first on guidance pages, leaves other nations' sections out of searches, and adds their police and fraud
// route to the emergency card. Without JavaScript, pages and the search form take ?nation= instead.

const NATION_KEY = "cs:nation";
const NATIONS = { england: "England", wales: "Wales", scotland: "Scotland", "northern-ireland": "Northern Ireland" };

/** The chosen nation's value, or "" for none (or an unknown stored value). */
function chosenNation() {
  const value = store.get(NATION_KEY) || "";
  return Object.hasOwn(NATIONS, value) ? value : "";
}

function nationLabel(value) {
  return NATIONS[value] || "";
}

/** The link to a nation's police and fraud routes, from the page's data-nation-routes. */
function nationRoute(value) {
  if (!value) return null;
  for (const pair of (root.dataset.nationRoutes || "").split(";")) {
    const [name, path] = pair.split("=");
    if (name === value && path) return BASE + path;
  }
  return null;
}

function saveNation(value) {
  const nation = Object.hasOwn(NATIONS, value) ? value : "";
  if (nation) store.set(NATION_KEY, nation);
  else store.remove(NATION_KEY);
  applyNation(nation);
  document.dispatchEvent(new CustomEvent("cs:nation"));
}

/** Show the page for `nation`: chooser, emergency card, and guidance sections open or closed. */
function applyNation(nation) {
  const label = nationLabel(nation);
  for (const radio of document.querySelectorAll('.nation-chooser input[name="nation"]')) {
    radio.checked = radio.value === nation;
  }
  const select = document.querySelector("form.search-form #nation");
  if (select) select.value = nation;
  const status = document.querySelector(".nation-status");
  if (status) status.textContent = nation ? `Standing in ${label} (change)` : "Where are you standing?";
  const routeLine = document.querySelector(".emergency-card .nation-route");
  const route = nationRoute(nation);
  if (routeLine) {
    const link = routeLine.querySelector("a");
    if (route && link) {
      link.href = route;
      link.textContent = `Police and fraud in ${label}`;
    }
    routeLine.hidden = !route;
  }
  const sections = document.querySelectorAll(".nation-section[data-nations]");
  for (const section of sections) {
    const details = section.querySelector("details");
    if (!details) continue;
    const applies = !nation || section.dataset.nations.split(" ").includes(nation);
    // The section the address points at stays open.
    const targeted = window.location.hash === `#${section.id}`;
    details.open = applies || targeted;
  }
  const note = document.querySelector("[data-nation-note]");
  if (note && sections.length > 0) {
    const link = note.querySelector("a");
    note.textContent = nation
      ? `Showing the guidance for ${label} first. Parts for other nations are closed: open them to read. `
      : "Some parts of this page apply in one nation only. Each is labelled. ";
    if (link) {
      link.textContent = nation ? "Change where you are standing" : "Choose where you are standing";
      note.append(link);
    }
  }
}

/** Open the closed section an address points at (#anchor), so following a link always shows it. */
function revealTarget() {
  const id = decodeURIComponent(window.location.hash.slice(1));
  if (!id || id.includes("=")) return;
  const target = document.getElementById(id);
  const details = target ? target.closest(".nation-section")?.querySelector("details") : null;
  if (details && !details.open) details.open = true;
}

function initNation() {
  // A nation named in the address (a link from a page without JavaScript) is the person's choice.
  const asked = new URLSearchParams(window.location.search).get("nation");
  if (asked !== null && Object.hasOwn(NATIONS, asked)) store.set(NATION_KEY, asked);
  else if (asked === "") store.remove(NATION_KEY);
  applyNation(chosenNation());
  revealTarget();
  window.addEventListener("hashchange", revealTarget);
  const chooser = document.querySelector("form.nation-chooser");
  if (!chooser) return;
  const saved = chooser.querySelector(".nation-saved");
  const save = chooser.querySelector(".nation-save");
  if (save) save.hidden = true; // each choice is saved as it is made
  chooser.addEventListener("change", (event) => {
    const radio = event.target;
    if (!(radio instanceof HTMLInputElement) || radio.name !== "nation") return;
    saveNation(radio.value);
    const message = radio.value
      ? `Saved on this device: ${nationLabel(radio.value)}. Guidance and searches now put ${nationLabel(radio.value)} first.`
      : "Saved on this device: showing guidance for all of the UK.";
    if (saved) saved.textContent = message;
    // The page's one live region reads it out.
    const live = document.getElementById("search-status");
    if (live) live.textContent = message;
  });
  chooser.addEventListener("submit", (event) => event.preventDefault());
}

// ---------- Instant search ----------

function initSearch() {
  const form = document.querySelector("form.search-form");
  const input = document.getElementById("q");
  const results = document.getElementById("results");
  if (!form || !input || !results) return;
  // The one live region: only its text changes (the count, "No results", errors), so screen readers read a
  // short sentence instead of the whole list.
  const status = document.getElementById("search-status");
  const category = form.querySelector("#category");
  const audience = form.querySelector("#audience");
  const nationSelect = form.querySelector("#nation");
  const filters = form.querySelector("details.filters");
  // The home page (it has the document list): while a query is in the box, the other sections step aside.
  const onHome = Boolean(document.querySelector("section.documents"));

  // What the server rendered (empty on the home page; a result list or listing on /search), to show again
  // when the box is cleared or the person goes back to the entry without a query.
  const initialNodes = Array.from(results.childNodes, (node) => node.cloneNode(true));
  const initialForm = {
    q: input.defaultValue,
    category: category ? category.value : "",
    audience: audience ? audience.value : "",
    nation: nationSelect ? nationSelect.value : "",
  };

  let timer = 0;
  let active = null; // the search under way: {cancelled, onCancel, cancel()}
  let shownKey = "";
  let focusAfterRender = false;

  const current = () => ({
    q: input.value,
    category: category ? category.value : "",
    audience: audience ? audience.value : "",
    nation: nationSelect ? nationSelect.value : "",
  });
  // Spacing does not change a search, except at the end: "phis" also finds words that start
  // with it, "phis " only the word itself.
  const keyOf = (state) =>
    JSON.stringify([state.q.replace(/\s+/g, " ").trimStart(), state.category, state.audience, state.nation]);

  function fragmentOf(state) {
    const params = new URLSearchParams();
    params.set("q", state.q);
    if (state.category) params.set("category", state.category);
    if (state.audience) params.set("audience", state.audience);
    if (state.nation) params.set("nation", state.nation);
    return `#${params}`;
  }

  /** The search in the URL fragment, or null when the fragment is not a search (e.g. #main). */
  function fromFragment() {
    const hash = window.location.hash.slice(1);
    if (!hash || !hash.includes("=")) return null;
    const params = new URLSearchParams(hash);
    if (!params.has("q")) return null;
    return {
      q: params.get("q") || "",
      category: params.get("category") || "",
      audience: params.get("audience") || "",
      nation: params.get("nation") || chosenNation(),
    };
  }

  /**
   * Home page: a query in the box puts the results right under it (style.css hides the introduction, the
   * emergency card and the other sections while <body> has .search-active; the danger card comes inside the
   * results when the words call for it). When typing starts, the box moves to the top of the screen, so that
   * with the on-screen keyboard open the first results still show above it. Cleared: everything comes back.
   */
  function showActive() {
    if (!onHome) return;
    const on = input.value.trim() !== "";
    const was = document.body.classList.contains("search-active");
    document.body.classList.toggle("search-active", on);
    if (on && !was && document.activeElement === input) bringUp();
  }

  /** Scroll the search form to the top, just under the sticky "Leave this page quickly" bar, at once; checked
   * again on the next two frames, as a smooth scroll under way (focusing the box) or the browser's scroll
   * anchoring (the sections above just went) can move it. */
  function bringUp() {
    const place = () => {
      const bar = document.querySelector(".exit-this-page");
      const offset = form.getBoundingClientRect().top - (bar ? bar.getBoundingClientRect().bottom : 0) - 8;
      if (Math.abs(offset) < 2) return;
      const top = Math.max(0, Math.round(window.scrollY + offset));
      try {
        window.scrollTo({ top, behavior: "instant" });
      } catch {
        window.scrollTo(0, top);
      }
    };
    place();
    window.requestAnimationFrame(() => {
      place();
      window.requestAnimationFrame(place);
    });
  }

  function setForm(state) {
    input.value = state.q;
    if (category) category.value = state.category;
    if (audience) audience.value = state.audience;
    if (category && category.value !== state.category) category.value = "";
    if (audience && audience.value !== state.audience) audience.value = "";
    if (nationSelect) nationSelect.value = state.nation || "";
    if (nationSelect && nationSelect.value !== (state.nation || "")) nationSelect.value = "";
    if (filters && (state.category || state.audience)) filters.open = true;
    showActive();
  }

  function updateUrl(state, mode) {
    const bare = window.location.pathname + window.location.search;
    const target = state.q.trim() ? bare + fragmentOf(state) : bare;
    if (target === bare + window.location.hash && mode === "push") return;
    const data = { csSearch: true };
    try {
      if (mode === "push") window.history.pushState(data, "", target);
      else window.history.replaceState(data, "", target);
    } catch {
      // Some browsers limit history calls; the search still shows.
    }
  }

  /** Put `text` in the live region. The same words twice in a row would not be read out again, so a
   * trailing no-break space alternates. */
  function announce(text) {
    if (!status) return;
    status.textContent = status.textContent === text ? `${text}\u00a0` : text;
  }

  function quiet() {
    if (status) status.textContent = "";
  }

  function cancelActive() {
    if (active) active.cancel();
    active = null;
    results.removeAttribute("aria-busy");
  }

  function restoreInitial() {
    cancelActive();
    results.replaceChildren(...initialNodes.map((node) => node.cloneNode(true)));
    quiet();
    shownKey = "";
  }

  /** An empty box: the page as the server rendered it when that was not a search (home, topic listing). */
  function showEmpty() {
    if (!initialForm.q.trim()) {
      restoreInitial();
      return;
    }
    cancelActive();
    results.replaceChildren();
    quiet();
    shownKey = "";
  }

  /** The server's answer to an unknown topic or audience (the device engine does not check filters). */
  function unknownFilter(state) {
    const known = (select, value) => !select || !value || Array.from(select.options).some((o) => o.value === value);
    if (!known(category, state.category)) return `Unknown topic “${state.category}”.`;
    if (!known(audience, state.audience)) return `Unknown audience “${state.audience}”.`;
    if (!known(nationSelect, state.nation)) {
      return `Unknown nation “${state.nation}”: use england, wales, scotland or northern-ireland.`;
    }
    return null;
  }

  /**
   * The answer to `state`: {data} (the search API's JSON), {error} (a refused search, in the server's words)
   * or {offline}; null once `search` was cancelled. On the device when the search worker is ready; from
   * GET {base}/api/search when the worker cannot run. While the worker is loading, a page that has the
   * offline copy (controlled by the service worker) or has no connection waits for it, so that once the copy
   * is on the device no search leaves it; a first visit asks the server meanwhile.
   */
  async function answer(state, search) {
    const hasOfflineCopy = Boolean(navigator.serviceWorker && navigator.serviceWorker.controller);
    // A static copy (export --site) has no server to ask: always wait for the device.
    if (device.state !== "ready" && device.state !== "failed" && (STATIC_SITE || hasOfflineCopy || navigator.onLine === false)) {
      await device.whenSettled(navigator.onLine === false ? ENGINE_WAIT_MS : ENGINE_WAIT_ONLINE_MS);
      if (search.cancelled) return null;
    }
    if (device.state === "ready") {
      const problem = unknownFilter(state);
      if (problem) return { error: problem };
      const { id, promise } = device.search({
        query: state.q,
        category: state.category || null,
        audience: state.audience || null,
        nation: state.nation || null,
      });
      search.onCancel = () => device.cancel(id);
      try {
        return { data: await promise, on: "device" };
      } catch (error) {
        if (search.cancelled) return null;
        // A refused search (too long, too many words) is the engine's answer, worded as the server words it.
        if (error && error.kind && error.kind !== "failed" && error.kind !== "not-ready") return { error: error.message };
        // The worker stopped: ask the server instead.
      }
    }
    if (STATIC_SITE) {
      return { error: "This browser cannot search this copy of the guide on the device. Every page can still be read: choose a topic from the home page." };
    }
    return fromServer(state, search);
  }

  async function fromServer(state, search) {
    const controller = new AbortController();
    search.onCancel = () => controller.abort();
    const params = new URLSearchParams({ q: state.q });
    if (state.category) params.set("category", state.category);
    if (state.audience) params.set("audience", state.audience);
    if (state.nation) params.set("nation", state.nation);
    let response;
    try {
      response = await fetch(`${BASE}/api/search?${params}`, {
        signal: controller.signal,
        headers: { Accept: "application/json" },
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch {
      if (search.cancelled) return null;
      // No connection: the search worker may still be loading from the offline copy.
      if (device.state !== "failed" && (await device.whenSettled(ENGINE_WAIT_MS))) {
        return search.cancelled ? null : answer(state, search);
      }
      return search.cancelled ? null : { offline: true };
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (search.cancelled) return null;
    if (!response.ok || !data || typeof data !== "object") return { error: data && data.error };
    return { data, on: "server" };
  }

  async function run(state, mode) {
    window.clearTimeout(timer);
    if (mode) updateUrl(state, mode);
    if (!state.q.trim()) {
      showEmpty();
      return;
    }
    const key = keyOf(state);
    if (key === shownKey && !active) {
      if (focusAfterRender) focusCount();
      return;
    }
    cancelActive();
    const search = {
      cancelled: false,
      onCancel: null,
      cancel() {
        this.cancelled = true;
        if (this.onCancel) this.onCancel();
      },
    };
    active = search;
    mark("search:start");
    results.setAttribute("aria-busy", "true");
    let outcome;
    try {
      outcome = await answer(state, search);
    } catch {
      outcome = { error: null };
    }
    if (search.cancelled || active !== search || !outcome) return;
    active = null;
    results.removeAttribute("aria-busy");
    if (outcome.offline) {
      renderOffline();
      shownKey = "";
    } else if (outcome.data) {
      renderResults(state, outcome.data);
      shownKey = key;
      noteUse();
    } else {
      renderError(outcome.error);
      shownKey = key;
    }
    mark("search:rendered");
    measure("search", "search:start", "search:rendered", {
      on: outcome.on || null,
      tookUs: outcome.data ? Number(outcome.data.took_us) || 0 : null,
    });
    if (focusAfterRender) focusCount();
  }

  function focusCount() {
    focusAfterRender = false;
    const count = results.querySelector(".result-count, .search-offline");
    if (!count) return;
    count.setAttribute("tabindex", "-1");
    count.focus({ preventScroll: false });
  }

  function renderError(message) {
    const text = sentence(message);
    results.replaceChildren(h("p", { class: "result-count search-error" }, text));
    announce(text);
  }

  function renderOffline() {
    const onHome = Boolean(document.querySelector(".documents"));
    const link = onHome
      ? h("a", { href: "#documents-heading" }, "See all guidance below")
      : h("a", { href: `${BASE}/` }, "See all guidance");
    results.replaceChildren(h("p", { class: "search-offline" }, OFFLINE_MESSAGE, " ", link));
    announce(OFFLINE_MESSAGE);
  }

  function dangerCard(support, nation) {
    const route = nationRoute(nation);
    return h(
      "div",
      { class: "danger-card", role: "alert" },
      h("h2", {}, "If you are in danger now, call 999"),
      h(
        "p",
        {},
        "If you can’t speak, call 999 and press 55 when asked. If it is not an emergency, call 101 and say you are a candidate.",
      ),
      support
        ? h(
            "p",
            { class: "support-line" },
            "If you are thinking about suicide or hurting yourself, you are not alone. Call Samaritans free on ",
            h("a", { href: "tel:116123" }, "116 123"),
            ", any time, or text SHOUT to ",
            h("a", { href: "sms:85258" }, "85258"),
            ".",
          )
        : null,
      h(
        "ul",
        {},
        h("li", {}, h("a", { href: `${REPORTING}#call-999` }, "When to call 999")),
        route ? h("li", {}, h("a", { href: route }, `Police and fraud in ${nationLabel(nation)}`)) : null,
        h("li", {}, h("a", { href: `${REPORTING}#police-contact-for-candidates` }, "Your police contact for candidates")),
        h("li", {}, h("a", { href: REPORTING }, "All reporting routes")),
      ),
    );
  }

  function renderResults(state, data) {
    const nodes = [];
    const sections = Number(data.total_sections) || 0;
    const documents = Array.isArray(data.documents) ? data.documents : [];
    const count = h("p", { class: "result-count" });
    count.textContent =
      sections === 0
        ? `No results for “${state.q}”`
        : `${plural(sections, "result")} in ${plural(Number(data.total_documents) || 0, "document")}`;
    nodes.push(count);

    if (typeof data.suggestion === "string" && data.suggestion) {
      const params = new URLSearchParams({ q: data.suggestion });
      nodes.push(
        h(
          "p",
          { class: "did-you-mean" },
          "Showing results for ",
          h("a", { href: `${BASE}/search?${params}` }, data.suggestion),
        ),
      );
    }

    if (data.urgent === true) nodes.push(dangerCard(data.support === true, state.nation));

    if (documents.length > 0) {
      const list = h("ol", { class: "results" });
      for (const doc of documents) {
        const sectionList = h("ul", { class: "result-sections" });
        for (const section of Array.isArray(doc.sections) ? doc.sections : []) {
          const target = typeof section.anchor === "string" ? `${doc.url}#${section.anchor}` : doc.url;
          const link = h("a", { class: "section-link", href: sitePath(target) });
          appendMarked(link, section.heading_html);
          if (!link.textContent) link.textContent = doc.title || "";
          const snippet = h("p", { class: "snippet" });
          appendMarked(snippet, section.snippet_html);
          sectionList.append(h("li", {}, link, snippet));
        }
        list.append(
          h(
            "li",
            { class: "result" },
            h("h2", { class: "result-title" }, h("a", { href: sitePath(doc.url) }, doc.title || "")),
            h("p", { class: "result-summary" }, doc.summary || ""),
            sectionList,
          ),
        );
      }
      nodes.push(list);
    } else {
      nodes.push(
        h(
          "div",
          { class: "no-results" },
          h("p", {}, "Try fewer or different words, such as “phishing”, “home address” or “threats”."),
          h(
            "p",
            {},
            "If something is happening now or you need to report it, see ",
            h("a", { href: REPORTING }, "who to call and how to report"),
            ".",
          ),
        ),
      );
    }
    results.replaceChildren(...nodes);
    announce(count.textContent);
  }

  // Typing: debounce, replace the history entry.
  input.addEventListener("input", () => {
    showActive();
    window.clearTimeout(timer);
    const state = current();
    if (!state.q.trim()) {
      run(state, "replace");
      return;
    }
    timer = window.setTimeout(() => run(current(), "replace"), DEBOUNCE_MS);
  });

  for (const select of [category, audience, nationSelect]) {
    if (!select) continue;
    select.addEventListener("change", () => {
      if (select === nationSelect) saveNation(nationSelect.value);
      const state = current();
      if (state.q.trim()) run(state, "replace");
    });
  }
  // A choice made elsewhere on the page (the home page's chooser) applies to the next search.
  document.addEventListener("cs:nation", () => {
    if (nationSelect) nationSelect.value = chosenNation();
    const state = current();
    if (state.q.trim()) run(state, "replace");
  });

  // Submitting: render in place (no POST), make it a history entry, move focus to the count
  // (which also closes the on-screen keyboard so the results can be seen).
  form.addEventListener("submit", (event) => {
    const state = current();
    if (!state.q.trim()) return; // an empty search with filters: let the server list the documents
    event.preventDefault();
    focusAfterRender = true;
    run(state, "push");
  });

  // "Showing results for ..." links: search in place instead of sending the words in a query string.
  results.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || !results.contains(link)) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname !== `${BASE}/search` || !url.searchParams.get("q")) {
      return;
    }
    event.preventDefault();
    const state = {
      q: url.searchParams.get("q") || "",
      category: url.searchParams.get("category") || (category ? category.value : ""),
      audience: url.searchParams.get("audience") || (audience ? audience.value : ""),
      nation: url.searchParams.get("nation") || (nationSelect ? nationSelect.value : ""),
    };
    setForm(state);
    focusAfterRender = true;
    run(state, "push");
  });

  // Back, forward and edited fragments.
  function onNavigate() {
    const state = fromFragment();
    if (state) {
      setForm(state);
      if (keyOf(state) !== shownKey) run(state, null);
      return;
    }
    if (window.location.hash === "") {
      setForm(initialForm);
      restoreInitial();
    }
    // Any other fragment (#main, #documents-heading) is an in-page link: leave the results alone.
  }
  window.addEventListener("popstate", onNavigate);
  window.addEventListener("hashchange", onNavigate);

  const start = fromFragment();
  if (start) {
    setForm(start);
    run(start, null);
  }

  startDeviceSearchWhenIdle();
}

// ---------- Checklists and progress ----------

const TASK_PREFIX = "cs:task:";
const PROGRESS_PREFIX = "cs:progress:";

function progressText(done, total) {
  return `${done} of ${total} done`;
}

function initChecklist() {
  const article = document.querySelector("article.guidance[data-slug]");
  if (!article) return;
  const slug = article.dataset.slug;
  const boxes = Array.from(article.querySelectorAll("input.task-check[data-task]"));
  const outputs = Array.from(article.querySelectorAll("[data-progress-for]")).filter(
    (node) => node.getAttribute("data-progress-for") === slug,
  );

  function sync() {
    for (const box of boxes) box.checked = store.get(TASK_PREFIX + box.dataset.task) === "1";
    update();
  }

  function update() {
    const total = boxes.length;
    const done = boxes.filter((box) => box.checked).length;
    if (total > 0) {
      store.set(PROGRESS_PREFIX + slug, JSON.stringify({ done, total }));
    } else {
      store.remove(PROGRESS_PREFIX + slug);
    }
    for (const output of outputs) {
      if (total === 0) {
        output.hidden = true;
        continue;
      }
      output.textContent = `Checklist: ${progressText(done, total)}`;
      output.hidden = false;
    }
  }

  for (const box of boxes) {
    box.setAttribute("autocomplete", "off");
    box.addEventListener("change", () => {
      const key = TASK_PREFIX + box.dataset.task;
      if (box.checked) store.set(key, "1");
      else store.remove(key);
      update();
    });
  }
  sync();
  // Another tab ticked something, or the page came back from the back/forward cache.
  window.addEventListener("storage", (event) => {
    if (event.key === null || event.key.startsWith(TASK_PREFIX)) sync();
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) sync();
  });
}

function showListProgress() {
  for (const node of document.querySelectorAll("[data-progress-for]")) {
    if (node.closest("article.guidance")) continue;
    const record = store.json(PROGRESS_PREFIX + node.getAttribute("data-progress-for"));
    const total = record && Number.isInteger(record.total) ? record.total : 0;
    const done = record && Number.isInteger(record.done) ? Math.min(record.done, total) : 0;
    if (total > 0 && done > 0) {
      node.textContent = progressText(done, total);
      node.hidden = false;
    } else {
      node.textContent = "";
    }
  }
}

function initListProgress() {
  showListProgress();
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) showListProgress();
  });
  window.addEventListener("storage", (event) => {
    if (event.key === null || event.key.startsWith(PROGRESS_PREFIX)) showListProgress();
  });
}

// ---------- Service worker and update notice ----------

const HASHES_KEY = "cs:doc-hashes";

async function fetchVersion() {
  const response = await fetch(`${BASE}/api/version`, {
    cache: "no-store",
    headers: { Accept: "application/json" },
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`version check: HTTP ${response.status}`);
  const data = await response.json();
  if (!data || typeof data.version !== "string" || !data.documents || typeof data.documents !== "object") {
    throw new Error("version check: unexpected answer");
  }
  return data;
}

function hashesOf(version) {
  const documents = {};
  for (const [slug, doc] of Object.entries(version.documents)) {
    if (doc && typeof doc.hash === "string") documents[slug] = doc.hash;
  }
  return { version: version.version, documents };
}

/**
 * Remember the per-document hashes of the version this page shows (once per version), so that a later
 * update can name the documents that changed. A check that finds a newer version than the page leaves the
 * record alone: that update is waiting for the person to accept it.
 */
async function recordShownVersion() {
  const stored = store.json(HASHES_KEY);
  if (stored && stored.version === VERSION) return;
  if (navigator.onLine === false) return;
  try {
    const version = await fetchVersion();
    if (version.version === VERSION) store.set(HASHES_KEY, JSON.stringify(hashesOf(version)));
  } catch {
    // Offline or server busy: try again on a later page view.
  }
}

function changedTitles(stored, version) {
  const titles = [];
  for (const [slug, doc] of Object.entries(version.documents)) {
    if (!doc || typeof doc.hash !== "string") continue;
    if (stored.documents[slug] !== doc.hash) titles.push(doc.title || slug);
  }
  return titles;
}

function describeUpdate(titles) {
  if (titles === null) return "a new version of this guide.";
  if (titles.length === 0) return "improvements to this app (no guidance text changed).";
  const shown = titles.slice(0, 3);
  if (titles.length > shown.length) shown.push(plural(titles.length - 3, "other document"));
  return `${listOf(shown)}.`;
}

function initServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const notice = document.getElementById("update-notice");
  let accepted = false;
  let reloading = false;
  let offered = null;

  navigator.serviceWorker.addEventListener("controllerchange", () => {
    // The first install takes control of open pages without a reload; only a person's "Reload" reloads.
    if (!accepted || reloading) return;
    reloading = true;
    window.location.reload();
  });

  async function offer(worker) {
    if (!navigator.serviceWorker.controller || !notice || offered === worker) return;
    offered = worker;
    let titles = null;
    try {
      const version = await fetchVersion();
      const stored = store.json(HASHES_KEY);
      if (stored && stored.version === VERSION && stored.documents && typeof stored.documents === "object") {
        titles = changedTitles(stored, version);
      }
    } catch {
      titles = null;
    }
    const docs = notice.querySelector(".update-docs");
    if (docs) docs.textContent = describeUpdate(titles);
    notice.hidden = false;
  }

  if (notice) {
    const button = notice.querySelector(".update-reload");
    if (button) {
      button.addEventListener("click", () => {
        accepted = true;
        button.disabled = true;
        const worker = offered;
        if (!worker || worker.state === "activated" || worker.state === "redundant") {
          reloading = true;
          window.location.reload();
          return;
        }
        worker.postMessage({ type: "SKIP_WAITING" });
        // If control does not change (another tab already switched), reload anyway.
        window.setTimeout(() => {
          if (!reloading) {
            reloading = true;
            window.location.reload();
          }
        }, 4000);
      });
    }
  }

  function register() {
    navigator.serviceWorker
      .register(`${BASE}/sw.js`, { scope: `${BASE}/` })
      .then((registration) => {
        initSavedCopy();
        if (registration.waiting) offer(registration.waiting);
        registration.addEventListener("updatefound", () => {
          const worker = registration.installing;
          if (!worker) return;
          worker.addEventListener("statechange", () => {
            if (worker.state === "installed") offer(worker);
          });
        });
      })
      .catch(() => {
        // No service worker (private mode, unsupported): the site works online as before.
      });
    recordShownVersion();
  }

  // After the page has loaded, so saving the offline copy never slows down the first page on a weak signal.
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}

// ---------- Leave this page quickly ----------
// The GOV.UK Design System's "Exit this page" pattern: a button at the top of every page (without JavaScript,
// a plain link to the same place) and the Shift key pressed three times, each press within 5 seconds of the
// last, each announced ("Shift, press 2 more times to leave."). Leaving blanks the page at once, rewrites
// this history entry's address to the home page with no search in it (history.replaceState: the words
// typed do not stay in the entry if the browser keeps it), then replaces the entry with the neutral page
// (location.replace), so Back does not return here. Pages opened before this one stay in the history: the
// Offline page says so and how to clear it.
//
// Where to: the BBC weather forecast, as GOV.UK's own pattern does. It is a navigation of the whole tab that
// the person asked for, like following a link: this app requests nothing from there while it is open, and
// with Referrer-Policy: no-referrer the BBC is not told where the person came from. A "neutral" page on this
// site would keep this site's address on screen and in the history, which is what the person wants gone.
// Offline, the browser shows its own "no connection" page at the BBC address: this guide is still gone.

const EXIT_PRESSES = 3;
const EXIT_WINDOW_MS = 5000;

function initExit() {
  const button = document.querySelector(".exit-button");
  if (!button) return;
  const lights = h("span", { class: "exit-lights", "aria-hidden": "true" }, h("span"), h("span"), h("span"));
  const status = h("span", { class: "visually-hidden", role: "status" });
  button.append(lights);
  button.after(status);
  let presses = 0;
  let lastWasModified = false;
  let timer = 0;
  let clearTimer = 0;
  let overlay = null;

  function showLights() {
    lights.classList.toggle("on", presses > 0);
    Array.from(lights.children).forEach((light, index) => light.classList.toggle("lit", index < presses));
  }

  function expire() {
    window.clearTimeout(timer);
    timer = 0;
    presses = 0;
    status.textContent = "Leave this page: timed out.";
    clearTimer = window.setTimeout(() => {
      status.textContent = "";
    }, EXIT_WINDOW_MS);
    showLights();
  }

  function leave() {
    status.textContent = "";
    document.body.classList.add("leaving");
    overlay = h("div", { class: "exit-overlay", role: "alert" });
    document.body.append(overlay);
    overlay.textContent = "Loading.";
    try {
      window.history.replaceState(null, "", `${BASE}/`);
    } catch {
      // Not allowed here: the entry is replaced below anyway.
    }
    window.location.replace(button.href);
  }

  button.addEventListener("click", (event) => {
    event.preventDefault();
    leave();
  });

  // Shift on its own: Shift+A sends a keyup for A with shiftKey set, then one for Shift, which is skipped.
  document.addEventListener(
    "keyup",
    (event) => {
      if (event.key === "Shift" && !lastWasModified) {
        presses += 1;
        showLights();
        window.clearTimeout(clearTimer);
        window.clearTimeout(timer);
        if (presses >= EXIT_PRESSES) {
          timer = 0;
          presses = 0;
          leave();
        } else {
          const left = EXIT_PRESSES - presses;
          status.textContent = `Shift, press ${left} more time${left === 1 ? "" : "s"} to leave.`;
          timer = window.setTimeout(expire, EXIT_WINDOW_MS);
        }
      } else if (timer) {
        expire();
      }
      lastWasModified = event.shiftKey;
    },
    true,
  );

  // Back to this page from the back/forward cache (where the browser kept it anyway): show it again.
  window.addEventListener("pageshow", () => {
    document.body.classList.remove("leaving");
    if (overlay) overlay.remove();
    overlay = null;
    window.clearTimeout(timer);
    window.clearTimeout(clearTimer);
    timer = 0;
    presses = 0;
    status.textContent = "";
    showLights();
  });
}

// ---------- The saved copy: its date, the old-copy notice, keeping it ----------

const SAVED_KEY = "cs:saved"; // {version, at: when the copy was saved (ms), checked: last found up to date (ms)}
const STALE_DISMISSED_KEY = "cs:stale-dismissed"; // the version whose old-copy notice was dismissed
const STALE_AFTER_MS = 30 * 24 * 60 * 60 * 1000;
const USES_KEY = "cs:uses";
const PERSIST_ASKED_KEY = "cs:persist-asked";
const PERSIST_RETRY_MS = 7 * 24 * 60 * 60 * 1000;

/** "3 March" (this year) or "3 March 2025"; with `year`, always the year. */
function dayMonth(ms, year = false) {
  const date = new Date(ms);
  const options = { day: "numeric", month: "long" };
  if (year || date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  try {
    return new Intl.DateTimeFormat("en-GB", options).format(date);
  } catch {
    return date.toDateString();
  }
}

/**
 * Ask a service worker (the one controlling this page by default) about its copy: resolves with
 * {version, complete, saved, total, savedAt} (savedAt: the Date the server sent with the saved home page,
 * in ms), or null.
 */
function copyStatus(worker = navigator.serviceWorker ? navigator.serviceWorker.controller : null, timeoutMs = 5000) {
  return new Promise((resolve) => {
    if (!worker || typeof MessageChannel !== "function") {
      resolve(null);
      return;
    }
    const channel = new MessageChannel();
    const timer = window.setTimeout(() => resolve(null), timeoutMs);
    channel.port1.onmessage = (event) => {
      window.clearTimeout(timer);
      resolve(event.data && typeof event.data === "object" ? event.data : null);
    };
    try {
      worker.postMessage({ type: "STATUS" }, [channel.port2]);
    } catch {
      window.clearTimeout(timer);
      resolve(null);
    }
  });
}

/** The record of the copy this page came from ({version, at, checked}), asking the service worker once per version. */
async function savedCopy() {
  const stored = store.json(SAVED_KEY);
  if (stored && stored.version === VERSION && Number.isFinite(stored.at)) return stored;
  const status = await copyStatus();
  if (!status || status.complete !== true || status.version !== VERSION || !Number.isFinite(status.savedAt)) return null;
  const record = { version: VERSION, at: status.savedAt };
  store.set(SAVED_KEY, JSON.stringify(record));
  return record;
}

/** The person checked for updates and this copy is the latest: it is not old, whatever its date. */
function markChecked() {
  const stored = store.json(SAVED_KEY);
  if (stored && stored.version === VERSION) store.set(SAVED_KEY, JSON.stringify({ ...stored, checked: Date.now() }));
}

/** Resolves once a service worker controls this page (at once if one does). */
function whenControlled() {
  return new Promise((resolve) => {
    if (navigator.serviceWorker.controller) resolve();
    else navigator.serviceWorker.addEventListener("controllerchange", () => resolve(), { once: true });
  });
}

/**
 * Ask the service worker to keep the semantic model the search worker has just loaded. On a first visit the
 * search worker starts before the service worker controls the page, so its download goes past the service
 * worker, which never sees it; once in control, the service worker keeps it (from the browser's HTTP cache,
 * where that download left it: the URL is content-hashed and immutable). Kept already: nothing happens.
 */
function keepSemanticModel() {
  if (!("serviceWorker" in navigator)) return;
  whenControlled().then(() => {
    const controller = navigator.serviceWorker.controller;
    if (controller && !store.off) controller.postMessage({ type: "KEEP_SEMANTIC" });
  });
}

/** Once this page is served from the saved copy: date it, say so when it is old, ask to keep it. */
function initSavedCopy() {
  whenControlled()
    .then(savedCopy)
    .then((record) => {
      if (record) showStaleNotice(record);
      keepCopy();
    })
    .catch(() => {
      // No copy to date: nothing to say.
    });
}

/** More than 30 days since the copy was saved (or last found up to date): say so once, until dismissed. */
function showStaleNotice(record) {
  const notice = document.getElementById("stale-notice");
  if (!notice) return;
  const since = Math.max(record.at, Number(record.checked) || 0);
  if (Date.now() - since <= STALE_AFTER_MS || store.get(STALE_DISMISSED_KEY) === record.version) return;
  notice.querySelector(".stale-date").textContent = `Saved on ${dayMonth(record.at)}.`;
  const dismiss = notice.querySelector(".stale-dismiss");
  dismiss.addEventListener("click", () => {
    store.set(STALE_DISMISSED_KEY, record.version);
    notice.hidden = true;
    document.getElementById("main")?.focus({ preventScroll: true });
  });
  notice.hidden = false;
}

/** A search run or a guidance page opened: at most one use per page view. */
let usedHere = false;
function noteUse() {
  if (usedHere) return;
  usedHere = true;
  store.set(USES_KEY, String(Math.min((Number(store.get(USES_KEY)) || 0) + 1, 1000)));
}

/** Running as an installed app. */
function installed() {
  try {
    return window.matchMedia("(display-mode: standalone)").matches || navigator.standalone === true;
  } catch {
    return false;
  }
}

/**
 * Ask the browser to keep the saved copy (navigator.storage.persist()): without that, a browser may delete it
 * when the device runs short of space, just when it is needed offline. Asked only once the app has earned it:
 * it runs installed (display-mode standalone), or it has been used twice (cs:uses counts page views with a
 * search run or a guidance page opened, so a search and the result it led to are two). Asked as a page
 * loads with its copy saved, never while someone types, because Firefox shows the person a question; and at
 * most once a week while the browser says no. Chromium answers by itself (installed or well-used sites get it).
 */
async function keepCopy() {
  const storage = navigator.storage;
  if (!storage || typeof storage.persist !== "function" || typeof storage.persisted !== "function") return;
  if (!installed() && (Number(store.get(USES_KEY)) || 0) < 2) return;
  try {
    if (await storage.persisted()) return;
    if (Date.now() - (Number(store.get(PERSIST_ASKED_KEY)) || 0) < PERSIST_RETRY_MS) return;
    store.set(PERSIST_ASKED_KEY, String(Date.now()));
    await storage.persist();
  } catch {
    // Not available here (private browsing): the copy is kept as long as the browser keeps it.
  }
}

// ---------- Install ----------
// Android and other Chromium browsers: "Install this app" once the browser offers it (beforeinstallprompt).
// iPhone and iPad, where no browser offers it: how to do it by hand (Share, then Add to Home Screen), until
// dismissed (cs:ios-hint-dismissed). Neither shows in the installed app. Only pages with .install-offer
// (home, Offline) show them.

const IOS_HINT_KEY = "cs:ios-hint-dismissed";
let installEvent = null;

function onIos() {
  const agent = navigator.userAgent || "";
  return /iPhone|iPad|iPod/.test(agent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

function showInstall() {
  const offer = document.querySelector(".install-offer");
  if (!offer) return;
  const android = offer.querySelector(".install-android");
  const ios = offer.querySelector(".install-ios");
  const standalone = installed();
  android.hidden = standalone || !installEvent;
  ios.hidden = standalone || !onIos() || store.get(IOS_HINT_KEY) === "1";
  offer.hidden = android.hidden && ios.hidden;
}

function initInstall() {
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault(); // our button instead of the browser's bar
    installEvent = event;
    showInstall();
  });
  window.addEventListener("appinstalled", () => {
    installEvent = null;
    showInstall();
  });
  const offer = document.querySelector(".install-offer");
  if (!offer) return;
  offer.querySelector(".install-button").addEventListener("click", async () => {
    const event = installEvent;
    if (!event) return;
    installEvent = null; // the browser's offer can be used once
    try {
      await event.prompt();
      await event.userChoice;
    } catch {
      // Dismissed or unavailable.
    }
    showInstall();
  });
  offer.querySelector(".install-dismiss").addEventListener("click", () => {
    store.set(IOS_HINT_KEY, "1");
    showInstall();
    document.getElementById("main")?.focus({ preventScroll: true });
  });
  showInstall();
}

// ---------- The rest (extras.js): the Offline page, sharing a section, printing ----------

function initExtras() {
  const url = root.dataset.extras;
  if (!url || !document.querySelector("[data-offline-copy], article.guidance")) return;
  import(url)
    .then((extras) =>
      extras.init({ BASE, VERSION, store, h, dayMonth, copyStatus, savedCopy, markChecked, keepCopy, installed, applyNation }),
    )
    .catch(() => {
      // Without it, these pages read as they do without JavaScript.
    });
}

// ---------- Start ----------

initExit();
initNation();
initSearch();
initChecklist();
initListProgress();
initInstall();
initServiceWorker();
initExtras();
if (document.querySelector("article.guidance")) noteUse();
// The Offline page removed everything: write nothing more, and show the page as for a first visit.
document.addEventListener("cs:cleared", () => {
  store.off = true;
  applyNation("");
});
