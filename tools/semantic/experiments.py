"""Measure static-model candidates on the query sets (issue 15). Writes cache/experiments-*.md/json.

    .venv/bin/python experiments.py base      # PCA dims x weighting x quantisation, untrained
    .venv/bin/python experiments.py train     # tokenlearn variants
    .venv/bin/python experiments.py final     # the shipped file: full tables, sweep, nonsense
"""

import itertools
import json
import sys
import time

import brotli
import numpy as np

import build_static as B
from static_common import (CACHE, OUT_DIR, WordPiece, fast_vector, fuse, lexical, load_queries,
                           load_sections, metrics, normalise, quantise_rows, read_model, section_text,
                           write_model)

KS, WS, MS, TAUS = (5, 10, 20, 60), (0.5, 0.75, 1.0), (10, 20, None), (0.0, 0.2, 0.3)
DEFAULT = (10, 1.0, None, 0.0)
NONSENSE = ["xqzvbk", "asdfgh qwerty", "zzzz", "qwertyuiop", "jjjj kkkk", "bvcxz", "lkjhgf", "ppppp",
            "zxcvbnm", "hjkl", "qazwsx edc", "mnbvc xzlkj", "fghfgh", "oiuoiu", "wxyz", "aaaaaa",
            "gggg hhhh", "trfvbg", "pqpqpq", "yyyy zzzz"]


def random_nonsense(n=40, seed=7):
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    out = []
    for _ in range(n):
        words = ["".join(rng.choice(letters, rng.integers(3, 9))) for _ in range(rng.integers(1, 3))]
        out.append(" ".join(words))
    return out


class Bench:
    def __init__(self):
        self.sections = load_sections()
        self.keys = [s[0] for s in self.sections]
        self.texts = [section_text(s) for s in self.sections]
        self.sets = load_queries()
        self.lex = {n: [lexical(q) for q, _ in qs] for n, qs in self.sets.items()}
        from targets import load_targets
        kinds, texts, vecs, chunked = load_targets()
        self.full_sections = vecs[[i for i, k in enumerate(kinds) if k == "section"]]
        assert [t for k, t in zip(kinds, texts) if k == "section"] == self.texts

    def embed(self, wp, table, texts):
        return normalise(np.stack([fast_vector(table, wp.encode(t)) for t in texts]))

    def run(self, vocab, table, full_proj=None, sweep=False):
        """{side: {set: {"semantic": (s1,s3,mrr), "fused": {params: (s1,s3,mrr)}, "topcos": [...]}}}"""
        wp = WordPiece(vocab)
        sides = {"static/static": self.embed(wp, table, self.texts)}
        if full_proj is not None:
            sides["static/full"] = normalise(full_proj)
        grid = list(itertools.product(KS, WS, MS, TAUS)) if sweep else [DEFAULT, (5, 1.0, None, 0.0),
                                                                          (10, 0.75, None, 0.0), (20, 0.5, 20, 0.2)]
        out = {}
        for side, S in sides.items():
            out[side] = {}
            for name, qs in self.sets.items():
                Q = self.embed(wp, table, [q for q, _ in qs])
                cos = Q @ S.T
                order = np.argsort(-cos, axis=1, kind="stable")
                exp = [w for _, w in qs]
                sem_docs = [list(dict.fromkeys(self.keys[i][0] for i in o)) for o in order]
                res = {"semantic": metrics(sem_docs, exp), "fused": {}, "topcos": cos.max(1).tolist()}
                for p in grid:
                    k, w, m, tau = p
                    docs = [fuse(lex, [self.keys[i] for i in o], cos[j, o], k, w, m, tau)
                            for j, (lex, o) in enumerate(zip(self.lex[name], order))]
                    res["fused"][p] = metrics(docs, exp)
                out[side][name] = res
        return out

    def nonsense(self, vocab, table):
        wp = WordPiece(vocab)
        S = self.embed(wp, table, self.texts)
        qs = NONSENSE + random_nonsense()
        Q = self.embed(wp, table, qs)
        return qs, (Q @ S.T).max(1)


def lexical_rows(bench):
    return {n: metrics([list(dict.fromkeys(s for s, _ in lex)) for lex in bench.lex[n]], [w for _, w in qs])
            for n, qs in bench.sets.items()}


def fmt(t):
    return " | ".join(f"{v:.3f}" for v in t)


def size_of(vocab, scales, codes):
    path = CACHE / "candidate.bin"
    write_model(path, vocab, scales, codes)
    raw = path.read_bytes()
    return len(raw), len(brotli.compress(raw, quality=11))


def summary_row(label, res, sets, sizes=None):
    """One markdown row: semantic and default-fused per set for the static/static side (+ static/full sem)."""
    cells = []
    for side in ("static/static",):
        for n in sets:
            cells.append(fmt(res[side][n]["semantic"]))
            cells.append(fmt(res[side][n]["fused"][DEFAULT]))
    ref = " | ".join(fmt(res["static/full"][n]["semantic"]) if "static/full" in res else "-" for n in sets)
    sz = f"{sizes[1]:,}" if sizes else "-"
    return f"| {label} | {sz} | " + " | ".join(cells) + f" | {ref} |"


