#!/usr/bin/env node
// Browser tests of the web app: Debian Chromium driven by playwright-core, accessibility checks by axe-core.
//
//   cd tests/e2e && npm ci && node run.mjs
//
// Environment:
//   CS_BIN    the server binary (default: target/debug/candidate-security in this repository)
//   CS_PORT   port for the main server (default: a free port)
//   CHROMIUM  the browser (default: /usr/bin/chromium, from `apt-get install chromium`)
//   E2E_ONLY  run only the tests whose name matches this regular expression
//
// Starts `$CS_BIN serve` twice (at the root and with --base-path /security), and a third time with a changed
// corpus for the update notice. Screenshots go to tests/e2e/artifacts/. Ends with "N passed, M failed".
// "Leave this page quickly" goes to https://www.bbc.co.uk/weather: the tests answer it locally (context.route),
// so nothing leaves this machine.

import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const CS_BIN = process.env.CS_BIN || path.join(REPO, "target", "debug", "candidate-security");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AXE = path.join(HERE, "node_modules", "axe-core", "axe.min.js");
const ARTIFACTS = path.join(HERE, "artifacts");
const VIEWPORT = { width: 360, height: 800 };
const OFFLINE_MESSAGE = "You are offline: search needs a connection on this device for now; all guidance pages still open.";
const DEV_QUERIES = path.join(REPO, "tests", "relevance", "dev-queries.tsv");
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const GUIDANCE = "/guidance/account-device-cyber";

// ---------- Counting: every registered test that did not pass is a failure ----------

let registered = 0;
let passed = 0;
const ONLY = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY, "i") : null;
function check(name, fn, timeout = 120_000) {
  if (ONLY && !ONLY.test(name)) return;
  registered += 1;
  test(name, { timeout }, async (t) => {
    await fn(t);
    passed += 1;
  });
}
process.on("exit", () => {
  const failed = registered - passed;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (failed > 0) process.exitCode = 1;
});

// ---------- Servers ----------

const children = new Set();

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Start `$CS_BIN serve` and wait for /readyz. */
async function startServer({ basePath = "", port, guidanceDir } = {}) {
  const chosen = port ?? (await freePort());
  const args = ["serve", "--bind", `127.0.0.1:${chosen}`];
  if (basePath) args.push("--base-path", basePath);
  if (guidanceDir) args.push("--guidance-dir", guidanceDir);
  const child = spawn(CS_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let log = "";
  child.stdout.on("data", (chunk) => (log += chunk));
  child.stderr.on("data", (chunk) => (log += chunk));
  let spawnError = null;
  child.on("error", (error) => (spawnError = error));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.on("exit", () => children.delete(child));
  const origin = `http://127.0.0.1:${chosen}`;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`cannot start ${CS_BIN}: ${spawnError.message}`);
    if (child.exitCode !== null) throw new Error(`${CS_BIN} ${args.join(" ")} exited (${child.exitCode}):\n${log}`);
    for (const probe of [`${basePath}/readyz`, "/readyz"]) {
      try {
        const response = await fetch(origin + probe);
        if (response.status === 200) {
          // /readyz says only "ok"; the content version comes from /api/version.
          const versionUrl = origin + probe.replace(/\/readyz$/, "/api/version");
          const ready = await fetch(versionUrl)
            .then((r) => r.json())
            .catch(() => ({}));
          return {
            origin,
            base: basePath,
            port: chosen,
            version: ready.version,
            url: (p = "/") => origin + basePath + p,
            log: () => log,
            async stop() {
              if (child.exitCode === null) {
                child.kill("SIGTERM");
                await Promise.race([exited, sleep(10_000)]);
                if (child.exitCode === null) child.kill("SIGKILL");
              }
              await exited;
            },
          };
        }
      } catch {
        // Not listening yet.
      }
    }
    await sleep(150);
  }
  child.kill("SIGKILL");
  throw new Error(`${CS_BIN} did not answer /readyz within 90 s:\n${log}`);
}

function once(fn) {
  let promise = null;
  return () => (promise ??= fn());
}

const rootServer = once(() =>
  startServer({ port: process.env.CS_PORT ? Number(process.env.CS_PORT) : undefined }),
);
const baseServer = once(() => startServer({ basePath: "/security" }));
let browserPromise = null;
function browser() {
  browserPromise ??= chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return browserPromise;
}

after(async () => {
  if (browserPromise) {
    try {
      await (await browserPromise).close();
    } catch {
      // The browser never started.
    }
  }
  for (const child of children) child.kill("SIGTERM");
});
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

// ---------- Browser helpers ----------

/** A context at 360x800 that records console errors, page errors, CSP violations and other-origin requests. */
async function newContext(server, options = {}) {
  const b = await browser();
  const context = await b.newContext({ viewport: VIEWPORT, serviceWorkers: "allow", ...options });
  const issues = { console: [], pageErrors: [], csp: [], foreign: [] };
  context.on("request", (request) => {
    const url = request.url();
    if (url.startsWith("data:") || url.startsWith("blob:")) return;
    let origin = "";
    try {
      origin = new URL(url).origin;
    } catch {
      origin = url;
    }
    if (origin !== server.origin) issues.foreign.push(url);
  });
  context.on("page", (page) => {
    page.on("console", (message) => {
      if (message.type() === "error") issues.console.push(`${message.text()} (${page.url()})`);
    });
    page.on("pageerror", (error) => issues.pageErrors.push(`${error.message} (${page.url()})`));
  });
  if (options.javaScriptEnabled !== false) {
    await context.exposeFunction("__csCspViolation", (text) => issues.csp.push(text));
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (event) => {
        window.__csCspViolation(
          `${event.effectiveDirective} blocked ${event.blockedURI || "(inline)"} at ${event.sourceFile}:${event.lineNumber}`,
        );
      });
    });
  }
  return { context, issues };
}

function assertClean(issues, what) {
  assert.deepEqual(issues.pageErrors, [], `${what}: uncaught errors`);
  assert.deepEqual(issues.console, [], `${what}: console errors`);
  assert.deepEqual(issues.csp, [], `${what}: CSP violations`);
  assert.deepEqual(issues.foreign, [], `${what}: requests to other origins`);
}

/** Wait until the search for `q` has finished rendering in #results. */
async function settled(page, q) {
  await page.waitForFunction(
    (expected) => {
      const results = document.getElementById("results");
      if (!results || results.hasAttribute("aria-busy")) return false;
      const params = new URLSearchParams(window.location.hash.slice(1));
      if (params.get("q") !== expected) return false;
      return results.querySelector(".result-count, .search-offline, .search-error") !== null;
    },
    q,
    { timeout: 15_000 },
  );
}

async function typeQuery(page, q, delay = 35) {
  const input = page.locator("#q");
  await input.fill("");
  await input.pressSequentially(q, { delay });
  await settled(page, q);
}

/** Wait until the search worker has loaded the offline bundle: from then on every search runs on the device. */
async function deviceReady(page, timeout = 30_000) {
  await page.waitForFunction(() => document.documentElement.dataset.searchEngine === "device", null, { timeout });
}

/** The live region's text (without the no-break space that makes a repeated sentence be read out again). */
async function statusText(page) {
  return (await page.locator("#search-status").textContent()).replace(/\u00a0$/, "");
}

/** The section links of the shown results, in order, as paths without the base. */
async function shownSectionUrls(page, base = "") {
  const hrefs = await page.locator("#results .section-link").evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  return hrefs.map((href) => (base && href.startsWith(base) ? href.slice(base.length) : href));
}

/** The dev-set queries (first column of tests/relevance/dev-queries.tsv, without the header). */
function devQueries() {
  return fs
    .readFileSync(DEV_QUERIES, "utf8")
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t")[0])
    .filter((q) => q && q.trim());
}

/** The service worker's manifest: the MANIFEST line the server writes into /sw.js. */
async function swManifest(server) {
  const swSource = await (await fetch(server.url("/sw.js"))).text();
  const line = swSource.match(/^const MANIFEST = (.*);$/m);
  assert.ok(line, "sw.js has its MANIFEST line");
  return JSON.parse(line[1]);
}

/** The cache the service worker keeps the semantic model in, whatever the version (assets/sw.js). */
const SEMANTIC_CACHE = "cs-semantic";

/** Wait for the service worker to control the page and its cache to hold the whole precache. */
async function waitForOfflineCopy(page, server) {
  const manifest = await swManifest(server);
  assert.ok(Array.isArray(manifest.precache) && manifest.precache.length > 0, "MANIFEST.precache is a list");
  assert.equal(manifest.base, server.base, "MANIFEST.base is the base path");
  const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, server.url("/"), "service worker scope");
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
  const cached = await page.evaluate(async (version) => {
    const cache = await caches.open(`cs-${version}`);
    return {
      names: await caches.keys(),
      paths: (await cache.keys()).map((request) => new URL(request.url).pathname + new URL(request.url).search),
    };
  }, manifest.version);
  // One version's cache; the semantic model's cache (filled once the search worker has the model) is apart.
  assert.deepEqual(cached.names.filter((name) => name.startsWith("cs-") && name !== SEMANTIC_CACHE), [`cs-${manifest.version}`]);
  for (const url of manifest.precache) assert.ok(cached.paths.includes(url), `precached: ${url}`);
  return { manifest, cached };
}

/** A copy of the corpus with one sentence added to the security video document: a new version. */
function changedCorpus(sentence) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-e2e-"));
  fs.cpSync(path.join(REPO, "index"), dir, { recursive: true });
  const file = path.join(dir, "guidance", "security-video.md");
  const text = fs.readFileSync(file, "utf8");
  const changed = text.replace(/\n\+\+\+\n\n([^\n]+)/, (all, para) => all.replace(para, `${para} ${sentence}`));
  assert.notEqual(changed, text, "test corpus changed");
  fs.writeFileSync(file, changed);
  return { dir, title: (text.match(/^title = "(.*)"$/m) || [])[1] };
}

async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function axe(page, what) {
  // From the top of the page: mid-scroll, the sticky "Leave this page quickly" bar covers whatever passes
  // under it, which axe's target-size rule reports as an obscured target (scrolling uncovers it).
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: "instant" }));
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async (tags) => {
    const run = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return run.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
    }));
  }, WCAG_TAGS);
  assert.deepEqual(result, [], `${what}: axe violations\n${JSON.stringify(result, null, 2)}`);
}

// ---------- Tests at the root ----------

check("home page loads: one h1, landmarks, CSP header, no console errors, no other origins, no cookies", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    const response = await page.goto(server.url("/"), { waitUntil: "load" });
    assert.equal(response.status(), 200);
    const csp = response.headers()["content-security-policy"] || "";
    assert.match(csp, /default-src 'none'/, "CSP header");
    assert.match(csp, /script-src 'self'/, "CSP header");
    await page.waitForLoadState("networkidle");
    await page.evaluate(async () => navigator.serviceWorker && (await navigator.serviceWorker.ready));

    assert.equal(await page.locator("h1").count(), 1, "one h1");
    for (const selector of ["header.site-header", "nav.site-nav", "main#main", "footer.site-footer", "aside.emergency-card"]) {
      assert.equal(await page.locator(selector).count(), 1, selector);
    }
    assert.equal(await page.getByLabel("Search the guidance").count(), 1, "search field is labelled");
    const status = page.locator("#search-status");
    assert.equal(await status.getAttribute("role"), "status", "one status element is the live region");
    assert.equal(await status.getAttribute("aria-live"), "polite");
    assert.equal(await page.locator("[aria-live]").count(), 1, "no other live region on the page");
    assert.equal(await page.locator("#results").getAttribute("aria-live"), null, "the result list is not read out whole");
    assert.equal(await page.locator("html").getAttribute("lang"), "en-GB");

    await page.keyboard.press("Tab");
    const skip = await page.evaluate(() => {
      const el = document.activeElement;
      const box = el.getBoundingClientRect();
      return { cls: el.className, top: box.top, height: box.height, outline: getComputedStyle(el).outlineWidth };
    });
    assert.equal(skip.cls, "skip-link", "first Tab reaches the skip link");
    assert.ok(skip.top >= 0 && skip.height >= 44, "skip link is visible and tall enough when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "main", "skip link moves focus to main");

    assert.deepEqual(await context.cookies(), [], "no cookies");
    assert.equal(await page.evaluate(() => document.cookie), "");
    const version = await page.evaluate(() => document.documentElement.dataset.version);
    await page.waitForFunction(
      (v) => (JSON.parse(localStorage.getItem("cs:doc-hashes") || "null") || {}).version === v,
      version,
      { timeout: 10_000 },
    );
    assertClean(issues, "home");
  } finally {
    await context.close();
  }
});

