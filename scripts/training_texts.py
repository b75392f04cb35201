#!/usr/bin/env python3
"""Generic technical text gathered offline on a Debian machine, for training the static embedder.

The static model is trained to reproduce all-MiniLM-L6-v2's sentence embeddings (see
distill_model.py, `--train`). The texts it learns from must be generic — not mnem's corpus of
sessions, not the quality set — and must be found on an ordinary Debian machine with no network:

- Debian package descriptions (`apt-cache dumpavail`: the synopsis and the long description's
  paragraphs), after `apt-get update`;
- manual pages in English (`/usr/share/man/man[1-8]`, rendered by `man -l` when groff is there,
  else with the roff requests stripped);
- docstrings of the Python standard library and the installed packages (the `ast` module);
- Markdown and text documentation under `/usr/share/doc` and npm's `docs/`.

Each source is cut into chunks of 4 to 60 words (sentences, or a short paragraph), deduplicated,
and sampled with a fixed seed so that no source dominates. The result is deterministic for a
given machine, though not across machines: the sample is a means, not a fixture.
"""

from __future__ import annotations

import ast
import gzip
import os
import random
import re
import subprocess
import sys
from pathlib import Path

WORD = re.compile(r"\S+")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(])")


def chunks(text: str, low: int = 4, high: int = 60):
    """Sentences of `text`; runs of short sentences are joined, long ones cut at `high` words."""
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return
    pending: list[str] = []
    for sentence in SENTENCE_END.split(text):
        words = WORD.findall(sentence)
        while len(words) > high:
            yield " ".join(words[:high])
            words = words[high:]
        pending += words
        if len(pending) >= low * 3 or (len(pending) >= low and random.random() < 0.5):
            yield " ".join(pending[:high])
            pending = []
    if len(pending) >= low:
        yield " ".join(pending[:high])


def usable(text: str) -> bool:
    letters = sum(c.isalpha() for c in text)
    return (letters >= 0.6 * len(text) and len(text) >= 20 and text.count("http") + text.count("](") + text.count("\\f") <= 1
            and " 2m " not in text)


def debian_descriptions(limit: int) -> list[str]:
    try:
        dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, timeout=300).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    out: list[str] = []
    seen_short: set[str] = set()
    for record in dump.split("\n\n"):
        lines = record.split("\n")
        description: list[str] = []
        inside = False
        for line in lines:
            if line.startswith("Description:"):
                inside = True
                description.append(line[len("Description:"):].strip())
            elif inside and line.startswith(" "):
                body = line.strip()
                description.append("\n" if body == "." else body)
            elif inside:
                break
        if not description or description[0] in seen_short:
            continue
        seen_short.add(description[0])
        out.append(description[0])
        for paragraph in " ".join(description[1:]).split("\n"):
            out.extend(chunks(paragraph))
        if len(out) > limit * 3:
            break
    return out


ROFF_REQUEST = re.compile(r"^\.[A-Za-z]{1,3}\b ?")
ROFF_ESCAPE = re.compile(r"\\f[BIRP]|\\\(..|\\[-&e|^]|\\s[+-]?\d|\\\*\(..|\\\*.")


def man_pages(limit: int) -> list[str]:
    root = Path("/usr/share/man")
    files = sorted(p for section in range(1, 9) for p in (root / f"man{section}").glob("*") if p.is_file())
    random.shuffle(files)
    out: list[str] = []
    for path in files:
        try:
            raw = gzip.open(path, "rt", errors="replace").read() if path.suffix == ".gz" else path.read_text(errors="replace")
        except OSError:
            continue
        if raw.startswith(".so "):
            continue
        lines = []
        for line in raw.splitlines():
            if line.startswith(('.\\"', "'\\\"", ".TH", ".SH", ".SS", ".de", ".if", ".ie", ".el", ".ds", ".nr")):
                lines.append("\n")
                continue
            line = ROFF_ESCAPE.sub("", ROFF_REQUEST.sub("", line))
            lines.append(line)
        for paragraph in " ".join(lines).split("\n"):
            out.extend(c for c in chunks(paragraph) if usable(c))
        if len(out) > limit * 3:
            break
    return out


def docstrings(limit: int) -> list[str]:
    roots = {Path(p) for p in sys.path if p and Path(p).is_dir() and "lib/python" in p}
    files = sorted(p for root in roots for p in root.rglob("*.py") if "test" not in p.parts and ".venv" not in str(p))
    random.shuffle(files)
    out: list[str] = []
    for path in files:
        try:
            tree = ast.parse(path.read_text(errors="replace"))
        except (SyntaxError, ValueError, OSError, RecursionError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                doc = ast.get_docstring(node)
                if doc:
                    for paragraph in doc.split("\n\n"):
                        if paragraph.lstrip().startswith((">>>", ":param", "Args:", "Returns:", "Parameters", "----")):
                            continue
                        out.extend(c for c in chunks(paragraph) if usable(c))
        if len(out) > limit * 3:
            break
    return out


def documentation(limit: int) -> list[str]:
    roots = [Path("/usr/share/doc"), Path("/usr/lib/node_modules/npm/docs"), Path("/usr/local/lib/node_modules/npm/docs")]
    files = sorted(p for root in roots if root.is_dir() for p in root.rglob("*")
                   if p.is_file() and p.suffix in (".md", ".txt", "") and p.stat().st_size < 400_000 and "copyright" not in p.name)
    random.shuffle(files)
    out: list[str] = []
    for path in files:
        try:
            text = path.read_text(errors="strict")
        except (OSError, UnicodeDecodeError):
            continue
        text = re.sub(r"```.*?```", "\n\n", text, flags=re.S)
        for paragraph in re.split(r"\n\s*\n", text):
            if paragraph.lstrip().startswith(("#", "|", "-", "*", "    ")) and len(paragraph) < 80:
                continue
            out.extend(c for c in chunks(paragraph) if usable(c))
        if len(out) > limit * 3:
            break
    return out


def gather(total: int, seed: int = 13) -> list[str]:
    """About `total` deduplicated chunks, a quarter from each source where it has enough."""
    random.seed(seed)
    per = total // 4
    sources = {
        "debian": debian_descriptions(per),
        "man": man_pages(per),
        "docstrings": docstrings(per),
        "docs": documentation(per),
    }
    seen: set[str] = set()
    picked: list[str] = []
    for name, texts in sources.items():
        unique = [t for t in dict.fromkeys(texts) if t.lower() not in seen]
        random.shuffle(unique)
        take = unique[:per]
        seen.update(t.lower() for t in take)
        picked.extend(take)
        print(f"training texts: {len(take):6d} from {name} (of {len(unique)})", file=sys.stderr)
    # Top up from whatever source had more, so the total is reached on a sparse machine.
    leftovers = [t for texts in sources.values() for t in dict.fromkeys(texts) if t.lower() not in seen]
    random.shuffle(leftovers)
    picked.extend(leftovers[: max(0, total - len(picked))])
    random.shuffle(picked)
    return picked


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for text in gather(n):
        print(text)
