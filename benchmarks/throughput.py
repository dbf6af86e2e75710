"""Batch prediction throughput of a shipped model against two reference loops.

The figures in docs/performance.md are for the ``fast`` model (MiniLM, the default here);
``--model default`` measures the MPNet model the same way.

    python benchmarks/throughput.py                  # the comparison at N=20,000 (about 14 minutes)
    python benchmarks/throughput.py --scaling        # framing predict at N=1k/10k/20k/200k (about 12 minutes)
    python benchmarks/throughput.py -n 2000 --json /tmp/t.json

Paths, all on the same deterministic input (N distinct corpus sentences, see ``make_input``,
so the natural mix of lengths), timed in one run:

* reference A: the straightforward loop: HF tokenizer + encoder in fp32, fixed batches
  of 32 in input order, mean pooling, then the model's heads;
* reference B: what a SetFit user gets: ``SentenceTransformer.encode(batch_size=32)`` in
  fp32 on the same encoder, then the heads (needs the ``bench`` extra);
* ``model.predict`` in process, and ``framing predict`` end to end on a JSONL file
  (process start, model load, reading and writing included).

Reported: sentences/s, ratio to each reference, peak memory (RSS above the process's level
before the path; for the CLI the child's peak RSS), and the share of labels identical to
reference A. The ceiling is the model's matrix-multiply FLOPs for the input (real token
counts, no padding) divided by the bf16 matmul rate this CPU reaches at the model's shapes.
Runs offline; writes the table as JSON (``--json``).
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
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from framing.encoder import cpu_has_fast_bf16, cpu_name  # noqa: E402
from framing.labels import FRAMES, STANCES  # noqa: E402
from framing.model import load_model  # noqa: E402


def make_input(n: int, seed: int = 20261122) -> list[str]:
    """``n`` distinct corpus sentences (all parts), shuffled; beyond the corpus's ~3,000 the
    sentences come round again with a round number appended (" [2]", " [3]", ...).

    Distinct, because framing encodes an exact duplicate only once: drawing with replacement
    from the 325 seed sentences (as earlier versions of this benchmark did) would time framing
    on a tenth of the work the reference loops do.
    """
    from framing.corpus import load_corpus

    corpus = load_corpus(REPO, parts=("seeds", "authored", "dev"))
    pool = list(dict.fromkeys(text for split in corpus.values() for text in split["text"]))
    rng = random.Random(seed)
    texts: list[str] = []
    for round_ in range(1, n // len(pool) + 2):
        batch = rng.sample(pool, len(pool))
        texts += batch if round_ == 1 else [f"{t} [{round_}]" for t in batch]
    return texts[:n]


class PeakRSS:
    """Peak resident memory of this process while the block runs, above its level at entry."""

    def __enter__(self):
        self.base = self.peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        return self

    def _watch(self):
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        self.mb = (self.peak - self.base) / 2**20

    @staticmethod
    def _rss() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def labels_from_embeddings(model, embeddings: torch.Tensor):
    stance, frames = model.probabilities(embeddings)
    return stance.argmax(1), frames >= np.array(model.config.frame_thresholds)


def reference_a(model, texts: list[str]) -> torch.Tensor:
    """HF tokenizer + encoder, fp32, batches of 32 in input order, mean pooling."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model.encoder.source)
    encoder = AutoModel.from_pretrained(model.encoder.source).eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(texts), 32):
            batch = tokenizer(
                texts[start : start + 32], padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(pooled, dim=-1))
    return torch.cat(out)


def reference_b(model, texts: list[str]) -> torch.Tensor:
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(model.encoder.source, device="cpu")
    return torch.from_numpy(st.encode(texts, batch_size=32, normalize_embeddings=True))


MODEL = "fast"
"""The shipped model measured (``--model``); the CLI path is given the same one."""


