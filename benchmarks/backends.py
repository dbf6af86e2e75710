"""Portable inference backends (ONNX Runtime, OpenVINO) against framing's PyTorch path.

    python benchmarks/backends.py                       # both models, N=2,000, 3 rounds
    python benchmarks/backends.py --model fast -n 500 --rounds 3 --json /tmp/b.json --markdown /tmp/b.md
    HF_HUB_OFFLINE=1 python benchmarks/backends.py --help

The question: should framing adopt ONNX Runtime or OpenVINO as an optional backend? The rule:
a backend is adopted only where the stance labels AND the frame labels (all three frames of a
sentence identical) agree with the fp32 torch path on >= 99.5% of sentences and it is >= 1.3x as
fast as the torch path framing runs today (``precision="auto"``); otherwise torch stays the
default. The speed against torch fp32 is reported as well, because on CPUs without native bf16
framing runs fp32 (that second verdict is only indicative: it is measured on this CPU).

Paths, per encoder (``fast`` = framing-minilm on all-MiniLM-L6-v2, ``default`` = framing-mpnet
on all-mpnet-base-v2):

1. torch fp32: ``SentenceEncoder.embed_with_truncation(precision="fp32")``, the agreement
   reference;
2. torch auto: the same with ``precision="auto"`` (the whole encoder in bf16, eager attention,
   where the CPU has native bf16; fp32 elsewhere): the speed reference for the 1.3x rule;
3. ONNX Runtime fp32: the HF encoder with framing's mean pooling and L2 normalisation inside the
   graph, exported with ``torch.onnx.export`` (dynamo exporter, opset 18, dynamic batch and
   sequence axes), session with ``ORT_ENABLE_ALL`` graph optimisation;
4. ONNX Runtime int8: that graph after ``quant_pre_process`` (ONNX shape inference and ORT
   optimisation; symbolic shape inference skipped, it fails on the position-id slice), quantised
   with ``quantize_static`` in the QDQ format: MinMax calibration on separate corpus sentences,
   the MatMuls with constant weights (every Linear layer of the encoder; the attention score
   products stay fp32), uint8 asymmetric activations, int8 symmetric per-channel weights (the
   setting ORT recommends for x86 with VNNI). ``--int8-skip-ffn-down`` keeps the feed-forward
   down projections in fp32 (their GELU inputs have the widest ranges);
5. OpenVINO fp32: the same ONNX file read by ``openvino.convert_model``, compiled for CPU with
   ``INFERENCE_PRECISION_HINT=f32`` (OpenVINO would otherwise run bf16 on a CPU with native bf16)
   and ``PERFORMANCE_HINT=LATENCY`` (one stream, all threads on one request).

All paths see the same sentences in the same batches: framing's own batching, one tokenizer call
(``encode_ids``), texts sorted by token count, batches of 64, each padded to its longest text
rounded up to a multiple of 4 (``SentenceEncoder._pad``), one batch at a time. The torch paths go
through ``embed_with_truncation(workers=1)`` (the library default); ONNX Runtime and OpenVINO get
the same padded batches as int64 arrays, one ``run``/``infer`` call per batch. Every timed pass
is text to labels: tokenisation, padding, encoder, pooling, the model's heads and thresholds.
torch, ONNX Runtime and OpenVINO are all given ``os.cpu_count()`` threads.

Timing: this is a shared VM where other processes may run, so the paths are interleaved: every
path is warmed up once (untimed, on every 8th input sentence, so all lengths), then timed in
``--rounds`` rounds over the whole input with the path order rotated each round; the median
sentences/s per path is reported, with every round's figure in the output. The first round's
embeddings are the ones compared with torch fp32.

Agreement: the share of sentences whose stance (argmax of the calibrated softmax) is identical
to torch fp32's, the share whose frame decision (sigmoid >= the model's threshold) is identical,
for each frame and for all three at once, and the largest absolute difference of any embedding
component from torch fp32's.

Ceiling: matrix-multiply FLOPs per sentence from the real (unpadded) token counts ``t``: per layer
``2*t*(4*d*d + 2*d*f)`` for the Q, K, V and output projections and the two feed-forward
projections (d = hidden size, f = feed-forward size; 2 FLOPs per multiply-add), plus
``2*2*t*t*d`` for the attention scores and the weighted sum of values; embeddings, LayerNorm,
softmax and the pooler are left out. This CPU's matmul rate is measured with ``torch.matmul`` at
the model's projection shapes (rows = 64 sentences x the mean padded width), best of 5 trials, for
fp32, bf16 (if native) and int8 (``torch._int_mm``); the ceiling in sentences/s is the rate over
the FLOPs per sentence (for int8: Linear FLOPs at the int8 rate, attention FLOPs at the fp32
rate). It is an upper bound for torch's kernels; ONNX Runtime (MLAS) and OpenVINO (oneDNN) bring
their own GEMMs, which may be faster or slower.

Export artefacts go to a temporary folder (``--workdir`` to keep them elsewhere), never into the
repository. Nothing is downloaded (run with ``HF_HUB_OFFLINE=1``). A path that cannot be set up
is printed as ``not measured: <reason>``. Needs ``pip install onnx onnxruntime onnxscript
openvino``. On the project's 2-core VM the defaults took 23 minutes (MiniLM 2.5, MPNet 16-20;
``--model default`` alone 16 minutes), longer when other processes compete for the cores.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.metadata
import io
import json
import logging
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from framing.corpus import load_corpus  # noqa: E402
from framing.encoder import SentenceEncoder, cpu_has_fast_bf16, cpu_name  # noqa: E402
from framing.labels import FRAMES  # noqa: E402
from framing.model import FramingClassifier, load_model  # noqa: E402

SEED = 20261130
BATCH = 64
MIN_AGREEMENT = 0.995
MIN_SPEEDUP = 1.3
OPSET = 18
CPU_FLAGS = {
    "AVX2": "avx2",
    "AVX-512F": "avx512f",
    "AVX512-BF16": "avx512_bf16",
    "AMX-BF16": "amx_bf16",
    "AMX-TILE": "amx_tile",
    "AVX512-VNNI": "avx512_vnni",
    "AVX-VNNI": "avx_vnni",
}
PACKAGES = ("torch", "transformers", "tokenizers", "numpy", "onnx", "onnxscript", "onnxruntime", "openvino")
BATCHING = (
    f"framing's batching: one encode_ids call, texts sorted by token count, batches of {BATCH}, "
    "each padded to its longest text rounded up to a multiple of 4 (SentenceEncoder._pad), "
    "one batch at a time"
)


# ---------------------------------------------------------------------------------------------- machine
def cpu_capabilities() -> dict[str, bool]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = set(next((line for line in f if line.startswith("flags")), "").split())
    except OSError:
        flags = set()
    return {name: flag in flags for name, flag in CPU_FLAGS.items()}


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            found[package] = "not installed"
    return found


# ---------------------------------------------------------------------------------------------- input
def load_sentences(n: int, calibration: int, seed: int) -> tuple[list[str], list[str], str]:
    """Timed sentences and calibration sentences from the corpus, disjoint, in a fixed random order."""
    corpus = load_corpus(parts=("seeds", "authored", "dev"))
    unique = list(dict.fromkeys(text for split in corpus.values() for text in split["text"]))
    rng = random.Random(seed)
    rng.shuffle(unique)
    calib, pool = unique[:calibration], unique[calibration:]
    if n <= len(pool):
        how = f"{n:,} of the {len(pool):,} remaining unique sentences, without replacement"
        return pool[:n], calib, how
    how = f"{n:,} drawn with replacement from the {len(pool):,} remaining unique sentences"
    return rng.choices(pool, k=n), calib, how


def padded_batches(encoder: SentenceEncoder, texts: list[str]) -> Iterator[tuple[list[int], dict]]:
    """framing's batches (as in ``embed_with_truncation``) as int64 numpy arrays, with their rows."""
    ids, _ = encoder.encode_ids(texts)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for start in range(0, len(order), BATCH):
        rows = order[start : start + BATCH]
        batch = encoder._pad([ids[i] for i in rows])
        yield rows, {name: tensor.numpy() for name, tensor in batch.items()}


