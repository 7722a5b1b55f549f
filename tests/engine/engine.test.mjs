// Unit tests of the browser search engine (assets/static/engine.js) under Node's test runner,
// against the bundle and the scores of the real server binary.
//
//   node --test tests/engine/
//
// CS_BIN: the server binary (default: target/debug/candidate-security in this repository).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import { createEngine, boundedDistance, QueryError } from "../../assets/static/engine.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = process.env.CS_BIN || path.join(REPO, "target", "debug", "candidate-security");
const run = (...args) => execFileSync(BIN, args, { encoding: "utf8", maxBuffer: 64 << 20 });
const bundle = JSON.parse(run("export"));
const engine = createEngine(bundle);
const serverSearch = (query, ranking = "lexical") => JSON.parse(run("search", "--json", "--ranking", ranking, query));
// The semantic model as the server sends it (the committed brotli file, decompressed).
const modelBytes = () => {
  const plain = zlib.brotliDecompressSync(fs.readFileSync(path.join(REPO, "index", "semantic", "static-model.bin.br")));
  return plain.buffer.slice(plain.byteOffset, plain.byteOffset + plain.byteLength);
};
// Ranks by words until the model is attached; a second engine ranks by words and meaning.
const fused = createEngine(bundle);
const attached = fused.attachSemantic(modelBytes());

test("the index rebuilt in the browser matches the server's statistics", () => {
  assert.equal(engine.ready, true, engine.problem);
  assert.equal(engine.version, bundle.version);
});

test("tokenisation splits on letters and digits, lowercases and folds accents", () => {
  const words = engine.analyse("Café-owner's 2FA, report@phishing.gov.uk").map((w) => w.surface);
  assert.deepEqual(words, ["cafe", "owner", "s", "2fa", "report", "phishing", "gov", "uk"]);
  assert.deepEqual(engine.analyse("ＰＨＩＳＨＩＮＧ").map((w) => w.surface), ["phishing"]);
  const long = "a".repeat(40);
  assert.deepEqual(engine.analyse(`short ${long} word`).map((w) => [w.surface, w.position]), [["short", 0], ["word", 2]],
    "words of 40+ bytes are dropped but keep their position");
});

test("word forms map to the server's terms through the vocabulary", () => {
  assert.notEqual(engine.termOf("passwords"), undefined);
  assert.equal(engine.termOf("passwords"), engine.termOf("password"));
  assert.equal(engine.termOf("hacked"), engine.termOf("hacking"));
  assert.equal(engine.termOf("zzzzqqq"), undefined);
});

test("typos are matched within one or two edits, closest and same first letter first", () => {
  assert.equal(boundedDistance([..."pasword"], [..."password"], 2), 1);
  assert.equal(boundedDistance([..."teh"], [..."the"], 1), 1, "a swap is one edit");
  assert.equal(boundedDistance([..."abc"], [..."xyz"], 2), -1);
  assert.equal(engine.fuzzy("pasword")[0].surface, "password");
  assert.deepEqual(engine.fuzzy("pas"), [], "three letters get no typo tolerance");
  assert.equal(engine.search({ query: "pasword manger" }).suggestion, "password manager");
});

test("the last word matches as a prefix while typing, not after a space", () => {
  const typing = engine.search({ query: "phis" });
  assert.ok(typing.documents.some((d) => d.sections.some((s) => s.snippet_html.includes("<mark>phishing"))));
  assert.equal(typing.suggestion, null);
  const done = engine.search({ query: "phis " });
  assert.ok(done.documents.every((d) => d.sections.every((s) => !s.snippet_html.includes("<mark>phishing"))));
});

test("BM25 scores equal the server's, to the last bit of a 32-bit float", () => {
  for (const query of ["2fa", "password manager", "\"suspicious package\"", "someone hacked my whatsapp", "deep fake", "phis"]) {
    const server = serverSearch(query);
    const browser = engine.search({ query });
    assert.equal(browser.ranking, "lexical");
    assert.deepEqual(browser.documents.map((d) => d.slug), server.documents.map((d) => d.slug), query);
    // The server prints 32-bit floats in their shortest form; both round to the same float.
    assert.deepEqual(browser.documents.map((d) => d.score), server.documents.map((d) => Math.fround(d.score)), query);
    assert.deepEqual(browser.documents.flatMap((d) => d.sections.map((s) => s.score)),
      server.documents.flatMap((d) => d.sections.map((s) => Math.fround(s.score))), query);
    assert.equal(browser.total_sections, server.total_sections, query);
  }
});

