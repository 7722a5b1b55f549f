"""Shared pieces for the static model (issue 15): the runtime tokenizer mirrored in Python, the
static-model.bin reader/writer, the corpus as the runtime embeds it, and the ranking measurements.

The tokenizer here mirrors the Rust/JS runtime design exactly:
  1. words = maximal runs of alphanumeric characters, lowercased, accents folded (NFKD, combining
     marks dropped), words longer than 40 bytes dropped, words with characters outside [a-z0-9] skipped;
  2. WordPiece per word, greedy longest-match-first with the SHIPPED vocabulary ("##" for continuation
     pieces); a word with an unmatched position contributes nothing;
  3. text vector = sequential float32 sum of the pieces' vectors; similarity = cosine.
"""

import json
import pathlib
import re
import struct
import subprocess
import unicodedata

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CACHE = HERE / "cache"
GUIDANCE = ROOT / "index" / "guidance"
OUT_DIR = ROOT / "index" / "semantic"
BINARY = pathlib.Path(__import__("os").environ.get("CS_BINARY", str(pathlib.Path(__file__).resolve().parents[2] / "target" / "release" / "candidate-security")))
BUNDLE = pathlib.Path("/tmp/bundle.json")
QUERY_SETS = {"dev": ROOT / "tests/relevance/dev-queries.tsv",
              "dev-2026": ROOT / "tests/relevance/dev-queries-2026.tsv",
              "paraphrase": ROOT / "tests/relevance/paraphrase-queries.tsv"}
MAX_WORD_BYTES = 40
TOKEN_RE = re.compile(r"(##)?[a-z0-9]+")
ASCII_WORD = re.compile(r"[a-z0-9]+")


# ---------------------------------------------------------------- tokenizer (runtime mirror)

def fold(word):
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def words(text):
    """Runtime rule 1: alphanumeric runs, lowercased, folded, <= 40 bytes, [a-z0-9] only."""
    out, cur = [], []
    for c in text + " ":
        if c.isalnum():
            cur.append(c)
        elif cur:
            w = fold("".join(cur).lower())
            cur = []
            if len(w.encode()) <= MAX_WORD_BYTES and ASCII_WORD.fullmatch(w):
                out.append(w)
    return out


class WordPiece:
    """Greedy longest-match-first WordPiece over a vocabulary list (id = position)."""

    def __init__(self, vocab):
        self.vocab = list(vocab)
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.max_len = max(len(t[2:] if t.startswith("##") else t) for t in self.vocab)
        self.cache = {}

    def word(self, w):
        """Piece ids of one word, or [] if some position matches no piece."""
        hit = self.cache.get(w)
        if hit is not None:
            return hit
        pieces, start = [], 0
        while start < len(w):
            end = min(len(w), start + self.max_len)
            found = None
            while end > start:
                sub = w[start:end] if start == 0 else "##" + w[start:end]
                if sub in self.ids:
                    found = self.ids[sub]
                    break
                end -= 1
            if found is None:
                pieces = []
                break
            pieces.append(found)
            start = end
        self.cache[w] = pieces
        return pieces

    def encode(self, text):
        return [i for w in words(text) for i in self.word(w)]


def text_vector(table, ids):
    """Sequential float32 sum, as the runtime computes it."""
    v = np.zeros(table.shape[1], np.float32)
    for i in ids:
        v += table[i]
    return v


def fast_vector(table, ids):
    """Same sum with numpy's pairwise summation (for measurement; differs only by rounding)."""
    if not ids:
        return np.zeros(table.shape[1], np.float32)
    return table[ids].sum(0, dtype=np.float32)


# ---------------------------------------------------------------- file format

MAGIC = b"CSSTATIC"


def write_model(path, vocab, scales, codes):
    text = "\n".join(vocab).encode()
    n, d = codes.shape
    assert len(vocab) == n == len(scales) and codes.dtype == np.int8
    with open(path, "wb") as f:
        f.write(MAGIC + struct.pack("<IIII", 1, d, n, len(text)))
        f.write(text)
        f.write(np.asarray(scales, "<f4").tobytes())
        f.write(np.ascontiguousarray(codes).tobytes())


