// Offline search engine: answers queries on the device from the server's search bundle
// (see src/offline/mod.rs for the bundle format), ranking exactly as the server does.
//
// Every step mirrors src/search/ in the Rust code, and the parity check
// (`candidate-security parity`) holds the two to each other:
//   grammar.rs   parse(): byte limit, control characters, quotes, -exclusions, word limit, prefix rule
//   analysis.rs  words(): letters and digits, drop words of 40+ bytes, lowercase, fold to ASCII
//   vocabulary.rs exact lookup, typo candidates (optimal string alignment), prefixes
//   expand.rs    concepts: synonyms (longest match), exact, prefix, typo alternatives and weights
//   index.rs     BM25 per field (Tantivy's formula and one-byte length codes, in 32-bit floats),
//                field boosts, best alternative per concept, sum over concepts, filters
//   mod.rs       ranking (score, then section order), folding by document, snippets
//   snippet.rs   the best window of words, escaped, with <mark> around matched words
//   intent.rs    urgent queries
//   semantic/    ranking by meaning: WordPiece over the static model, sums and cosines in
//                32-bit floats (Math.fround after every operation), weighted rank fusion
// No dependencies; works in a page, a Web Worker and Node.
//
// The semantic model is optional and arrives after the bundle (attachSemantic): until it is
// attached, and if it does not match the server's vectors, searches rank by words alone and
// say so (results.ranking === "lexical").

const F32 = Math.fround;
const WORD = /[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]+/gu;
const NOT_ALPHANUMERIC = /[^\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]/gu;
const ALPHANUMERIC_CHAR = /^[\p{Alphabetic}\p{Nd}\p{Nl}\p{No}]$/u;
const WHITESPACE_CHAR = /^\p{White_Space}$/u;
const CONTROL = /\p{Cc}/gu;
const QUOTES = new Set(['"', "\u201c", "\u201d", "\u201e"]);
const ENCODER = new TextEncoder();

// Letters that Unicode decomposition does not take to ASCII (a subset of Tantivy's folding).
const SPECIAL_FOLDS = new Map(Object.entries({
  "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ł": "l", "ı": "i",
  "ŋ": "n", "ħ": "h", "ŧ": "t", "ĸ": "q", "ſ": "s", "ĳ": "ij",
}));

/** Errors the grammar reports, with the server's wording. */
export class QueryError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

/** Bytes of `text` in UTF-8 (as TextEncoder counts them: a lone surrogate is U+FFFD, 3 bytes), without
 * allocating: it runs for every word of the corpus when the engine starts. */
function utf8Length(text) {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      bytes += 1;
    } else if (unit < 0x800) {
      bytes += 2;
    } else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i += 1;
    } else {
      bytes += 3;
    }
  }
  return bytes;
}

function codePoints(text) {
  return Array.from(text);
}

/** Compare strings by UTF-8 bytes (= by code points), as Rust orders strings. */
function compareBytes(a, b) {
  if (a === b) return 0;
  const x = codePoints(a);
  const y = codePoints(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i += 1) {
    const d = x[i].codePointAt(0) - y[i].codePointAt(0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return x.length - y.length < 0 ? -1 : x.length === y.length ? 0 : 1;
}

function asciiFold(lower) {
  if (/^[\x00-\x7f]*$/.test(lower)) return lower;
  let out = "";
  for (const c of lower) {
    if (c.charCodeAt(0) < 0x80) {
      out += c;
      continue;
    }
    const special = SPECIAL_FOLDS.get(c);
    if (special) {
      out += special;
      continue;
    }
    const stripped = c.normalize("NFKD").replace(/\p{M}/gu, "");
    out += /^[\x00-\x7f]+$/.test(stripped) ? stripped : c;
  }
  return out;
}

/** Optimal-string-alignment distance between code point arrays, or -1 if above `max`. */
export function boundedDistance(a, b, max) {
  if (Math.abs(a.length - b.length) > max) return -1;
  const width = b.length + 1;
  let before = new Array(width).fill(0);
  let previous = Array.from({ length: width }, (_, j) => j);
  let current = new Array(width).fill(0);
  for (let i = 1; i <= a.length; i += 1) {
    current[0] = i;
    let rowMin = current[0];
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2] + 1);
      }
      current[j] = value;
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > max) return -1;
    [before, previous, current] = [previous, current, before];
  }
  const distance = previous[b.length];
  return distance <= max ? distance : -1;
}

function escapeHtml(text) {
  let out = "";
  for (const c of text) {
    switch (c) {
      case "&": out += "&amp;"; break;
      case "<": out += "&lt;"; break;
      case ">": out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case "'": out += "&#39;"; break;
      case "\n": case "\r": case "\t": out += " "; break;
      default: out += c;
    }
  }
  return out;
}

/** Build an engine from a parsed bundle. `engine.ready` is false (with `engine.problem`) when
 * the index rebuilt here does not match the server's statistics. */
export function createEngine(bundle) {
  return new Engine(bundle);
}

const MODEL_MAGIC = "CSSTATIC";
const MODEL_HEADER_BYTES = 24;

