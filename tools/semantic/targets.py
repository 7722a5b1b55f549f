"""Training texts for the static model and their full-model (all-MiniLM-L6-v2) sentence vectors.

Texts (all in-domain, none from the query sets):
  sections   title\\nheading\\ntext as the runtime embeds them (full model: first 256 tokens, and the
             mean of 256-token chunk vectors, both kept)
  headings   title\\nheading, and the document title + summary
  paragraphs each line of each section text
  sentences  sentences of lines that hold more than one
  phrases    every term of index/synonyms.toml groups and index/intents.toml lists
Cached in cache/targets-<hash of texts>.npz.
"""

import hashlib
import re
import tomllib

import numpy as np

from static_common import CACHE, ROOT, ensure_bundle, load_sections, section_text


def training_texts():
    """[(kind, text)] deduplicated, in a fixed order."""
    b = ensure_bundle()
    secs = load_sections()
    out = []
    for s in secs:
        out.append(("section", section_text(s)))
    for s in secs:
        _, title, heading, text = s
        if heading:
            out.append(("heading", f"{title}\n{heading}"))
    for d in b["documents"]:
        out.append(("heading", f"{d[1]}\n{d[2]}"))
    for s in secs:
        for line in s[3].split("\n"):
            line = line.strip()
            if len(line) < 3:
                continue
            out.append(("paragraph", line))
            parts = [p for p in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", line) if len(p) > 2]
            if len(parts) > 1:
                out.extend(("sentence", p) for p in parts)
    syn = tomllib.loads((ROOT / "index/synonyms.toml").read_text())
    for g in syn.get("group", []):
        out.extend(("phrase", t) for t in g["terms"])
    intents = tomllib.loads((ROOT / "index/intents.toml").read_text())
    for v in intents.values():
        if isinstance(v, dict) and "terms" in v:
            out.extend(("phrase", t) for t in v["terms"])
    seen, uniq = set(), []
    for kind, t in out:
        if t not in seen:
            seen.add(t)
            uniq.append((kind, t))
    return uniq


def chunk_mean(model, text, size=254):
    """Mean of full-model vectors of consecutive 254-wordpiece chunks (each re-wrapped in CLS/SEP)."""
    tok = model.tokenizer
    enc = tok.encode(text, add_special_tokens=False)
    ids = enc.ids
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    vecs = []
    for start in range(0, len(ids), size):
        chunk = [cls] + ids[start:start + size] + [sep]
        a = np.array([chunk], np.int64)
        vecs.append(model.encode_ids(a, np.ones(a.shape, bool))[0])
    v = np.mean(vecs, 0)
    return v / np.linalg.norm(v)


def load_targets():
    """(kinds, texts, vectors (n, 384) first-256, section chunk-mean vectors (n_sections, 384))."""
    items = training_texts()
    kinds = [k for k, _ in items]
    texts = [t for _, t in items]
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"targets-{digest}.npz"
    if not path.exists():
        from minilm import MiniLM
        model = MiniLM()
        import time
        t0 = time.time()
        vecs = model.encode(texts)
        print(f"encoded {len(texts)} texts in {time.time() - t0:.0f} s", flush=True)
        sec_texts = [t for k, t in items if k == "section"]
        chunked = np.stack([chunk_mean(model, t) for t in sec_texts])
        print(f"chunk means in {time.time() - t0:.0f} s", flush=True)
        np.savez(path, vecs=vecs, chunked=chunked)
    z = np.load(path)
    return kinds, texts, z["vecs"], z["chunked"]


if __name__ == "__main__":
    items = training_texts()
    from collections import Counter
    print(Counter(k for k, _ in items), sum(len(t) for _, t in items))
    load_targets()