check("instant search: typing shows results in place from the device, count in the live region, query only in the fragment", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    const requests = [];
    page.on("request", (request) => requests.push({ url: request.url(), method: request.method(), nav: request.isNavigationRequest() }));
    await page.goto(server.url("/"));
    await page.evaluate(() => {
      window.__csSameDocument = true;
    });
    await deviceReady(page);
    requests.length = 0;
    await typeQuery(page, "whatsapp hacked");

    assert.equal(await page.evaluate(() => window.__csSameDocument), true, "no full page load");
    assert.ok(page.url().includes("#q=whatsapp+hacked"), `query in the fragment: ${page.url()}`);
    assert.deepEqual(requests.filter((r) => r.nav), [], "no navigation while typing");
    const apiCalls = requests.filter((r) => new URL(r.url).pathname === "/api/search");
    assert.deepEqual(apiCalls, [], "searched on the device, not with the JSON API");
    const count = await page.locator("#results > .result-count").textContent();
    assert.match(count, /^\d+ results? in \d+ documents?$/, "result count");
    assert.equal(await statusText(page), count, "the live region says the count");
    assert.equal(await page.locator("#results").getAttribute("aria-live"), null, "the list itself is not live");
    assert.ok((await page.locator("#results .result").count()) > 0, "results listed");
    assert.ok((await page.locator("#results .snippet mark").count()) > 0, "matched words highlighted");
    const localKeys = await page.evaluate(() => Object.keys(localStorage).map((k) => k + "=" + localStorage.getItem(k)));
    assert.ok(!localKeys.some((entry) => /whatsapp|hacked/i.test(entry)), "query not stored");

    // Same markup as the server's results fragment: compare the structure with GET /search.
    const serverFragment = await page.evaluate(async () => {
      const html = await (await fetch("/search?q=whatsapp+hacked")).text();
      const doc = new DOMParser().parseFromString(html, "text/html");
      const shape = (root) =>
        Array.from(root.querySelectorAll(".result-count, .danger-card, .results, .result, .result-title a, .result-summary, .result-sections, .section-link, .snippet")).map(
          (el) => `${el.localName}.${el.className}`,
        );
      return { server: shape(doc.getElementById("results")), client: shape(document.getElementById("results")) };
    });
    assert.deepEqual(serverFragment.client, serverFragment.server, "client-rendered results match the server's markup");

    const first = page.locator("#results .section-link").first();
    const href = await first.getAttribute("href");
    assert.match(href, /^\/guidance\/[a-z0-9-]+#[a-z0-9-]+$/, "section link");
    await first.click();
    await page.waitForURL(/\/guidance\/[a-z0-9-]+#[a-z0-9-]+$/);
    const target = await page.evaluate(() => {
      const el = document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
      return el ? el.localName : null;
    });
    assert.equal(target, "section", "the anchor exists on the guidance page");
    assert.equal(await page.locator("h1").count(), 1);

    await page.goBack();
    await settled(page, "whatsapp hacked");
    assert.ok((await page.locator("#results .result").count()) > 0, "results again after going back");
    assert.equal(await page.locator("#q").inputValue(), "whatsapp hacked");
    assertClean(issues, "instant search");
  } finally {
    await context.close();
  }
});

check("search states: fragment on load with filters, typo suggestion, danger card, refused query, clearing", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/#q=password&category=cyber"));
    await settled(page, "password");
    assert.equal(await page.locator("#category").inputValue(), "cyber", "filter restored from the fragment");
    assert.ok((await page.locator("#results .result").count()) > 0);

    await page.evaluate(() => {
      window.__csSameDocument = true;
    });
    await page.locator("#category").selectOption("");
    await typeQuery(page, "pasword manger");
    const suggestion = page.locator("#results .did-you-mean a");
    assert.equal(await suggestion.textContent(), "password manager");
    await suggestion.click();
    await settled(page, "password manager");
    assert.equal(await page.locator("#q").inputValue(), "password manager");
    assert.equal(await page.evaluate(() => window.__csSameDocument), true, "suggestion searched in place");

    await typeQuery(page, "someone is following me");
    const danger = page.locator('#results .danger-card[role="alert"]');
    assert.equal(await danger.count(), 1, "danger card shown");
    assert.match(await danger.textContent(), /999/);

    // Refused queries, refused on the device in the server's words (as its own results page words them).
    await deviceReady(page);
    const refusedOnServer = async (q) => {
      const html = await (await fetch(server.url(`/search?q=${encodeURIComponent(q)}`))).text();
      return (html.match(/<p class="result-count search-error">([^<]*)<\/p>/) || [])[1];
    };
    const tooMany = Array.from({ length: 33 }, (_, i) => `word${i}`).join(" ");
    await typeQuery(page, tooMany, 5);
    const error = page.locator("#results .search-error");
    assert.equal(await error.count(), 1, "refused query explained");
    assert.match(await error.textContent(), /32/);
    assert.equal(await error.textContent(), await refusedOnServer(tooMany), "the server's message");
    assert.equal(await statusText(page), await error.textContent(), "the live region says why");
    const tooLong = "a".repeat(257); // longer than the box's maxlength: only a link can carry it
    await page.evaluate((q) => {
      window.location.hash = `#q=${q}`;
    }, tooLong);
    await settled(page, tooLong);
    assert.equal(await error.textContent(), await refusedOnServer(tooLong), "the server's message for a long query");
    await page.evaluate(() => {
      window.location.hash = "#q=phishing&category=no-such-topic";
    });
    await settled(page, "phishing");
    assert.equal(await error.textContent(), "Unknown topic “no-such-topic”.", "an unknown topic, as the API says it");

    await page.locator("#q").fill("");
    await page.waitForFunction(() => document.getElementById("results").childElementCount === 0);
    assert.equal(new URL(page.url()).hash, "", "fragment cleared");
    assert.equal(await statusText(page), "", "the live region is emptied");

    // Pressing Enter: no POST, a history entry, focus on the result count.
    const posts = [];
    page.on("request", (request) => {
      if (request.method() === "POST") posts.push(request.url());
    });
    await page.locator("#q").fill("phishing email");
    await page.locator("#q").press("Enter");
    await settled(page, "phishing email");
    assert.deepEqual(posts, [], "no POST with JavaScript on");
    await page.waitForFunction(() => document.activeElement && document.activeElement.classList.contains("result-count"));
    // Chromium logs every 4xx answer to fetch(); the refused query's 400 is the API working as designed.
    issues.console = issues.console.filter((text) => !/status of 400 \(Bad Request\)/.test(text));
    assertClean(issues, "search states");
  } finally {
    await context.close();
  }
});

check("no JavaScript: the form POSTs and the server renders results", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    const methods = [];
    page.on("request", (request) => {
      if (request.isNavigationRequest()) methods.push(request.method());
    });
    await page.goto(server.url("/"));
    await page.locator("#q").fill("whatsapp hacked");
    const [response] = await Promise.all([
      page.waitForNavigation(),
      page.locator('.search-form button[type="submit"]').click(),
    ]);
    assert.equal(response.status(), 200);
    assert.equal(response.request().method(), "POST");
    assert.equal(new URL(page.url()).pathname, "/search");
    assert.ok(!page.url().includes("whatsapp"), "query not in the URL");
    assert.match(response.headers()["cache-control"] || "", /no-store/, "results are not cacheable");
    assert.match(await page.locator("#results .result-count").textContent(), /^\d+ results? in \d+ documents?$/);
    assert.ok((await page.locator("#results .result").count()) > 0);
    assert.equal(await page.locator("#q").inputValue(), "whatsapp hacked");
    assert.deepEqual(methods, ["GET", "POST"]);
    assertClean({ ...issues, csp: [] }, "no-JS search");
  } finally {
    await context.close();
  }
});

check("checklists: a tick survives a reload and the home page shows progress", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url(GUIDANCE));
    const boxes = page.locator(".checklist .task-check");
    const total = await boxes.count();
    assert.ok(total > 0, "the page has checklist items");
    const progress = page.locator(".checklist-progress");
    await page.waitForFunction(() => !document.querySelector(".checklist-progress").hidden);
    assert.match(await progress.textContent(), new RegExp(`\\b0 of ${total} done`));

    const first = boxes.first();
    const id = await first.getAttribute("id");
    const task = await first.getAttribute("data-task");
    await page.locator(`label[for="${id}"]`).click(); // the whole label row is the touch target
    assert.equal(await first.isChecked(), true);
    assert.match(await progress.textContent(), new RegExp(`\\b1 of ${total} done`));
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), `cs:task:${task}`), "1");

    await page.reload();
    assert.equal(await page.locator(`#${id}`).isChecked(), true, "still ticked after a reload");
    assert.match(await progress.textContent(), new RegExp(`\\b1 of ${total} done`));

    // Stored ids that no longer exist are ignored.
    await page.evaluate((slug) => localStorage.setItem(`cs:task:${slug}/no-longer-exists`, "1"), task.split("/")[0]);
    await page.reload();
    assert.match(await progress.textContent(), new RegExp(`\\b1 of ${total} done`));

    await page.goto(server.url("/"));
    const slug = task.split("/")[0];
    const homeProgress = page.locator(`.documents [data-progress-for="${slug}"]`);
    assert.match(await homeProgress.textContent(), new RegExp(`^1 of ${total} done$`));
    assert.equal(await page.locator(".documents .progress:not(:empty)").count(), 1, "only that document shows progress");

    await page.goto(server.url(GUIDANCE));
    await page.locator(`label[for="${id}"]`).click();
    assert.equal(await page.evaluate((key) => localStorage.getItem(key), `cs:task:${task}`), null, "unticking removes the key");
    const keys = await page.evaluate(() => Object.keys(localStorage));
    assert.ok(keys.every((key) => key.startsWith("cs:")), `only cs: keys in localStorage: ${keys}`);
    assertClean(issues, "checklists");
  } finally {
    await context.close();
  }
});

check("offline: the service worker saves every page; guidance and home open and search offline, /search gets the offline page", async () => {
  // Its own server, stopped when the browser goes offline: some Chromium builds still let a service worker's
  // fetches through under emulated offline mode, and a stopped server is offline for every build.
  const server = await startServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    const offlineH1 = await (async () => {
      const html = await (await fetch(server.url("/offline"))).text();
      return (html.match(/<h1[^>]*>([^<]*)<\/h1>/) || [])[1];
    })();
    assert.ok(offlineH1, "the server has an offline page");
    await page.goto(server.url("/"));
    const { manifest } = await waitForOfflineCopy(page, server);

    // Searching online never puts search answers in the cache.
    await typeQuery(page, "phishing");
    const kept = await page.evaluate(async (version) => {
      const cache = await caches.open(`cs-${version}`);
      return (await cache.keys()).map((r) => new URL(r.url).pathname);
    }, manifest.version);
    assert.ok(!kept.some((p) => p.startsWith("/api/") || p.startsWith("/search")), "no API or search response cached");

    await context.setOffline(true);
    await server.stop();
    for (const slug of ["reporting-and-contacts", "account-device-cyber"]) {
      const response = await page.goto(server.url(`/guidance/${slug}`));
      assert.ok(response && response.ok(), `/guidance/${slug} opens offline`);
      assert.equal(await page.locator("article.guidance h1").count(), 1);
    }
    const home = await page.goto(server.url("/"));
    assert.ok(home && home.ok(), "home opens offline");
    assert.equal(await page.locator("h1").count(), 1);
    await page.goto(server.url("/?utm=x"));
    assert.equal(await page.locator("#q").count(), 1, "a known page ignores its query string offline");

    await typeQuery(page, "doorstep");
    assert.equal(await page.locator("#results .search-offline").count(), 0, "no offline notice: search works offline");
    assert.match(await page.locator("#results .result-count").textContent(), /^\d+ results? in \d+ documents?$/);
    assert.ok((await page.locator("#results .result").count()) > 0, "results offline");
    assert.ok((await page.locator(".documents a").count()) > 0, "document links still there");

    await page.goto(server.url("/search?q=test"));
    assert.equal((await page.locator("h1").textContent()).trim(), offlineH1.trim(), "/search offline shows the offline page");
    await page.goto(server.url("/guidance/not-a-document"));
    assert.equal((await page.locator("h1").textContent()).trim(), offlineH1.trim(), "an unsaved page offline shows the offline page");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource/.test(text));
    issues.console = issues.console.filter((text) => !/ERR_CONNECTION_REFUSED/.test(text));
    assertClean(issues, "offline");
  } finally {
    await context.close();
    await server.stop();
  }
});

