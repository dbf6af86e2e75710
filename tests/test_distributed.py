"""The Dask path (``framing predict --scheduler``, ``framing.distributed``): the same output as
one process, to the byte, whatever the cluster does.

Fast tests use an in-process cluster and a fake model; the slow ones start worker processes
with the real fast and default models, and kill a worker mid-run.
"""

from __future__ import annotations

import json
import os
import random
import signal
from pathlib import Path

import pytest
from conftest import FakeModel

from framing.cli import main
from framing.predict_io import ChunkPlanner, InputRecord, predict_stream
from framing.results import Prediction

distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")
from framing import distributed as fd  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


class LoggingModel(FakeModel):
    """A fake model whose calls are logged on the class: workers of an in-process cluster get
    an unpickled copy of the model, but share the class with the test."""

    log: list[list[str]] = []
    fail_once: set[str] = set()

    def predict(self, texts, batch_size=32):
        failing = LoggingModel.fail_once & set(texts)
        if failing:
            LoggingModel.fail_once -= failing
            raise RuntimeError(f"flaky worker on {sorted(failing)}")
        LoggingModel.log.append(list(texts))
        return super().predict(texts, batch_size)


class BrokenModel(FakeModel):
    def predict(self, texts, batch_size=32):
        raise RuntimeError("this model always fails")


@pytest.fixture(autouse=True)
def _clean_log():
    LoggingModel.log = []
    LoggingModel.fail_once = set()