def header(sets):
    h = "| candidate | brotli bytes | " + " | ".join(
        f"{n} sem s@1 | s@3 | MRR | {n} fused s@1 | s@3 | MRR" for n in sets) + " | " + " | ".join(
        f"{n} static/full sem s@1 | s@3 | MRR" for n in sets) + " |"
    cols = 2 + 6 * len(sets) + 3 * len(sets)
    return h + "\n" + "|---" * cols + "|"


def base_experiments(bench, configs, out_name, log=print):
    lines = [header(bench.sets)]
    log(lines[0])
    results = {}
    for label, cfg in configs:
        t0 = time.time()
        vocab, y, mean, comp = B.base_table(cfg)
        info = {}
        if cfg.get("train"):
            texts, tgt = B.training_data(cfg, mean, comp)
            y, info = B.train(cfg, vocab, y, texts, tgt, log=log)
        codes, scales = quantise_rows(y, cfg["quant_levels"])
        table = codes.astype(np.float32) * scales[:, None]
        sizes = size_of(vocab, scales, codes)
        full_proj = (bench.full_sections - B.target_mean()) @ comp.T
        res = bench.run(vocab, table, full_proj)
        row = summary_row(label + f" (N={len(vocab)})", res, bench.sets, sizes)
        lines.append(row)
        log(row + f"  [{time.time() - t0:.0f}s]")
        results[label] = {"sizes": sizes, "info": info,
                          "res": {s: {n: {"semantic": r["semantic"], "fused_default": r["fused"][DEFAULT]}
                                      for n, r in d.items()} for s, d in res.items()}}
        (CACHE / f"{out_name}.md").write_text("\n".join(lines) + "\n")
        (CACHE / f"{out_name}.json").write_text(json.dumps(results, indent=1))
    return results


def sweep_table(res, sets, side, top=12):
    """Markdown: every fusion setting ranked by mean MRR over the sets; the top rows and the default."""
    grid = list(res[side][next(iter(sets))]["fused"])
    def score(p):
        return np.mean([res[side][n]["fused"][p][2] for n in sets])
    ranked = sorted(grid, key=lambda p: (-score(p), grid.index(p)))
    head = "| k | w | M | tau | " + " | ".join(f"{n} s@1 | s@3 | MRR" for n in sets) + " | mean MRR |"
    lines = [head, "|---" * (5 + 3 * len(sets)) + "|"]
    def row(p):
        k, w, m, tau = p
        return (f"| {k} | {w} | {m or 'all'} | {tau} | " + " | ".join(fmt(res[side][n]["fused"][p]) for n in sets)
                + f" | {score(p):.3f} |")
    lines += [row(p) for p in ranked[:top]]
    return "\n".join(lines), ranked


def final(bench):
    """Sweep the fusion grid for the untrained and trained candidates; nonsense scores; write cache/exp-final.md."""
    out = []
    lex = lexical_rows(bench)
    out.append("Lexical only: " + "; ".join(f"{n} {fmt(v)}" for n, v in lex.items()))
    cands = [("untrained (PCA128 + SIF a=1e-3, int8 47 levels)", cfg(sif_a=1e-3, quant_levels=47)),
             ("trained (final)", dict(B.CONFIG))]
    allres = {}
    for label, c in cands:
        vocab, y, mean, comp = B.base_table(c)
        if c.get("train"):
            texts, tgt = B.training_data(c, mean, comp)
            y, _ = B.train(c, vocab, y, texts, tgt, log=lambda *a: None)
        codes, scales = quantise_rows(y, c["quant_levels"])
        table = codes.astype(np.float32) * scales[:, None]
        res = bench.run(vocab, table, (bench.full_sections - B.target_mean()) @ comp.T, sweep=True)
        allres[label] = res
        for side in res:
            out.append(f"\n### {label}: {side}\n")
            out.append("Semantic only: " + "; ".join(f"{n} {fmt(res[side][n]['semantic'])}" for n in bench.sets))
            out.append("\nFused, every setting of k x w x M x tau ranked by mean MRR over the sets (top 12):\n")
            t, ranked = sweep_table(res, bench.sets, side)
            out.append(t)
            for p in [(10, 1.0, None, 0.0), (10, 0.75, None, 0.0), (20, 0.75, 20, 0.2), (10, 0.75, 20, 0.3), (60, 1.0, None, 0.0), (5, 0.5, 10, 0.3)]:
                out.append(f"\nrank of k={p[0]} w={p[1]} M={p[2] or 'all'} tau={p[3]}: {ranked.index(p) + 1} of {len(ranked)}; "
                           + "; ".join(f"{n} {fmt(res[side][n]['fused'][p])}" for n in bench.sets))
        qs, nons = bench.nonsense(vocab, table)
        top = np.concatenate([np.array(res["static/static"][n]["topcos"]) for n in bench.sets])
        out.append(f"\nNonsense ({len(qs)} strings) max cosine to any section: max {nons.max():.3f}, "
                   f"p95 {np.percentile(nons, 95):.3f}, median {np.median(nons):.3f}; worst: "
                   + ", ".join(f"'{q}' {c:.3f}" for q, c in sorted(zip(qs, nons), key=lambda x: -x[1])[:5]))
        out.append(f"Real queries ({len(top)}) top cosine: min {top.min():.3f}, p1 {np.percentile(top, 1):.3f}, "
                   f"p5 {np.percentile(top, 5):.3f}, p10 {np.percentile(top, 10):.3f}, median {np.median(top):.3f}")
        for n in bench.sets:
            t = np.array(res["static/static"][n]["topcos"])
            out.append(f"  {n}: min {t.min():.3f}, p5 {np.percentile(t, 5):.3f}, median {np.median(t):.3f}; "
                       f"share >= 0.2: {(t >= 0.2).mean():.3f}, >= 0.3: {(t >= 0.3).mean():.3f}")
        (CACHE / "exp-final.md").write_text("\n".join(out) + "\n")
    print("\n".join(out))