def run_cli(texts: list[str], workdir: Path, precision: str = "auto") -> tuple[float, float, list[dict]]:
    src, dst = workdir / "input.jsonl", workdir / "output.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"n": i, "text": text}, ensure_ascii=False) + "\n")
    code = (
        "import resource, subprocess, sys;"
        "cmd = [sys.executable, '-m', 'framing', 'predict', sys.argv[1], '-o', sys.argv[2], '--quiet',"
        " '--model', sys.argv[3], '--precision', sys.argv[4]];"
        "p = subprocess.run(cmd);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(p.returncode)"
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, str(src), str(dst), MODEL, precision],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    seconds = time.perf_counter() - start
    peak_mb = int(proc.stdout.strip().splitlines()[-1]) / 1024
    with dst.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return seconds, peak_mb, records


def step_ablation(model, texts: list[str], compile_step: bool = True) -> dict[str, dict]:
    """Sentences/s and label agreement with reference A for each optimisation step.

    Each step runs twice and the faster run counts (this shared VM is noisy); all steps use the
    shipped settings except what the step names. The steps run on the ``transformers`` model of
    the encoder (the attention implementations they compare are its own); ``framing predict``
    runs the same arithmetic in framing's light encoder (tests/test_light_encoder.py).
    """
    import copy

    from framing.encoder import SentenceEncoder

    enc = SentenceEncoder(model.encoder.base_model, model.encoder.max_length, backend="transformers")
    steps = {"reference A: HF loop, fp32, input order, batch 32": lambda: reference_a(model, texts)}
    for batch in (32, 64, 128):
        steps[f"one tokenizer call + length-sorted dynamic batches, fp32, batch {batch}"] = lambda b=batch: (
            enc.embed(texts, batch_size=b, precision="fp32", workers=1)
        )

    def autocast():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return enc.embed(texts, batch_size=64, precision="fp32", workers=1)

    steps["... + bf16 autocast over the fp32 weights, batch 64"] = autocast

    def sdpa():
        enc._bf16_transformer.set_attn_implementation("sdpa")
        try:
            return enc.embed(texts, batch_size=64, precision="bf16", workers=1)
        finally:
            enc._bf16_transformer.set_attn_implementation("eager")

    steps["... whole encoder in bf16 instead, fused SDPA attention, batch 64"] = sdpa
    steps["... whole encoder in bf16, eager attention, batch 64"] = lambda: enc.embed(
        texts, batch_size=64, precision="bf16", workers=1
    )
    threads = torch.get_num_threads()
    steps[f"... + {threads} batches at once, 1 thread each (framing predict's default), batch 64"] = lambda: (
        enc.embed(texts, batch_size=64, precision="bf16", workers=threads)
    )

    def padded_to(multiple):
        shipped = enc.pad_multiple
        enc.pad_multiple = multiple
        try:
            return enc.embed(texts, batch_size=64, precision="bf16")
        finally:
            enc.pad_multiple = shipped

    for multiple in (1, 8):
        steps[f"... widths padded to a multiple of {multiple} instead of {enc.pad_multiple}"] = (
            lambda m=multiple: padded_to(m)
        )

    def one_thread():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return enc.embed(texts, batch_size=64, precision="bf16")
        finally:
            torch.set_num_threads(threads)

    steps[f"... 1 thread in all instead of {threads}"] = one_thread
    quantized = copy.deepcopy(enc)
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao
        warnings.simplefilter("ignore")
        quantized.transformer = torch.ao.quantization.quantize_dynamic(
            quantized.transformer, {torch.nn.Linear}, dtype=torch.qint8
        )
    steps["dynamic int8 quantization of the Linear layers (fp32 elsewhere), batch 64"] = lambda: (
        quantized.embed(texts, batch_size=64, precision="fp32")
    )
    enc.embed(texts[:256])  # warm-up
    results, reference = {}, None
    for name, fn in steps.items():
        runs = [_timed(model, texts, fn) for _ in range(2)]
        rate, labels = max(runs, key=lambda run: run[0])
        reference = reference or labels
        results[name] = {"sentences_per_s": round(rate, 1), "same_labels_as_a": agreement(reference, labels)}
        same = results[name]["same_labels_as_a"]
        print(f"  {rate:7.1f}/s  stance {same['stance']:.3f}  {name}", flush=True)
    results |= paired_workers(enc, texts)
    if compile_step:
        name, row = compiled_step(model, enc, texts, reference)
        results[name] = row
    return results