def read_model(path):
    """(vocab, scales, codes, table float32) from static-model.bin."""
    b = pathlib.Path(path).read_bytes()
    assert b[:8] == MAGIC, "bad magic"
    version, d, n, length = struct.unpack_from("<IIII", b, 8)
    assert version == 1
    pos = 24
    vocab = b[pos:pos + length].decode().split("\n")
    pos += length
    assert len(vocab) == n
    scales = np.frombuffer(b, "<f4", n, pos)
    pos += 4 * n
    codes = np.frombuffer(b, np.int8, n * d, pos).reshape(n, d)
    pos += n * d
    assert pos == len(b), "trailing bytes"
    table = codes.astype(np.float32) * scales[:, None].astype(np.float32)
    return vocab, scales, codes, table


def quantise_rows(x, levels=127):
    """Per-token symmetric int8: codes in [-levels, levels] and a float32 scale per row."""
    m = np.abs(x).max(1)
    scale = np.where(m > 0, m / levels, 1.0).astype(np.float32)
    codes = np.clip(np.round(x / scale[:, None]), -levels, levels).astype(np.int8)
    return codes, scale


# ---------------------------------------------------------------- corpus and queries

def ensure_bundle(fresh=False):
    if fresh or not BUNDLE.exists():
        subprocess.run([str(BINARY), "export", "--out", str(BUNDLE)], check=True)
    return json.loads(BUNDLE.read_text())


def load_sections():
    """[(key (slug, anchor), title, heading, text)] exactly as the bundle gives them."""
    b = ensure_bundle()
    docs = b["documents"]
    return [((docs[d][0], anchor), docs[d][1], heading, text) for d, heading, anchor, text, *_ in b["sectionData"]]


def section_text(sec):
    """Runtime rule 4: title + "\\n" + heading + "\\n" + text."""
    _, title, heading, text = sec
    return f"{title}\n{heading}\n{text}"


def load_queries():
    """{set name: [(query, {expected slugs})]} for the sets that exist."""
    out = {}
    for name, path in QUERY_SETS.items():
        if path.exists():
            rows = [l.split("\t") for l in path.read_text().splitlines()[1:] if l.strip()]
            out[name] = [(r[0], set(r[1].split(","))) for r in rows if len(r) >= 2]
    return out


_lex_cache = None


def lexical(query):
    """Lexical section keys by score (documents' top sections, as `search --json` gives)."""
    global _lex_cache
    path = CACHE / "lexical.json"
    if _lex_cache is None:
        _lex_cache = json.loads(path.read_text()) if path.exists() else {}
    if query not in _lex_cache:
        out = subprocess.run([str(BINARY), "search", "--json", query], capture_output=True, text=True)
        # The binary refuses some queries (more than 16 words): measured as an empty lexical list.
        docs = json.loads(out.stdout)["documents"] if out.returncode == 0 else []
        secs = [(-s["score"], d, i, [doc["slug"], s["anchor"]])
                for d, doc in enumerate(docs) for i, s in enumerate(doc["sections"])]
        _lex_cache[query] = [key for *_, key in sorted(secs)]
        path.write_text(json.dumps(_lex_cache))
    return [tuple(k) for k in _lex_cache[query]]


# ---------------------------------------------------------------- ranking and metrics

def fuse(lex, sem_keys, sem_cos, k, w, m, tau):
    """Weighted RRF: 1/(k + rank_lex) + w/(k + rank_sem); semantic list = top m with cos >= tau.
    Returns documents ordered by their best section."""
    score = {}
    for r, key in enumerate(lex, 1):
        score[key] = score.get(key, 0.0) + 1.0 / (k + r)
    r = 0
    for key, c in zip(sem_keys, sem_cos):
        if (m is not None and r >= m) or c < tau:
            break
        r += 1
        score[key] = score.get(key, 0.0) + w / (k + r)
    ranked = sorted(score, key=lambda key: -score[key])
    return list(dict.fromkeys(slug for slug, _ in ranked))


def metrics(doc_rankings, expected):
    s1 = s3 = mrr = 0.0
    for docs, want in zip(doc_rankings, expected):
        first = next((r for r, slug in enumerate(docs, 1) if slug in want), None)
        s1 += first == 1
        s3 += first is not None and first <= 3
        mrr += 1.0 / first if first else 0.0
    n = max(len(expected), 1)
    return s1 / n, s3 / n, mrr / n


def normalise(x):
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.where(n > 0, n, 1.0)