check("typing sends no request: once the worker is ready, typing, filters, Enter and suggestions use no network and reach no server", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  const requests = [];
  let recording = false;
  context.on("request", (request) => {
    if (recording) requests.push(request);
  });
  const seen = [];
  context.on("request", (request) => seen.push(new URL(request.url()).pathname));
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await deviceReady(page);
    const version = await page.evaluate(() => document.documentElement.dataset.version);
    await page.waitForFunction(
      (v) => (JSON.parse(localStorage.getItem("cs:doc-hashes") || "null") || {}).version === v,
      version,
      { timeout: 10_000 },
    );
    await page.waitForLoadState("networkidle");
    // The recorder sees the worker's own requests: it loaded the engine and the bundle.
    const { worker, engine, bundle } = await page.evaluate(() => ({ ...document.documentElement.dataset }));
    for (const url of [worker, engine, bundle]) assert.ok(seen.includes(url), `the worker's request for ${url} was seen`);

    // Chromium checks the service worker's script for an update on its own schedule (GET /sw.js, nothing typed in
    // it); since the page downloads the semantic model (about 3 MB), that check can fall while typing. It is the
    // browser's, not the search's: every other request counts.
    const serverLines = () =>
      server
        .log()
        .split("\n")
        .filter((line) => line.includes("candidate_security::http") && !line.includes(" route=/sw.js ")).length;
    // The server writes its per-request lines out every 250 ms: wait until the count stops changing (requests
    // the service worker made before this point may still be on their way to the log).
    const settledLines = async () => {
      let count = serverLines();
      for (let round = 0; round < 20; round += 1) {
        await sleep(600);
        const now = serverLines();
        if (now === count) return count;
        count = now;
      }
      return count;
    };
    const linesBefore = await settledLines();
    recording = true;
    // A word still being typed also matches as a prefix; a space after it ends the word.
    await typeQuery(page, "phis");
    const asPrefix = await page.locator("#results .result-count").textContent();
    await page.locator("#q").pressSequentially(" ");
    await settled(page, "phis ");
    const asWord = await page.locator("#results .result-count").textContent();
    assert.notEqual(asWord, asPrefix, "typing a space after 'phis' searches again, without prefixes");
    for (const q of ["someone posted my address", "whatsapp hacked", "pasword manger", "phis", "deepfake video of me"]) {
      await typeQuery(page, q);
      assert.match(await page.locator("#results .result-count").textContent(), /^\d+ results? in \d+ documents?$/, q);
    }
    await page.locator("details.filters summary").click();
    await page.locator("#category").selectOption("cyber");
    await page.waitForFunction(() => new URLSearchParams(window.location.hash.slice(1)).get("category") === "cyber");
    await settled(page, "deepfake video of me");
    await page.locator("#category").selectOption("");
    await typeQuery(page, "phishing emal");
    await page.locator("#results .did-you-mean a").click();
    await settled(page, "phishing email");
    await page.locator("#q").fill("threats at my door");
    await page.locator("#q").press("Enter");
    await settled(page, "threats at my door");
    await page.goBack();
    await settled(page, "phishing email");
    await page.waitForTimeout(500);
    recording = false;
    // Chromium itself reads the page's icon again after each change of the address (the fragment): the service
    // worker answers it from the offline copy. Nothing else may be requested, and nothing may reach the server.
    const icon = await page.evaluate(() => document.querySelector('link[rel="icon"]').href);
    const other = requests.filter((request) => request.url() !== icon).map((r) => `${r.method()} ${r.url()}`);
    assert.deepEqual(other, [], "no request while searching");
    for (const request of requests) {
      const response = await request.response();
      assert.ok(response && response.fromServiceWorker(), `the browser's icon refresh is answered on the device: ${request.url()}`);
    }
    assert.equal(await settledLines(), linesBefore, `the server saw no request while searching:\n${server.log().split("\n").slice(-10).join("\n")}`);
    assertClean(issues, "device search");
  } finally {
    await context.close();
  }
});

check("offline search: the dev-set queries typed offline show the same sections, in order, as the server", async () => {
  const server = await rootServer();
  const queries = devQueries();
  assert.ok(queries.length >= 10, `at least 10 dev-set queries (${queries.length})`);
  const expected = new Map();
  for (const q of queries) {
    const response = await fetch(server.url(`/api/search?q=${encodeURIComponent(q)}`));
    assert.equal(response.status, 200, q);
    const data = await response.json();
    expected.set(q, {
      urls: data.documents.flatMap((d) => d.sections.map((section) => `${d.url}#${section.anchor}`)),
      count:
        data.total_sections === 0
          ? `No results for “${q}”`
          : `${data.total_sections} result${data.total_sections === 1 ? "" : "s"} in ${data.total_documents} document${data.total_documents === 1 ? "" : "s"}`,
    });
  }
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await deviceReady(page);
    await context.setOffline(true);
    await page.reload();
    // The server ranks by words and meaning: wait until the search worker does too (the model arrives after the bundle).
    await deviceReady(page);
    await semanticReady(page);
    const mismatches = [];
    for (const q of queries) {
      await typeQuery(page, q, 0);
      const shown = {
        urls: await shownSectionUrls(page),
        count: await page.locator("#results .result-count").textContent(),
      };
      try {
        assert.deepEqual(shown, expected.get(q));
      } catch {
        mismatches.push(`${q}\n  server: ${JSON.stringify(expected.get(q))}\n  device: ${JSON.stringify(shown)}`);
      }
    }
    assert.equal(await page.evaluate(() => document.documentElement.dataset.searchEngine), "device");
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${queries.length} queries differ offline`);
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(text));
    assertClean(issues, "offline search");
  } finally {
    await context.close();
  }
}, 300_000);

check("installed app in airplane mode: after one visit, a new page offline opens the start URL and the first search works", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const first = await context.newPage();
    await first.goto(server.url("/"));
    await waitForOfflineCopy(first, server);
    await first.close();

    await context.setOffline(true);
    const page = await context.newPage();
    const startUrl = (await (await fetch(server.url("/manifest.webmanifest"))).json()).start_url;
    const response = await page.goto(new URL(startUrl, server.origin).href);
    assert.ok(response && response.ok(), "the start URL opens offline");
    // Type at once, without waiting for the search worker.
    await page.locator("#q").pressSequentially("someone posted my address", { delay: 35 });
    await settled(page, "someone posted my address");
    assert.equal(await page.locator("#results .search-offline").count(), 0, "no offline notice");
    assert.match(await page.locator("#results .result-count").textContent(), /^\d+ results? in \d+ documents?$/);
    assert.ok((await page.locator("#results .result").count()) > 0, "results on the first try");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.searchEngine), "device");
    await screenshot(page, "results-offline");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(text));
    assertClean(issues, "airplane mode");
  } finally {
    await context.close();
  }
});

check("without module workers: search asks the server (same results), and offline says so", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  await context.addInitScript(() => {
    Object.defineProperty(window, "Worker", { value: undefined, configurable: true, writable: true });
  });
  try {
    const page = await context.newPage();
    const api = [];
    page.on("request", (request) => {
      if (new URL(request.url()).pathname === "/api/search") api.push(request.url());
    });
    await page.goto(server.url("/"));
    await page.waitForFunction(() => document.documentElement.dataset.searchEngine === "server");
    await typeQuery(page, "whatsapp hacked");
    assert.ok(api.length >= 1, "the JSON API was used");
    const count = await page.locator("#results .result-count").textContent();
    assert.match(count, /^\d+ results? in \d+ documents?$/);
    assert.equal(await statusText(page), count, "the live region says the count");

    await page.evaluate(() => {
      window.location.hash = "#q=phishing&category=no-such-topic";
    });
    await settled(page, "phishing");
    assert.equal(await page.locator("#results .search-error").textContent(), "Unknown topic “no-such-topic”.");

    await waitForOfflineCopy(page, server);
    await context.setOffline(true);
    await page.goto(server.url("/"));
    await page.locator("#q").pressSequentially("doorstep", { delay: 20 });
    await page.waitForSelector("#results .search-offline");
    assert.equal((await page.locator("#results .search-offline").textContent()).startsWith(OFFLINE_MESSAGE), true);
    assert.equal(await statusText(page), OFFLINE_MESSAGE, "the live region says it");
    assert.ok((await page.locator(".documents a").count()) > 0, "document links still there");
    await context.setOffline(false);
    issues.console = issues.console.filter(
      (text) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|Failed to load resource|status of 400 \(Bad Request\)/.test(text),
    );
    assertClean(issues, "no workers");
  } finally {
    await context.close();
  }
});

check("update notice: a new version names the changed document and Reload switches to it", async () => {
  // Two servers on the same port (same origin): the embedded corpus, then a copy with one document changed.
  const port = await freePort();
  const first = await startServer({ port });
  let second = null;
  const { dir, title } = changedCorpus("Check this page again before polling day.");
  const { context, issues } = await newContext(first);
  try {

    const page = await context.newPage();
    await page.goto(first.url("/"));
    await waitForOfflineCopy(page, first);
    await page.waitForFunction(
      (v) => (JSON.parse(localStorage.getItem("cs:doc-hashes") || "null") || {}).version === v,
      first.version,
      { timeout: 10_000 },
    );
    await first.stop();
    second = await startServer({ port, guidanceDir: dir });
    assert.notEqual(second.version, first.version, "the changed corpus has a new version");

    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.version), first.version, "still the saved version");
    const notice = page.locator("#update-notice");
    await notice.waitFor({ state: "visible", timeout: 30_000 });
    const docs = await notice.locator(".update-docs").textContent();
    assert.ok(docs.includes(title), `notice names "${title}": ${docs}`);
    assert.ok(!docs.includes("Secure your accounts"), "unchanged documents are not named");

    await Promise.all([page.waitForEvent("load", { timeout: 30_000 }), notice.locator(".update-reload").click()]);
    await page.waitForFunction((v) => document.documentElement.dataset.version === v, second.version, { timeout: 15_000 });
    assert.equal(await notice.isVisible(), false);
    const names = await page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith("cs-")));
    assert.deepEqual(names.filter((n) => n !== SEMANTIC_CACHE), [`cs-${second.version}`], "only the new version is kept");
    const models = await page.evaluate(async (name) => {
      if (!(await caches.has(name))) return [];
      return (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
    }, SEMANTIC_CACHE);
    const { semantic } = await swManifest(second);
    assert.ok(models.every((p) => p === semantic), `only the new version's semantic model is kept: ${models}`);
    await page.waitForFunction(
      (v) => (JSON.parse(localStorage.getItem("cs:doc-hashes") || "null") || {}).version === v,
      second.version,
      { timeout: 10_000 },
    );
    issues.console = issues.console.filter((text) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(text));
    issues.foreign = [];
    assertClean(issues, "update");
  } finally {
    await context.close();
    if (second) await second.stop();
    else await first.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

check("accessibility: axe-core finds no WCAG 2.0/2.1/2.2 A or AA violations (light and dark)", async () => {
  const server = await rootServer();
  for (const colorScheme of ["light", "dark"]) {
    // axe is injected as a script tag, which the page's CSP would block: this context bypasses CSP.
    const { context } = await newContext(server, { bypassCSP: true, colorScheme });
    try {
      const page = await context.newPage();
      await page.goto(server.url("/"));
      await axe(page, `home (${colorScheme})`);
      await page.goto(server.url("/#q=someone+posted+my+address"));
      await settled(page, "someone posted my address");
      await axe(page, `instant results (${colorScheme})`);
      await page.goto(server.url("/#q=someone+is+following+me"));
      await settled(page, "someone is following me");
      await axe(page, `danger card (${colorScheme})`);
      await page.goto(server.url("/search?q=pasword+manger"));
      await axe(page, `server results (${colorScheme})`);
      await page.goto(server.url("/search?category=protective"));
      await axe(page, `category listing (${colorScheme})`);
      await page.goto(server.url(GUIDANCE));
      await page.locator(".task-check").first().check();
      await axe(page, `guidance (${colorScheme})`);
      for (const p of ["/about", "/privacy", "/offline"]) {
        await page.goto(server.url(p));
        await axe(page, `${p} (${colorScheme})`);
      }
      await page.goto(server.url("/"));
      await page.evaluate(() => {
        const notice = document.getElementById("update-notice");
        notice.querySelector(".update-docs").textContent = "Example document.";
        notice.hidden = false;
      });
      await axe(page, `update notice (${colorScheme})`);
    } finally {
      await context.close();
    }
  }
});

check("layout: 44px touch targets, no sideways scrolling at 320px and 200% zoom, visible focus, print styles", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    const targets = [
      ".brand", ".site-nav a", ".emergency-card a", ".search-row input", ".search-row button", ".filters summary",
      ".filters select", ".first-steps a", ".categories a", ".documents a", ".site-footer a", ".result-title a",
      ".section-link", ".toc a", ".task label", ".doc-sources a", ".danger-card a", ".exit-button", ".share-button",
      ".stale-notice a", ".stale-notice button", ".install-offer button", ".copy-actions button", ".clear-controls button",
    ];
    const small = async () =>
      page.evaluate((selectors) => {
        const out = [];
        for (const selector of selectors) {
          for (const el of document.querySelectorAll(selector)) {
            const box = el.getBoundingClientRect();
            if (box.width === 0 && box.height === 0) continue; // not shown (closed details)
            if (box.height < 43.5 || box.width < 43.5) out.push(`${selector} "${el.textContent.trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
          }
        }
        return out;
      }, targets);
    const overflow = async () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

    for (const width of [320, 360, 640]) {
      await page.setViewportSize({ width, height: 800 });
      const pages = ["/", "/#q=someone+is+following+me", GUIDANCE, "/guidance/reporting-and-contacts", "/search?q=whatsapp", "/about", "/offline-copy"];
      for (const p of pages) {
        await page.goto(server.url(p));
        if (p.includes("#q=")) await settled(page, "someone is following me");
        await page.evaluate(() => document.querySelectorAll("details").forEach((d) => (d.open = true)));
        assert.deepEqual(await small(), [], `touch targets at ${width}px on ${p}`);
        assert.ok((await overflow()) <= 0, `no sideways scrolling at ${width}px on ${p}`);
        const stray = await page.evaluate(() =>
          Array.from(document.querySelectorAll(".task-check"))
            .filter((box) => {
              const row = box.closest(".task").getBoundingClientRect();
              const b = box.getBoundingClientRect();
              return b.top < row.top || b.bottom > row.bottom || b.left < row.left || b.right > row.right;
            })
            .map((box) => box.id),
        );
        assert.deepEqual(stray, [], `checkboxes sit inside their rows at ${width}px on ${p}`);
      }
    }
    await page.setViewportSize(VIEWPORT);

    // Focus: a 3px outline on links, buttons and the search field.
    await page.goto(server.url("/"));
    for (const selector of ["#q", ".search-row button", ".documents a"]) {
      await page.locator(selector).first().focus();
      await page.keyboard.press("Shift+Tab");
      await page.keyboard.press("Tab");
      const style = await page.evaluate(() => {
        const s = getComputedStyle(document.activeElement);
        return { width: parseFloat(s.outlineWidth), style: s.outlineStyle };
      });
      assert.ok(style.width >= 2 && style.style !== "none", `visible focus on ${selector}: ${JSON.stringify(style)}`);
    }

    // Print: no header, search or emergency chrome; source links print their URLs.
    await page.goto(server.url(GUIDANCE));
    await page.emulateMedia({ media: "print" });
    const print = await page.evaluate(() => {
      const shown = (s) => {
        const el = document.querySelector(s);
        return el ? getComputedStyle(el).display !== "none" : false;
      };
      const link = document.querySelector(".doc-sources a[href^='https']");
      return {
        header: shown(".site-header"),
        emergency: shown(".emergency-card"),
        notice: shown(".update-notice"),
        article: shown("article.guidance"),
        after: link ? getComputedStyle(link, "::after").content : "",
      };
    });
    assert.deepEqual(
      { header: print.header, emergency: print.emergency, notice: print.notice, article: print.article },
      { header: false, emergency: false, notice: false, article: true },
    );
    assert.match(print.after, /https:\/\//, "source links print their URL");
    await page.emulateMedia({ media: "screen", reducedMotion: "reduce" });
    assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).scrollBehavior), "auto");
    assertClean(issues, "layout");
  } finally {
    await context.close();
  }
});

check("screenshots of home, results and a guidance page (light and dark) in tests/e2e/artifacts/", async () => {
  const server = await rootServer();
  for (const colorScheme of ["light", "dark"]) {
    const { context, issues } = await newContext(server, { colorScheme });
    try {
      const page = await context.newPage();
      await page.goto(server.url("/"));
      await screenshot(page, `home-${colorScheme}`);
      await typeQuery(page, "whatsapp hacked");
      await screenshot(page, `results-${colorScheme}`);
      await typeQuery(page, "someone is following me");
      await screenshot(page, `results-urgent-${colorScheme}`);
      await page.goto(server.url(GUIDANCE));
      await page.locator(".task-check").first().check();
      await screenshot(page, `guidance-${colorScheme}`);
      await page.goto(server.url(`${GUIDANCE}#whatsapp-takeover`));
      // The section comes to the top of the screen, just under the sticky "Leave this page quickly" bar.
      await page.waitForFunction(
        () =>
          Math.abs(
            document.getElementById("whatsapp-takeover").getBoundingClientRect().top -
              document.querySelector(".exit-this-page").getBoundingClientRect().bottom,
          ) < 40,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, `guidance-anchor-${colorScheme}.png`) });
      assertClean(issues, `screenshots (${colorScheme})`);
    } finally {
      await context.close();
    }
  }
  const { context } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url(GUIDANCE));
    await page.emulateMedia({ media: "print" });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.pdf({ path: path.join(ARTIFACTS, "guidance-print.pdf"), format: "A4" }).catch(() => {});
    await page.screenshot({ path: path.join(ARTIFACTS, "guidance-print.png"), fullPage: true });
  } finally {
    await context.close();
  }
});

