"""What the Dask path costs on one machine, and what Dask's malloc setting would cost torch.

    python benchmarks/scale_out.py                   # fast model, 6,000 texts, 3 runs; ~10 minutes
    python benchmarks/scale_out.py --model default --texts 2000 --runs 1

1. ``framing predict`` against ``framing predict --scheduler local:1`` and ``local:2`` on the same
   JSON Lines file (distinct texts, so the run's memo saves nothing), each a fresh process, runs
   alternating; printed: median wall seconds, texts per second, the overhead against one process,
   and whether each output is byte-identical to the one-process output. On a machine with as many
   cores as this one (2), a local cluster cannot be faster than one process that already uses
   every core: the figures are the price of the machinery, which a cluster of machines repays.
2. The malloc trap: one process predicting the same texts with ``MALLOC_TRIM_THRESHOLD_`` unset,
   set to Dask's 65536, and set but undone by :func:`framing.distributed.relax_malloc_trim`
   (what the worker plugin does), one thread each as a one-thread Dask worker has.

Writes ``benchmarks/scale_out.json``. Prints the CPU it ran on.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from framing.encoder import cpu_has_fast_bf16, cpu_name

REPO = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}
ENV.pop("MALLOC_TRIM_THRESHOLD_", None)
FRAMING = [sys.executable, "-m", "framing"]

TRAP_SCRIPT = """
import json, sys, time
mode, model_name, path = sys.argv[1:4]
if mode == "relaxed":
    from framing.distributed import relax_malloc_trim
    assert relax_malloc_trim()
import torch
torch.set_num_threads(1)
from framing.model import load_model
model = load_model(model_name)
model.progress = False
texts = [json.loads(line)["text"] for line in open(path)]
model.predict(texts[:64], batch_size=64)
start = time.perf_counter()
model.predict(texts[64:], batch_size=64)
print(time.perf_counter() - start)
"""


def texts(count: int) -> list[str]:
    """Distinct sentences: the written corpus, then variants of it with a numbered lead-in."""
    base = []
    for path in [*sorted(REPO.glob("data/authored/*.jsonl")), *sorted(REPO.glob("data/dev/*.jsonl"))]:
        base += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    out = list(base)
    round_ = 1
    while len(out) < count:
        out += [f"Update {round_}: {text}" for text in base]
        round_ += 1
    return out[:count]


def wall(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr[-3000:]}")
    return seconds


def cluster_overhead(model: str, source: Path, runs: int, work: Path) -> dict:
    variants = {"one process": [], "--scheduler local:1": ["--scheduler", "local:1"]}
    variants["--scheduler local:2"] = ["--scheduler", "local:2"]
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    outputs = {}
    for run in range(runs):
        for name, extra in variants.items():
            out = work / f"{len(outputs)}-{run}.jsonl"
            seconds[name].append(
                wall([*FRAMING, "predict", str(source), "--model", model, "-q", "-o", str(out), *extra], ENV)
            )
            outputs[name] = out.read_bytes()
            print(f"  run {run + 1}: {name}: {seconds[name][-1]:.1f} s", file=sys.stderr)
    count = len(source.read_text().splitlines())
    one = statistics.median(seconds["one process"])
    return {
        name: {
            "median_seconds": round(statistics.median(times), 2),
            "texts_per_second": round(count / statistics.median(times), 1),
            "overhead_vs_one_process": round(statistics.median(times) / one - 1, 3),
            "byte_identical": outputs[name] == outputs["one process"],
            "runs": [round(t, 2) for t in times],
        }
        for name, times in seconds.items()
    }


def malloc_trap(model: str, source: Path, runs: int) -> dict:
    modes = {
        "unset": {},
        "MALLOC_TRIM_THRESHOLD_=65536 (Dask's)": {"MALLOC_TRIM_THRESHOLD_": "65536"},
        "65536, relaxed by the worker plugin": {"MALLOC_TRIM_THRESHOLD_": "65536"},
    }
    seconds: dict[str, list[float]] = {name: [] for name in modes}
    for run in range(runs):
        for name, extra in modes.items():
            mode = "relaxed" if "relaxed" in name else "plain"
            argv = [sys.executable, "-c", TRAP_SCRIPT, mode, model, str(source)]
            done = subprocess.run(argv, env={**ENV, **extra}, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr[-3000:])
            seconds[name].append(float(done.stdout.strip().splitlines()[-1]))
            print(f"  run {run + 1}: {name}: {seconds[name][-1]:.1f} s", file=sys.stderr)
    unset = statistics.median(seconds["unset"])
    return {
        name: {
            "median_seconds": round(statistics.median(times), 2),
            "slowdown_vs_unset": round(statistics.median(times) / unset - 1, 3),
            "runs": [round(t, 2) for t in times],
        }
        for name, times in seconds.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="fast")
    parser.add_argument("--texts", type=int, default=6000)
    parser.add_argument("--trap-texts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "scale_out.json")
    args = parser.parse_args(argv)
    cores = len(os.sched_getaffinity(0))
    machine = {"cpu": cpu_name(), "cores": cores, "native_bf16": cpu_has_fast_bf16()}
    print(f"CPU: {machine['cpu']}, {cores} cores, native bf16: {machine['native_bf16']}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source = work / "in.jsonl"
        source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts(args.texts)))
        trap_source = work / "trap.jsonl"
        trap_source.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts(args.trap_texts)))
        print(f"1. {args.texts} texts, model {args.model}, {args.runs} runs each")
        overhead = cluster_overhead(args.model, source, args.runs, work)
        for name, row in overhead.items():
            print(
                f"   {name:22} {row['median_seconds']:7.1f} s  {row['texts_per_second']:6.1f} texts/s  "
                f"overhead {row['overhead_vs_one_process']:+.1%}  byte-identical: {row['byte_identical']}"
            )
        print(f"2. malloc trap: {args.trap_texts} texts, one thread, model {args.model}, fp32/bf16 as auto")
        trap = malloc_trap(args.model, trap_source, args.runs)
        for name, row in trap.items():
            print(f"   {name:38} {row['median_seconds']:6.1f} s  {row['slowdown_vs_unset']:+.1%}")
    result = {"machine": machine, "model": args.model, "texts": args.texts, "runs": args.runs}
    result |= {"cluster_overhead": overhead, "malloc_trap": trap, "trap_texts": args.trap_texts}
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
