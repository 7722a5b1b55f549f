"""Measure ranking by meaning against today's lexical ranking on the dev query sets (issue 15).

Methods, each giving a document ranking per query:
  lexical          the release binary's `search --json` (documents in order; sections by score)
  semantic full    sections ranked by cosine to the full-model query vector, folded to documents
  semantic static  query = mean of per-token static vectors (each token run alone as [CLS] t [SEP])
  fused            reciprocal rank fusion of lexical and a semantic ranking at section level
Sections are always embedded by the full model, except in the "static/static" rows.

    .venv/bin/python evaluate.py            # prints the tables and writes cache/results.md
"""

import hashlib
import json
import pathlib
import re
import subprocess
import sys
import time
import tomllib

import brotli
import numpy as np

from minilm import MiniLM

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GUIDANCE = ROOT / "index" / "guidance"
BINARY = ROOT / "target" / "release" / "candidate-security"
QUERY_SETS = {"dev": ROOT / "tests/relevance/dev-queries.tsv",
              "dev-2026": ROOT / "tests/relevance/dev-queries-2026.tsv"}
CACHE = HERE / "cache"
STATIC_TABLE = CACHE / "static.npy"
KS = (5, 10, 20, 60)


# ---------------------------------------------------------------- corpus and queries

def clean(line):
    """Markdown line to plain text: no {#anchor}, checkbox, link target or emphasis."""
    line = re.sub(r"\s*\{#[^}]*\}", "", line)
    line = re.sub(r"^(\s*)- \[[ xX]\] ", r"\1- ", line)
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    return line.replace("**", "")


def split_front_matter(path):
    """(front matter as a dict, markdown body) for one guidance file."""
    _, front, body = path.read_text().split("+++\n", 2)
    return tomllib.loads(front), body


def document_sections(path):
    """Sections of one document: the introduction (titled by the document) and each `## ` section."""
    meta, body = split_front_matter(path)
    sections, heading, anchor, lines = [], meta["title"], "introduction", []
    for line in body.splitlines() + ["## END {#end}"]:
        m = re.match(r"^## (.*?)\s*\{#([^\s}]+)[^}]*\}\s*$", line)  # {#anchor nations=...}
        if m:
            text = " ".join(clean(l).strip() for l in lines if l.strip())
            if text:
                sections.append({"slug": meta["slug"], "title": meta["title"], "anchor": anchor,
                                 "heading": heading, "text": text})
            heading, anchor, lines = m.group(1), m.group(2), []
        else:
            lines.append(line)
    return sections


def load_sections():
    return [s for p in sorted(GUIDANCE.glob("*.md")) for s in document_sections(p)]


def section_passage(s):
    """What the model embeds for a section (the tokenizer truncates at 256 tokens)."""
    return f"{s['title']}. {s['heading']}. {s['text']}"


def load_queries(path):
    """[(query, {expected slugs})] from a tab-separated file with a header line."""
    rows = [l.split("\t") for l in path.read_text().splitlines()[1:] if l.strip()]
    return [(r[0], set(r[1].split(","))) for r in rows]


# ---------------------------------------------------------------- rankings

def lexical(query):
    """(document slugs in order, section keys (slug, anchor) by score) from the release binary."""
    out = subprocess.run([str(BINARY), "search", "--json", query], capture_output=True, text=True, check=True)
    docs = json.loads(out.stdout)["documents"]
    sections = [(-s["score"], d, i, (doc["slug"], s["anchor"]))
                for d, doc in enumerate(docs) for i, s in enumerate(doc["sections"])]
    return [doc["slug"] for doc in docs], [key for *_, key in sorted(sections)]


def cosine_ranking(qvec, section_vecs, keys):
    """Section keys ordered by cosine to the query (vectors already L2-normalised)."""
    return [keys[i] for i in np.argsort(-(section_vecs @ qvec), kind="stable")]


def fold(section_ranking):
    """Documents in the order of their best section."""
    return list(dict.fromkeys(slug for slug, _ in section_ranking))


def rrf(rankings, k):
    """Reciprocal rank fusion of section rankings: score = sum of 1/(k + rank), rank from 1."""
    score = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, 1):
            score[key] = score.get(key, 0.0) + 1.0 / (k + rank)
    return sorted(score, key=lambda key: -score[key])