// ---------- Where are you standing? ----------

check("nation: the home page asks once, searches and guidance put that nation first online and offline, and a reload keeps it", async () => {
  const server = await startServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await deviceReady(page);
    const chooser = page.locator("form.nation-chooser");
    assert.equal(await chooser.locator("legend").textContent(), "Where are you standing?");
    assert.equal(await chooser.getByLabel("Not sure / show all").isChecked(), true, "no choice yet: show all");
    await chooser.getByLabel("Scotland").check();
    assert.equal(await page.evaluate(() => localStorage.getItem("cs:nation")), "scotland", "kept on the device");
    assert.match(await chooser.locator(".nation-saved").textContent(), /Scotland/);
    const cookies = await context.cookies();
    assert.deepEqual(cookies, [], "no cookie");
    const route = page.locator(".emergency-card .nation-route a");
    assert.equal(await route.isVisible(), true, "the emergency card gives the nation's police and fraud route");
    assert.match(await route.getAttribute("href"), /#police-scotland$/);

    // Online or on the device, the same rule: nothing written only for England and Wales.
    await typeQuery(page, "report a scam");
    const online = await (await fetch(server.url("/api/search?q=report+a+scam&nation=scotland"))).json();
    const expected = online.documents.flatMap((d) => d.sections.map((section) => `${d.url}#${section.anchor}`));
    const shown = await shownSectionUrls(page);
    assert.deepEqual(shown, expected, "the device answers as the server does for Scotland");
    assert.ok(shown.includes("/guidance/reporting-and-contacts#police-scotland"), `Scottish route shown: ${shown}`);
    assert.ok(!shown.some((u) => u.endsWith("#police-england-wales")), "England and Wales left out");

    await page.goto(server.url("/guidance/reporting-and-contacts"));
    assert.equal(await page.locator("#police-scotland details").evaluate((d) => d.open), true);
    assert.equal(await page.locator("#police-england-wales details").evaluate((d) => d.open), false, "other nations closed");
    assert.match(await page.locator("#police-england-wales summary").textContent(), /In England and Wales only/);
    // A link to a closed section opens it.
    await page.goto(server.url("/guidance/reporting-and-contacts#police-northern-ireland"));
    assert.equal(await page.locator("#police-northern-ireland details").evaluate((d) => d.open), true);

    await page.goto(server.url("/"));
    await page.reload();
    assert.equal(await chooser.getByLabel("Scotland").isChecked(), true, "the choice survives a reload");
    assert.equal(await page.locator("#nation").inputValue(), "scotland", "and the search form uses it");

    // Offline: the same answer from the device.
    await context.setOffline(true);
    await server.stop();
    await page.goto(server.url("/"));
    await deviceReady(page);
    assert.equal(await chooser.getByLabel("Scotland").isChecked(), true, "kept offline");
    await typeQuery(page, "report a scam");
    assert.deepEqual(await shownSectionUrls(page), expected, "offline answers as online");

    // Show all again (the chooser steps aside while a query is in the box: clear it first).
    await page.locator("#q").fill("");
    await chooser.getByLabel("Not sure / show all").check();
    assert.equal(await page.evaluate(() => localStorage.getItem("cs:nation")), null);
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "nation");
  } finally {
    await context.close();
    await server.stop();
  }
});

check("nation: axe finds no violations with the chooser and with other nations' sections closed (light and dark)", async () => {
  const server = await rootServer();
  for (const colorScheme of ["light", "dark"]) {
    const { context } = await newContext(server, { bypassCSP: true, colorScheme });
    try {
      const page = await context.newPage();
      await page.goto(server.url("/"));
      await page.locator("form.nation-chooser").getByLabel("Northern Ireland").check();
      await axe(page, `home with a nation chosen (${colorScheme})`);
      await page.goto(server.url("/guidance/reporting-and-contacts"));
      await axe(page, `guidance with other nations closed (${colorScheme})`);
      await page.goto(server.url("/guidance/intimidation-joint-guidance?nation=wales"));
      await axe(page, `guidance rendered for a nation without JavaScript's help (${colorScheme})`);
    } finally {
      await context.close();
    }
  }
});

// ---------- Under a base path ----------

check("base path /security: pages, instant search links, service worker scope, offline pages and offline search all stay under the base", async () => {
  const server = await baseServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    const response = await page.goto(server.url("/"));
    assert.equal(response.status(), 200);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.base), "/security");
    const outside = await page.evaluate(() =>
      Array.from(document.querySelectorAll("a[href^='/'], link[href^='/'], script[src^='/']"))
        .map((el) => el.getAttribute("href") || el.getAttribute("src"))
        .filter((url) => !url.startsWith("/security/")),
    );
    assert.deepEqual(outside, [], "every site link is under /security/");

    await typeQuery(page, "whatsapp hacked");
    const links = await page.locator("#results a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(links.length > 0);
    assert.ok(links.every((href) => href.startsWith("/security/")), `result links under the base: ${links.slice(0, 3)}`);

    await waitForOfflineCopy(page, server);
    await page.goto(server.url(GUIDANCE));
    await page.locator(".task-check").first().check();
    await context.setOffline(true);
    const guidance = await page.goto(server.url("/guidance/reporting-and-contacts"));
    assert.ok(guidance && guidance.ok(), "guidance opens offline under the base");
    const home = await page.goto(server.url("/"));
    assert.ok(home && home.ok(), "home opens offline under the base");
    assert.match(await page.locator(".documents [data-progress-for='account-device-cyber']").textContent(), /^1 of \d+ done$/);
    await typeQuery(page, "whatsapp hacked");
    const offlineLinks = await page.locator("#results a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.ok(offlineLinks.length > 0, "search works offline under the base");
    assert.ok(offlineLinks.every((href) => href.startsWith("/security/")), `offline result links under the base: ${offlineLinks.slice(0, 3)}`);
    const online = await (await fetch(server.url("/api/search?q=whatsapp+hacked"))).json();
    assert.deepEqual(
      await shownSectionUrls(page, "/security"),
      online.documents.flatMap((d) => d.sections.map((section) => `${d.url}#${section.anchor}`)),
      "the same sections as the server",
    );
    // Stopped, as well as emulated offline: some Chromium builds let a service worker's fetches through.
    await server.stop();
    await page.goto(server.url("/search?q=x"));
    assert.equal(await page.locator("h1").count(), 1);
    assert.doesNotMatch(await page.locator("h1").textContent(), /search/i, "offline page, not search results");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource/.test(text));
    assertClean(issues, "base path");
  } finally {
    await context.close();
  }
});