def embed_batched(encoder: SentenceEncoder, texts: list[str], infer: Callable[[dict], np.ndarray]):
    out = np.empty((len(texts), encoder.dim), dtype=np.float32)
    for rows, inputs in padded_batches(encoder, texts):
        out[rows] = infer(inputs)
    return torch.from_numpy(out)


def labels(model: FramingClassifier, embeddings: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    stance, frames = model.probabilities(embeddings)
    return stance.argmax(1), frames >= np.asarray(model.config.frame_thresholds)


# ---------------------------------------------------------------------------------------------- paths
@dataclass
class Backend:
    key: str
    name: str
    precision: str  # which ceiling applies: fp32, bf16 or int8
    batching: str
    embed: Callable[[list[str]], torch.Tensor] | None = None
    not_measured: str | None = None
    setup_seconds: float = 0.0
    settings: dict = field(default_factory=dict)


def torch_backend(model: FramingClassifier, precision: str, threads: int) -> Backend:
    encoder = model.encoder
    bf16 = encoder.use_bf16(precision)
    return Backend(
        key=f"torch-{precision}",
        name=f"torch {precision}" + (" (bf16 here)" if precision == "auto" and bf16 else ""),
        precision="bf16" if bf16 else "fp32",
        batching=f"{BATCHING}; SentenceEncoder.embed_with_truncation(precision={precision!r}, workers=1)",
        embed=lambda texts: encoder.embed_with_truncation(texts, BATCH, precision=precision, workers=1)[0],
        settings={"torch_threads": threads, "runs_in": "bf16, eager attention" if bf16 else "fp32"},
    )


class _Pooled(torch.nn.Module):
    """The encoder with framing's own mean pooling and L2 normalisation, for export."""

    def __init__(self, encoder: SentenceEncoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids, attention_mask)


def export_onnx(encoder: SentenceEncoder, folder: Path) -> Path:
    """The fp32 encoder + pooling as ONNX (dynamo exporter), batch and sequence axes dynamic."""
    target = folder / "encoder.onnx"
    example = encoder._pad(
        encoder.encode_ids(["A short one.", "A somewhat longer example sentence here."])[0]
    )
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("seq")
    axes = {0: batch, 1: seq}
    # the exporter logs that torchvision's operators are skipped: noise here
    logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Pooled(encoder).eval(),
            (example["input_ids"], example["attention_mask"]),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],  # "embedding" clashes with a node of the graph
            opset_version=OPSET,
            dynamo=True,
            dynamic_shapes={"input_ids": axes, "attention_mask": axes},
            external_data=True,
        )
    return target


