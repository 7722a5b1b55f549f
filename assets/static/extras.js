// Candidate Security Guide: what only some pages need, loaded by app.js (through <html data-extras>, a
// content-hashed URL the service worker keeps offline) on the pages that have it:
// - the Offline page: whether the guidance is saved on this device, its version and date, the space it takes,
//   whether the browser promised to keep it, "Check for updates", and "Remove this app's data";
// - guidance pages: a "Share this section" button under each section (the Web Share API where the browser
//   has it, otherwise the section's link copied), and printing with every section open.
//
// Same rules as app.js: no dependencies, no innerHTML, nothing sent anywhere but this site's own server (the
// update check asks it for sw.js). The page's own text says what it says without JavaScript.

/** @param {object} app what app.js shares: BASE, VERSION, store, h, dayMonth, copyStatus, savedCopy, markChecked, keepCopy, installed, applyNation */
export function init(app) {
  const offlinePage = document.querySelector("[data-offline-copy]");
  if (offlinePage) initOfflinePage(app, offlinePage);
  const article = document.querySelector("article.guidance");
  if (article) {
    initShare(app, article);
    initPrint(article);
  }
}

// ---------- Small helpers ----------

/** Put `text` in a live region; the same words twice in a row are read again (a no-break space alternates). */
function say(region, text) {
  region.textContent = region.textContent === text ? `${text}\u00a0` : text;
}

function bytes(count) {
  if (!Number.isFinite(count) || count <= 0) return "almost nothing";
  if (count < 1000 * 1000) return `about ${Math.max(1, Math.round(count / 1000))} kB`;
  return `about ${(count / (1000 * 1000)).toFixed(1)} MB`;
}

// ---------- The Offline page ----------

function initOfflinePage(app, page) {
  for (const note of page.querySelectorAll(".needs-js")) note.hidden = true;
  const status = page.querySelector(".copy-status");
  const controls = page.querySelector(".clear-controls");
  if (status) {
    status.hidden = false;
    initCopyStatus(app, status);
  }
  if (controls) {
    controls.hidden = false;
    initClear(app, controls);
  }
}