def metrics(doc_rankings, expected):
    """success@1, success@3 and MRR over queries."""
    s1 = s3 = mrr = 0.0
    for docs, want in zip(doc_rankings, expected):
        ranks = [r for r, slug in enumerate(docs, 1) if slug in want]
        first = ranks[0] if ranks else None
        s1 += first == 1
        s3 += first is not None and first <= 3
        mrr += 1.0 / first if first else 0.0
    n = len(expected)
    return s1 / n, s3 / n, mrr / n


def section_vectors(model, sections):
    """Full-model section vectors, cached by a hash of the passages; (vectors, seconds to embed)."""
    passages = [section_passage(s) for s in sections]
    digest = hashlib.sha256("\n".join(passages).encode()).hexdigest()[:16]
    path = CACHE / f"sections-{digest}.npy"
    timing = path.with_suffix(".seconds")
    if not path.exists():
        start = time.perf_counter()
        np.save(path, model.encode(passages))
        timing.write_text(f"{time.perf_counter() - start:.1f}")
    return np.load(path), float(timing.read_text())


# ---------------------------------------------------------------- static token model

def static_table(model):
    """Static vectors for the whole vocabulary, cached in cache/static.npy; (table, seconds to build)."""
    timing = STATIC_TABLE.with_suffix(".seconds")
    if not STATIC_TABLE.exists():
        start = time.perf_counter()
        np.save(STATIC_TABLE, model.token_vectors(np.arange(model.tokenizer.get_vocab_size())))
        timing.write_text(f"{time.perf_counter() - start:.1f}")
    return np.load(STATIC_TABLE), float(timing.read_text())


def token_ids(tokenizer, text):
    """WordPiece ids of text without [CLS]/[SEP]."""
    return tokenizer.encode(text, add_special_tokens=False).ids


def static_vector(tokenizer, table, text):
    """Mean of the text's token vectors, L2-normalised (zero vector for empty text)."""
    ids = token_ids(tokenizer, text)
    if not ids:
        return np.zeros(table.shape[1], np.float32)
    v = table[ids].mean(0)
    return v / np.linalg.norm(v)


def ascii_tokens(tokenizer):
    """Ids of WordPiece tokens made only of a-z and 0-9 (optionally ##-prefixed): a pruning candidate."""
    vocab = tokenizer.get_vocab()
    return np.array(sorted(i for t, i in vocab.items() if re.fullmatch(r"(##)?[a-z0-9]+", t)))


def pca(table, dims):
    """(mean, components (dims, 384)) of the table's principal components."""
    mean = table.mean(0)
    _, _, vt = np.linalg.svd(table - mean, full_matrices=False)
    return mean, vt[:dims]


def quantise_int8(x):
    """Symmetric int8 per dimension: (codes, scales)."""
    scale = np.abs(x).max(0) / 127.0
    return np.round(x / scale).astype(np.int8), scale.astype(np.float32)