def ort_session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def ort_fp32_backend(encoder: SentenceEncoder, onnx_file: Path, threads: int) -> Backend:
    session = ort_session(onnx_file, threads)
    return Backend(
        key="ort-fp32",
        name="ONNX Runtime fp32",
        precision="fp32",
        batching=f"{BATCHING}; one InferenceSession.run per batch",
        embed=lambda texts: embed_batched(encoder, texts, lambda inputs: session.run(None, inputs)[0]),
        settings={
            "graph_optimization": "ORT_ENABLE_ALL",
            "intra_op_threads": threads,
            "inter_op_threads": 1,
            "opset": OPSET,
            "pooling": "inside the graph",
        },
    )


def quantize_int8(
    encoder: SentenceEncoder, onnx_file: Path, folder: Path, calibration: list[str], skip_ffn_down: bool
) -> tuple[Path, dict]:
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = (inputs for _, inputs in padded_batches(encoder, calibration))

        def get_next(self):
            return next(self.batches, None)

    settings = {"calibration_sentences": len(calibration), "calibration_batches": f"{BATCH}, length-sorted"}
    prepared = folder / "encoder-prepared.onnx"
    cwd = os.getcwd()
    os.chdir(folder)  # ORT's shape-inference helpers write temporary files into the working folder
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quant_pre_process(
                str(onnx_file), str(prepared), skip_symbolic_shape=True, save_as_external_data=True
            )
        settings["pre_process"] = "quant_pre_process (ONNX shape inference + ORT optimisation)"
    except Exception as err:  # the raw export quantizes too, a little less well fused
        prepared = onnx_file
        settings["pre_process"] = f"skipped, it failed: {type(err).__name__}: {err}"
    finally:
        os.chdir(cwd)
    exclude = []
    if skip_ffn_down:
        graph = onnx.load(str(prepared), load_external_data=False).graph
        exclude = [n.name for n in graph.node if n.op_type == "MatMul" and n.input[0].startswith("gelu")]
        settings["kept_in_fp32"] = f"{len(exclude)} feed-forward down projections"
    target = folder / "encoder-int8.onnx"
    quantize_static(
        str(prepared),
        str(target),
        Reader(),
        quant_format=QuantFormat.QDQ,
        op_types_to_quantize=["MatMul"],
        per_channel=True,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=exclude,
        use_external_data_format=True,
        extra_options={"MatMulConstBOnly": True},
    )
    settings |= {
        "format": "QDQ",
        "calibration": "MinMax",
        "quantized": "MatMul with constant weights (Linear layers)",
        "activations": "uint8 asymmetric",
        "weights": "int8 symmetric per channel",
    }
    return target, settings


