// Web Worker that searches on the device: loads the engine and the search bundle (both at
// content-hashed URLs, kept by the service worker), then answers search messages, so typing
// never waits on the network and no query leaves the phone.
//
// Messages in:  {type: "init", engineUrl, bundleUrl}
//               {type: "search", id, request: {query, category, audience, limit}}
// Messages out: {type: "ready", version, loadMs} | {type: "failed", problem}
//               {type: "results", id, results} | {type: "error", id, kind, message}

let engine = null;

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
    }
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
