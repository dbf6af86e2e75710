"""How long `framing predict` takes on one article, against `python -c "import torch"`.

    python benchmarks/startup.py                  # both models, 5 runs each, about 2 minutes
    python benchmarks/startup.py --runs 3 --model fast

A user who labels one article pays for the process: interpreter, imports, model load,
splitting, prediction and writing. The yardstick is the time Python needs just to import
torch on the same machine in the same run, since nothing that uses torch can start faster.
Printed: the median wall time of each (runs alternate, so drift hits both alike), their
ratio, the model-load time measured in process, and which heavy packages the predict path
imports (``python -X importtime``), with the module that pulled each one in. Writes the figures
as JSON (``--json``, default benchmarks/startup.json).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from framing.encoder import cpu_has_fast_bf16, cpu_name

REPO = Path(__file__).resolve().parent.parent
ARTICLE = sorted((REPO / "seeds").glob("*.txt"))[0]
HEAVY = ("datasets", "sklearn", "scipy", "matplotlib", "pandas", "pyarrow", "evaluate")
ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def wall(argv: list[str]) -> float:
    """Seconds of one child process."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
    return seconds


def load_seconds(model: str) -> float:
    code = (
        "import time, framing.model as m; t = time.perf_counter(); "
        f"m.load_model({model!r}); print(time.perf_counter() - t)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, check=True)
    return float(done.stdout.strip().splitlines()[-1])


def heavy_imports(model: str) -> dict[str, str]:
    """Heavy packages imported by `framing predict`, each with the import that first pulled it in."""
    done = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "framing",
            "predict",
            str(ARTICLE),
            "--model",
            model,
            "-q",
        ],
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    found: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+\d+ \|( *)(\S+)$", line)
        if not match:
            continue
        depth, name = len(match.group(1)) // 2, match.group(2)
        # importtime prints children before their parent: remember the line, find the parent later
        stack.append((depth, name))
    for i, (depth, name) in enumerate(stack):
        top = name.split(".")[0]
        if top in HEAVY and top not in found:
            parent = next((n for d, n in stack[i + 1 :] if d < depth and not n.startswith(top)), "?")
            found[top] = parent
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", choices=["fast", "default", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", default=str(Path(__file__).with_suffix(".json")))
    args = parser.parse_args(argv)
    models = ["fast", "default"] if args.model == "both" else [args.model]

    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores, native bf16: {cpu_has_fast_bf16()}")
    print(f"article: {ARTICLE.relative_to(REPO)}; {args.runs} alternating runs, median wall time\n")
    torch_cmd = [sys.executable, "-c", "import torch"]
    result: dict = {"cpu": cpu_name(), "cores": os.cpu_count(), "article": ARTICLE.name, "models": {}}
    for model in models:
        predict_cmd = [sys.executable, "-m", "framing", "predict", str(ARTICLE), "--model", model, "-q"]
        wall(predict_cmd)  # warm the page cache and any one-time assembly
        torch_times, predict_times = [], []
        for _ in range(args.runs):
            torch_times.append(wall(torch_cmd))
            predict_times.append(wall(predict_cmd))
        row = {
            "import_torch_s": round(statistics.median(torch_times), 2),
            "framing_predict_s": round(statistics.median(predict_times), 2),
            "ratio": round(statistics.median(predict_times) / statistics.median(torch_times), 2),
            "model_load_s": round(statistics.median(load_seconds(model) for _ in range(3)), 2),
            "heavy_imports": heavy_imports(model),
        }
        result["models"][model] = row
        print(
            f"{model:>8}: import torch {row['import_torch_s']:.2f} s, "
            f"framing predict {row['framing_predict_s']:.2f} s ({row['ratio']:.2f}x), "
            f"model load {row['model_load_s']:.2f} s"
        )
        heavy = ", ".join(f"{k} (via {v})" for k, v in row["heavy_imports"].items()) or "none"
        print(f"{'':>10}heavy packages on the predict path: {heavy}")
    Path(args.json).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