def ort_int8_backend(
    encoder: SentenceEncoder,
    onnx_file: Path,
    folder: Path,
    calibration: list[str],
    threads: int,
    skip_ffn_down: bool,
) -> Backend:
    quantized, settings = quantize_int8(encoder, onnx_file, folder, calibration, skip_ffn_down)
    session = ort_session(quantized, threads)
    return Backend(
        key="ort-int8",
        name="ONNX Runtime int8 (static QDQ)",
        precision="int8",
        batching=f"{BATCHING}; one InferenceSession.run per batch",
        embed=lambda texts: embed_batched(encoder, texts, lambda inputs: session.run(None, inputs)[0]),
        settings=settings | {"graph_optimization": "ORT_ENABLE_ALL", "intra_op_threads": threads},
    )


def openvino_backend(encoder: SentenceEncoder, onnx_file: Path, threads: int) -> Backend:
    import openvino as ov

    core = ov.Core()
    compiled = core.compile_model(
        ov.convert_model(str(onnx_file)),
        "CPU",
        {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "f32", "PERFORMANCE_HINT": "LATENCY"},
    )
    request = compiled.create_infer_request()
    output = compiled.output(0)
    return Backend(
        key="openvino-fp32",
        name="OpenVINO fp32",
        precision="fp32",
        batching=f"{BATCHING}; one InferRequest.infer per batch",
        embed=lambda texts: embed_batched(encoder, texts, lambda inputs: request.infer(inputs)[output]),
        settings={
            "device": "CPU",
            "converted_from": "the ONNX export",
            "inference_precision": compiled.get_property("INFERENCE_PRECISION_HINT").get_type_name(),
            "inference_threads": int(compiled.get_property("INFERENCE_NUM_THREADS")),
            "streams": int(compiled.get_property("NUM_STREAMS")),
            "performance_hint": str(compiled.get_property("PERFORMANCE_HINT")),
        },
    )


def set_up(make: Callable[[], Backend], key: str, name: str) -> Backend:
    """Build one backend, timing its set-up; a failure becomes a ``not measured`` entry."""
    start = time.perf_counter()
    try:
        backend = make()
    except Exception as err:
        reason = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
        print(f"  {name}: not measured: {reason}", flush=True)
        return Backend(key=key, name=name, precision="fp32", batching=BATCHING, not_measured=reason)
    backend.setup_seconds = time.perf_counter() - start
    print(f"  {backend.name}: ready in {backend.setup_seconds:.1f} s", flush=True)
    return backend


# ---------------------------------------------------------------------------------------------- ceiling
def flops_per_sentence(token_counts: list[int], layers: int, dim: int, ffn: int) -> tuple[float, float]:
    """Mean matmul FLOPs per sentence: (Linear layers, attention products), see the docstring."""
    t = np.asarray(token_counts, dtype=np.float64)
    linear = layers * 2 * t * (4 * dim * dim + 2 * dim * ffn)
    attention = layers * 2 * 2 * t * t * dim
    return float(linear.mean()), float(attention.mean())


def matmul_rates(rows: int, dim: int, ffn: int, repeat: int = 10, trials: int = 5) -> dict[str, float]:
    """Best FLOP/s of torch matmuls at the encoder's projection shapes, per precision."""
    flops = 2 * rows * (4 * dim * dim + 2 * dim * ffn) * repeat
    kinds = {"fp32": (torch.float32, torch.matmul)}
    if cpu_has_fast_bf16():
        kinds["bf16"] = (torch.bfloat16, torch.matmul)
    kinds["int8"] = (torch.int8, torch._int_mm)
    rates = {}
    with torch.inference_mode():
        for kind, (dtype, mm) in kinds.items():

            def make(*shape, dtype=dtype):
                if dtype == torch.int8:
                    return torch.randint(-128, 128, shape, dtype=torch.int8)
                return torch.randn(*shape, dtype=dtype)

            try:
                x, h = make(rows, dim), make(rows, ffn)
                w_dd, w_in, w_down = make(dim, dim), make(dim, ffn), make(ffn, dim)
                best = 0.0
                for _ in range(trials):
                    start = time.perf_counter()
                    for _ in range(repeat):
                        for _ in range(4):
                            mm(x, w_dd)
                        mm(x, w_in)
                        mm(h, w_down)
                    best = max(best, flops / (time.perf_counter() - start))
                rates[kind] = best
            except (RuntimeError, NotImplementedError) as err:  # torch._int_mm missing on this build
                print(f"  {kind} matmul rate not measured: {err}", flush=True)
    return rates


