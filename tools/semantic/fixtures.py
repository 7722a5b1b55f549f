"""index/semantic/fixtures.json: tokenizer and query-vector fixtures for the Rust/JS runtime.

For each query: the words (rule 1), the WordPiece pieces (rule 2, shipped vocabulary), their ids, and the
first 8 dimensions of the float32 query vector (rule 3: sequential float32 sum of q_t * s_t, unnormalised),
plus its float32 norm. Queries come from index/synonyms.toml phrases and made-up sentences, never from
the query sets.
"""

import json
import sys

import numpy as np

from static_common import OUT_DIR, WordPiece, read_model, text_vector, words

# Queries whose words depend on folding/length details where this Python mirror may differ from the
# runtime's own folding (e.g. Tantivy's AsciiFoldingFilter maps ß -> ss, œ -> oe, ﬁ -> fi; RemoveLongFilter
# drops words of >= 40 bytes measured before folding). Flagged "edge" in the output.
EDGE = {"Straße Œuvre ﬁnance ½ ²", "abcdefghijklmnopqrstuvwxyzabcdefghijklmn 40 bytes exactly",
        "abcdefghijklmnopqrstuvwxyzabcdefghijklmno 41 bytes", "日本語 テスト and english",
        "e-mail vs email vs E‑mail"}

QUERIES = [
    # phrases from index/synonyms.toml
    "two-factor authentication", "posted my address", "voice cloning", "fake news", "single point of contact",
    "suspicious parcel", "report fraud", "doxxed", "2-step verification", "cheapfake",
    # made-up sentences, with the edge cases the tokenizer must agree on
    "Someone keeps phoning my office and shouting abuse",
    "my WhatsApp account got hijacked last night",
    "a video of me saying things I never said",
    "bots spreading lies about me on Twitter/X",
    "Who do I call if a man is hanging around outside the count?",
    "Café résumé naïve coöperate façade",
    "ÉLECTION CANDIDATE — SAFETY",
    "don't won't can't it's",
    "e-mail vs email vs E‑mail",
    "COVID-19 2024 general election 999 101 0800",
    "pneumonoultramicroscopicsilicovolcanoconiosisxyzxyz extra",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmn 40 bytes exactly",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmno 41 bytes",
    "Straße Œuvre ﬁnance ½ ²",
    "日本語 テスト and english",
    "xqzvbk", "asdfgh qwerty", "zzzz",
    "",
    "   !!!   ",
    "someone threw paint at my campaign car",
    "leaflets with my home address on social media",
    "how do I stop people finding where I live",
    "canvassing alone at night is it safe",
    "my agent got a threatening letter with white powder",
    "SIM swap PAC code I never asked for",
    "phishing email pretending to be the electoral commission",
    "domain spoofing DMARC SPF DKIM",
    "an AI generated robocall in my voice",
    "should I tell the police about abusive comments on Facebook",
]


def main(path=OUT_DIR / "static-model.bin"):
    vocab, scales, codes, table = read_model(path)
    wp = WordPiece(vocab)
    out = []
    for q in QUERIES:
        ws = words(q)
        ids = [i for w in ws for i in wp.word(w)]
        v = text_vector(table, ids)
        out.append({"query": q, "edge": q in EDGE, "words": ws, "pieces": [vocab[i] for i in ids], "ids": ids,
                    "vector_first8": [float(x) for x in v[:8]],
                    "vector_first8_hex": [np.float32(x).tobytes()[::-1].hex() for x in v[:8]],
                    "norm": float(np.float32(np.sqrt(np.dot(v.astype(np.float64), v.astype(np.float64)))))})
    doc = {"about": __doc__.strip(), "model_file": "static-model.bin",
           "note": "vector = sequential float32 sum over pieces in order of float32(q_t[d]) * s_t; "
                   "hex is the big-endian IEEE-754 float32 bit pattern; norm is computed in float64 then "
                   "rounded to float32 (informative only)",
           "queries": out}
    (OUT_DIR / "fixtures.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {OUT_DIR / 'fixtures.json'} ({len(out)} queries)")


if __name__ == "__main__":
    main(*sys.argv[1:])