// ---------- Results in view, the offline copy, install, leave and clear, share and print (issue 14) ----------

const NEUTRAL = "https://www.bbc.co.uk/weather";
const DAY_MS = 24 * 60 * 60 * 1000;

/** The neutral page, answered here: the tests never reach another site (its request is still recorded). */
async function stubNeutral(context) {
  await context.route("https://www.bbc.co.uk/**", (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Weather</title><h1>Weather</h1>" }),
  );
}

function withoutNeutral(issues) {
  issues.foreign = issues.foreign.filter((url) => !url.startsWith(NEUTRAL));
  return issues;
}

/** How app.js writes a saved copy's date: "3 March", with the year when it is not this year (or `year`). */
function dayMonth(ms, year = false) {
  const date = new Date(ms);
  const options = { day: "numeric", month: "long" };
  if (year || date.getFullYear() !== new Date().getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat("en-GB", options).format(date);
}

/** A context that runs as the installed app: (display-mode: standalone) matches. */
async function asInstalled(context) {
  await context.addInitScript(() => {
    const original = window.matchMedia.bind(window);
    window.matchMedia = (query) => {
      if (/display-mode:\s*standalone/.test(query)) {
        return { matches: true, media: query, onchange: null, addEventListener() {}, removeEventListener() {}, addListener() {}, removeListener() {}, dispatchEvent: () => false };
      }
      return original(query);
    };
  });
}

/** The browser's install offer, as Chromium sends it (a synthetic one: headless Chromium never offers). */
async function offerInstall(page) {
  return page.evaluate(() => {
    const event = new Event("beforeinstallprompt", { cancelable: true });
    window.__csPrompted = 0;
    event.prompt = () => {
      window.__csPrompted += 1;
      return Promise.resolve();
    };
    event.userChoice = Promise.resolve({ outcome: "accepted", platform: "web" });
    window.dispatchEvent(event);
    return event.defaultPrevented;
  });
}

const HOME_SECTIONS = [".lead", "aside.emergency-card", "form.nation-chooser", ".first-steps", ".categories", ".documents"];

check("results in view: a query on the home page brings the results right under the box (at 360x400, keyboard open), other sections step aside and come back when cleared (light and dark)", async () => {
  const server = await rootServer();
  for (const colorScheme of ["light", "dark"]) {
    const { context, issues } = await newContext(server, { colorScheme });
    try {
      const page = await context.newPage();
      await page.goto(server.url("/"));
      for (const selector of HOME_SECTIONS) assert.equal(await page.locator(selector).isVisible(), true, `${selector} shown before a search`);
      const order = await page.evaluate(() => {
        const results = document.getElementById("results");
        const after = (selector) => Boolean(results.compareDocumentPosition(document.querySelector(selector)) & Node.DOCUMENT_POSITION_FOLLOWING);
        return { chooser: after("form.nation-chooser"), firstSteps: after(".first-steps"), chooserBeforeTopics: Boolean(document.querySelector("form.nation-chooser").compareDocumentPosition(document.querySelector(".categories")) & Node.DOCUMENT_POSITION_FOLLOWING) };
      });
      assert.deepEqual(order, { chooser: true, firstSteps: true, chooserBeforeTopics: true }, "the nation chooser comes after the results, before the topics");

      // The on-screen keyboard takes half the screen: type as on a phone, scroll nothing.
      await page.setViewportSize({ width: 360, height: 400 });
      await page.locator("#q").focus();
      await page.locator("#q").pressSequentially("someone posted my address", { delay: 35 });
      await settled(page, "someone posted my address");
      await page.waitForTimeout(200);
      const view = await page.evaluate(() => {
        const title = document.querySelector("#results .result-title a").getBoundingClientRect();
        const box = document.getElementById("q").getBoundingClientRect();
        const bar = document.querySelector(".exit-this-page").getBoundingClientRect();
        return { titleTop: title.top, titleBottom: title.bottom, boxTop: box.top, barBottom: bar.bottom, height: window.innerHeight };
      });
      assert.ok(view.boxTop >= view.barBottom, `the search box is not under the Leave bar: ${JSON.stringify(view)}`);
      assert.ok(view.titleTop >= view.boxTop && view.titleBottom <= view.height, `the first result's title is in view: ${JSON.stringify(view)}`);
      for (const selector of HOME_SECTIONS) assert.equal(await page.locator(selector).isVisible(), false, `${selector} steps aside while searching`);
      assert.equal(await page.locator("#results .danger-card").count(), 0, "no danger card for this query");
      await page.screenshot({ path: path.join(ARTIFACTS, `results-in-view-360x400-${colorScheme}.png`) });

      await typeQuery(page, "someone is following me");
      assert.equal(await page.locator("#results .danger-card").isVisible(), true, "the danger card comes inside the results when urgent");
      const danger = await page.locator("#results .danger-card").evaluate((el) => el.getBoundingClientRect().top);
      assert.ok(danger < 400, "and in view");
      // The footer's "Where are you standing?" still shows the chooser during a search.
      await page.locator(".site-footer .nation-status").click();
      await page.waitForFunction(() => window.location.hash === "#where");
      assert.equal(await page.locator("form.nation-chooser").isVisible(), true, "a link to the chooser shows it");

      await page.locator("#q").fill("");
      await page.waitForFunction(() => !document.body.classList.contains("search-active"));
      for (const selector of HOME_SECTIONS) assert.equal(await page.locator(selector).isVisible(), true, `${selector} back once the box is cleared`);
      assertClean(issues, `results in view (${colorScheme})`);
    } finally {
      await context.close();
    }
  }
});

check("no JavaScript: the home page keeps its order, 'Leave this page quickly' is a plain link, the Offline page explains offline and that its details need JavaScript", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server, { javaScriptEnabled: false });
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    const exit = page.locator("a.exit-button");
    assert.equal(await exit.getAttribute("href"), NEUTRAL, "a plain link to the neutral page");
    assert.equal((await exit.textContent()).trim(), "Leave this page quickly");
    assert.equal(await exit.isVisible(), true);
    for (const selector of HOME_SECTIONS) assert.equal(await page.locator(selector).isVisible(), true, `${selector} shown`);
    assert.equal(await page.locator(".install-offer").isVisible(), false, "no install offer without JavaScript");
    assert.equal(await page.locator("#stale-notice").isVisible(), false);
    const offline = page.locator(".site-footer a", { hasText: /^Offline$/ });
    assert.equal(await offline.getAttribute("href"), "/offline-copy", "the footer links to the Offline page");

    await page.goto(server.url(GUIDANCE));
    assert.equal(await page.locator(".site-footer a[href='/offline-copy']").count(), 1, "on every page");
    assert.equal(await page.locator(".share-button").count(), 0, "no share buttons that cannot work");

    const response = await page.goto(server.url("/offline-copy"));
    assert.equal(response.status(), 200);
    assert.equal(await page.locator("h1").count(), 1);
    assert.match(await page.locator("main").textContent(), /read it and search it with no signal/);
    const needsJs = page.locator(".needs-js");
    assert.equal(await needsJs.count(), 2);
    for (const note of await needsJs.all()) assert.equal(await note.isVisible(), true);
    assert.match(await needsJs.first().textContent(), /JavaScript/);
    assert.equal(await page.locator(".copy-status").isVisible(), false);
    assert.equal(await page.locator(".clear-controls").isVisible(), false);
    assertClean({ ...issues, csp: [] }, "no-JS pages");
  } finally {
    await context.close();
  }
});

check("offline copy: the Offline page says the guidance is saved, its version and date, the space it takes, whether it is kept; Check for updates says up to date online and offline", async () => {
  const server = await startServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    const { manifest } = await waitForOfflineCopy(page, server);
    await page.waitForFunction((v) => (JSON.parse(localStorage.getItem("cs:saved") || "null") || {}).version === v, manifest.version);
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("cs:saved")));
    assert.ok(Math.abs(Date.now() - saved.at) < 5 * 60_000, `the copy is dated now: ${JSON.stringify(saved)}`);

    await Promise.all([page.waitForURL(/\/offline-copy$/), page.locator(".site-footer a", { hasText: /^Offline$/ }).click()]);
    const fact = (name) => page.locator(`[data-fact="${name}"]`);
    const facts = async () => {
      await page.waitForFunction(() => Array.from(document.querySelectorAll("[data-fact]")).every((dd) => !/Checking/.test(dd.textContent)));
      return {
        saved: await fact("saved").textContent(),
        version: await fact("version").textContent(),
        date: await fact("date").textContent(),
        space: await fact("space").textContent(),
        kept: await fact("kept").textContent(),
      };
    };
    const online = await facts();
    assert.equal(online.saved, `Yes: every guidance page and the search (${manifest.precache.length} pages and files).`);
    assert.equal(online.version, manifest.version);
    assert.equal(online.date, dayMonth(saved.at, true));
    assert.match(online.space, /^About \d+(\.\d)? (kB|MB) on this device\.$/);
    assert.match(online.kept, /^(Yes: your browser has promised|Not promised: your browser may delete it)/);
    for (const note of await page.locator(".needs-js").all()) assert.equal(await note.isVisible(), false, "no 'needs JavaScript' note");

    const result = page.locator(".copy-result");
    assert.equal(await result.getAttribute("role"), "status", "the answer is announced");
    await page.locator(".check-updates").click();
    await page.waitForFunction(() => /latest version/.test(document.querySelector(".copy-result").textContent));
    assert.equal((await result.textContent()).trim(), "You have the latest version.");
    const checked = await page.evaluate(() => JSON.parse(localStorage.getItem("cs:saved")).checked);
    assert.ok(Number.isFinite(checked), "an up-to-date check is remembered (the copy is not old)");
    await screenshot(page, "offline-page");

    await context.setOffline(true);
    await server.stop();
    const response = await page.goto(server.url("/offline-copy"));
    assert.ok(response && response.ok(), "the Offline page opens offline");
    const offline = await facts();
    assert.equal(offline.saved, online.saved, "saved, offline too");
    assert.equal(offline.date, online.date);
    await page.locator(".check-updates").click();
    await page.waitForFunction(() => /signal/.test(document.querySelector(".copy-result").textContent));
    // navigator.onLine says offline, or the server cannot be reached: either way, the same advice.
    assert.match((await result.textContent()).trim(), /^(You are offline|Could not reach the website)\. Check again when you have signal\.$/);
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "offline copy");
  } finally {
    await context.close();
    await server.stop();
  }
});

