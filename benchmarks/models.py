"""Speed of the shipped models side by side: load time and `model.predict` sentences/s.

    python benchmarks/models.py                 # both models on the dev sentences, 3 runs each
    python benchmarks/models.py --runs 5 --json benchmarks/models.json

Each model labels the 474 written dev sentences (real sentence lengths) with the library
defaults (bf16 where the CPU has native bf16, else fp32; one batch at a time), after one warm-up
call; the median of the runs is reported. Prints what it ran on: a CPU without native bf16 runs
both models in fp32 and more slowly.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from framing.corpus import load_written  # noqa: E402
from framing.encoder import cpu_has_fast_bf16, cpu_name  # noqa: E402
from framing.model import load_model  # noqa: E402
from framing.training_args import SHIPPED_MODELS  # noqa: E402


def measure(name: str, texts: list[str], runs: int) -> dict:
    start = time.perf_counter()
    model = load_model(name)
    load_seconds = time.perf_counter() - start
    model.predict(texts[:64])
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        model.predict(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return {
        "base_model": model.config.base_model,
        "load_seconds": round(load_seconds, 2),
        "sentences_per_second": round(statistics.median(rates), 1),
        "runs": [round(r, 1) for r in rates],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs per model (median reported)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    texts = [r["text"] for r in load_written("dev", REPO)]
    ran_on = f"{cpu_name()}, {torch.get_num_threads()} threads, native bf16: {cpu_has_fast_bf16()}"
    print(f"{len(texts)} dev sentences; {ran_on}")
    figures = {"cpu": ran_on, "sentences": len(texts), "models": {}}
    for name in SHIPPED_MODELS:
        figures["models"][name] = result = measure(name, texts, args.runs)
        print(
            f"{name:<8} {result['base_model']:<22} load {result['load_seconds']:5.1f} s  "
            f"{result['sentences_per_second']:7.1f} sentences/s (runs {result['runs']})",
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