def ceilings(rates: dict[str, float], linear: float, attention: float) -> dict[str, float]:
    """Sentences/s at the measured matmul rates: fp32, bf16, int8 (Linear int8, attention fp32)."""
    out = {kind: rate / (linear + attention) for kind, rate in rates.items() if kind != "int8"}
    if "int8" in rates and "fp32" in rates:
        out["int8"] = 1 / (linear / rates["int8"] + attention / rates["fp32"])
    return out


# ---------------------------------------------------------------------------------------------- measuring
def agreement(reference, other) -> dict[str, float]:
    (ref_stance, ref_frames), (stance, frames) = reference, other
    out = {"stance": float(np.mean(ref_stance == stance))}
    out |= {name: float(np.mean(ref_frames[:, j] == frames[:, j])) for j, name in enumerate(FRAMES)}
    out["all_frames"] = float(np.mean((ref_frames == frames).all(1)))
    out["stance_and_frames"] = float(np.mean((ref_stance == stance) & (ref_frames == frames).all(1)))
    return out


def verdicts(row: dict, key: str, bf16_default: bool) -> tuple[str, str]:
    """(verdict by the rule against torch auto, indicative verdict against torch fp32)."""
    if key == "torch-fp32":
        return "reference for agreement", "reference"
    if key == "torch-auto":
        return "reference for speed (framing's default)", "-" if bf16_default else "reference"
    same = row["agreement"]
    failures = [
        f"{what} {same[part]:.2%} < {MIN_AGREEMENT:.1%}"
        for what, part in (("stance", "stance"), ("frames", "all_frames"))
        if same[part] < MIN_AGREEMENT
    ]

    def verdict(ratio: float, against: str) -> str:
        slow = [f"{ratio:.2f}x < {MIN_SPEEDUP}x vs {against}"] if ratio < MIN_SPEEDUP else []
        return "adopt" if not failures and not slow else "reject: " + "; ".join(failures + slow)

    return verdict(row["x_torch_auto"], "torch auto"), verdict(row["x_torch_fp32"], "torch fp32")


def time_rounds(model, backends: list[Backend], texts: list[str], rounds: int):
    """Sentences/s per round for every backend, path order rotated each round; round 1's embeddings."""
    rates: dict[str, list[float]] = {b.key: [] for b in backends}
    embeddings: dict[str, torch.Tensor] = {}
    for r in range(rounds):
        order = backends[r % len(backends) :] + backends[: r % len(backends)]
        for backend in order:
            gc.collect()
            start = time.perf_counter()
            embedded = backend.embed(texts)
            labels(model, embedded)
            rates[backend.key].append(len(texts) / (time.perf_counter() - start))
            embeddings.setdefault(backend.key, embedded)
        summary = ", ".join(f"{b.key} {rates[b.key][-1]:.1f}" for b in order)
        print(f"  round {r + 1}/{rounds} (sentences/s): {summary}", flush=True)
    return rates, embeddings


def set_up_backends(model: FramingClassifier, folder: Path, calibration: list[str], args) -> list[Backend]:
    """The five paths; the three portable ones share one ONNX export."""
    threads = torch.get_num_threads()
    encoder = model.encoder
    backends = [torch_backend(model, "fp32", threads), torch_backend(model, "auto", threads)]
    try:
        begin = time.perf_counter()
        onnx_file = export_onnx(encoder, folder)
        print(
            f"  ONNX export (opset {OPSET}, dynamo exporter): {time.perf_counter() - begin:.1f} s", flush=True
        )
    except Exception as err:
        onnx_file, export_error = None, f"ONNX export failed: {type(err).__name__}: {str(err).strip()[:300]}"
        print(f"  {export_error}", flush=True)
    portable = {
        "ort-fp32": ("ONNX Runtime fp32", lambda: ort_fp32_backend(encoder, onnx_file, threads)),
        "ort-int8": (
            "ONNX Runtime int8 (static QDQ)",
            lambda: ort_int8_backend(
                encoder, onnx_file, folder, calibration, threads, args.int8_skip_ffn_down
            ),
        ),
        "openvino-fp32": ("OpenVINO fp32", lambda: openvino_backend(encoder, onnx_file, threads)),
    }
    for key, (name, make) in portable.items():
        if onnx_file is None:
            print(f"  {name}: not measured: {export_error}", flush=True)
            backends.append(
                Backend(key=key, name=name, precision="fp32", batching=BATCHING, not_measured=export_error)
            )
        else:
            backends.append(set_up(make, key, name))
    return backends