check("offline copy: Check for updates finds a new version, saves it and Reload switches to it", async () => {
  const port = await freePort();
  const first = await startServer({ port });
  let second = null;
  const { dir } = changedCorpus("Check this page again soon.");
  const { context, issues } = await newContext(first);
  try {
    const page = await context.newPage();
    await page.goto(first.url("/offline-copy"));
    await waitForOfflineCopy(page, first);
    await first.stop();
    second = await startServer({ port, guidanceDir: dir });
    assert.notEqual(second.version, first.version);
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.version), first.version, "the saved version");
    await page.locator(".check-updates").click();
    const reload = page.locator(".copy-result button", { hasText: "Reload to use it" });
    await reload.waitFor({ state: "visible", timeout: 60_000 });
    assert.match(await page.locator(".copy-result").textContent(), /A newer version is saved on this device/);
    await Promise.all([page.waitForEvent("load", { timeout: 30_000 }), reload.click()]);
    await page.waitForFunction((v) => document.documentElement.dataset.version === v, second.version, { timeout: 15_000 });
    await page.waitForFunction(() => !/Checking/.test(document.querySelector('[data-fact="version"]').textContent));
    assert.equal(await page.locator('[data-fact="version"]').textContent(), second.version, "the Offline page shows the new version");
    issues.console = issues.console.filter((text) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(text));
    assertClean(issues, "check for updates");
  } finally {
    await context.close();
    if (second) await second.stop();
    else await first.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

check("old copy: a copy saved more than 30 days ago says so on every page, plainly, until dismissed, online and offline", async () => {
  const server = await startServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    const { manifest } = await waitForOfflineCopy(page, server);
    await page.waitForFunction((v) => (JSON.parse(localStorage.getItem("cs:saved") || "null") || {}).version === v, manifest.version);
    const notice = page.locator("#stale-notice");
    assert.equal(await notice.isVisible(), false, "a fresh copy: no notice");

    const at = Date.now() - 40 * DAY_MS;
    await page.evaluate((when) => {
      const record = JSON.parse(localStorage.getItem("cs:saved"));
      localStorage.setItem("cs:saved", JSON.stringify({ ...record, at: when }));
    }, at);
    const expected = `Saved on ${dayMonth(at)}. Check for updates when you have signal.`;
    for (const p of [GUIDANCE, "/", "/about"]) {
      await page.goto(server.url(p));
      await notice.waitFor({ state: "visible" });
      assert.equal((await notice.locator("p").textContent()).trim(), expected, `on ${p}`);
    }
    assert.equal(await notice.locator("a").getAttribute("href"), "/offline-copy");
    await screenshot(page, "old-copy-notice");

    await context.setOffline(true);
    await server.stop();
    await page.goto(server.url("/guidance/reporting-and-contacts"));
    await notice.waitFor({ state: "visible" });
    assert.equal((await notice.locator("p").textContent()).trim(), expected, "offline too");
    await notice.locator("button", { hasText: "Dismiss" }).click();
    assert.equal(await notice.isVisible(), false);
    assert.equal(await page.evaluate(() => localStorage.getItem("cs:stale-dismissed")), manifest.version, "dismissed for this copy");
    for (const p of ["/", GUIDANCE]) {
      await page.goto(server.url(p));
      await page.waitForTimeout(500);
      assert.equal(await notice.isVisible(), false, `not again on ${p}`);
    }
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "old copy");
  } finally {
    await context.close();
    await server.stop();
  }
});

check("keeping the copy: navigator.storage.persist() is asked once the app has been used twice or runs installed, never on a first visit", async () => {
  const server = await rootServer();
  for (const installed of [false, true]) {
    const { context, issues } = await newContext(server);
    let asked = 0;
    try {
      await context.exposeFunction("__csPersistAsked", () => {
        asked += 1;
      });
      await context.addInitScript(() => {
        if (typeof StorageManager === "undefined") return; // about:blank
        StorageManager.prototype.persisted = () => Promise.resolve(false);
        StorageManager.prototype.persist = () => {
          window.__csPersistAsked();
          return Promise.resolve(false);
        };
      });
      if (installed) await asInstalled(context);
      const page = await context.newPage();
      await page.goto(server.url("/"));
      await waitForOfflineCopy(page, server);
      await page.waitForFunction(() => localStorage.getItem("cs:saved") !== null);
      if (installed) {
        await page.waitForFunction(() => localStorage.getItem("cs:persist-asked") !== null);
        assert.equal(asked, 1, "the installed app asks at once");
        continue;
      }
      await page.waitForTimeout(500);
      assert.equal(asked, 0, "not on a first visit");
      await typeQuery(page, "phishing");
      assert.equal(asked, 0, "never while typing");
      assert.equal(await page.evaluate(() => localStorage.getItem("cs:uses")), "1", "a search is one use");
      await page.locator("#results .section-link").first().click();
      await page.waitForURL(/\/guidance\//);
      await page.waitForFunction(() => localStorage.getItem("cs:persist-asked") !== null);
      assert.equal(asked, 1, "asked once the guide has been used twice");
      await page.reload();
      await page.waitForTimeout(1000);
      assert.equal(asked, 1, "not again within the week");
      assertClean(issues, "persist");
    } finally {
      await context.close();
    }
  }
});

check("install: 'Install this app' when the browser offers it, which asks the browser; nothing in the installed app", async () => {
  const server = await rootServer();
  for (const installed of [false, true]) {
    const { context, issues } = await newContext(server);
    try {
      if (installed) await asInstalled(context);
      const page = await context.newPage();
      await page.goto(server.url("/"));
      const offer = page.locator(".install-offer");
      assert.equal(await offer.isVisible(), false, "nothing until the browser offers it");
      assert.equal(await offerInstall(page), true, "the browser's own bar is replaced by the button");
      const button = page.getByRole("button", { name: "Install this app" });
      if (installed) {
        assert.equal(await offer.isVisible(), false, "not in the installed app");
        continue;
      }
      assert.equal(await button.isVisible(), true);
      assert.equal(await page.locator(".install-ios").isVisible(), false, "no iPhone tip on Android");
      const box = await button.boundingBox();
      assert.ok(box.height >= 44 && box.width >= 44, "44px target");
      await screenshot(page, "install-button");
      await button.click();
      assert.equal(await page.evaluate(() => window.__csPrompted), 1, "the browser's install dialogue");
      await page.waitForFunction(() => document.querySelector(".install-offer").hidden);
      assertClean(issues, "install");
    } finally {
      await context.close();
    }
  }
});

check("install: on iPhone, the Add to Home Screen tip shows until dismissed, and never in the installed app", async () => {
  const server = await rootServer();
  const iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
  for (const standalone of [false, true]) {
    const { context, issues } = await newContext(server, { userAgent: iphone, hasTouch: true, isMobile: true });
    try {
      if (standalone) {
        await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "standalone", { get: () => true }));
      }
      const page = await context.newPage();
      await page.goto(server.url("/"));
      const tip = page.locator(".install-ios");
      if (standalone) {
        await page.waitForTimeout(300);
        assert.equal(await page.locator(".install-offer").isVisible(), false, "not in the installed app");
        continue;
      }
      await tip.waitFor({ state: "visible" });
      assert.match(await tip.textContent(), /tap Share, then Add to Home Screen/);
      assert.equal(await page.locator(".install-android").isVisible(), false);
      await screenshot(page, "install-ios-tip");
      await page.goto(server.url("/offline-copy"));
      await tip.waitFor({ state: "visible" });
      await tip.getByRole("button", { name: "Hide this tip" }).click();
      assert.equal(await tip.isVisible(), false);
      assert.equal(await page.evaluate(() => localStorage.getItem("cs:ios-hint-dismissed")), "1");
      for (const p of ["/", "/offline-copy"]) {
        await page.goto(server.url(p));
        await page.waitForTimeout(300);
        assert.equal(await page.locator(".install-offer").isVisible(), false, `not again on ${p}`);
      }
      assertClean(issues, "iPhone tip");
    } finally {
      await context.close();
    }
  }
});

check("leave quickly: the button and Shift pressed three times (each press announced) replace the page with a neutral one, kept out of the Back history", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    await stubNeutral(context);
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await page.goto(server.url(GUIDANCE));
    const button = page.getByRole("link", { name: "Leave this page quickly" });
    assert.equal(await button.count(), 1);
    // Sticky: still on screen at the bottom of a long page.
    await page.evaluate(() => window.scrollTo({ top: document.body.scrollHeight, behavior: "instant" }));
    const box = await button.boundingBox();
    assert.ok(box && box.y >= 0 && box.y < 20 && box.height >= 44, `on screen at the top after scrolling: ${JSON.stringify(box)}`);
    // The second thing Tab reaches, after the skip link.
    await page.evaluate(() => {
      window.scrollTo({ top: 0, behavior: "instant" });
      document.activeElement.blur();
    });
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "exit-button");
    await Promise.all([page.waitForURL(NEUTRAL), button.click()]);
    await page.goBack();
    assert.equal(page.url(), server.url("/"), "Back goes to the page before, not the page left");

    // Shift three times, from the middle of a search.
    await page.goto(server.url("/#q=someone+is+following+me"));
    await settled(page, "someone is following me");
    const status = page.locator(".exit-this-page [role='status']");
    await page.keyboard.press("Shift");
    assert.equal(await status.textContent(), "Shift, press 2 more times to leave.");
    assert.equal(await page.locator(".exit-lights span.lit").count(), 1, "one light on");
    await page.keyboard.press("Shift+KeyA"); // Shift used for a capital letter: does not count, and stops the sequence
    assert.equal(await status.textContent(), "Leave this page: timed out.");
    assert.equal(await page.locator(".exit-lights span.lit").count(), 0);
    await page.keyboard.press("Shift");
    await page.keyboard.press("Shift");
    assert.equal(await status.textContent(), "Shift, press 1 more time to leave.");
    await Promise.all([page.waitForURL(NEUTRAL), page.keyboard.press("Shift")]);
    const back = await page.goBack();
    assert.ok(!back || !page.url().includes("#q="), `the search is not in the Back history: ${page.url()}`);

    // A pause of more than 5 seconds starts again.
    await page.goto(server.url("/about"));
    await page.keyboard.press("Shift");
    await page.waitForFunction(() => document.querySelector(".exit-this-page [role='status']").textContent === "Leave this page: timed out.", null, { timeout: 8000 });
    await page.keyboard.press("Shift");
    await page.keyboard.press("Shift");
    assert.equal(new URL(page.url()).pathname, "/about", "two presses after the pause do not leave");

    // Offline, from the saved copy: the same.
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await page.goto(server.url(GUIDANCE));
    await context.setOffline(true);
    await page.goto(server.url("/guidance/reporting-and-contacts"));
    await Promise.all([page.waitForURL(NEUTRAL), page.getByRole("link", { name: "Leave this page quickly" }).click()]);
    await page.goBack();
    assert.equal(page.url(), server.url(GUIDANCE), "offline too, Back skips the page left");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/status of 400|ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(text));
    assertClean(withoutNeutral(issues), "leave quickly");
  } finally {
    await context.close();
  }
});

check("remove this app's data: the Offline page asks first (Cancel keeps everything), then removes every cs: key, the saved copy and the service worker, and says what it removed", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await page.locator("form.nation-chooser").getByLabel("Wales").check();
    await page.goto(server.url(GUIDANCE));
    await page.locator(".task label").first().click();
    await page.goto(server.url("/offline-copy"));
    const keys = () => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith("cs:")).sort());
    const before = await keys();
    assert.ok(before.includes("cs:nation") && before.some((key) => key.startsWith("cs:task:")), `data to remove: ${before}`);

    const start = page.getByRole("button", { name: "Remove this app’s data" });
    await start.click();
    const confirm = page.getByRole("group", { name: /Remove everything this app has saved/ });
    assert.equal(await confirm.isVisible(), true, "an in-page confirmation");
    assert.equal(await page.evaluate(() => document.activeElement.id), "clear-question", "focus on the question");
    await screenshot(page, "remove-data-confirm");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await confirm.isVisible(), false);
    assert.equal(await page.evaluate(() => document.activeElement.className), "clear-start danger", "focus back on the button");
    assert.equal((await page.locator(".clear-result").textContent()).trim(), "Nothing was removed.");
    assert.deepEqual(await keys(), before, "Cancel keeps everything");

    await start.click();
    await confirm.getByRole("button", { name: "Yes, remove it" }).click();
    await page.waitForFunction(() => document.querySelector(".clear-result li") !== null);
    const report = await page.locator(".clear-result").textContent();
    for (const line of [/1 ticked checklist item/, /Where you are standing/, /The offline app/, /The saved guidance: \d+ pages and files/]) {
      assert.match(report, line);
    }
    await page.waitForTimeout(1000);
    assert.deepEqual(await keys(), [], "no cs: key left");
    const left = await page.evaluate(async () => ({
      caches: (await caches.keys()).filter((name) => name.startsWith("cs-")),
      workers: (await navigator.serviceWorker.getRegistrations()).length,
    }));
    assert.deepEqual(left, { caches: [], workers: 0 }, "no saved copy and no service worker");
    await screenshot(page, "remove-data-done");
    assertClean(issues, "remove data");
  } finally {
    await context.close();
  }
});