/** 32-bit FNV-1a over the little-endian bytes of float32 values, as 8 hex digits (SemanticIndex::checksum). */
function vectorChecksum(values) {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/** The static model file (src/search/semantic/model.rs): pieces, scales and int8 rows. */
class StaticModel {
  constructor(buffer) {
    const bytes = new Uint8Array(buffer);
    const view = new DataView(buffer instanceof ArrayBuffer ? buffer : bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < MODEL_HEADER_BYTES || new TextDecoder().decode(bytes.subarray(0, 8)) !== MODEL_MAGIC) {
      throw new Error("not a static model file");
    }
    const version = view.getUint32(8, true);
    if (version !== 1) throw new Error(`static model format ${version} is not supported`);
    this.dims = view.getUint32(12, true);
    const tokens = view.getUint32(16, true);
    const vocabLength = view.getUint32(20, true);
    const vocabEnd = MODEL_HEADER_BYTES + vocabLength;
    const scalesEnd = vocabEnd + tokens * 4;
    if (bytes.length !== scalesEnd + tokens * this.dims || this.dims === 0) throw new Error("static model file has the wrong length");
    const pieces = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(MODEL_HEADER_BYTES, vocabEnd)).split("\n");
    if (pieces.length !== tokens) throw new Error("static model vocabulary is malformed");
    this.initial = new Map();
    this.continuation = new Map();
    pieces.forEach((piece, id) => {
      if (piece.startsWith("##") && piece.length > 2) this.continuation.set(piece.slice(2), id);
      else this.initial.set(piece, id);
    });
    this.scales = new Float32Array(tokens);
    for (let i = 0; i < tokens; i += 1) this.scales[i] = view.getFloat32(vocabEnd + i * 4, true);
    this.rows = new Int8Array(bytes.buffer, bytes.byteOffset + scalesEnd, tokens * this.dims);
    this.pieceCount = tokens;
  }

  knowsWhole(word) {
    return this.initial.has(word);
  }

  /** Piece ids of one word, greedy longest match first (model.rs pieces()); none if any stretch fails. */
  pieces(word, out) {
    if (word.length === 0 || word.length > 100 || !/^[a-z0-9]+$/.test(word)) return;
    const before = out.length;
    let start = 0;
    while (start < word.length) {
      const table = start === 0 ? this.initial : this.continuation;
      let found = -1;
      let end = word.length;
      for (; end > start; end -= 1) {
        const id = table.get(word.slice(start, end));
        if (id !== undefined) {
          found = id;
          break;
        }
      }
      if (found < 0) {
        out.length = before;
        return;
      }
      out.push(found);
      start = end;
    }
  }

  /** The sum of every piece's vector of `words`, in order, in float32; null when no word has a piece. */
  embed(words) {
    const ids = [];
    for (const word of words) this.pieces(word, ids);
    if (ids.length === 0) return null;
    const dims = this.dims;
    const sum = new Float32Array(dims);
    for (const id of ids) {
      const scale = this.scales[id];
      const at = id * dims;
      for (let d = 0; d < dims; d += 1) sum[d] = F32(sum[d] + F32(this.rows[at + d] * scale));
    }
    return sum;
  }
}

function norm(vector) {
  let sum = 0;
  for (let d = 0; d < vector.length; d += 1) sum = F32(sum + F32(vector[d] * vector[d]));
  return F32(Math.sqrt(sum));
}

function dot(a, b, at) {
  let sum = 0;
  for (let d = 0; d < a.length; d += 1) sum = F32(sum + F32(a[d] * b[at + d]));
  return sum;
}

class Engine {
  constructor(bundle) {
    if (bundle.format !== 1) throw new Error(`unsupported bundle format ${bundle.format}`);
    this.bundle = bundle;
    this.params = bundle.params;
    this.version = bundle.version;
    this.terms = bundle.terms;
    this.fold = new Map(Object.entries(bundle.fold));
    this.wordIndex = new Map();
    this.byLengthTable = null; // built on the first typo lookup (see byLength), not at start-up
    this.words = bundle.words;
    bundle.words.forEach((word, i) => {
      this.wordIndex.set(word, i);
    });
    this.wordTerms = bundle.wordTerms;
    this.wordCounts = bundle.wordCounts;
    this.synonyms = bundle.synonyms;
    this.urgent = bundle.urgent;
    this.support = bundle.support || [];
    this.documents = bundle.documents.map(([slug, title, summary, category, audience]) => ({
      slug, title, summary, category, audience,
    }));
    this.sections = bundle.sectionData.map(([document, heading, anchor, text, nations]) => ({
      document, heading, anchor, text, nations: nations || 0,
    }));
    this.nationNames = bundle.params.nations || [];
    this.stopWords = new Set(bundle.params.stopWords || []);
    this.sectionCount = bundle.sections;
    this.semantic = null; // attachSemantic() sets it when the model arrives
    this.semanticProblem = "the semantic model is not loaded yet";
    this.wordCache = new Map();
    this.buildIndex();
  }