def warm_up(backends: list[Backend], texts: list[str]) -> None:
    """One untimed pass per path over every 8th input sentence (all lengths); a failure drops the path."""
    sample = texts[::8]
    for backend in backends:
        if backend.embed is None:
            continue
        begin = time.perf_counter()
        try:
            backend.embed(sample)
        except Exception as err:
            backend.not_measured = f"failed on the input: {type(err).__name__}: {str(err).strip()[:300]}"
            backend.embed = None
            print(f"  {backend.name}: not measured: {backend.not_measured}", flush=True)
            continue
        speed = len(sample) / (time.perf_counter() - begin)
        print(f"  warm-up {backend.key} ({len(sample)} sentences): {speed:.1f} sentences/s", flush=True)


def path_rows(model, backends, embeddings, rates, ceiling) -> dict[str, dict]:
    reference = labels(model, embeddings["torch-fp32"]) if "torch-fp32" in embeddings else None
    medians = {key: statistics.median(values) for key, values in rates.items()}
    table = {}
    for backend in backends:
        row = {"name": backend.name, "batching": backend.batching, "settings": backend.settings}
        table[backend.key] = row
        if backend.embed is None or reference is None:
            row["not_measured"] = backend.not_measured or "the torch fp32 reference failed"
            continue
        speed = medians[backend.key]
        share = speed / ceiling[backend.precision] if backend.precision in ceiling else None
        row |= {
            "sentences_per_s": round(speed, 1),
            "rounds_sentences_per_s": [round(v, 1) for v in rates[backend.key]],
            "x_torch_auto": round(speed / medians["torch-auto"], 3) if "torch-auto" in medians else None,
            "x_torch_fp32": round(speed / medians["torch-fp32"], 3),
            "precision_for_ceiling": backend.precision,
            "share_of_ceiling": None if share is None else round(share, 3),
            "agreement": agreement(reference, labels(model, embeddings[backend.key])),
            "max_abs_embedding_diff": float((embeddings[backend.key] - embeddings["torch-fp32"]).abs().max()),
            "setup_seconds": round(backend.setup_seconds, 1),
        }
        row["verdict"], row["verdict_vs_fp32"] = verdicts(row, backend.key, model.encoder.use_bf16("auto"))
    return table