check("share: each section of a guidance page has a Share button: the Web Share API where the browser has it, otherwise the link is copied and 'Link copied' shown and announced", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server, { permissions: ["clipboard-read", "clipboard-write"] });
  try {
    const page = await context.newPage();
    await page.addInitScript(() => Object.defineProperty(Navigator.prototype, "share", { value: undefined, configurable: true }));
    await page.goto(server.url(GUIDANCE));
    const sections = await page.locator("article.guidance section.doc-section[id]:has(h2)").count();
    await page.waitForFunction((n) => document.querySelectorAll(".share-button").length === n, sections);
    const first = page.locator("section.doc-section[id]:has(h2)").first();
    const id = await first.getAttribute("id");
    const heading = (await first.locator("h2").textContent()).trim();
    const button = first.getByRole("button", { name: `Share this section: ${heading}` });
    assert.equal(await button.count(), 1, "named after its section");
    const size = await button.boundingBox();
    assert.ok(size.height >= 44 && size.width >= 44, "44px target");
    await button.click();
    const status = first.locator(".share-status");
    assert.equal(await status.getAttribute("role"), "status", "announced");
    await page.waitForFunction((sid) => document.querySelector(`#${sid} .share-status`).textContent === "Link copied", id);
    assert.equal(await status.isVisible(), true, "and shown");
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), server.url(`${GUIDANCE}#${id}`));
    await screenshot(page, "share-link-copied");

    const sharing = await context.newPage();
    await sharing.addInitScript(() => {
      Object.defineProperty(Navigator.prototype, "share", {
        configurable: true,
        value(data) {
          window.__csShared = data;
          return Promise.resolve();
        },
      });
    });
    await sharing.goto(server.url(`${GUIDANCE}?nation=scotland`));
    await sharing.waitForFunction((n) => document.querySelectorAll(".share-button").length === n, sections);
    await sharing.locator(`#${id} .share-button`).click();
    await sharing.waitForFunction(() => window.__csShared !== undefined);
    const title = (await sharing.locator("h1").textContent()).trim();
    assert.deepEqual(await sharing.evaluate(() => window.__csShared), { title: `${heading} – ${title}`, url: server.url(`${GUIDANCE}#${id}`) }, "the Web Share API, without the nation");
    assert.equal(await sharing.locator(`#${id} .share-status`).textContent(), "", "nothing copied");
    assertClean(issues, "share");
  } finally {
    await context.close();
  }
});

check("print: a guidance page prints without header, navigation, footer, buttons or the emergency card, with other nations' sections open and external links' addresses", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/guidance/reporting-and-contacts?nation=scotland"));
    await page.waitForFunction(() => document.querySelectorAll(".share-button").length > 0);
    assert.equal(await page.locator("#police-england-wales details").evaluate((d) => d.open), false, "closed on screen");
    await page.emulateMedia({ media: "print" });
    const print = await page.evaluate(() => {
      const shown = (selector) => Array.from(document.querySelectorAll(selector)).some((el) => getComputedStyle(el).display !== "none");
      const closed = document.querySelector("#police-england-wales details > :not(summary)");
      const internal = document.querySelector("article.guidance .doc-section a[href^='/']");
      const external = document.querySelector(".doc-sources a[href^='https']");
      return {
        hidden: Object.fromEntries(
          [".exit-this-page", ".site-header", ".site-nav", ".site-footer", ".emergency-card", "button", ".share", ".toc", ".stale-notice"].map((s) => [s, !shown(s)]),
        ),
        closedPrinted: closed ? closed.checkVisibility() && closed.getBoundingClientRect().height > 0 : false,
        external: external ? getComputedStyle(external, "::after").content : "",
        internal: internal ? getComputedStyle(internal, "::after").content : "none",
      };
    });
    for (const [selector, hidden] of Object.entries(print.hidden)) assert.equal(hidden, true, `${selector} not printed`);
    assert.equal(print.closedPrinted, true, "another nation's section prints open");
    assert.match(print.external, /https:\/\//, "an external link prints its address");
    assert.equal(print.internal, "none", "a link within the guide prints as text");
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.pdf({ path: path.join(ARTIFACTS, "guidance-print-nations.pdf"), format: "A4" }).catch(() => {});
    await page.emulateMedia({ media: "screen" });
    assertClean(issues, "print");
  } finally {
    await context.close();
  }
});

check("accessibility of the new pages and states: Offline page, confirmation, exit control, old-copy notice, install button and tip, link copied (light and dark)", async () => {
  const server = await rootServer();
  for (const colorScheme of ["light", "dark"]) {
    const { context } = await newContext(server, { bypassCSP: true, colorScheme, permissions: ["clipboard-read", "clipboard-write"] });
    try {
      await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "share", { value: undefined, configurable: true }));
      const page = await context.newPage();
      await page.goto(server.url("/"));
      const { manifest } = await waitForOfflineCopy(page, server);
      await page.waitForFunction(() => localStorage.getItem("cs:saved") !== null);
      await page.keyboard.press("Shift");
      await axe(page, `exit control with a Shift press counted (${colorScheme})`);
      await offerInstall(page);
      await page.evaluate(() => {
        document.querySelector(".install-ios").hidden = false; // as on an iPhone
      });
      await page.locator(".install-offer").waitFor({ state: "visible" });
      await axe(page, `install button and iPhone tip (${colorScheme})`);

      await page.evaluate((version) => {
        localStorage.setItem("cs:saved", JSON.stringify({ version, at: Date.now() - 60 * 24 * 60 * 60 * 1000 }));
      }, manifest.version);
      await page.goto(server.url(GUIDANCE));
      await page.locator("#stale-notice").waitFor({ state: "visible" });
      await page.locator(".share-button").first().click();
      await page.waitForFunction(() => document.querySelector(".share-status").textContent === "Link copied");
      await axe(page, `old-copy notice and link copied (${colorScheme})`);

      await page.goto(server.url("/offline-copy"));
      await page.waitForFunction(() => Array.from(document.querySelectorAll("[data-fact]")).every((dd) => !/Checking/.test(dd.textContent)));
      // The row about search by meaning (issue 15): a term and its answer, in the same list as the others.
      const meaningRow = await page.evaluate(() => {
        const dd = document.querySelector('.copy-facts [data-fact="semantic"]');
        const dt = dd && dd.previousElementSibling;
        return dd ? { term: dt && dt.localName === "dt" ? dt.textContent : null, answer: dd.textContent, shown: dd.checkVisibility() } : null;
      });
      assert.ok(meaningRow, "the Offline page has the search by meaning row");
      assert.equal(meaningRow.term, "Search by meaning");
      assert.match(meaningRow.answer, /^(Saved: |Not saved yet: )/);
      assert.equal(meaningRow.shown, true);
      await axe(page, `Offline page (${colorScheme})`);
      await page.locator(".clear-start").click();
      await axe(page, `remove data: confirmation (${colorScheme})`);
      await screenshot(page, `offline-page-confirm-${colorScheme}`);
    } finally {
      await context.close();
    }
  }
});

// ---------- Search by meaning: the semantic model on the device (issue 15) ----------

/** Queries in everyday words, not the guidance's: ranked by meaning as well as by words. */
const MEANING_QUERIES = [
  "video of me saying things i never said",
  "they keep ringing the office and swearing",
  "bots amplifying lies",
  "loud gadget to carry in case i get jumped",
];

/** Wait until the search worker has attached the semantic model: searches rank by words and meaning. */
async function semanticReady(page, timeout = 60_000) {
  await page.waitForFunction(() => document.documentElement.dataset.searchRanking === "meaning", null, { timeout });
}

/** The sections of a search API answer as the page links them: "/guidance/slug#anchor", in order. */
function apiSectionUrls(data) {
  return data.documents.flatMap((d) => d.sections.map((section) => `${d.url}#${section.anchor}`));
}

/** The result count as the page words it for a search API answer. */
function apiCount(q, data) {
  return data.total_sections === 0
    ? `No results for “${q}”`
    : `${data.total_sections} result${data.total_sections === 1 ? "" : "s"} in ${data.total_documents} document${data.total_documents === 1 ? "" : "s"}`;
}

/** GET /api/search for `q` (and `extra` parameters) on `server`: the JSON answer. */
async function apiSearch(server, q, extra = "") {
  const response = await fetch(server.url(`/api/search?q=${encodeURIComponent(q)}${extra}`));
  assert.equal(response.status, 200, `/api/search for “${q}”${extra}`);
  return response.json();
}

/** The paths of the requests kept in the semantic model's cache (none when it does not exist). */
async function semanticCachePaths(page) {
  return page.evaluate(async (name) => {
    if (!(await caches.has(name))) return [];
    return (await (await caches.open(name)).keys()).map((request) => new URL(request.url).pathname);
  }, SEMANTIC_CACHE);
}

/** Wait until the semantic model's cache holds `path` (at most `timeout` ms): the paths it holds then. */
async function semanticKept(page, path, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let paths = await semanticCachePaths(page);
  while (!paths.includes(path) && Date.now() < deadline) {
    await sleep(250);
    paths = await semanticCachePaths(page);
  }
  return paths;
}

/** Empty the browser's HTTP cache: whatever is asked for next comes from the service worker's caches or the network. */
async function clearHttpCache(context, page) {
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.clearBrowserCache");
  await cdp.detach();
}

/** The Offline page's fact `name` once it no longer says "Checking…". */
async function offlineFact(page, name) {
  const fact = page.locator(`[data-fact="${name}"]`);
  await page.waitForFunction((n) => !/Checking/.test(document.querySelector(`[data-fact="${n}"]`).textContent), name);
  return fact.textContent();
}

check("search by meaning arrives after the bundle: the search worker asks for the model once the bundle is loaded, the service worker's install leaves it out and keeps it apart", async () => {
  const server = await rootServer();
  const { context, issues } = await newContext(server);
  // Every request and finished request, in order, from the page, the search worker and the service worker.
  const log = [];
  const record = (event) => (request) =>
    log.push({ event, path: new URL(request.url()).pathname, fromSw: Boolean(request.serviceWorker()), at: performance.now() });
  context.on("request", record("request"));
  context.on("requestfinished", record("finished"));
  context.on("requestfailed", record("failed"));
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    const { bundle, semantic } = await page.evaluate(() => ({ ...document.documentElement.dataset }));
    assert.match(semantic, /^\/bundle\/semantic-model\.[0-9a-f]+\.bin$/, "the page names the model at a content-hashed URL");
    const { manifest, cached } = await waitForOfflineCopy(page, server);
    await deviceReady(page);
    await semanticReady(page);

    // The install: the whole offline copy, the bundle in it, the model not.
    assert.equal(manifest.semantic, semantic, "the service worker knows the model's URL");
    assert.ok(manifest.precache.includes(bundle), "the bundle is precached");
    assert.ok(!manifest.precache.includes(semantic), "the model is not in the precache list");
    assert.ok(!cached.paths.includes(semantic), "nor in the version's cache");

    // The search worker asked for the model once, after its own request for the bundle had finished.
    const workerBundle = log.filter((e) => e.path === bundle && !e.fromSw);
    const modelAsked = log.filter((e) => e.path === semantic && e.event === "request");
    const workerModel = modelAsked.filter((e) => !e.fromSw);
    assert.equal(workerModel.length, 1, `the search worker asked for the model once: ${JSON.stringify(modelAsked)}`);
    const bundleDone = workerBundle.find((e) => e.event === "finished");
    assert.ok(bundleDone, `the search worker's bundle request finished: ${JSON.stringify(workerBundle)}`);
    const firstModel = log.indexOf(modelAsked[0]);
    assert.ok(log.indexOf(bundleDone) < firstModel && bundleDone.at <= modelAsked[0].at, "the model was asked for only after the bundle had arrived");
    assert.deepEqual(
      log.slice(firstModel).filter((e) => e.path === bundle && e.event === "request" && !e.fromSw),
      [],
      "no bundle request after the model's",
    );
    assert.ok(
      log.filter((e) => e.path === semantic && e.fromSw).every((e) => e.at >= workerModel[0].at),
      "the service worker never fetched the model on its own before the search worker asked for it",
    );
    assert.deepEqual(
      log.filter((e) => e.path === semantic && e.event === "failed"),
      [],
      "no request for the model failed",
    );
    const measured = await page.evaluate(() => performance.getEntriesByName("semantic", "measure").length);
    assert.equal(measured, 1, "the page measured when search by meaning became ready");
    assertClean(issues, "semantic model load");
  } finally {
    await context.close();
  }
});