def paired_workers(enc, texts: list[str], pairs: int = 4) -> dict[str, dict]:
    """Batches one at a time (2 threads each) against two at once (1 thread each), alternating.

    The gain is a few per cent, below this VM's run-to-run noise, so the two settings are
    timed in alternating pairs and the medians compared.
    """
    threads = torch.get_num_threads()
    rates: dict[int, list[float]] = {1: [], threads: []}
    for pair in range(pairs):
        for workers in (1, threads) if pair % 2 == 0 else (threads, 1):
            start = time.perf_counter()
            enc.embed(texts, batch_size=64, precision="bf16", workers=workers)
            rates[workers].append(len(texts) / (time.perf_counter() - start))
    out = {}
    threads = torch.get_num_threads()
    for workers, label in (
        (1, f"1 batch at a time on {threads} threads"),
        (threads, f"{threads} batches at once, 1 thread each"),
    ):
        name = f"paired: {label}, batch 64, median of {pairs} alternating runs"
        out[name] = {
            "sentences_per_s": round(float(np.median(rates[workers])), 1),
            "runs": [round(r, 1) for r in rates[workers]],
        }
        print(f"  {out[name]['sentences_per_s']:7.1f}/s  {name}", flush=True)
    gain = float(np.median(np.array(rates[threads]) / np.array(rates[1])) - 1)
    print(f"  median paired gain of {threads} batches at once: {gain:+.1%}", flush=True)
    out[f"paired: median gain of {threads} batches at once"] = {"gain": round(gain, 3)}
    return out


def _timed(model, texts, fn):
    start = time.perf_counter()
    embeddings = fn()
    return len(texts) / (time.perf_counter() - start), labels_from_embeddings(model, embeddings)


def compiled_step(model, enc, texts: list[str], reference) -> tuple[str, dict]:
    """torch.compile (inductor, weights frozen as constants) of the bf16 encoder: speed and its cost."""
    import torch._inductor.config as inductor_config

    eager = enc._bf16_transformer
    freezing = inductor_config.freezing
    inductor_config.freezing = True
    try:
        start = time.perf_counter()
        enc.__dict__["_bf16_copy"] = torch.compile(eager, dynamic=True)
        enc.embed(texts[:256], precision="bf16", workers=1)  # compiles
        compile_s = time.perf_counter() - start
        rate, labels = max(
            (_timed(model, texts, lambda: enc.embed(texts, precision="bf16", workers=1)) for _ in range(2)),
            key=lambda run: run[0],
        )
    finally:
        enc.__dict__["_bf16_copy"] = eager
        inductor_config.freezing = freezing
    name = (
        "torch.compile of the bf16 encoder (inductor, frozen weights), 1 batch at a time, batch 64; "
        f"compiling took {compile_s:.0f} s"
    )
    row = {
        "sentences_per_s": round(rate, 1),
        "same_labels_as_a": agreement(reference, labels),
        "compile_seconds": round(compile_s, 1),
    }
    print(f"  {rate:7.1f}/s  stance {row['same_labels_as_a']['stance']:.3f}  {name}", flush=True)
    return name, row


def io_only(texts: list[str], workdir: Path) -> float:
    """Seconds to read, parse, pass through and write the records with a no-op model."""
    from framing.predict_io import iter_records, make_writer, open_output, predict_stream
    from framing.results import Prediction

    class NullModel:
        def predict(self, batch, batch_size=32):
            return [Prediction.empty(t) for t in batch]

    src, dst = workdir / "io.jsonl", workdir / "io-out.jsonl"
    with src.open("w", encoding="utf-8") as f:
        for i, text in enumerate(texts):
            f.write(json.dumps({"n": i, "text": text}, ensure_ascii=False) + "\n")
    start = time.perf_counter()
    with open_output(str(dst)) as stream:
        writer = make_writer("jsonl", stream)
        for record, prediction in predict_stream(iter_records([str(src)], "text"), NullModel()):
            writer.write(record.fields, prediction)
    return time.perf_counter() - start