function initCopyStatus(app, box) {
  const { h } = app;
  const fact = (name) => box.querySelector(`[data-fact="${name}"]`);
  const result = box.querySelector(".copy-result");
  const check = box.querySelector(".check-updates");
  const keep = box.querySelector(".keep-copy");
  const sw = "serviceWorker" in navigator ? navigator.serviceWorker : null;

  async function showSaved() {
    const saved = fact("saved");
    const date = fact("date");
    const semantic = fact("semantic");
    if (!sw) {
      saved.textContent = "No: this browser cannot save pages for offline use.";
      date.textContent = "Not saved";
      semantic.textContent = "Not saved";
      return;
    }
    if (!sw.controller) {
      saved.textContent = "Not yet: it is being saved now. Keep this page open with a signal.";
      date.textContent = "Not saved yet";
      semantic.textContent = "Not saved yet";
      sw.addEventListener("controllerchange", () => showSaved(), { once: true });
      return;
    }
    const copy = await app.copyStatus();
    if (!copy) {
      saved.textContent = "Unknown: the offline app did not answer. Reload this page to try again.";
      semantic.textContent = "Unknown";
      return;
    }
    semantic.textContent = copy.semantic
      ? "Saved: searches here find guidance by meaning as well as by words."
      : "Not saved yet: searches here match your words only until it is (about 3 MB, fetched with a signal).";
    if (copy.complete) {
      saved.textContent = `Yes: every guidance page and the search (${copy.total} pages and files).`;
    } else {
      saved.textContent = `Only partly: ${copy.saved} of ${copy.total} pages and files. Open this page again with a signal.`;
    }
    fact("version").firstElementChild.textContent = copy.version;
    const record = copy.complete ? await app.savedCopy() : null;
    const at = record ? record.at : copy.savedAt;
    date.textContent = Number.isFinite(at) ? app.dayMonth(at, true) : "Unknown";
  }

  async function showSpace() {
    const space = fact("space");
    if (!navigator.storage || typeof navigator.storage.estimate !== "function") {
      space.textContent = "Unknown in this browser.";
      return;
    }
    try {
      const estimate = await navigator.storage.estimate();
      const text = bytes(estimate.usage);
      space.textContent = `${text.charAt(0).toUpperCase()}${text.slice(1)} on this device.`;
    } catch {
      space.textContent = "Unknown in this browser.";
    }
  }

  async function showKept() {
    const kept = fact("kept");
    if (!navigator.storage || typeof navigator.storage.persisted !== "function") {
      kept.textContent = "Unknown in this browser.";
      return;
    }
    let persisted = false;
    try {
      persisted = await navigator.storage.persisted();
    } catch {
      persisted = false;
    }
    kept.textContent = persisted
      ? "Yes: your browser has promised to keep it until you remove it."
      : "Not promised: your browser may delete it if this device runs short of space. Installing the app helps.";
    if (keep) keep.hidden = persisted || typeof navigator.storage.persist !== "function";
  }

  if (keep) {
    keep.addEventListener("click", async () => {
      keep.disabled = true;
      let granted = false;
      try {
        granted = await navigator.storage.persist();
      } catch {
        granted = false;
      }
      keep.disabled = false;
      await showKept();
      say(result, granted ? "Your browser will keep the copy." : "Your browser did not promise to keep it. Try again once the app is installed.");
    });
  }

  check.addEventListener("click", async () => {
    check.disabled = true;
    say(result, "Checking for updates…");
    let answer;
    try {
      answer = await checkForUpdates(app);
    } catch {
      answer = ["Could not check for updates. Try again when you have signal."];
    }
    check.disabled = false;
    result.replaceChildren(...answer);
    await showSaved();
  });

  function reloadButton(worker) {
    const button = h("button", { type: "button", class: "copy-reload" }, "Reload to use it");
    button.addEventListener("click", () => {
      button.disabled = true;
      const reload = () => window.location.reload();
      sw.addEventListener("controllerchange", reload, { once: true });
      worker.postMessage({ type: "SKIP_WAITING" });
      // Another tab may already have switched: reload anyway.
      window.setTimeout(reload, 4000);
    });
    return button;
  }

  /** Ask the server for a newer version (sw.js changes with every version). The answer as nodes to show. */
  async function checkForUpdates() {
    if (!sw) return ["This browser cannot keep an offline copy, so there is nothing to update: pages always come from the website."];
    const registration = await sw.getRegistration(`${app.BASE}/`);
    if (!registration) return ["No copy is saved on this device yet. Open any page of this guide with a signal to save one."];
    if (navigator.onLine === false) return ["You are offline. Check again when you have signal."];
    try {
      await registration.update();
    } catch {
      return ["Could not reach the website. Check again when you have signal."];
    }
    const incoming = registration.installing || registration.waiting;
    if (incoming) {
      await installedOrGone(incoming);
      if (registration.waiting) {
        return ["A newer version is saved on this device. ", reloadButton(registration.waiting)];
      }
      return ["A newer version could not be saved. Check again when you have signal."];
    }
    app.markChecked();
    return ["You have the latest version."];
  }

  showSaved();
  showSpace();
  showKept();
}

/** Resolves once `worker` has finished installing (or failed), at most after a minute. */
function installedOrGone(worker) {
  return new Promise((resolve) => {
    const done = () => ["installed", "activating", "activated", "redundant"].includes(worker.state);
    if (done()) {
      resolve();
      return;
    }
    const timer = window.setTimeout(resolve, 60_000);
    worker.addEventListener("statechange", () => {
      if (!done()) return;
      window.clearTimeout(timer);
      resolve();
    });
  });
}

// ---------- Remove this app's data ----------

function initClear(app, box) {
  const { h } = app;
  const start = box.querySelector(".clear-start");
  const confirm = box.querySelector(".clear-confirm");
  const question = box.querySelector(".clear-question");
  const yes = box.querySelector(".clear-yes");
  const cancel = box.querySelector(".clear-cancel");
  const result = box.querySelector(".clear-result");

  start.addEventListener("click", () => {
    result.replaceChildren();
    start.hidden = true;
    confirm.hidden = false;
    question.focus();
  });
  cancel.addEventListener("click", () => {
    confirm.hidden = true;
    start.hidden = false;
    start.focus();
    say(result, "Nothing was removed.");
  });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    cancel.disabled = true;
    let removed;
    try {
      removed = await removeEverything();
    } catch {
      removed = null;
    }
    confirm.hidden = true;
    yes.disabled = false;
    cancel.disabled = false;
    if (!removed) {
      result.replaceChildren(h("p", {}, "Something could not be removed. Use your browser’s settings to clear this website’s data."));
    } else if (removed.length === 0) {
      result.replaceChildren(h("p", {}, "There was nothing to remove: this app had saved nothing on this device."));
    } else {
      result.replaceChildren(
        h("p", {}, "Removed from this device:"),
        h("ul", {}, ...removed.map((line) => h("li", {}, line))),
        h("p", {}, "This page stays on screen until you leave it. Opening this guide again saves a new copy."),
      );
    }
    result.setAttribute("tabindex", "-1");
    result.focus();
  });
}

