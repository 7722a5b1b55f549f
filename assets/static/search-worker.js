// Web Worker that searches on the device: loads the engine and the search bundle (both at
// content-hashed URLs, kept by the service worker), then answers search messages, so typing
// never waits on the network and no query leaves the phone.
//
// Once the engine is ready it fetches the semantic model (about 3 MB, content-hashed, kept by the
// service worker in a cache of its own) and attaches it: searches rank by words alone until then
// (results.ranking === "lexical"), and by words and meaning afterwards, as the server does.
//
// Messages in:  {type: "init", engineUrl, bundleUrl, semanticUrl}
//               {type: "search", id, request: {query, category, audience, limit}}
// Messages out: {type: "ready", version, loadMs} | {type: "failed", problem}
//               {type: "semantic", ready, problem, loadMs}
//               {type: "results", id, results} | {type: "error", id, kind, message}

let engine = null;

/** Fetch the semantic model and give it to the engine; on any failure the engine keeps ranking by words. */
async function attachSemantic(url) {
  const started = performance.now();
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`semantic model: HTTP ${response.status}`);
    const ready = engine.attachSemantic(await response.arrayBuffer());
    self.postMessage({ type: "semantic", ready, problem: engine.semanticProblem, loadMs: performance.now() - started });
  } catch (error) {
    self.postMessage({ type: "semantic", ready: false, problem: String(error && error.message || error) });
  }
}

self.addEventListener("message", async (event) => {
  const message = event.data || {};
  if (message.type === "init") {
    const started = performance.now();
    try {
      const { createEngine } = await import(message.engineUrl);
      const response = await fetch(message.bundleUrl);
      if (!response.ok) throw new Error(`bundle: HTTP ${response.status}`);
      const candidate = createEngine(await response.json());
      if (!candidate.ready) throw new Error(candidate.problem);
      engine = candidate;
      self.postMessage({ type: "ready", version: engine.version, loadMs: performance.now() - started });
    } catch (error) {
      self.postMessage({ type: "failed", problem: String(error && error.message || error) });
      return;
    }
    if (message.semanticUrl) attachSemantic(message.semanticUrl);
    return;
  }
  if (message.type === "search") {
    if (!engine) {
      self.postMessage({ type: "error", id: message.id, kind: "not-ready", message: "the offline search is not ready" });
      return;
    }
    try {
      self.postMessage({ type: "results", id: message.id, results: engine.search(message.request) });
    } catch (error) {
      self.postMessage({ type: "error", id: message.id, kind: error.kind || "failed", message: String(error.message || error) });
    }
  }
});
