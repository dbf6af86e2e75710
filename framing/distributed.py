"""``framing predict`` on a Dask cluster: the same output, to the byte, from many machines.

Why it is built this way:

* **The client reads and writes, workers only predict.** Records are read by framing's own
  readers (so every input check and error message is the one ``framing predict`` gives), cut
  into the same 2,048-record chunks, and each chunk's distinct new texts become one Dask task.
  Results come back to the client, which writes them in input order through framing's atomic
  writers. Because :class:`framing.predict_io.ChunkPlanner` decides what each task sends from
  the texts alone, every task holds exactly the texts a one-process run gives the model at
  that point, so batches, padding and float rounding are the same and so is the output.
* **One model load per worker.** :class:`FramingWorkerPlugin` loads the model when it is
  registered with a worker (and again on a worker that joins or restarts later) and keeps it
  in the worker process until the run ends.
* **Failures.** A task whose worker dies is rescheduled by Dask on another worker (up to
  ``distributed.scheduler.allowed-failures`` times); a task that raises is retried
  ``retries`` times. Results are placed by chunk number, so a retried chunk can be neither
  lost nor written twice. If a chunk still fails, nothing is written to ``-o``.
* **The malloc trap.** Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``,
  which switches off glibc's adaptive mmap threshold: every large tensor is then mapped and
  unmapped afresh and PyTorch runs much slower. Local clusters started here leave the variable
  out; on any other worker :func:`relax_malloc_trim` sets glibc's thresholds back to roomy
  values at plugin set-up. Dask's ``OMP_NUM_THREADS=1`` is honoured as the worker's PyTorch
  thread count unless the cluster was started here.

``pip install 'framing-stance[dask]'``; see docs/scale-out.md.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import functools
import logging
import os
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass
from typing import Any

from framing.predict_io import (
    DEFAULT_CHUNK_SIZE,
    MEMO_SIZE,
    ChunkPlanner,
    InputRecord,
    check_inputs,
    check_output,
    iter_records,
    make_writer,
    open_output,
    output_format,
)
from framing.results import Prediction

try:
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as _missing:  # dask is an extra: fail on use, with the install command
    _DASK_MISSING: ImportError | None = _missing
    WorkerPlugin = object
else:
    _DASK_MISSING = None

INSTALL_HINT = "the Dask scale-out needs dask.distributed: pip install 'framing-stance[dask]'"

# glibc's mallopt parameters (malloc.h) and the largest mmap threshold its adaptive rule reaches
# on 64-bit systems (DEFAULT_MMAP_THRESHOLD_MAX), with the trim threshold it then sets (twice that).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD = 32 * 1024 * 1024
_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD


CONNECT_TIMEOUT = "20s"
"""How long ``--scheduler tcp://...`` waits for the scheduler before giving up."""
WORKER_WAIT_SECONDS = 60
"""How long a run waits for the scheduler's first worker."""
CLEANUP_SECONDS = 10
"""How long cancelling leftover tasks and unloading the model may take before the run ends
anyway (workers that stopped answering must not hold up Ctrl-C or an error)."""


class SchedulerError(Exception):
    """The cluster named by ``--scheduler`` cannot be reached, started or used (exit status 2)."""


class WorkerModelError(ValueError):
    """The workers cannot load the model (a missing folder, a bad config): exit status 2."""


class ClusterError(RuntimeError):
    """The cluster stopped answering mid-run (scheduler lost, tasks cancelled): exit status 1."""


@dataclass(frozen=True)
class ModelSpec:
    """What each worker loads: a shipped name or model folder (as seen on the worker), or a
    picklable zero-argument ``factory`` returning a ready model (for custom models and tests).

    It travels once per worker, inside the run's plugin; tasks carry only the plugin's name."""

    model: str | None = None
    base_model: str | None = None
    precision: str = "auto"
    factory: Callable[[], Any] | None = None

    def for_workers(self) -> ModelSpec:
        """A relative model folder made absolute: workers resolve it from their own directory."""
        path = self.model
        if path and (os.sep in path or path.startswith(".")) and os.path.isdir(path):
            return dataclasses.replace(self, model=os.path.abspath(path))
        return self


# --------------------------------------------------------------------------- on the workers

_WORKER_MODELS: dict[str, Any] = {}
_WORKER_LOCK = threading.Lock()
_MALLOC_RELAXED = False


def relax_malloc_trim() -> bool:
    """Give glibc back large mmap and trim thresholds if ``MALLOC_TRIM_THRESHOLD_`` is set.

    Returns whether the thresholds were changed (only on glibc, and only where the variable is
    set: a process without it keeps glibc's adaptive thresholds, which are better still).
    """
    global _MALLOC_RELAXED
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return False
    library = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(library).mallopt
    except (OSError, AttributeError, TypeError):  # not glibc (musl, macOS, Windows)
        return False
    ok = mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) == 1
    _MALLOC_RELAXED = _MALLOC_RELAXED or ok
    return ok