test("the engine answers with the fields /api/search has, at every level", () => {
  const shape = (results) => ({
    top: Object.keys(results).sort(),
    document: Object.keys(results.documents[0]).sort(),
    section: Object.keys(results.documents[0].sections[0]).sort(),
  });
  for (const query of ["2fa", "phishing email", "someone is following me"]) {
    const server = serverSearch(query);
    const browser = engine.search({ query });
    assert.ok(server.documents.length > 0 && browser.documents.length > 0, query);
    assert.deepEqual(shape(browser), shape(server), query);
    assert.deepEqual(browser.documents.map((d) => d.sections.map((s) => s.anchor)),
      server.documents.map((d) => d.sections.map((s) => s.anchor)), query);
  }
});

test("snippets escape every character and mark only matched words", () => {
  const text = "Never open <phishing>alert('x')</phishing> & \"email\"";
  const words = engine.analyse(text).map((w) => ({ ...w, term: engine.termOf(w.surface) }));
  assert.notEqual(engine.termOf("phishing"), undefined);
  const html = engine.snippet(text, words, new Set([engine.termOf("phishing")]));
  assert.equal(html, "Never open &lt;<mark>phishing</mark>&gt;alert(&#39;x&#39;)&lt;/<mark>phishing</mark>&gt; &amp; &quot;email&quot;");
  const results = engine.search({ query: "<img src=x onerror=alert(1)> phishing" });
  for (const section of results.documents.flatMap((d) => d.sections)) {
    assert.ok(!section.snippet_html.replaceAll("<mark>", "").replaceAll("</mark>", "").includes("<"));
  }
});

test("refused queries give the server's messages", () => {
  assert.throws(() => engine.search({ query: "x".repeat(257) }),
    (e) => e instanceof QueryError && e.kind === "too-long" && e.message === "the search is too long: use at most 256 characters");
  assert.throws(() => engine.search({ query: "word ".repeat(40) }),
    (e) => e instanceof QueryError && e.kind === "too-many-words");
  assert.equal(engine.search({ query: "   " }).total_sections, 0);
});

test("with the model attached, fused scores equal the server's, to the last bit", () => {
  assert.equal(attached, true, fused.semanticProblem);
  for (const query of ["video of me saying things i never said", "bots amplifying lies", "2fa", "someone posted my address", "xqzvbk"]) {
    const server = serverSearch(query, "fused");
    const browser = fused.search({ query });
    assert.equal(browser.ranking, "fused");
    assert.deepEqual(browser.documents.map((d) => d.slug), server.documents.map((d) => d.slug), query);
    assert.deepEqual(browser.documents.flatMap((d) => d.sections.map((s) => [s.anchor, s.snippet_html])),
      server.documents.flatMap((d) => d.sections.map((s) => [s.anchor, s.snippet_html])), query);
    assert.deepEqual(browser.documents.flatMap((d) => d.sections.map((s) => s.score)),
      server.documents.flatMap((d) => d.sections.map((s) => Math.fround(s.score))), query);
    assert.equal(browser.total_sections, server.total_sections, query);
  }
  assert.equal(fused.search({ query: "xqzvbk" }).total_sections, 0);
  assert.throws(() => fused.search({ query: "2fa", ranking: "bm25" }), (e) => e instanceof QueryError && e.kind === "unknown-ranking");
});

test("a damaged or different model is refused and search stays by words", () => {
  const other = createEngine(bundle);
  const bytes = new Uint8Array(modelBytes());
  // Change the scale of one common piece ("guidance"): the section vectors no longer match the server's.
  const view = new DataView(bytes.buffer);
  const vocabLength = view.getUint32(20, true);
  const pieces = new TextDecoder().decode(bytes.subarray(24, 24 + vocabLength)).split("\n");
  const at = 24 + vocabLength + pieces.indexOf("guidance") * 4;
  view.setFloat32(at, view.getFloat32(at, true) * 1.5, true);
  assert.equal(other.attachSemantic(bytes.buffer), false);
  assert.match(other.semanticProblem, /differ from the server's/);
  assert.equal(other.attachSemantic(new ArrayBuffer(16)), false);
  assert.match(other.semanticProblem, /not a static model/);
  const results = other.search({ query: "video of me saying things i never said" });
  assert.equal(results.ranking, "lexical");
  assert.deepEqual(results.documents.map((d) => d.slug), serverSearch("video of me saying things i never said").documents.map((d) => d.slug));
});

test("filters and urgency follow the server", () => {
  for (const [query, category, audience] of [["report", "cyber", null], ["report", null, "electoral-staff"], ["someone is following me", null, null]]) {
    const args = ["search", "--json", query];
    if (category) args.push("--category", category);
    if (audience) args.push("--audience", audience);
    const server = JSON.parse(run(...args));
    const browser = engine.search({ query, category, audience });
    assert.deepEqual(browser.documents.map((d) => d.slug), server.documents.map((d) => d.slug), query);
    assert.equal(browser.urgent, server.urgent, query);
  }
  assert.equal(engine.search({ query: "someone is following me" }).urgent, true);
});