/** Remove every cs:* key, every cs- cache and the service worker. Resolves with what was removed, in words. */
async function removeEverything() {
  const removed = [];
  const keys = [];
  try {
    for (let index = 0; index < window.localStorage.length; index += 1) {
      const key = window.localStorage.key(index);
      if (key && key.startsWith("cs:")) keys.push(key);
    }
    for (const key of keys) window.localStorage.removeItem(key);
  } catch {
    // No storage: nothing was kept there.
  }
  // Tell app.js: write nothing more, show the page as for a first visit.
  document.dispatchEvent(new CustomEvent("cs:cleared"));
  const ticks = keys.filter((key) => key.startsWith("cs:task:")).length;
  const progress = keys.filter((key) => key.startsWith("cs:progress:")).length;
  if (ticks > 0) removed.push(`${ticks} ticked checklist item${ticks === 1 ? "" : "s"}`);
  else if (progress > 0) removed.push("Checklist progress");
  if (keys.includes("cs:nation")) removed.push("Where you are standing");
  const settings = keys.length - ticks - progress - (keys.includes("cs:nation") ? 1 : 0);
  if (settings > 0) removed.push(`${settings} other setting${settings === 1 ? "" : "s"} (version checks, dismissed tips, how often the app was used)`);

  if ("serviceWorker" in navigator) {
    const registrations = await navigator.serviceWorker.getRegistrations();
    await Promise.all(registrations.map((registration) => registration.unregister()));
    if (registrations.length > 0) removed.push("The offline app (its service worker)");
  }
  if (typeof caches !== "undefined") {
    const names = (await caches.keys()).filter((name) => name.startsWith("cs-"));
    let files = 0;
    for (const name of names) {
      const cache = await caches.open(name);
      files += (await cache.keys()).length;
      await caches.delete(name);
    }
    if (names.length > 0) removed.push(`The saved guidance: ${files} pages and files`);
  }
  return removed;
}

// ---------- Share a section ----------

function initShare(app, article) {
  const { h } = app;
  const title = (article.querySelector("h1")?.textContent || document.title).trim();
  for (const section of article.querySelectorAll("section.doc-section[id]")) {
    const heading = section.querySelector("h2");
    if (!heading) continue;
    const name = heading.textContent.trim();
    // Named after its section (the visible words first, so voice control finds it by what it shows).
    const button = h("button", { type: "button", class: "share-button secondary", "aria-label": `Share this section: ${name}` }, "Share this section");
    const status = h("span", { class: "share-status", role: "status" });
    const box = h("div", { class: "share" }, button, status);
    (section.querySelector(":scope > details") || section).append(box);
    const url = `${window.location.origin}${window.location.pathname}#${section.id}`;
    let clear = 0;
    button.addEventListener("click", async () => {
      window.clearTimeout(clear);
      if (typeof navigator.share === "function") {
        try {
          await navigator.share({ title: `${name} – ${title}`, url });
          return;
        } catch (error) {
          if (error && error.name === "AbortError") return; // the person closed the share sheet
          // Sharing is not allowed here: copy the link instead.
        }
      }
      box.querySelector(".share-copy")?.remove();
      try {
        await navigator.clipboard.writeText(url);
        say(status, "Link copied");
        clear = window.setTimeout(() => {
          status.textContent = "";
        }, 10_000);
      } catch {
        // No clipboard here (an older browser, or a page not served over HTTPS): the link to copy by hand.
        const field = h("input", { type: "text", readonly: true, value: url, id: `share-${section.id}` });
        box.append(h("p", { class: "share-copy" }, h("label", { for: field.id }, "Copy this link: "), field));
        say(status, "Copy the link below");
        field.focus();
        field.select();
      }
    });
  }
}

// ---------- Print ----------
// style.css prints the sections for other nations open (details::details-content); browsers without that
// get them opened here for the print, and closed again after.

function initPrint(article) {
  let opened = [];
  window.addEventListener("beforeprint", () => {
    opened = Array.from(article.querySelectorAll("details:not([open])"));
    for (const details of opened) details.open = true;
  });
  window.addEventListener("afterprint", () => {
    for (const details of opened) details.open = false;
    opened = [];
  });
}
