"""Sentence splitting time against text length: the check that it grows linearly.

    python benchmarks/segmentation.py                 # 25 kB ... 5 MB, about a minute
    python benchmarks/segmentation.py --predict       # also `framing predict --model fast` on the 5 MB file

Two kinds of one-line text, the worst cases for a rule-based splitter: words with no sentence
punctuation at all (cut at framing.segment.MAX_SENTENCE_CHARS), and ordinary punctuated
sentences run together in one paragraph line. Each is split with ``split_sentences``, the code
`framing predict` uses for a .txt file; the time per megabyte should stay flat as the size grows.
Prints what it ran on and writes the table as JSON (``--json``, default benchmarks/segmentation.json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from framing.encoder import cpu_name
from framing.segment import MAX_SENTENCE_CHARS, split_sentences

SIZES = (25_000, 100_000, 1_000_000, 5_000_000)
WORDS = (
    "the envoys met in Geneva and talked about Ukraine while Russia said that talks would continue "
    "under a framework the Kremlin and Washington described as a first step toward a ceasefire"
).split()


def unpunctuated(size: int, rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(size // 5))[:size]


def punctuated(size: int, rng: random.Random) -> str:
    sentences = []
    total = 0
    while total < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 25))]
        sentence = " ".join(words).capitalize() + rng.choice([".", ".", ".", "?", "!"]) + " "
        sentences.append(sentence)
        total += len(sentence)
    return "".join(sentences)[:size]


def time_split(text: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    sentences = split_sentences(text)
    return time.perf_counter() - start, len(sentences), sum(s.cut for s in sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--predict", action="store_true", help="also time `framing predict --model fast` on 5 MB"
    )
    parser.add_argument(
        "--json", default=str(Path(__file__).with_suffix(".json")), help="where to write the table"
    )
    args = parser.parse_args(argv)

    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"cut length: {MAX_SENTENCE_CHARS:,} characters\n")
    print(f"{'text':<14}{'size':>11}{'seconds':>10}{'s per MB':>10}{'sentences':>11}{'cut':>8}")
    rows = []
    rng = random.Random(13)
    for kind, make in (("unpunctuated", unpunctuated), ("punctuated", punctuated)):
        for size in SIZES:
            text = make(size, rng)
            seconds, count, cut = time_split(text)
            per_mb = seconds / (size / 1e6)
            row = {
                "text": kind,
                "chars": size,
                "seconds": round(seconds, 3),
                "seconds_per_mb": round(per_mb, 3),
            }
            rows.append(row | {"sentences": count, "cut": cut})
            print(f"{kind:<14}{size:>11,}{seconds:>10.3f}{per_mb:>10.3f}{count:>11,}{cut:>8,}")

    result: dict = {"cpu": cpu_name(), "cores": os.cpu_count(), "rows": rows}
    if args.predict:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "unpunctuated.txt"
            path.write_text(unpunctuated(5_000_000, random.Random(13)) + "\n", encoding="utf-8")
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "framing", "predict", str(path), "--model", "fast", "-q", "-o",
                 str(Path(tmp) / "out.jsonl")],
                capture_output=True, text=True,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            lines = (
                sum(1 for _ in open(Path(tmp) / "out.jsonl", encoding="utf-8")) if done.returncode == 0 else 0
            )
        result["predict_5mb_unpunctuated"] = {
            "exit": done.returncode,
            "seconds": round(seconds, 1),
            "records": lines,
        }
        print(f"\nframing predict --model fast, 5 MB unpunctuated .txt: exit {done.returncode}, "
              f"{seconds:.1f} s end to end, {lines:,} records")  # fmt: skip
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