def normalise(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def brotli_size(array):
    return len(brotli.compress(array.tobytes(), quality=11))


# ---------------------------------------------------------------- measurement

def median_us(fn, items, repeat=20):
    """Median wall time of fn(item) in microseconds."""
    times = []
    for _ in range(repeat):
        for item in items:
            t = time.perf_counter()
            fn(item)
            times.append(time.perf_counter() - t)
    return 1e6 * float(np.median(times))


def evaluate_set(queries, semantic_rankings, lexical_results):
    """Rows of (method, s@1, s@3, MRR) for one query set."""
    expected = [want for _, want in queries]
    rows = [("lexical", *metrics([docs for docs, _ in lexical_results], expected))]
    for name, ranks in semantic_rankings.items():
        rows.append((f"semantic {name}", *metrics([fold(r) for r in ranks], expected)))
        for k in KS:
            fused = [fold(rrf([lex, sem], k)) for (_, lex), sem in zip(lexical_results, ranks)]
            rows.append((f"fused {name}, k={k}", *metrics(fused, expected)))
    return rows


def main():
    t0 = time.perf_counter()
    model = MiniLM()
    tok = model.tokenizer
    sections = load_sections()
    keys = [(s["slug"], s["anchor"]) for s in sections]
    section_vecs, section_seconds = section_vectors(model, sections)
    table, table_seconds = static_table(model)
    sets = {name: load_queries(path) for name, path in QUERY_SETS.items()}
    all_queries = [q for qs in sets.values() for q, _ in qs]

    # Vector spaces to compare: (query vectors for a list of texts, section vectors).
    mean128, comp128 = pca(table, 128)
    mean64, comp64 = pca(table, 64)
    spaces = {"full": (lambda qs: model.encode(qs), section_vecs),
              "static": (lambda qs: np.stack([static_vector(tok, table, q) for q in qs]), section_vecs)}
    for dims, mean, comp in ((128, mean128, comp128), (64, mean64, comp64)):
        codes, scale = quantise_int8((table - mean) @ comp.T)
        deq = codes.astype(np.float32) * scale
        spaces[f"static PCA{dims} int8"] = (
            lambda qs, deq=deq: np.stack([static_vector(tok, deq, q) for q in qs]),
            normalise((section_vecs - mean) @ comp.T))
    static_sections = np.stack([static_vector(tok, table, section_passage(s)) for s in sections])
    spaces["static/static"] = (spaces["static"][0], static_sections)

    results = {}
    for set_name, queries in sets.items():
        texts = [q for q, _ in queries]
        lex = [lexical(q) for q in texts]
        unknown = {key for _, secs in lex for key in secs} - set(keys)
        if unknown:
            print(f"warning: lexical sections not in the parsed corpus: {sorted(unknown)[:5]}", file=sys.stderr)
        semantic = {}
        for name, (embed, secs) in spaces.items():
            semantic[name] = [cosine_ranking(qv, secs, keys) for qv in embed(texts)]
        results[set_name] = (len(queries), evaluate_set(queries, semantic, lex))

    # Costs and sizes.
    timing = {
        "static query vector (tokenize + mean + norm), µs p50": median_us(lambda q: static_vector(tok, table, q), all_queries),
        "static query vector + cosine vs all sections (384-d), µs p50": median_us(
            lambda q: section_vecs @ static_vector(tok, table, q), all_queries),
        "full-model query vector, µs p50": median_us(lambda q: model.encode([q]), all_queries, repeat=3),
        f"full-model embedding of {len(sections)} sections, s": section_seconds,
        "static table, whole vocabulary (30,522 x 384 forward passes), s": table_seconds,
    }
    used = {i for s in sections for i in token_ids(tok, section_passage(s))} | {
        i for q in all_queries for i in token_ids(tok, q)}
    c128, _ = quantise_int8((table - mean128) @ comp128.T)
    c64, _ = quantise_int8((table - mean64) @ comp64.T)
    ids = np.array(sorted(used))
    ascii_ids = ascii_tokens(tok)
    sizes = {
        "384-d float32, whole vocabulary": (table.nbytes, brotli_size(table)),
        "PCA 128-d int8, whole vocabulary": (c128.nbytes, brotli_size(c128)),
        "PCA 64-d int8, whole vocabulary": (c64.nbytes, brotli_size(c64)),
        f"PCA 128-d int8, {len(used)} tokens used by corpus + dev queries": (c128[ids].nbytes, brotli_size(c128[ids])),
        f"PCA 128-d int8, {len(ascii_ids):,} plain a-z/0-9 tokens (with or without ##)": (
            c128[ascii_ids].nbytes, brotli_size(c128[ascii_ids])),
        f"section vectors, {len(sections)} x 384 float32": (section_vecs.nbytes, brotli_size(section_vecs)),
    }
    text = render(results, timing, sizes, len(used), tok.get_vocab_size(), time.perf_counter() - t0)
    print(text)
    (CACHE / "results.md").write_text(text)


def render(results, timing, sizes, used, vocab, seconds):
    """The measured figures as markdown tables."""
    names = list(results)
    head = "| method | " + " | ".join(f"{n} s@1 | {n} s@3 | {n} MRR" for n in names) + " |"
    out = [f"Queries: " + ", ".join(f"{n} {results[n][0]}" for n in names), "", head,
           "|---" * (1 + 3 * len(names)) + "|"]
    for i, row in enumerate(results[names[0]][1]):
        cells = [f"{v:.3f}" for n in names for v in results[n][1][i][1:]]
        out.append(f"| {row[0]} | " + " | ".join(cells) + " |")
    out += ["", "| cost | value |", "|---|---|"]
    out += [f"| {k} | {v:.1f} |" for k, v in timing.items()]
    out += ["", "| table | raw bytes | brotli q11 bytes |", "|---|---|---|"]
    out += [f"| {k} | {raw:,} | {br:,} |" for k, (raw, br) in sizes.items()]
    out += ["", f"WordPiece ids used by the corpus sections + dev queries: {used:,} of {vocab:,}.",
            f"Run time: {seconds:.0f} s."]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