  // ---- analysis (analysis.rs) ----

  /** Words of `text`: {start, end, surface, position}; offsets are UTF-16 indexes. */
  analyse(text) {
    const out = [];
    let position = 0;
    for (const match of text.matchAll(WORD)) {
      const raw = match[0];
      const here = position;
      position += 1;
      if (utf8Length(raw) >= this.params.maxWordBytes) continue;
      const lower = raw.toLowerCase();
      let surface = this.fold.get(lower) ?? asciiFold(lower);
      surface = surface.replace(NOT_ALPHANUMERIC, "");
      if (!surface) continue;
      out.push({ start: match.index, end: match.index + raw.length, surface, position: here });
    }
    return out;
  }

  termOf(surface) {
    const i = this.wordIndex.get(surface);
    return i === undefined ? undefined : this.wordTerms[i];
  }

  // ---- the index, rebuilt from the section texts and checked against the server ----

  buildIndex() {
    const fields = this.params.fields.length;
    this.postings = Array.from({ length: fields }, () => new Map());
    this.norms = Array.from({ length: fields }, () => new Uint8Array(this.sectionCount));
    const totals = new Array(fields).fill(0);
    const table = this.bundle.fieldnorms;
    const normId = (n) => {
      let lo = 0;
      let hi = table.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (table[mid] <= n) lo = mid; else hi = mid - 1;
      }
      return lo;
    };
    let problem = null;
    this.sections.forEach((section, ord) => {
      const document = this.documents[section.document];
      const texts = [document.title, section.heading, section.text];
      texts.forEach((text, field) => {
        const words = this.analyse(text);
        totals[field] += words.length;
        this.norms[field][ord] = normId(words.length);
        const map = this.postings[field];
        for (const word of words) {
          const term = this.termOf(word.surface);
          if (term === undefined) {
            problem ||= `word "${word.surface}" is not in the vocabulary`;
            continue;
          }
          let list = map.get(term);
          if (!list) {
            list = [];
            map.set(term, list);
          }
          let last = list[list.length - 1];
          if (!last || last.ord !== ord) {
            last = { ord, tf: 0, positions: [] };
            list.push(last);
          }
          last.tf += 1;
          last.positions.push(word.position);
        }
      });
    });
    for (let field = 0; field < fields; field += 1) {
      let count = 0;
      for (const list of this.postings[field].values()) count += list.length;
      if (totals[field] !== this.bundle.totalTokens[field]) {
        problem ||= `${this.params.fields[field]}: ${totals[field]} tokens, the server has ${this.bundle.totalTokens[field]}`;
      }
      if (count !== this.bundle.postingCounts[field]) {
        problem ||= `${this.params.fields[field]}: ${count} postings, the server has ${this.bundle.postingCounts[field]}`;
      }
      const expected = this.bundle.norms[field];
      for (let ord = 0; ord < this.sectionCount; ord += 1) {
        if (this.norms[field][ord] !== expected[ord]) {
          problem ||= `${this.params.fields[field]}: length of section ${ord} differs`;
        }
      }
    }
    this.totals = totals;
    this.ready = problem === null;
    this.problem = problem;
    // BM25 constants per field (bm25.rs), in 32-bit floats.
    const k1 = F32(this.params.k1);
    const b = F32(this.params.b);
    const n = F32(this.sectionCount);
    this.cache = totals.map((total) => {
      const average = F32(F32(total) / n);
      return table.map((length) => F32(k1 * F32(F32(F32(1) - b) + F32(F32(b * F32(length)) / average))));
    });
  }

  idf(df) {
    const n = this.sectionCount;
    const x = F32(F32(F32(n - df) + F32(0.5)) / F32(F32(df) + F32(0.5)));
    return F32(Math.log(F32(F32(1) + x)));
  }

  // ---- vocabulary.rs ----

  /** Every word as code points, grouped by length (for typo candidates), in word order. */
  byLength() {
    if (!this.byLengthTable) {
      const table = [];
      this.words.forEach((word, i) => {
        const chars = codePoints(word);
        (table[chars.length] ||= []).push([chars, i]);
      });
      this.byLengthTable = table;
    }
    return this.byLengthTable;
  }

  allowedEdits(chars) {
    if (chars >= this.params.twoEditsMinChars) return 2;
    if (chars >= this.params.oneEditMinChars) return 1;
    return 0;
  }

  fuzzy(surface) {
    const query = codePoints(surface);
    const max = this.allowedEdits(query.length);
    if (max === 0) return [];
    const found = [];
    for (let len = Math.max(0, query.length - max); len <= query.length + max; len += 1) {
      for (const [chars, i] of this.byLength()[len] || []) {
        const distance = boundedDistance(query, chars, max);
        if (distance >= 0) found.push({ distance, i, keepsFirst: chars[0] === query[0] });
      }
    }
    found.sort((x, y) => x.distance - y.distance
      || (y.keepsFirst - x.keepsFirst)
      || (this.wordCounts[y.i] - this.wordCounts[x.i])
      || compareBytes(this.words[x.i], this.words[y.i]));
    return this.distinctTerms(found.map((f) => ({ surface: this.words[f.i], term: this.wordTerms[f.i], distance: f.distance })), this.params.maxFuzzyTerms);
  }

  prefixed(prefix) {
    if (codePoints(prefix).length < this.params.minPrefixChars) return [];
    // First word strictly after `prefix` in byte order.
    let lo = 0;
    let hi = this.words.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(this.words[mid], prefix) <= 0) lo = mid + 1; else hi = mid;
    }
    const found = [];
    for (let i = lo; i < this.words.length && this.words[i].startsWith(prefix); i += 1) found.push(i);
    found.sort((x, y) => (this.wordCounts[y] - this.wordCounts[x]) || compareBytes(this.words[x], this.words[y]));
    return this.distinctTerms(found.map((i) => ({ surface: this.words[i], term: this.wordTerms[i], distance: 0 })), this.params.maxPrefixTerms);
  }

  distinctTerms(sorted, max) {
    const out = [];
    for (const candidate of sorted) {
      if (out.some((c) => c.term === candidate.term)) continue;
      if (out.length === max) break;
      out.push(candidate);
    }
    return out;
  }

  // ---- grammar.rs ----

  parse(query) {
    if (utf8Length(query) > this.params.maxQueryBytes) {
      throw new QueryError("too-long", `the search is too long: use at most ${this.params.maxQueryBytes} characters`);
    }
    const cleaned = query.replace(CONTROL, " ");
    const parts = [];
    const push = (kind, start, end) => {
      const words = this.analyse(cleaned.slice(start, end)).map((w) => ({
        start: w.start + start, end: w.end + start, surface: w.surface,
      }));
      if (words.length === 0) return;
      const last = parts[parts.length - 1];
      if (last && last.kind === kind && kind !== "phrase") last.words.push(...words);
      else parts.push({ kind, words });
    };
    const pushUnquoted = (start, end) => {
      let chunkStart = -1;
      const flush = (from, to) => {
        const chunk = cleaned.slice(from, to);
        const next = codePoints(chunk.slice(1))[0];
        if (chunk.startsWith("-") && next !== undefined && ALPHANUMERIC_CHAR.test(next)) push("exclude", from + 1, to);
        else push("words", from, to);
      };
      let at = start;
      for (const c of cleaned.slice(start, end)) {
        const white = WHITESPACE_CHAR.test(c);
        if (white && chunkStart >= 0) {
          flush(chunkStart, at);
          chunkStart = -1;
        } else if (!white && chunkStart < 0) {
          chunkStart = at;
        }
        at += c.length;
      }
      if (chunkStart >= 0) flush(chunkStart, end);
    };
    let inQuote = false;
    let segmentStart = 0;
    let at = 0;
    for (const c of cleaned) {
      if (QUOTES.has(c)) {
        if (inQuote) push("phrase", segmentStart, at); else pushUnquoted(segmentStart, at);
        inQuote = !inQuote;
        segmentStart = at + c.length;
      }
      at += c.length;
    }
    if (inQuote) push("phrase", segmentStart, cleaned.length); else pushUnquoted(segmentStart, cleaned.length);
    const count = parts.reduce((n, p) => n + p.words.length, 0);
    if (count > this.params.maxWords) {
      throw new QueryError("too-many-words", `the search has too many words: use at most ${this.params.maxWords}`);
    }
    const chars = codePoints(cleaned);
    const endsInWord = chars.length > 0 && ALPHANUMERIC_CHAR.test(chars[chars.length - 1]);
    const lastPart = parts[parts.length - 1];
    const lastWordIsPrefix = endsInWord && !!lastPart && lastPart.kind === "words"
      && lastPart.words[lastPart.words.length - 1].end === cleaned.length;
    return { cleaned, parts, lastWordIsPrefix };
  }

  // ---- expand.rs ----

  expand(parsed) {
    const w = this.params.weights;
    const concepts = [];
    const corrections = [];
    const exact = (term) => ({ terms: [term], weight: w.exact });
    const add = (alternatives, term, weight) => {
      const existing = alternatives.find((a) => a.terms.length === 1 && a.terms[0] === term);
      if (existing) {
        if (existing.weight < weight) existing.weight = weight;
      } else {
        alternatives.push({ terms: [term], weight });
      }
    };
    const lastPart = parsed.parts.length - 1;
    parsed.parts.forEach((part, partIndex) => {
      if (part.kind === "phrase") {
        const terms = part.words.map((word) => this.termOf(word.surface));
        concepts.push({ occur: "must", alternatives: terms.includes(undefined) ? [] : [{ terms, weight: w.exact }] });
        return;
      }
      if (part.kind === "exclude") {
        for (const word of part.words) {
          const term = this.termOf(word.surface);
          if (term !== undefined) concepts.push({ occur: "mustNot", alternatives: [exact(term)] });
        }
        return;
      }
      const prefixLast = parsed.lastWordIsPrefix && partIndex === lastPart;
      const readings = [];
      const fuzzy = [];
      for (const word of part.words) {
        const term = this.termOf(word.surface);
        if (term !== undefined) {
          readings.push(term);
          fuzzy.push([]);
          continue;
        }
        const candidates = this.fuzzy(word.surface);
        if (candidates.length > 0) corrections.push({ typed: word.surface, suggested: candidates[0].surface });
        readings.push(candidates.length > 0 ? candidates[0].term : undefined);
        fuzzy.push(candidates.map((c) => ({ terms: [c.term], weight: w.fuzzy })));
      }
      const count = part.words.length;
      const covered = new Array(count).fill(false);
      let i = 0;
      while (i < count) {
        const match = this.longestSynonym(readings.slice(i));
        if (!match) {
          i += 1;
          continue;
        }
        const [group, len] = match;
        const typed = readings.slice(i, i + len).filter((r) => r !== undefined);
        const alternatives = group.map((terms) => {
          const isTyped = terms.length === typed.length && terms.every((t, k) => t === typed[k]);
          const weight = isTyped ? w.exact : w.synonym;
          // A known expression of several words weighs more (f32 product, as on the server).
          return { terms, weight: len > 1 ? F32(F32(weight) * F32(w.expression)) : weight };
        });
        if (len === 1) {
          covered[i] = true;
          if (prefixLast && i + 1 === count) {
            for (const c of this.prefixed(part.words[i].surface)) add(alternatives, c.term, w.prefix);
          }
        }
        concepts.push({ occur: "should", alternatives });
        i += len;
      }
      part.words.forEach((word, k) => {
        if (covered[k]) return;
        let alternatives = [];
        const term = this.termOf(word.surface);
        if (term !== undefined) alternatives.push(exact(term));
        if (prefixLast && k + 1 === count) {
          for (const c of this.prefixed(word.surface)) add(alternatives, c.term, w.prefix);
        }
        if (alternatives.length === 0) {
          alternatives = fuzzy[k].map((a) => ({ ...a }));
        } else {
          const at = corrections.findIndex((c) => c.typed === word.surface);
          if (at >= 0) corrections.splice(at, 1);
        }
        concepts.push({ occur: "should", alternatives, stop: this.stopWords.has(word.surface) });
      });
    });
    return { concepts, corrections };
  }

  longestSynonym(readings) {
    let best = null;
    for (const group of this.synonyms) {
      for (const terms of group) {
        const len = terms.length;
        if ((best === null || len > best[1]) && len <= readings.length
          && terms.every((t, k) => readings[k] === t)) {
          best = [group, len];
        }
      }
    }
    return best;
  }

  // ---- index.rs: scoring ----

  /** Scores of one alternative: Map ordinal → sum over fields. As in Tantivy, boosts are
   * multiplied into the BM25 weight before scoring: weight = idf × (1 + k1) × (alternative
   * weight × field boost). */
  alternativeScores(alternative) {
    const sums = new Map();
    const weight = F32(F32(1) * F32(alternative.weight));
    this.params.fields.forEach((_, field) => {
      const boost = F32(weight * F32(this.params.boosts[field]));
      const fieldScores = alternative.terms.length === 1
        ? this.termScores(field, alternative.terms[0], boost)
        : this.phraseScores(field, alternative.terms, boost);
      for (const [ord, score] of fieldScores) {
        sums.set(ord, F32((sums.get(ord) ?? 0) + score));
      }
    });
    return sums;
  }

  bm25Weight(idf, boost) {
    const weight = F32(idf * F32(F32(1) + F32(this.params.k1)));
    return boost === 1 ? weight : F32(weight * boost);
  }

  termScores(field, term, boost) {
    const list = this.postings[field].get(term) || [];
    const out = new Map();
    if (list.length === 0) return out;
    const weight = this.bm25Weight(this.idf(list.length), boost);
    const cache = this.cache[field];
    for (const posting of list) {
      const tf = F32(posting.tf);
      const norm = cache[this.norms[field][posting.ord]];
      out.set(posting.ord, F32(weight * F32(tf / F32(tf + norm))));
    }
    return out;
  }

  phraseScores(field, terms, boost) {
    const lists = terms.map((t) => this.postings[field].get(t) || []);
    const out = new Map();
    if (lists.some((l) => l.length === 0)) return out;
    let idf = F32(0);
    for (const list of lists) idf = F32(idf + this.idf(list.length));
    const weight = this.bm25Weight(idf, boost);
    const cache = this.cache[field];
    const byOrd = lists.map((list) => new Map(list.map((p) => [p.ord, p])));
    for (const first of lists[0]) {
      const postings = byOrd.map((m) => m.get(first.ord));
      if (postings.some((p) => !p)) continue;
      let left = first.positions.slice();
      for (let k = 1; k < terms.length; k += 1) {
        const right = new Set(postings[k].positions.map((p) => p - k));
        left = left.filter((p) => right.has(p));
      }
      if (left.length === 0) continue;
      const pf = F32(left.length);
      const norm = cache[this.norms[field][first.ord]];
      out.set(first.ord, F32(weight * F32(pf / F32(pf + norm))));
    }
    return out;
  }

  /** Whether stop words are set aside (stop_words.rs): the query has some, and a meaningful word that can match. */
  setsAsideStopWords(expansion) {
    const positive = expansion.concepts.filter((c) => c.occur !== "mustNot" && c.alternatives.length > 0);
    return positive.some((c) => c.stop) && positive.some((c) => !c.stop);
  }

  /** Every matching section as [ordinal, score], best first, ties in corpus order. */
  run(expansion, category, audience, nation) {
    const aside = this.setsAsideStopWords(expansion);
    const meaningful = new Set();
    const total = new Map();
    let positive = false;
    let mustFailed = false;
    const required = [];
    const excluded = new Set();
    for (const concept of expansion.concepts) {
      if (concept.alternatives.length === 0) {
        if (concept.occur === "must") mustFailed = true;
        continue;
      }
      const best = new Map();
      for (const alternative of concept.alternatives) {
        for (const [ord, score] of this.alternativeScores(alternative)) {
          const previous = best.get(ord);
          if (previous === undefined || score > previous) best.set(ord, score);
        }
      }
      if (concept.occur === "mustNot") {
        for (const ord of best.keys()) excluded.add(ord);
        continue;
      }
      if (!(aside && concept.stop)) for (const ord of best.keys()) meaningful.add(ord);
      positive = true;
      if (concept.occur === "must") required.push(best);
      for (const [ord, score] of best) total.set(ord, F32((total.get(ord) ?? 0) + score));
    }
    if (!positive || mustFailed) return [];
    const hits = [];
    for (const [ord, score] of total) {
      if (excluded.has(ord)) continue;
      if (aside && !meaningful.has(ord)) continue;
      if (!required.every((m) => m.has(ord))) continue;
      const document = this.documents[this.sections[ord].document];
      if (category && document.category !== category) continue;
      if (audience && !document.audience.includes(audience)) continue;
      if (nation && !this.appliesIn(this.sections[ord].nations, nation)) continue;
      hits.push([ord, score]);
    }
    hits.sort((a, b) => (b[1] - a[1]) || (a[0] - b[0]));
    return hits;
  }

  /** Whether a section's nation mask (0: every nation) covers the nation named `nation`. */
  appliesIn(mask, nation) {
    if (mask === 0) return true;
    const bit = this.nationNames.indexOf(nation);
    return bit >= 0 && (mask & (1 << bit)) !== 0;
  }

  /** The nation names of a section's mask, in order (empty: every nation). */
  nationsOf(mask) {
    return this.nationNames.filter((_, bit) => (mask & (1 << bit)) !== 0);
  }

  // ---- snippet.rs ----

  sectionWords(ord) {
    let cached = this.wordCache.get(ord);
    if (!cached) {
      const section = this.sections[ord];
      const heading = section.heading || this.documents[section.document].title;
      const withTerms = (text) => this.analyse(text).map((w) => ({ start: w.start, end: w.end, term: this.termOf(w.surface) }));
      cached = { heading, headingWords: withTerms(heading), bodyWords: withTerms(section.text) };
      this.wordCache.set(ord, cached);
    }
    return cached;
  }

  highlight(text, words, terms, start, end) {
    let html = "";
    let at = start;
    for (const word of words) {
      if (!terms.has(word.term)) continue;
      if (word.start < at || word.end > end) continue;
      html += escapeHtml(text.slice(at, word.start));
      html += `<mark>${escapeHtml(text.slice(word.start, word.end))}</mark>`;
      at = word.end;
    }
    return html + escapeHtml(text.slice(at, end));
  }

  snippet(text, words, terms) {
    if (words.length === 0) return escapeHtml(text);
    const size = this.params.snippetWindow;
    const windowAt = (first) => [first, Math.max(0, Math.min(first + size, words.length) - 1)];
    let best = windowAt(0);
    let bestKey = [0, 0];
    words.forEach((word, i) => {
      if (!terms.has(word.term)) return;
      const [from, to] = windowAt(Math.max(0, i - 3));
      const distinct = new Set();
      let hits = 0;
      for (let k = from; k <= to; k += 1) {
        if (terms.has(words[k].term)) {
          hits += 1;
          distinct.add(words[k].term);
        }
      }
      if (distinct.size > bestKey[0] || (distinct.size === bestKey[0] && hits > bestKey[1])) {
        bestKey = [distinct.size, hits];
        best = [from, to];
      }
    });
    const [first, last] = best;
    const start = first === 0 ? 0 : words[first].start;
    const end = last + 1 >= words.length ? text.length : words[last].end;
    let html = start > 0 ? "\u2026" : "";
    html += this.highlight(text, words.slice(first, last + 1), terms, start, end);
    if (end < text.length) html += "\u2026";
    return html;
  }

  // ---- intent.rs ----

  isUrgent(parsed, sequences = this.urgent) {
    return parsed.parts.filter((p) => p.kind !== "exclude").some((part) => {
      const readings = part.words.map((word) => {
        const term = this.termOf(word.surface);
        if (term !== undefined) return term;
        const candidates = this.fuzzy(word.surface);
        return candidates.length > 0 ? candidates[0].term : undefined;
      });
      return sequences.some((terms) => terms.length > 0 && readings.some((_, start) =>
        start + terms.length <= readings.length && terms.every((t, k) => readings[start + k] === t)));
    });
  }

  // ---- semantic/: ranking by meaning ----

  /** Attach the static model (an ArrayBuffer of the model file) and embed every section as the server
   * does. Returns true when the section vectors match the server's bit for bit; otherwise ranking stays
   * lexical and `semanticProblem` says why. */
  attachSemantic(buffer) {
    this.semantic = null;
    try {
      const info = this.bundle.semantic;
      if (!info) throw new Error("the bundle has no semantic section");
      const model = new StaticModel(buffer);
      if (model.dims !== info.dims || model.pieceCount !== info.pieces) throw new Error("the model is not the one the server uses");
      const dims = model.dims;
      const vectors = new Float32Array(this.sections.length * dims);
      const norms = new Float32Array(this.sections.length);
      this.sections.forEach((section, ord) => {
        const title = this.documents[section.document].title;
        const text = `${title}\n${section.heading}\n${section.text}`;
        const vector = model.embed(this.analyse(text).map((w) => w.surface));
        if (vector) vectors.set(vector, ord * dims);
        norms[ord] = vector ? norm(vector) : 0;
      });
      const checksum = vectorChecksum(vectors);
      if (checksum !== info.checksum) throw new Error(`section vectors differ from the server's (${checksum}, expected ${info.checksum})`);
      this.semantic = { model, vectors, norms, info };
      this.semanticProblem = null;
      return true;
    } catch (error) {
      this.semanticProblem = String(error && error.message || error);
      return false;
    }
  }

  /** The words a query's meaning is taken from, or null when none is meaningful, 3+ letters and a whole piece (mod.rs meaning_words). */
  meaningWords(parsed, expansion) {
    const model = this.semantic.model;
    const words = [];
    let known = false;
    for (const part of parsed.parts) {
      if (part.kind === "exclude") continue;
      for (const word of part.words) {
        const surface = word.surface;
        const correction = expansion.corrections.find((c) => c.typed === surface);
        const chosen = correction && !model.knowsWhole(surface) ? correction.suggested : surface;
        if (this.stopWords.has(chosen)) continue; // little meaning; blurs a short query's vector
        if (chosen.length >= this.semantic.info.minKnownWordBytes && model.knowsWhole(chosen)) known = true;
        words.push(chosen);
      }
    }
    return known ? words : null;
  }

  /** Sections by cosine to the query, within the filters (mod.rs semantic_list, semantic/mod.rs rank). */
  semanticList(parsed, expansion, request, lexical) {
    const words = this.meaningWords(parsed, expansion);
    if (!words) return [];
    const { model, vectors, norms, info } = this.semantic;
    const query = model.embed(words);
    if (!query) return [];
    const queryNorm = norm(query);
    if (!(queryNorm > 0)) return [];
    const exact = parsed.parts.some((p) => p.kind !== "words");
    const found = new Set(lexical.map(([ord]) => ord));
    const minCosine = F32(info.minCosine);
    const list = [];
    this.sections.forEach((section, ord) => {
      if (exact && !found.has(ord)) return;
      const document = this.documents[section.document];
      if (request.category && document.category !== request.category) return;
      if (request.audience && !document.audience.includes(request.audience)) return;
      if (request.nation && !this.appliesIn(section.nations, request.nation)) return;
      const sectionNorm = norms[ord];
      const cosine = sectionNorm === 0 ? 0 : F32(dot(query, vectors, ord * model.dims) / F32(queryNorm * sectionNorm));
      if (cosine >= minCosine) list.push([ord, cosine]);
    });
    list.sort((a, b) => (b[1] - a[1]) || (a[0] - b[0]));
    return list.slice(0, info.maxSemantic);
  }

  /** The share of the query's meaningful concepts whose terms all occur in section `ord` (mod.rs coverage). */
  coverage(expansion, ord) {
    const aside = this.setsAsideStopWords(expansion);
    const concepts = expansion.concepts.filter((c) => c.occur !== "mustNot" && !(aside && c.stop));
    if (concepts.length === 0) return 1;
    const section = this.sections[ord];
    const words = this.sectionWords(ord);
    const title = this.analyse(this.documents[section.document].title).map((w) => this.termOf(w.surface));
    const present = (t) => title.includes(t) || words.headingWords.some((w) => w.term === t) || words.bodyWords.some((w) => w.term === t);
    const matched = concepts.filter((c) => c.alternatives.some((a) => a.terms.every(present))).length;
    return F32(matched / concepts.length);
  }

  /** The semantic list's weight (fusion.rs semantic_weight): less the more of the query the best section
   * by words covers. */
  semanticWeight(expansion, lexical) {
    const { weight: full, weightFloor } = this.semantic.info;
    const coverage = lexical.length > 0 ? this.coverage(expansion, lexical[0][0]) : 0;
    return F32(F32(weightFloor) + F32(F32(F32(full) - F32(weightFloor)) * F32(1 - coverage)));
  }

  /** Weighted reciprocal rank fusion (fusion.rs fuse). */
  fuse(lexical, semantic, weight) {
    const { k } = this.semantic.info;
    const scores = new Map();
    const share = (w, position) => F32(F32(w) / F32(F32(k) + (position + 1)));
    lexical.forEach(([ord], position) => scores.set(ord, F32((scores.get(ord) ?? 0) + share(1, position))));
    if (weight > 0) {
      semantic.forEach(([ord], position) => scores.set(ord, F32((scores.get(ord) ?? 0) + share(weight, position))));
    }
    const fused = [...scores];
    fused.sort((a, b) => (b[1] - a[1]) || (a[0] - b[0]));
    return fused;
  }

  // ---- mod.rs: the search ----

  /** Run a search. `request` = {query, category?, audience?, nation?, limit?}; the result has the
   * same shape as the server's JSON. Throws QueryError for refused queries. */
  search(request) {
    const started = (typeof performance !== "undefined" ? performance : Date).now();
    const parsed = this.parse(request.query ?? "");
    const expansion = this.expand(parsed);
    if (request.nation && !this.nationNames.includes(request.nation)) {
      throw new QueryError("unknown-nation", `Unknown nation “${request.nation}”: use england, wales, scotland or northern-ireland.`);
    }
    const lexical = this.run(expansion, request.category || null, request.audience || null, request.nation || null);
    const wanted = request.ranking || "fused";
    if (!["lexical", "semantic", "fused"].includes(wanted)) {
      throw new QueryError("unknown-ranking", `Unknown ranking “${wanted}”: use lexical, semantic or fused.`);
    }
    const ranking = this.semantic ? wanted : "lexical";
    let hits = lexical;
    if (ranking === "semantic") hits = this.semanticList(parsed, expansion, request, lexical);
    if (ranking === "fused") {
      // Weight 0 (the words covered the whole query): the lexical order, no semantic list needed.
      const weight = this.semanticWeight(expansion, lexical);
      hits = this.fuse(lexical, weight > 0 ? this.semanticList(parsed, expansion, request, lexical) : [], weight);
    }
    const matchedByWords = new Set(lexical.map(([ord]) => ord));
    const noTerms = new Set();
    const terms = new Set();
    const aside = this.setsAsideStopWords(expansion);
    for (const concept of expansion.concepts) {
      if (concept.occur === "mustNot") continue;
      if (aside && concept.stop) continue;
      for (const alternative of concept.alternatives) for (const t of alternative.terms) terms.add(t);
    }
    const support = this.isUrgent(parsed, this.support);
    const urgent = support || this.isUrgent(parsed);
    const limit = Math.min(Math.max(request.limit ?? this.params.defaultLimit, 1), this.params.maxLimit);
    const documents = [];
    const slots = new Map();
    for (const [ord, score] of hits) {
      const section = this.sections[ord];
      let slot = slots.get(section.document);
      if (slot === undefined) {
        const d = this.documents[section.document];
        documents.push({
          slug: d.slug, title: d.title, summary: d.summary, category: d.category, audience: d.audience,
          url: `/guidance/${d.slug}`, score, sections: [], matched_sections: 0,
        });
        slot = documents.length - 1;
        slots.set(section.document, slot);
      }
      const hit = documents[slot];
      hit.matched_sections += 1;
      if (hit.sections.length < this.params.sectionsPerDocument && slot < limit) {
        const words = this.sectionWords(ord);
        // A section found by meaning alone shows its opening lines, nothing marked.
        const marked = matchedByWords.has(ord) ? terms : noTerms;
        const entry = {
          heading_html: this.highlight(words.heading, words.headingWords, marked, 0, words.heading.length),
          anchor: section.anchor,
          snippet_html: this.snippet(section.text, words.bodyWords, marked),
          score,
        };
        if (section.nations) entry.nations = this.nationsOf(section.nations);
        hit.sections.push(entry);
      }
    }
    const totalDocuments = documents.length;
    let suggestion = null;
    if (expansion.corrections.length > 0) {
      let text = parsed.cleaned;
      const words = parsed.parts.flatMap((p) => p.words).sort((a, b) => b.start - a.start);
      for (const word of words) {
        const correction = expansion.corrections.find((c) => c.typed === word.surface);
        if (correction) text = text.slice(0, word.start) + correction.suggested + text.slice(word.end);
      }
      suggestion = text.split(/\p{White_Space}+/u).filter(Boolean).join(" ");
    }
    return {
      query: request.query ?? "",
      total_sections: hits.length,
      total_documents: totalDocuments,
      documents: documents.slice(0, limit),
      corrections: expansion.corrections,
      suggestion,
      urgent,
      support,
      ranking,
      took_us: Math.round(((typeof performance !== "undefined" ? performance : Date).now() - started) * 1000),
    };
  }
}