def padding_overhead(token_counts: list[int], multiple: int, batch: int = 64, chunk: int = 2048) -> float:
    """Extra token positions from padding, as a fraction of real tokens, for length-sorted batches
    inside chunks of ``chunk`` records (as ``framing predict`` forms them)."""
    real = padded = 0
    for start in range(0, len(token_counts), chunk):
        lengths = sorted(token_counts[start : start + chunk])
        for b in range(0, len(lengths), batch):
            rows = lengths[b : b + batch]
            real += sum(rows)
            padded += len(rows) * -(-max(rows) // multiple) * multiple
    return padded / real - 1


def matmul_flops(token_counts: list[int], layers: int, dim: int, ffn: int) -> float:
    """Multiply-add FLOPs of the encoder's matrix products for unpadded sequences."""
    t = np.asarray(token_counts, dtype=np.float64)
    per_layer = 2 * t * (4 * dim * dim + 2 * dim * ffn) + 2 * 2 * t * t * dim
    return float(layers * per_layer.sum())


def bf16_matmul_rate(
    dim: int, ffn: int, repeat: int = 20, trials: int = 5, dtype: torch.dtype = torch.bfloat16
) -> float:
    """Best FLOP/s of matmuls (bf16 by default) at the model's four projection shapes.

    Token counts of 2,048-8,192 rows cover batches of 64-256 sentences of ~32 tokens; the best
    trial is kept, so the ceiling is an upper bound and not depressed by a noisy moment.
    """
    best = 0.0
    with torch.inference_mode():
        for tokens in (2048, 4096, 8192):
            x = torch.randn(tokens, dim, dtype=dtype)
            h = torch.randn(tokens, ffn, dtype=dtype)
            w_in, w_qkv, w_out = (torch.randn(dim, s, dtype=dtype) for s in (ffn, 3 * dim, dim))
            w_down = torch.randn(ffn, dim, dtype=dtype)
            flops = 2 * tokens * (dim * ffn + dim * 3 * dim + dim * dim + ffn * dim) * repeat
            for _ in range(trials):
                start = time.perf_counter()
                for _ in range(repeat):
                    x @ w_in, x @ w_qkv, x @ w_out, h @ w_down
                best = max(best, flops / (time.perf_counter() - start))
    return best


def agreement(ref, other) -> dict[str, float]:
    (ref_s, ref_f), (s, f) = ref, other
    out = {"stance": float(np.mean(ref_s == s))}
    out |= {name: float(np.mean(ref_f[:, j] == f[:, j])) for j, name in enumerate(FRAMES)}
    return out


def labels_from_records(records: list[dict]):
    stance = np.array([STANCES.index(r["stance"]) for r in records])
    frames = np.array([[name in r["frames"] for name in FRAMES] for r in records])
    return stance, frames


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=20_000, help="sentences in the main comparison")
    parser.add_argument("--no-reference-b", action="store_true", help="skip SentenceTransformer")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="instead: time `framing predict` at N = 1,000 to 200,000 (speed and peak memory)",
    )
    parser.add_argument("--steps-n", type=int, default=2_000, help="sentences for the step-by-step table")
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile step (~1 minute)")
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "throughput.json"))
    parser.add_argument("--markdown", help="also write the tables as markdown to this file")
    parser.add_argument("--model", default=MODEL, help="shipped model to measure (default: %(default)s)")
    parser.add_argument(
        "--precision",
        choices=("auto", "fp32"),
        default="auto",
        help="framing's arithmetic: fp32 measures what a CPU without native bf16 runs (default: auto)",
    )
    parser.add_argument("--no-steps", action="store_true", help="skip the step-by-step table")
    args = parser.parse_args()
    globals()["MODEL"] = args.model
    if args.scaling:
        return scaling_runs(args)

    started = time.perf_counter()
    texts = make_input(args.n)
    model = load_model(MODEL)
    model.encoder.precision = args.precision
    cfg = model.encoder.transformer.config
    tokens = model.encoder.token_lengths(texts)
    tokens = [min(t, model.encoder.max_length) for t in tokens]
    flops = matmul_flops(tokens, cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size)
    bf16 = model.encoder.use_bf16()
    dtype = torch.bfloat16 if bf16 else torch.float32
    rate = bf16_matmul_rate(cfg.hidden_size, cfg.intermediate_size, dtype=dtype)
    ceiling = args.n / (flops / rate)
    rows: dict[str, dict] = {}

    def record(name, seconds, peak_mb, labels):
        rows[name] = {"seconds": round(seconds, 2), "sentences_per_s": round(args.n / seconds, 1)}
        rows[name]["peak_mb"] = round(peak_mb, 1)
        rows[name]["labels"] = labels
        print(f"{name:<28} {args.n / seconds:8.1f} sentences/s  peak +{peak_mb:7.1f} MB", flush=True)

    paths = [("reference A (HF loop fp32)", reference_a)]
    if not args.no_reference_b:
        paths.append(("reference B (SentenceTransformer)", reference_b))
    for name, fn in paths:
        with PeakRSS() as mem:
            start = time.perf_counter()
            labels = labels_from_embeddings(model, fn(model, texts))
            seconds = time.perf_counter() - start
        record(name, seconds, mem.mb, labels)
    with PeakRSS() as mem:
        start = time.perf_counter()
        predictions = model.predict(texts)
        seconds = time.perf_counter() - start
    record("model.predict", seconds, mem.mb, labels_from_records([p.to_dict() for p in predictions]))
    with tempfile.TemporaryDirectory() as tmp:
        seconds, peak_mb, records = run_cli(texts, Path(tmp), args.precision)
    record("framing predict (CLI)", seconds, peak_mb, labels_from_records(records))

    ref_a = rows["reference A (HF loop fp32)"]
    ref_b = rows.get("reference B (SentenceTransformer)")
    table = {}
    for name, row in rows.items():
        table[name] = {k: row[k] for k in ("seconds", "sentences_per_s", "peak_mb")}
        table[name]["x_reference_a"] = round(row["sentences_per_s"] / ref_a["sentences_per_s"], 2)
        if ref_b:
            table[name]["x_reference_b"] = round(row["sentences_per_s"] / ref_b["sentences_per_s"], 2)
        table[name]["share_of_ceiling"] = round(row["sentences_per_s"] / ceiling, 3)
        table[name]["same_labels_as_a"] = agreement(ref_a["labels"], row["labels"])

    with tempfile.TemporaryDirectory() as tmp:
        io_seconds = io_only(texts, Path(tmp))
    print(f"reading + writing {args.n:,} records without a model: {io_seconds:.2f}s", flush=True)
    steps = {}
    if not args.no_steps:
        print(f"step by step on {args.steps_n:,} sentences:", flush=True)
        steps = step_ablation(model, make_input(args.steps_n, seed=7), not args.no_compile)

    result = {
        "machine": {
            "cpu": cpu_name(),
            "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "torch": torch.__version__,
        },
        "command": "python benchmarks/throughput.py " + " ".join(sys.argv[1:]),
        "n": args.n,
        "mean_tokens": round(float(np.mean(tokens)), 1),
        "precision": "bf16" if bf16 else "fp32",
        "native_bf16": cpu_has_fast_bf16(),
        "matmul_gflops": round(rate / 1e9, 1),
        "ceiling_sentences_per_s": round(ceiling, 1),
        "paths": table,
        "padding_overhead_by_multiple": {m: round(padding_overhead(tokens, m), 3) for m in (1, 4, 8)},
        "io_only_seconds": round(io_seconds, 2),
        "steps_n": args.steps_n,
        "steps": steps,
        "benchmark_seconds": round(time.perf_counter() - started, 1),
    }
    Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
    markdown = render_markdown(result)
    print(markdown)
    if args.markdown:
        Path(args.markdown).write_text(markdown)


