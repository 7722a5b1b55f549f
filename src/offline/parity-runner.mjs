// Runs the browser engine under Node for `candidate-security parity`:
//   node parity-runner.mjs BUNDLE.json QUERIES.json MODEL.bin  →  JSON results on stdout
import fs from "node:fs";
import { createEngine } from "./engine.js";

const [bundlePath, queriesPath, modelPath] = process.argv.slice(2);
const engine = createEngine(JSON.parse(fs.readFileSync(bundlePath, "utf8")));
if (!engine.ready) {
  process.stderr.write(`the offline index does not match the server's: ${engine.problem}\n`);
  process.exit(2);
}
const model = fs.readFileSync(modelPath);
if (!engine.attachSemantic(model.buffer.slice(model.byteOffset, model.byteOffset + model.byteLength))) {
  process.stderr.write(`the semantic model does not give the server's vectors: ${engine.semanticProblem}\n`);
  process.exit(2);
}
const queries = JSON.parse(fs.readFileSync(queriesPath, "utf8"));
const results = queries.map(({ query, nation }) => {
  try {
    const r = engine.search({ query, nation });
    return {
      documents: r.documents.map((d) => d.slug),
      scores: r.documents.map((d) => d.score),
      sections: r.documents.map((d) => d.sections.map((s) => [s.anchor, s.heading_html, s.snippet_html, s.nations || []])),
      total: r.total_sections,
      urgent: r.urgent,
      support: r.support,
      suggestion: r.suggestion,
      ranking: r.ranking,
    };
  } catch (error) {
    return { error: error.kind || String(error) };
  }
});
process.stdout.write(JSON.stringify(results));