def _cores() -> int:
    """The cores this process may run on (its affinity, which a container or taskset narrows)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def worker_threads(task_threads: int) -> int:
    """PyTorch threads for a worker process: ``OMP_NUM_THREADS`` where the cluster sets it,
    else this process's cores shared among the worker's task threads."""
    configured = os.environ.get("OMP_NUM_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    cores = _cores()
    return max(1, cores // max(1, task_threads))


def load_worker_model(spec: ModelSpec, threads: int) -> Any:
    """The model set up as ``framing predict`` sets up its own: bf16 in place under
    ``auto`` on a CPU with native bf16, batches side by side on ``threads`` threads."""
    import torch

    torch.set_num_threads(threads)
    if spec.factory is not None:
        return spec.factory()
    from framing.model import load_model

    model = load_model(spec.model, base_model=spec.base_model)
    model.progress = False
    model.encoder.workers = threads
    model.encoder.precision = spec.precision
    model.encoder.for_inference()
    return model


def _worker_model(name: str, spec: ModelSpec, task_threads: int) -> Any:
    with _WORKER_LOCK:
        model = _WORKER_MODELS.get(name)
        if model is None:
            relax_malloc_trim()
            model = _WORKER_MODELS[name] = load_worker_model(spec, worker_threads(task_threads))
        return model


class FramingWorkerPlugin(WorkerPlugin):
    """A Dask ``WorkerPlugin`` that loads ``spec`` once in every worker, and frees it at the end.

    Each run registers its own (``name`` is unique per run), so runs that overlap on one
    cluster never share or unload each other's model, and a retrained model folder is read
    afresh by the next run."""

    def __init__(self, spec: ModelSpec, name: str):
        self.spec = spec
        self.name = name

    def setup(self, worker: Any) -> None:
        _worker_model(self.name, self.spec, worker.state.nthreads)

    def teardown(self, worker: Any) -> None:
        with _WORKER_LOCK:
            _WORKER_MODELS.pop(self.name, None)


def predict_texts(name: str, texts: list[str], batch_size: int) -> list[Prediction]:
    """The task: one chunk's texts through the model of the run's plugin ``name``."""
    from distributed import get_worker

    worker = get_worker()
    with _WORKER_LOCK:
        model = _WORKER_MODELS.get(name)
    if model is None:  # the plugin's set-up failed here once, or has not finished: load now
        plugin = worker.plugins.get(name)
        if plugin is None:
            raise RuntimeError(f"the run's plugin {name} is not registered on worker {worker.address}")
        model = _worker_model(name, plugin.spec, worker.state.nthreads)
    return list(model.predict(texts, batch_size=batch_size))


def worker_facts() -> dict[str, Any]:
    """What a worker runs with, for tests and ``docs/scale-out.md`` (via ``client.run``)."""
    import torch

    return {
        "pid": os.getpid(),
        "torch_threads": torch.get_num_threads(),
        "malloc_trim_threshold_env": os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        "malloc_relaxed": _MALLOC_RELAXED,
        "models": sorted(_WORKER_MODELS),
    }


# --------------------------------------------------------------------------- on the client


def _require_dask() -> None:
    if _DASK_MISSING is not None:
        raise ImportError(INSTALL_HINT) from _DASK_MISSING


def parse_scheduler(address: str) -> tuple[str, int | None]:
    """``("local", N)`` for ``local`` / ``local:N`` (N defaults to the number of cores), else
    ``("remote", None)`` for a scheduler address such as ``tcp://10.0.0.5:8786``."""
    if address == "local" or address.startswith("local:"):
        count = address.partition(":")[2]
        if not count:
            return "local", None
        if not count.isdigit() or int(count) < 1:
            raise SchedulerError(f"--scheduler {address}: expected local:N with N a whole number of workers")
        return "local", int(count)
    if "://" not in address and ":" not in address:
        raise SchedulerError(
            f"--scheduler {address}: expected a scheduler address such as tcp://HOST:8786, or local:N"
        )
    return "remote", None


