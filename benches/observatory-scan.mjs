// MDN HTTP Observatory scan of a host on given ports (security plan R8, case D2).
//
//     OBSERVATORY_DIR=/tmp/obs/node_modules/@mdn/mdn-http-observatory \
//         node benches/observatory-scan.mjs HOST HTTP_PORT HTTPS_PORT
//
// The packaged scan() (src/scanner/index.js) calls retrieve(hostname) with no ports, so it
// can only scan :80 and :443. This does what scan() does, step for step, with the ports
// passed to the same retriever: retrieve(), the same acceptance of the final status (2xx,
// 3xx, 401, 403), every test of ALL_TESTS, the same score (modifiers added up from 100;
// the bonuses count only when the score without them is at least
// MINIMUM_SCORE_FOR_EXTRA_CREDIT) and the same grade. A port with nothing listening stands
// for "no such scheme" (HTTP_PORT for a TLS-only site, HTTPS_PORT for a plain one).
//
// Prints one JSON object: score, grade, tests passed and failed, the final response's status
// and headers, the redirect route, and per test its result, pass, score modifier, the best
// modifier any result of that test can earn, and the test's own fields (the header value it
// read, the parsed policy...). Exits 1 with {"error": ...} where scan() would throw.
//
// It is run by benches/observatory.sh, which installs the package into a cache directory
// (npm, --ignore-scripts, with an empty HSTS preload list: see that script).
import path from "node:path";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const dir =
  process.env.OBSERVATORY_DIR || "/tmp/obs/node_modules/@mdn/mdn-http-observatory";
const load = (rel) => import(pathToFileURL(path.join(dir, rel)).href);

const [host, httpPort, httpsPort] = process.argv.slice(2);
if (!host || !httpPort || !httpsPort) {
  console.error("usage: observatory-scan.mjs HOST HTTP_PORT HTTPS_PORT");
  process.exit(2);
}

const { retrieve } = await load("src/retriever/retriever.js");
const { ALL_TESTS, ALL_RESULTS, ALGORITHM_VERSION, NUM_TESTS } = await load("src/constants.js");
const { getScoreModifier, getGradeForScore } = await load("src/grader/grader.js");
const { MINIMUM_SCORE_FOR_EXTRA_CREDIT, TEST_TITLES } = await load("src/grader/charts.js");
const version = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")).version;

function fail(message) {
  console.log(JSON.stringify({ error: message }));
  process.exit(1);
}

const r = await retrieve(host, { httpPort: Number(httpPort), httpsPort: Number(httpsPort) });
// As scan(): no final response at all, or an unexpected status, is an error, not a grade.
if (!r.responses.auto) fail("The site seems to be down.");
const { status } = r.responses.auto;
if (status < 200 || (status >= 400 && ![401, 403].includes(status))) {
  fail(`Site did respond with an unexpected HTTP status code ${status}.`);
}

// The best modifier each test can award, from the results the test itself declares.
const best = new Map(
  ALL_RESULTS.map((R) => [R.name, Math.max(...R.possibleResults.map(getScoreModifier))])
);

let testsPassed = 0;
let scoreWithExtraCredit = 100;
let uncurvedScore = 100;
const tests = {};
for (const test of ALL_TESTS) {
  const out = test(r);
  const name = out.constructor.name;
  let modifier = 0;
  if (out.result) {
    modifier = getScoreModifier(out.result);
    testsPassed += out.pass ? 1 : 0;
    scoreWithExtraCredit += modifier;
    if (modifier < 0) uncurvedScore += modifier;
  }
  // The test's own fields (header value, parsed policy, route...), minus the HTML
  // description, which says nothing the result name does not.
  const { expectation, result, pass, scoreDescription, ...fields } = out;
  tests[name] = {
    ...fields,
    title: TEST_TITLES[name] ?? name,
    pass: Boolean(pass),
    result,
    expectation,
    scoreModifier: modifier,
    bestModifier: best.get(name),
  };
}
const score =
  uncurvedScore >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? scoreWithExtraCredit : uncurvedScore;
const final = getGradeForScore(score);

const plain = (resp) => (resp ? { status: resp.status, verified: resp.verified ?? null } : null);
console.log(
  JSON.stringify(
    {
      scanner: `@mdn/mdn-http-observatory ${version}`,
      algorithmVersion: ALGORITHM_VERSION,
      host,
      httpPort: Number(httpPort),
      httpsPort: Number(httpsPort),
      score: final.score,
      uncurvedScore,
      grade: final.grade,
      testsPassed,
      testsFailed: NUM_TESTS - testsPassed,
      testsQuantity: NUM_TESTS,
      finalUrl: r.session?.redirectHistory.at(-1)?.url.href ?? r.session?.url.href ?? null,
      statusCode: status,
      http: plain(r.responses.http),
      https: plain(r.responses.https),
      httpRedirects: r.responses.httpRedirects.map((x) => `${x.status} ${x.url.href}`),
      responseHeaders: { ...r.responses.auto.headers },
      tests,
    },
    null,
    1
  )
);