def cfg(**kw):
    c = dict(B.CONFIG)
    c.update(train=False)
    c.update(kw)
    return c


if __name__ == "__main__":
    what = sys.argv[1]
    bench = Bench()
    print("lexical:", {n: fmt(v) for n, v in lexical_rows(bench).items()}, flush=True)
    if what == "base":
        configs = []
        for d in (64, 96, 128):
            configs.append((f"D{d} none", cfg(dims=d, weighting="none")))
        for a in (1e-3, 1e-4, 1e-5):
            configs.append((f"D128 sif-wordfreq a={a:g}", cfg(weighting="sif-wordfreq", sif_a=a)))
        for a in (1e-3, 1e-4):
            configs.append((f"D128 sif-corpus a={a:g}", cfg(weighting="sif-corpus", sif_a=a)))
        configs.append(("D128 sif-mixed a=1e-4", cfg(weighting="sif-mixed", sif_a=1e-4)))
        base_experiments(bench, configs, "exp-base" + (sys.argv[2] if len(sys.argv) > 2 else ""))
    elif what == "train1":
        base = dict(sif_a=1e-3, quant_levels=47)
        configs = [("untrained a=1e-3", cfg(**base)),
                   ("trained a=1e-3 lam=1e-3 lr=3e-3", cfg(**base, train=True))]
        base_experiments(bench, configs, "exp-train1")
    elif what == "train2":
        base = dict(sif_a=1e-3, quant_levels=47, train=True)
        configs = [("trained lam=1e-2", cfg(**base, train_lambda=1e-2)),
                   ("trained lam=1e-1", cfg(**base, train_lambda=1e-1)),
                   ("trained lam=1e-2 chunkmean", cfg(**base, train_lambda=1e-2, train_section_target="chunkmean")),
                   ("trained lam=1e-2 a=3e-4", cfg(**dict(base, sif_a=3e-4), train_lambda=1e-2))]
        base_experiments(bench, configs, "exp-train2")
    elif what == "final":
        final(bench)
    elif what == "train3":
        base = dict(sif_a=1e-3, quant_levels=47, train=True)
        configs = [("untrained a=1e-3", cfg(sif_a=1e-3, quant_levels=47)),
                   ("trained lam=1e-3", cfg(**base)),
                   ("trained lam=1e-2", cfg(**base, train_lambda=1e-2)),
                   ("trained lam=1e-3 chunkmean", cfg(**base, train_section_target="chunkmean")),
                   ("trained lam=1e-3 a=1e-4", cfg(**dict(base, sif_a=1e-4)))]
        base_experiments(bench, configs, "exp-train3")
    elif what == "train4":
        base = dict(sif_a=1e-3, quant_levels=47, train=True, train_lambda=1e-2)
        configs = [("trained no SIF lam=1e-2", cfg(**dict(base, weighting="none"))),
                   ("trained lam=3e-3", cfg(**dict(base, train_lambda=3e-3))),
                   ("trained lam=1e-2 chunkmean", cfg(**base, train_section_target="chunkmean")),
                   ("trained lam=1e-2 + 20k words", cfg(**base, train_words=20000))]
        base_experiments(bench, configs, "exp-train4")
    elif what == "quant":
        configs = [("D128 sif-wordfreq a=3e-4", cfg(weighting="sif-wordfreq", sif_a=3e-4))]
        configs += [(f"D{d} sif-wordfreq a=1e-3 levels={lv}", cfg(dims=d, sif_a=1e-3, quant_levels=lv))
                    for d, lv in ((96, 127), (128, 63), (128, 47), (128, 31))]
        configs += [(f"D128 sif-wordfreq a=1e-3 vocab {n}", cfg(sif_a=1e-3, max_vocab=n)) for n in (20000, 23000)]
        base_experiments(bench, configs, "exp-quant")