@contextlib.contextmanager
def connect(scheduler: Any) -> Iterator[Any]:
    """A ``distributed.Client`` for ``scheduler``: an existing Client (left open), ``local`` /
    ``local:N`` (a local cluster of N one-thread worker processes, closed afterwards), or the
    address of a running scheduler."""
    _require_dask()
    import dask
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        yield scheduler
        return
    kind, workers = parse_scheduler(str(scheduler))
    if kind == "remote":
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError, TypeError) as err:  # unreachable, malformed, TLS
            raise SchedulerError(f"--scheduler {scheduler}: cannot reach the scheduler ({err})") from None
        with client:
            yield client
        return
    cores = _cores()
    workers = workers or cores
    threads = str(max(1, cores // workers))
    environ = {
        "MALLOC_TRIM_THRESHOLD_": None,  # None: not set at all in the workers (the trap)
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
    }
    with (
        dask.config.set({"distributed.nanny.pre-spawn-environ": environ}),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address="127.0.0.1:0",  # a free local port: no clash, nothing exposed
            silence_logs=logging.CRITICAL,  # failures reach the user as one line, not worker logs
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def predict_on_cluster(
    client: Any,
    records: Iterable[InputRecord],
    spec: ModelSpec,
    *,
    batch_size: int = 64,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    retries: int = 2,
    in_flight: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    memo_size: int = MEMO_SIZE,
) -> Iterator[tuple[InputRecord, Prediction]]:
    """``(record, prediction)`` in input order, each chunk predicted by a task on ``client``.

    The drop-in for :func:`framing.predict_io.predict_stream`: the same pairs, the same
    rounding. At most ``in_flight`` chunks (default: twice the cluster's task threads) are read
    ahead of the one being written, which bounds the client's memory.
    """
    _require_dask()
    run = uuid.uuid4().hex[:12]
    plugin = FramingWorkerPlugin(spec.for_workers(), name=f"framing-model-{run}")
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_SECONDS)
    except TimeoutError:
        raise SchedulerError(
            f"the scheduler {client.scheduler.address} has had no worker for {WORKER_WAIT_SECONDS} s; "
            "start workers with: dask worker ADDRESS"
        ) from None
    try:
        client.register_plugin(plugin, name=plugin.name)
    except Exception as err:  # the set-up's own error, raised here by Dask
        _in_background(client.unregister_worker_plugin, plugin.name)
        raise WorkerModelError(f"the workers cannot load the model: {err}") from None
    if in_flight is None:
        threads = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        in_flight = max(2, 2 * threads)
    planner = ChunkPlanner(chunk_size, memo_size)
    pending: deque[tuple[list[InputRecord], list[str], Any]] = deque()
    submit = functools.partial(client.submit, predict_texts, plugin.name, retries=retries, pure=False)
    try:
        for number, (chunk, texts) in enumerate(planner.plan(records)):
            future = submit(texts, batch_size, key=f"framing-predict-{run}-{number}") if texts else None
            pending.append((chunk, texts, future))
            while len(pending) >= in_flight:
                yield from _finish(planner, pending.popleft(), on_chunk)
        while pending:
            yield from _finish(planner, pending.popleft(), on_chunk)
    finally:
        leftover = [future for _, _, future in pending if future is not None]
        if leftover:
            _in_background(client.cancel, leftover)
        _in_background(client.unregister_worker_plugin, plugin.name)


def _finish(planner: ChunkPlanner, item: tuple, on_chunk: Callable[[int], None] | None) -> list:
    chunk, texts, future = item
    try:
        predicted = future.result() if future is not None else []
    except (CancelledError, OSError) as err:  # FutureCancelledError, CommClosedError
        raise ClusterError(f"the cluster stopped answering: {err}") from None
    pairs = planner.resolve(chunk, texts, predicted)
    if on_chunk is not None:
        on_chunk(len(chunk))
    return pairs


def _in_background(call: Callable[..., Any], *args: Any) -> None:
    """Best-effort clean-up that may not hang the run: done in a thread, waited for a while."""

    def quietly() -> None:
        with contextlib.suppress(Exception):
            call(*args)

    thread = threading.Thread(target=quietly, name="framing-cleanup", daemon=True)
    thread.start()
    thread.join(CLEANUP_SECONDS)


def predict_files(
    inputs: str | os.PathLike | Iterable[str | os.PathLike],
    output: str | os.PathLike | None = None,
    *,
    scheduler: Any = "local",
    model: str | Callable[[], Any] | None = None,
    base_model: str | None = None,
    text_field: str = "text",
    format: str | None = None,
    batch_size: int = 64,
    precision: str = "auto",
    retries: int = 2,
    progress: bool | None = None,
) -> int:
    """Label files as ``framing predict`` does, with the model run on a Dask cluster.

    ``inputs`` and ``output`` are as for the command (``.jsonl``, ``.csv``, ``.txt``; ``-o``
    written atomically, JSON Lines or CSV); the output is byte-identical to the command's
    when the workers run the same software on the same kind of CPU (docs/scale-out.md).
    ``scheduler``: ``"local"``, ``"local:N"``, an address (``"tcp://host:8786"``) or a
    ``distributed.Client``. ``model``: a shipped name, a model folder that every worker can
    read, or a picklable zero-argument function returning a model. Returns the number of
    records written.
    """
    from tqdm.auto import tqdm

    single = isinstance(inputs, str | os.PathLike)
    names = [os.fspath(inputs)] if single else [os.fspath(name) for name in inputs]
    output = None if output is None else os.fspath(output)
    check_inputs(names)
    check_output(output, names)
    fmt = output_format(output, format)
    if callable(model):
        spec = ModelSpec(base_model=base_model, precision=precision, factory=model)
    else:
        spec = ModelSpec(model=model, base_model=base_model, precision=precision)
    written = 0
    with (
        connect(scheduler) as client,
        tqdm(desc="predict", unit=" texts", disable=progress is False, delay=1.0) as bar,
        open_output(output) as stream,
    ):
        writer = make_writer(fmt, stream)
        pairs = predict_on_cluster(
            client,
            iter_records(names, text_field),
            spec,
            batch_size=batch_size,
            retries=retries,
            on_chunk=bar.update,
        )
        for record, prediction in pairs:
            writer.write(record.fields, prediction)
            written += 1
        writer.close()
    return written