def measure_model(name: str, texts: list[str], calibration: list[str], args, workdir: Path) -> dict:
    start = time.perf_counter()
    model = load_model(name)
    encoder = model.encoder
    cfg = encoder.transformer.config
    print(
        f"\n== {name}: {model.config.base_model} {encoder.base_version or ''} "
        f"({cfg.num_hidden_layers} layers, hidden {cfg.hidden_size}, ffn {cfg.intermediate_size}); "
        f"loaded in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    folder = workdir / name
    folder.mkdir(parents=True, exist_ok=True)
    backends = set_up_backends(model, folder, calibration, args)
    warm_up(backends, texts)
    rates, embeddings = time_rounds(model, [b for b in backends if b.embed is not None], texts, args.rounds)

    tokens = [len(ids) for ids in encoder.encode_ids(texts)[0]]
    widths = [inputs["input_ids"].shape[1] for _, inputs in padded_batches(encoder, texts)]
    rows = BATCH * round(statistics.mean(widths))
    linear, attention = flops_per_sentence(
        tokens, cfg.num_hidden_layers, cfg.hidden_size, cfg.intermediate_size
    )
    rate = matmul_rates(rows, cfg.hidden_size, cfg.intermediate_size)
    ceiling = ceilings(rate, linear, attention)
    result = {
        "model": name,
        "base_model": model.config.base_model,
        "base_model_version": encoder.base_version,
        "layers": cfg.num_hidden_layers,
        "hidden": cfg.hidden_size,
        "ffn": cfg.intermediate_size,
        "mean_tokens": round(statistics.mean(tokens), 2),
        "mean_padded_width": round(statistics.mean(widths), 2),
        "gflop_per_sentence": {"linear": round(linear / 1e9, 4), "attention": round(attention / 1e9, 4)},
        "matmul_rows": rows,
        "matmul_gflops": {kind: round(v / 1e9, 1) for kind, v in rate.items()},
        "ceiling_sentences_per_s": {kind: round(v, 1) for kind, v in ceiling.items()},
        "paths": path_rows(model, backends, embeddings, rates, ceiling),
        "seconds": round(time.perf_counter() - start, 1),
    }
    print_model(result)
    return result


# ---------------------------------------------------------------------------------------------- output
def fmt_share(value: float) -> str:
    """A share with two decimals, never rounded up to 100.00% unless it is exactly 1."""
    if value < 1 and value >= 0.99995:
        return ">99.99%"
    return f"{value:.2%}"


def rows_for(result: dict) -> list[list[str]]:
    rows = []
    for row in result["paths"].values():
        if "not_measured" in row:
            rows.append([row["name"], f"not measured: {row['not_measured']}"] + [""] * 10)
            continue
        same = row["agreement"]
        share = row["share_of_ceiling"]
        rows.append(
            [
                row["name"],
                f"{row['sentences_per_s']:.1f}",
                f"{row['x_torch_auto']:.2f}" if row["x_torch_auto"] is not None else "-",
                f"{row['x_torch_fp32']:.2f}",
                f"{share:.0%} of {row['precision_for_ceiling']}" if share is not None else "-",
                fmt_share(same["stance"]),
                " / ".join(fmt_share(same[f]) for f in FRAMES),
                fmt_share(same["all_frames"]),
                f"{row['max_abs_embedding_diff']:.2e}",
                row["verdict"],
                row["verdict_vs_fp32"],
                " ".join(f"{v:.1f}" for v in row["rounds_sentences_per_s"]),
            ]
        )
    return rows


HEADER = [
    "path",
    "sentences/s (median)",
    "x torch auto",
    "x torch fp32",
    "share of ceiling",
    "same stance",
    "same frame (" + " / ".join(FRAMES) + ")",
    "all 3 frames same",
    "max abs diff of embeddings",
    "verdict (rule, vs torch auto)",
    "indicative, vs torch fp32",
    "rounds",
]


def ceiling_line(result: dict) -> str:
    flops = result["gflop_per_sentence"]
    rates = ", ".join(f"{k} {v} GFLOP/s" for k, v in result["matmul_gflops"].items())
    ceil = ", ".join(f"{k} {v:,}" for k, v in result["ceiling_sentences_per_s"].items())
    return (
        f"mean {result['mean_tokens']} tokens/sentence (batches padded to {result['mean_padded_width']} on "
        f"average); {flops['linear'] + flops['attention']:.4f} GFLOP/sentence ({flops['linear']} Linear + "
        f"{flops['attention']} attention); torch matmul at {result['matmul_rows']} x {result['hidden']}: "
        f"{rates}; ceiling (sentences/s): {ceil}"
    )


def print_model(result: dict) -> None:
    print(f"\n{result['model']} ({result['base_model']}): {ceiling_line(result)}")
    for cells in rows_for(result):
        if cells[1].startswith("not measured"):
            print(f"  {cells[0]:<32} {cells[1]}")
            continue
        print(
            f"  {cells[0]:<32} {cells[1]:>7}/s  x auto {cells[2]:>5}  x fp32 {cells[3]:>5}  "
            f"ceiling {cells[4]:<12} stance {cells[5]:>7}  frames {cells[6]} (all {cells[7]})  "
            f"max|d| {cells[8]}\n"
            f"  {'':<32} verdict: {cells[9]}  | vs fp32: {cells[10]}  | rounds: {cells[11]}"
        )
    print(f"  ({result['seconds'] / 60:.1f} minutes)", flush=True)


def render_markdown(report: dict) -> str:
    machine = report["machine"]
    caps = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in machine["capabilities"].items())
    vers = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    lines = [
        "# Inference backends against framing's torch path",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores; {caps}.",
        f"Versions: {vers}.",
        f"Threads: {report['threads']}.",
        f"Command: `{report['command']}`; took {report['minutes']} minutes.",
        "",
        f"Input: {report['input']}. Calibration (int8): {report['calibration']}.",
        f"Batching, every path: {BATCHING}. torch through `embed_with_truncation(workers=1)`; "
        "ONNX Runtime / OpenVINO get the same padded batches, one run/infer call per batch.",
        f"Timing: one untimed warm-up pass per path on every 8th sentence, then {report['rounds']} rounds "
        "over all of them with the path order rotated; median sentences/s (round 1's embeddings are the "
        "ones compared). Each pass: tokenisation to labels (heads and thresholds included).",
        f"Rule: adopt only with stance and all-three-frames agreement with torch fp32 >= {MIN_AGREEMENT:.1%} "
        f"and >= {MIN_SPEEDUP}x the speed of torch auto (framing's default). The vs-fp32 verdict is "
        "indicative only (CPUs without native bf16 run fp32, but those CPUs' ratios may differ).",
        "",
    ]
    for result in report["models"].values():
        lines += [
            f"## {result['model']}: {result['base_model']} {result['base_model_version'] or ''}",
            "",
            f"Ceiling: {ceiling_line(result)}.",
            "",
            "| " + " | ".join(HEADER) + " |",
            "|" + "---|" * len(HEADER),
        ]
        lines += ["| " + " | ".join(cells) + " |" for cells in rows_for(result)]
        lines.append("")
        for row in result["paths"].values():
            settings = "; ".join(f"{k}: {v}" for k, v in row["settings"].items())
            lines.append(f"- {row['name']}: {settings}")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model", choices=("fast", "default", "both"), default="both", help="which encoder(s)"
    )
    parser.add_argument("-n", type=int, default=2000, help="timed sentences (default 2,000)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="timed rounds per path, median reported (min 3)"
    )
    parser.add_argument(
        "--calibration", type=int, default=300, help="int8 calibration sentences (default 300)"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed for choosing the sentences")
    parser.add_argument(
        "--int8-skip-ffn-down", action="store_true", help="keep the feed-forward down projections in fp32"
    )
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "backends.json"), help="JSON output file")
    parser.add_argument(
        "--markdown", default=str(REPO / "benchmarks" / "backends.md"), help="Markdown output file"
    )
    parser.add_argument("--workdir", help="keep the ONNX files here (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    if args.rounds < 3:
        parser.error("--rounds must be at least 3")
    if args.n < 1 or args.calibration < 1:
        parser.error("-n and --calibration must be positive")

    started = time.perf_counter()
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    caps = cpu_capabilities()
    vers = versions()
    print(f"CPU: {cpu_name()}, {threads} cores (os.cpu_count())")
    print("capabilities: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in caps.items()))
    print("versions: " + ", ".join(f"{k} {v}" for k, v in vers.items()))
    thread_note = (
        f"torch {torch.get_num_threads()} (set_num_threads), ONNX Runtime intra-op {threads} / inter-op 1, "
        f"OpenVINO INFERENCE_NUM_THREADS {threads}"
    )
    print(f"threads: {thread_note}")
    texts, calibration, how = load_sentences(args.n, args.calibration, args.seed)
    calib_note = f"{len(calibration)} other corpus sentences (disjoint from the timed ones), seed {args.seed}"
    print(f"input: {how} (corpus parts seeds, authored, dev; seed {args.seed}); calibration: {calib_note}")
    print(f"batching (all paths): {BATCHING}")

    names = ("fast", "default") if args.model == "both" else (args.model,)
    temporary = args.workdir is None
    workdir = Path(tempfile.mkdtemp(prefix="framing-backends-")) if temporary else Path(args.workdir)
    try:
        results = {name: measure_model(name, texts, calibration, args, workdir) for name in names}
    finally:
        if temporary:
            shutil.rmtree(workdir, ignore_errors=True)

    report = {
        "machine": {"cpu": cpu_name(), "cores": threads, "capabilities": caps},
        "versions": vers,
        "threads": thread_note,
        "command": "python " + " ".join([Path(sys.argv[0]).as_posix()] + (argv or sys.argv[1:])),
        "input": how + f" (corpus parts seeds, authored, dev; seed {args.seed})",
        "calibration": calib_note,
        "rounds": args.rounds,
        "minutes": round((time.perf_counter() - started) / 60, 1),
        "models": results,
    }
    print(f"\nwhole run: {report['minutes']} minutes")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    if args.markdown:
        Path(args.markdown).write_text(render_markdown(report), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