@pytest.fixture(scope="module")
def client():
    """Two one-thread workers in this process (no spawning: about a second to start)."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=False,
            dashboard_address="127.0.0.1:0",
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def records(n: int, seed: int = 0) -> list[InputRecord]:
    """Texts with repeats near and far, and blanks, as syndicated copy has."""
    rng = random.Random(seed)
    texts = [rng.choice([f"text {rng.randrange(12)} of progress", f"delay {i}", "", "  "]) for i in range(n)]
    return [InputRecord("in.jsonl", i + 1, {"text": t, "i": i}, t) for i, t in enumerate(texts)]


def as_rows(pairs) -> list[tuple]:
    return [(r.line, r.text, p.to_dict(), p.truncated) for r, p in pairs]


def spec_for(model) -> fd.ModelSpec:
    import functools

    return fd.ModelSpec(factory=functools.partial(_same, model))


def _same(model):
    return model


# --------------------------------------------------------------------------- planning


@pytest.mark.parametrize("memo_size", [1, 3, 100])
def test_chunks_planned_ahead_send_what_one_process_sends(memo_size):
    """Planning every chunk before any result is back (as the cluster does) sends the model the
    same texts, call by call, and gives the same pairs as the one-process loop, evictions included."""
    data = records(60, seed=memo_size)
    reference_model = FakeModel()
    reference = list(predict_stream(data, reference_model, chunk_size=7, memo_size=memo_size))

    planner = ChunkPlanner(chunk_size=7, memo_size=memo_size)
    planned = list(planner.plan(data))  # all planned up front
    model = FakeModel()
    pairs = []
    for chunk, texts in planned:
        pairs += planner.resolve(chunk, texts, model.predict(texts) if texts else [])
    assert [texts for _, texts in planned if texts] == reference_model.calls
    assert as_rows(pairs) == as_rows(reference)
    assert len({id(p) for _, p in pairs}) == len(pairs)  # repeats get copies, never shared objects


def test_resolve_refuses_a_short_answer():
    planner = ChunkPlanner(chunk_size=4)
    chunk, texts = next(planner.plan([InputRecord("x", 1, {}, "a"), InputRecord("x", 2, {}, "b")]))
    with pytest.raises(RuntimeError, match="returned 0 predictions"):
        planner.resolve(chunk, texts, [])


# --------------------------------------------------------------------------- on a cluster


def test_cluster_gives_the_pairs_of_one_process_in_input_order(client):
    data = records(200)
    reference_model = FakeModel()
    reference = list(predict_stream(data, reference_model, chunk_size=16))
    seen = []
    pairs = list(
        fd.predict_on_cluster(
            client, data, spec_for(LoggingModel()), chunk_size=16, in_flight=3, on_chunk=seen.append
        )
    )
    assert as_rows(pairs) == as_rows(reference)
    assert sorted(LoggingModel.log) == sorted(reference_model.calls)  # each text sent once, as one process
    assert sum(seen) == len(data)


def test_a_failing_task_is_retried_without_losing_or_repeating_records(client):
    data = records(120, seed=5)
    LoggingModel.fail_once = {next(r.text for r in data[i:] if r.text.strip()) for i in (40, 90)}
    reference = list(predict_stream(data, FakeModel(), chunk_size=10))
    pairs = list(fd.predict_on_cluster(client, data, spec_for(LoggingModel()), chunk_size=10, retries=1))
    assert as_rows(pairs) == as_rows(reference)
    assert not LoggingModel.fail_once  # both failures happened, and were retried


def test_a_task_failing_for_good_leaves_no_output_and_the_old_one_intact(client, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"text": f"t {i}"}) + "\n" for i in range(30)))
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    with pytest.raises(RuntimeError, match="always fails"):
        fd.predict_files(source, out, scheduler=client, model=spec_for(BrokenModel()).factory, retries=1)
    assert out.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl"]


def test_the_worker_model_is_freed_after_the_run(client):
    list(fd.predict_on_cluster(client, records(20), spec_for(LoggingModel()), chunk_size=8))
    assert all(not facts["models"] for facts in client.run(fd.worker_facts).values())


def test_overlapping_runs_on_one_cluster_keep_their_own_models(client):
    """A run that ends first must not unload the model another run is still using."""
    first = fd.predict_on_cluster(client, records(80, seed=1), spec_for(LoggingModel()), chunk_size=8)
    pairs = [next(first)]
    facts = client.run(fd.worker_facts)
    assert all(len(f["models"]) == 1 for f in facts.values())
    second = list(fd.predict_on_cluster(client, records(40, seed=2), spec_for(FakeModel()), chunk_size=8))
    assert all(len(f["models"]) == 1 for f in client.run(fd.worker_facts).values())  # the first's, kept
    pairs += list(first)
    assert as_rows(pairs) == as_rows(predict_stream(records(80, seed=1), FakeModel(), chunk_size=8))
    assert as_rows(second) == as_rows(predict_stream(records(40, seed=2), FakeModel(), chunk_size=8))
    assert all(not f["models"] for f in client.run(fd.worker_facts).values())


def test_tasks_carry_the_plugin_name_not_the_model(client):
    """The model travels once per worker with the plugin, never with each chunk."""
    submitted = []
    original = client.submit

    def spy(func, *args, **kwargs):
        submitted.append(args)
        return original(func, *args, **kwargs)

    client.submit = spy
    try:
        list(fd.predict_on_cluster(client, records(40), spec_for(LoggingModel()), chunk_size=8))
    finally:
        del client.submit
    assert submitted and all(isinstance(arg, str | list | int) for args in submitted for arg in args)


def test_workers_that_cannot_load_the_model_are_a_usage_error(client, tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n')
    missing = tmp_path / "no-such-model"
    address = client.scheduler.address
    code = main(["predict", str(source), "--model", str(missing), "--scheduler", address, "-o", "out.jsonl"])
    err = capsys.readouterr().err
    assert code == 2 and "the workers cannot load the model" in err and str(missing) in err
    assert "Traceback" not in err and err.count("\n") == 1
    assert not (tmp_path / "out.jsonl").exists()
    assert all(not f["models"] for f in client.run(fd.worker_facts).values())


def test_a_scheduler_without_workers_is_named(monkeypatch):
    monkeypatch.setattr(fd, "WORKER_WAIT_SECONDS", 0.5)
    with (
        distributed.LocalCluster(n_workers=0, processes=False, dashboard_address="127.0.0.1:0") as empty,
        distributed.Client(empty) as lonely,
    ):
        with pytest.raises(fd.SchedulerError, match="has had no worker"):
            list(fd.predict_on_cluster(lonely, records(5), spec_for(FakeModel())))


def test_a_lost_scheduler_is_one_line_not_a_traceback():
    from distributed.client import FutureCancelledError

    class Lost:
        def result(self):
            raise FutureCancelledError("framing-predict-x-0", reason="scheduler-connection-lost")

    planner = ChunkPlanner(chunk_size=2)
    chunk, texts = next(planner.plan([InputRecord("x", 1, {}, "a")]))
    with pytest.raises(fd.ClusterError, match="the cluster stopped answering"):
        fd._finish(planner, (chunk, texts, Lost()), None)


def test_cli_scheduler_output_is_byte_identical(client, tmp_path, capsys):
    lines = [json.dumps({"text": r.text, "id": r.line}) for r in records(300, seed=2)]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    for fmt in ("jsonl", "csv"):
        one, many = tmp_path / f"one.{fmt}", tmp_path / f"many.{fmt}"
        assert main(["predict", str(source), "-o", str(one), "-q"], model=FakeModel()) == 0
        address = client.scheduler.address
        code = main(
            ["predict", str(source), "-o", str(many), "-q", "--scheduler", address], model=FakeModel()
        )
        assert code == 0, capsys.readouterr().err
        assert many.read_bytes() == one.read_bytes()


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("banana", "expected a scheduler address such as tcp://HOST:8786"),
        ("local:0", "expected local:N"),
        ("local:two", "expected local:N"),
        ("tcp://127.0.0.1:9", "cannot reach the scheduler"),
        ("tcp://127.0.0.1:8799x", "cannot reach the scheduler"),
        ("udp://127.0.0.1:8786", "cannot reach the scheduler"),
    ],
)
def test_bad_scheduler_is_a_usage_error(tmp_path, capsys, monkeypatch, address, message):
    monkeypatch.setattr(fd, "CONNECT_TIMEOUT", "1s")
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n')
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(source), "-o", str(out), "--scheduler", address], model=FakeModel()) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not out.exists()


def test_workers_option_does_not_apply_on_a_cluster(tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n')
    assert main(["predict", str(source), "--workers", "2", "--scheduler", "local:1"], model=FakeModel()) == 2
    assert "--workers does not apply with --scheduler" in capsys.readouterr().err


def test_relative_model_folders_are_made_absolute_for_the_workers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs" / "best").mkdir(parents=True)
    assert fd.ModelSpec("runs/best").for_workers().model == str(tmp_path / "runs" / "best")
    assert fd.ModelSpec("./runs/best").for_workers().model == str(tmp_path / "runs" / "best")
    assert fd.ModelSpec("fast").for_workers().model == "fast"  # a shipped name stays a name


def test_without_dask_the_message_names_the_extra(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(fd, "_DASK_MISSING", ImportError("No module named 'distributed'"))
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n')
    assert main(["predict", str(source), "--scheduler", "local:1"], model=FakeModel()) == 2
    assert "pip install 'framing-stance[dask]'" in capsys.readouterr().err


def test_scheduler_names():
    assert fd.parse_scheduler("local") == ("local", None)
    assert fd.parse_scheduler("local:3") == ("local", 3)
    assert fd.parse_scheduler("tcp://10.0.0.5:8786") == ("remote", None)
    assert fd.parse_scheduler("10.0.0.5:8786") == ("remote", None)


# --------------------------------------------------------------------------- worker set-up


def test_malloc_thresholds_are_relaxed_only_under_dasks_variable(monkeypatch):
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert fd.relax_malloc_trim() is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")
    import ctypes.util

    glibc = ctypes.util.find_library("c") is not None and os.uname().sysname == "Linux"
    assert fd.relax_malloc_trim() is glibc


def test_worker_threads_follow_the_cluster_setting(monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert fd.worker_threads(task_threads=1) == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    cores = len(os.sched_getaffinity(0))
    assert fd.worker_threads(task_threads=1) == cores
    assert fd.worker_threads(task_threads=cores * 4) == 1


# --------------------------------------------------------------------------- real workers


def corpus_lines() -> list[str]:
    """Over one 2,048-record chunk of real sentences, with repeats across chunks and blanks."""
    texts = []
    for path in [*sorted(REPO.glob("data/authored/*.jsonl")), *sorted(REPO.glob("data/dev/*.jsonl"))]:
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    texts = texts[:2300] + texts[:150] + ["", "   "]
    return [json.dumps({"text": t, "n": i}, ensure_ascii=False) for i, t in enumerate(texts)]


@pytest.mark.slow
def test_local_cluster_matches_framing_predict_byte_for_byte(tmp_path):
    """Two worker processes, the fast model, JSON Lines and CSV, a .txt article too."""
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(corpus_lines()) + "\n")
    article = next(REPO.glob("seeds/000_*.txt"))
    for fmt in ("jsonl", "csv"):
        one, many = tmp_path / f"one.{fmt}", tmp_path / f"many.{fmt}"
        args = ["predict", str(source), str(article), "--model", "fast", "-q"]
        assert main([*args, "-o", str(one)]) == 0
        assert main([*args, "-o", str(many), "--scheduler", "local:2"]) == 0
        assert many.read_bytes() == one.read_bytes()


@pytest.mark.slow
def test_predict_files_with_the_default_model_matches_the_command(tmp_path):
    article = next(REPO.glob("seeds/001_*.txt"))
    one, many = tmp_path / "one.jsonl", tmp_path / "many.jsonl"
    assert main(["predict", str(article), "-o", str(one), "-q"]) == 0
    written = fd.predict_files(article, many, scheduler="local:2", progress=False)
    assert written == len(one.read_text().splitlines())
    assert many.read_bytes() == one.read_bytes()


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_and_repeats_nothing():
    data = [json.loads(line) for line in corpus_lines()[:1200]]
    recs = [InputRecord("in.jsonl", i + 1, d, d["text"]) for i, d in enumerate(data)]
    spec = fd.ModelSpec("fast", precision="fp32")
    reference_model = fd.load_worker_model(spec, threads=1)
    reference = list(predict_stream(recs, reference_model, batch_size=64, chunk_size=100))

    with fd.connect("local:2") as client:
        facts = client.run(fd.worker_facts)
        assert all(f["malloc_trim_threshold_env"] is None for f in facts.values())  # trap left out
        victim = min(f["pid"] for f in facts.values())
        killed = []

        def kill_once(_count):
            if not killed:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        pairs = list(
            fd.predict_on_cluster(client, recs, spec, chunk_size=100, in_flight=6, on_chunk=kill_once)
        )
    assert killed
    assert as_rows(pairs) == as_rows(reference)


@pytest.mark.slow
def test_plain_dask_workers_get_the_malloc_trap_undone():
    """A cluster started with Dask's defaults (as a real one is) sets MALLOC_TRIM_THRESHOLD_;
    the plugin relaxes glibc's thresholds in each worker before the model loads."""
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, dashboard_address="127.0.0.1:0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        recs = [InputRecord("x", 1, {"text": "Talks resume."}, "Talks resume.")]
        [(_, prediction)] = list(fd.predict_on_cluster(client, recs, fd.ModelSpec("fast")))
        assert isinstance(prediction, Prediction) and prediction.stance is not None
        [facts] = client.run(fd.worker_facts).values()
    assert facts["malloc_trim_threshold_env"] == "65536"
    assert facts["malloc_relaxed"] is True