check("a first visit keeps the semantic model: the service worker holds it in cs-semantic, the Offline page says so, and the next visit ranks by meaning offline", async () => {
  const server = await startServer();
  const { context, issues } = await newContext(server);
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await deviceReady(page);
    await semanticReady(page);
    const semantic = await page.evaluate(() => document.documentElement.dataset.semantic);
    // On a first visit the search worker starts before the service worker controls the page: its download of
    // the model goes past the service worker, which must still keep the model.
    assert.deepEqual(await semanticKept(page, semantic), [semantic], "after one visit, the model is kept in cs-semantic");
    await page.goto(server.url("/offline-copy"));
    assert.match(await offlineFact(page, "semantic"), /^Saved: /, "the Offline page says search by meaning is saved");

    // Offline, with the browser's HTTP cache emptied: the model can come only from the service worker's cache.
    await clearHttpCache(context, page);
    await context.setOffline(true);
    await server.stop();
    await page.goto(server.url("/"));
    await deviceReady(page);
    await semanticReady(page);
    await page.goto(server.url("/offline-copy"));
    assert.match(await offlineFact(page, "semantic"), /^Saved: /, "offline too");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "first visit keeps the model");
  } finally {
    await context.close();
    await server.stop();
  }
});

check("offline search ranks by meaning as the server does: everyday-words queries typed offline show the API's sections, in order, with the same words marked", async () => {
  const server = await startServer();
  const expected = new Map();
  let differs = 0;
  for (const q of MEANING_QUERIES) {
    const data = await apiSearch(server, q);
    assert.equal(data.ranking, "fused", `${q}: the server ranks by words and meaning`);
    const lexical = await apiSearch(server, q, "&ranking=lexical");
    if (JSON.stringify(apiSectionUrls(lexical)) !== JSON.stringify(apiSectionUrls(data))) differs += 1;
    expected.set(q, {
      urls: apiSectionUrls(data),
      count: apiCount(q, data),
      sections: data.documents.flatMap((d) =>
        d.sections.map((section) => ({ url: `${d.url}#${section.anchor}`, heading: section.heading_html, snippet: section.snippet_html })),
      ),
    });
  }
  assert.ok(differs > 0, "meaning changes the order of at least one of these queries (else this test could not tell)");
  const unmarked = [...expected.values()].flatMap((e) => e.sections).filter((s) => !s.snippet.includes("<mark>"));
  assert.ok(unmarked.length > 0, "at least one section found by meaning alone, with nothing marked");

  const { context, issues } = await newContext(server);
  const modelRequests = [];
  let offline = false;
  context.on("request", (request) => {
    if (offline && new URL(request.url()).pathname.startsWith("/bundle/semantic-model.")) modelRequests.push(request);
  });
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await deviceReady(page);
    await semanticReady(page);
    // A later visit, as the installed app gets: the model is in cs-semantic by then.
    await page.reload();
    await deviceReady(page);
    await semanticReady(page);
    const semantic = await page.evaluate(() => document.documentElement.dataset.semantic);
    assert.deepEqual(await semanticKept(page, semantic), [semantic], "the model is kept in cs-semantic");

    // Offline, with the HTTP cache emptied: the model can come only from cs-semantic.
    await clearHttpCache(context, page);
    await context.setOffline(true);
    await server.stop();
    offline = true;
    await page.reload();
    await deviceReady(page);
    await semanticReady(page);
    assert.ok(modelRequests.length > 0, "the search worker asked for the model offline");
    for (const request of modelRequests) {
      assert.equal(Boolean(request.serviceWorker()), false, "the service worker answered from its cache, without a request of its own");
      const response = await request.response();
      assert.ok(response && response.ok() && response.fromServiceWorker(), "the model came from the service worker");
    }

    const mismatches = [];
    for (const q of MEANING_QUERIES) {
      await typeQuery(page, q);
      const want = expected.get(q);
      const shown = {
        urls: await shownSectionUrls(page),
        count: await page.locator("#results .result-count").textContent(),
      };
      try {
        assert.deepEqual(shown, { urls: want.urls, count: want.count });
      } catch {
        mismatches.push(`${q}\n  server: ${JSON.stringify(want.urls)}\n  device: ${JSON.stringify(shown.urls)}`);
        continue;
      }
      // The same words marked in each section's heading and snippet; none where the server marks none.
      const marks = await page.evaluate((sections) => {
        const parser = new DOMParser();
        const marked = (html) => Array.from(parser.parseFromString(`<!doctype html><body>${html}`, "text/html").querySelectorAll("mark")).map((m) => m.textContent);
        const items = Array.from(document.querySelectorAll("#results .result-sections > li"));
        return sections.map((section, i) => {
          const item = items[i];
          const shownMarks = (selector) => Array.from(item.querySelectorAll(`${selector} mark`)).map((m) => m.textContent);
          return {
            url: section.url,
            server: { heading: marked(section.heading), snippet: marked(section.snippet) },
            device: { heading: shownMarks(".section-link"), snippet: shownMarks(".snippet") },
          };
        });
      }, want.sections);
      for (const m of marks) {
        if (JSON.stringify(m.server) !== JSON.stringify(m.device)) mismatches.push(`${q} ${m.url}: marks\n  server: ${JSON.stringify(m.server)}\n  device: ${JSON.stringify(m.device)}`);
      }
      const shownUnmarked = marks.filter((m) => m.server.snippet.length === 0);
      for (const m of shownUnmarked) assert.deepEqual(m.device.snippet, [], `${q} ${m.url}: no <mark> on the page where the server marks none`);
    }
    assert.deepEqual(mismatches, [], `${mismatches.length} differences offline`);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.searchEngine), "device");
    assert.equal(await page.evaluate(() => document.documentElement.dataset.searchRanking), "meaning");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "offline search by meaning");
  } finally {
    await context.close();
    await server.stop();
  }
}, 180_000);

check("without the model, offline search still works by words and says nothing misleading: the server's lexical answers, searchRanking 'words', the Offline page says not saved yet", async () => {
  const server = await startServer();
  const { semantic } = await swManifest(server);
  // "bots amplifying lies" ranks differently by meaning: the device must give the answer by words.
  const queries = ["phishing email", "bots amplifying lies"];
  const lexical = new Map();
  for (const q of queries) {
    const data = await apiSearch(server, q, "&ranking=lexical");
    assert.equal(data.ranking, "lexical");
    lexical.set(q, { urls: apiSectionUrls(data), count: apiCount(q, data) });
  }
  const fused = apiSectionUrls(await apiSearch(server, "bots amplifying lies"));
  assert.notDeepEqual(fused, lexical.get("bots amplifying lies").urls, "meaning changes this query's answer");

  const { context, issues } = await newContext(server);
  const blocked = [];
  // The model never arrives: every request for it (the search worker's, the service worker's) fails.
  await context.route(
    (url) => url.pathname === semantic,
    (route) => {
      blocked.push(route.request().url());
      return route.abort("failed");
    },
  );
  try {
    const page = await context.newPage();
    await page.goto(server.url("/"));
    await waitForOfflineCopy(page, server);
    await deviceReady(page);
    await page.waitForFunction(() => document.documentElement.dataset.searchRanking === "words", null, { timeout: 30_000 });
    assert.ok(blocked.length > 0, "the model was asked for (and refused)");

    await context.setOffline(true);
    await server.stop();
    await page.reload();
    await deviceReady(page);
    await page.waitForFunction(() => document.documentElement.dataset.searchRanking === "words", null, { timeout: 30_000 });
    for (const q of queries) {
      await typeQuery(page, q);
      assert.ok((await page.locator("#results .result").count()) > 0, `${q}: results offline`);
      assert.deepEqual(
        { urls: await shownSectionUrls(page), count: await page.locator("#results .result-count").textContent() },
        lexical.get(q),
        `${q}: the server's answer by words`,
      );
    }
    assert.equal(await page.evaluate(() => document.documentElement.dataset.searchRanking), "words");
    assert.deepEqual(await semanticCachePaths(page), [], "nothing kept for the model");

    await page.goto(server.url("/offline-copy"));
    const fact = await offlineFact(page, "semantic");
    assert.ok(fact.startsWith("Not saved yet"), `the Offline page says search by meaning is not saved yet: ${fact}`);
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_FAILED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "without the model");
  } finally {
    await context.close();
    await server.stop();
  }
});

// ---------- Static export on a plain static file server ----------

/** `export --site DIR` served by Python's http.server: no server of ours behind the pages. */
async function startStaticHost() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cs-site-"));
  await new Promise((resolve, reject) => {
    const child = spawn(CS_BIN, ["export", "--site", dir], { stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout.on("data", (c) => (log += c));
    child.stderr.on("data", (c) => (log += c));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`export failed (${code}):\n${log}`))));
  });
  const port = await freePort();
  const child = spawn("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dir], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  children.add(child);
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.on("exit", () => children.delete(child));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${origin}/`)).ok) break;
    } catch {
      await sleep(100);
    }
  }
  return {
    origin,
    base: "",
    dir,
    url: (p = "/") => origin + p,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

check("static export: a plain static file server hosts every page, the service worker installs, and reading and searching work offline", async () => {
  const host = await startStaticHost();
  const server = await rootServer();
  const { context, issues } = await newContext(host);
  try {
    const page = await context.newPage();
    const home = await page.goto(host.url("/"));
    assert.equal(home.status(), 200);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.static), "true");
    await waitForOfflineCopy(page, host);
    await deviceReady(page);
    for (const q of ["whatsapp hacked", "someone posted my address", "report a scam"]) {
      await typeQuery(page, q);
      const online = await (await fetch(server.url(`/api/search?q=${encodeURIComponent(q)}`))).json();
      assert.deepEqual(
        await shownSectionUrls(page),
        online.documents.flatMap((d) => d.sections.map((s) => `${d.url}#${s.anchor}`)),
        `${q}: the static copy answers as the server does`,
      );
    }
    const guidance = await page.goto(host.url("/guidance/account-device-cyber"));
    assert.equal(guidance.status(), 200, "a page without a trailing slash still opens");
    assert.equal(await page.locator("article.guidance h1").count(), 1);

    // Offline, with the static host gone too.
    await context.setOffline(true);
    await host.stop();
    for (const p of ["/", "/guidance/reporting-and-contacts", "/guidance/reporting-and-contacts/", "/about"]) {
      const response = await page.goto(host.url(p));
      assert.ok(response && response.ok(), `${p} opens offline`);
    }
    await page.goto(host.url("/"));
    await deviceReady(page);
    await typeQuery(page, "phishing email");
    assert.ok((await page.locator("#results .result").count()) > 0, "search works offline");
    await context.setOffline(false);
    issues.console = issues.console.filter((text) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|Failed to load resource|Failed to fetch/.test(text));
    assertClean(issues, "static export");
  } finally {
    await context.close();
    await host.stop();
  }
  // Without JavaScript, the search form leads to a page that explains, and sends no words.
  const plain = await startStaticHost();
  const { context: noJs } = await newContext(plain, { javaScriptEnabled: false });
  try {
    const page = await noJs.newPage();
    await page.goto(plain.url("/"));
    await page.locator("#q").fill("someone is following me");
    await Promise.all([page.waitForURL(/\/search\/?(\?|$)/), page.locator("form.search-form button[type=submit]").click()]);
    assert.doesNotMatch(page.url(), /following/, "the words typed are not in the address");
    assert.match(await page.locator("main").textContent(), /nothing you typed was sent anywhere/);
  } finally {
    await noJs.close();
    await plain.stop();
    fs.rmSync(plain.dir, { recursive: true, force: true });
  }
});