def render_markdown(result: dict) -> str:
    m = result["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, torch {m['torch']} ({m['torch_threads']} threads), "
        f"Python {m['python']}. Command: `{result['command']}`.",
        "",
        f"Input: {result['n']:,} distinct corpus sentences "
        f"(mean {result['mean_tokens']} tokens). "
        f"Ceiling: {result['ceiling_sentences_per_s']:,} sentences/s (matmul FLOPs at "
        f"{result.get('matmul_gflops', result.get('bf16_matmul_gflops'))} GFLOP/s, the "
        f"{result.get('precision', 'bf16')} rate measured at the model's shapes; CPU with native bf16: "
        f"{result.get('native_bf16', 'n/a')}).",
        "",
        "| path | sentences/s | × ref A | × ref B | share of ceiling | peak memory MB | same stance as A "
        "| same frames as A (sidelining / stalling / win-loss) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in result["paths"].items():
        same = row["same_labels_as_a"]
        lines.append(
            f"| {name} | {row['sentences_per_s']:,} | {row['x_reference_a']} "
            f"| {row.get('x_reference_b', 'n/a')} "
            f"| {row['share_of_ceiling']:.0%} | {row['peak_mb']:,} | {same['stance']:.2%} "
            f"| {same['sidelining']:.2%} / {same['stalling']:.2%} / {same['win-loss']:.2%} |"
        )
    lines += [
        "",
        "Peak memory: RSS growth during the path for in-process paths; for the CLI, the child process's "
        "peak RSS (interpreter, torch and model included).",
        "",
        f"Reading, parsing and writing the {result['n']:,} records with a no-op model: "
        f"{result['io_only_seconds']} s.",
        "",
        "Padding of length-sorted batches of 64 within chunks of 2,048, as extra token positions over "
        "real tokens, by the multiple widths are rounded up to: "
        + ", ".join(f"{m}: {v:.1%}" for m, v in result["padding_overhead_by_multiple"].items())
        + ".",
        "",
        f"Step by step ({result['steps_n']:,} sentences, in process, encoder + heads):",
        "",
        "| step | sentences/s | same stance as A |",
        "|---|---|---|",
    ]
    for name, row in result["steps"].items():
        if "gain" in row:
            lines.append(f"| {name} | {row['gain']:+.1%} | |")
            continue
        same = row.get("same_labels_as_a")
        same = f"{same['stance']:.2%}" if same else "same embeddings to float rounding (tested)"
        lines.append(f"| {name} | {row['sentences_per_s']:,} | {same} |")
    lines += ["", f"The whole benchmark took {result['benchmark_seconds'] / 60:.1f} minutes."]
    return "\n".join(lines) + "\n"


def scaling_runs(args) -> None:
    """``framing predict`` end to end at growing N: sentences/s and the child's peak RSS."""
    rows = {}
    for n in (1_000, 10_000, 20_000, 200_000):
        with tempfile.TemporaryDirectory() as tmp:
            seconds, peak_mb, records = run_cli(make_input(n, seed=n), Path(tmp))
        assert len(records) == n
        rows[n] = {
            "seconds": round(seconds, 1),
            "sentences_per_s": round(n / seconds, 1),
            "peak_mb": round(peak_mb),
        }
        print(
            f"framing predict N={n:>7,}: {n / seconds:8.1f} sentences/s, peak RSS {peak_mb:.0f} MB",
            flush=True,
        )
    lines = [
        f"Command: `python benchmarks/throughput.py --scaling` on {cpu_name()}, {os.cpu_count()} cores.",
        "",
        "| N | seconds | sentences/s | peak RSS MB |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {n:,} | {r['seconds']} | {r['sentences_per_s']:,} | {r['peak_mb']:,} |" for n, r in rows.items()
    ]
    lines += [
        "",
        f"Peak memory at 200,000 minus at 10,000: {rows[200_000]['peak_mb'] - rows[10_000]['peak_mb']} MB.",
    ]
    markdown = "\n".join(lines) + "\n"
    print(markdown)
    out = (
        Path(args.json).with_name("scaling.json")
        if args.json.endswith("throughput.json")
        else Path(args.json)
    )
    out.write_text(json.dumps({str(n): r for n, r in rows.items()}, indent=1) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(markdown)


if __name__ == "__main__":
    main()
