"""`framing predict` as a user runs it: formats, pass-through, bad input, atomic output, warnings."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import framing.cli
from framing import __version__
from framing.labels import FRAMES, STANCES
from framing.segment import split_sentences

REPO = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
RESULT_KEYS = ["stance", "stance_scores", "frames", "frame_scores"]

ARTICLE = """Talks stall as Kyiv is excluded
The U.S. team reported progress. Critics doubt the deal.
A threat to Europe, one analyst warned.
"""


def write(path: Path | str, content: str | bytes) -> Path:
    path = Path(path)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def jsonl(*records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def parse_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def leftovers(folder: Path) -> list[str]:
    """Files in ``folder`` other than the test's own inputs (temp files would show up here)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("in"))


# --------------------------------------------------------------------------- formats


def test_jsonl_in_passes_fields_through_and_adds_results(cli):
    records = [
        {"id": "a", "text": "The talks made progress.", "meta": {"src": "x", "n": [1, 2]}},
        {"text": "A threat to Europe, excluded from the table.", "id": "b", "score": 0.5},
    ]
    write("in.jsonl", jsonl(*records))
    run = cli("predict", "in.jsonl", "--quiet")
    assert run.code == 0, run.err
    out = parse_jsonl(run.out)
    assert [list(r) for r in out] == [list(records[0]) + RESULT_KEYS, list(records[1]) + RESULT_KEYS]
    for got, given in zip(out, records, strict=True):
        assert {k: got[k] for k in given} == given
        assert set(got["stance_scores"]) == set(STANCES)
        assert sum(got["stance_scores"].values()) == pytest.approx(1)
        assert set(got["frame_scores"]) == set(FRAMES)
    assert out[0]["stance"] == "pro-engagement" and out[0]["frames"] == []
    assert out[1]["stance"] == "alarmed" and out[1]["frames"] == ["sidelining"]
    assert run.err == ""


def test_text_field_option_picks_the_text(cli, fake_model):
    write("in.jsonl", jsonl({"body": "Progress at last.", "text": "not this"}))
    run = cli("predict", "in.jsonl", "--text-field", "body")
    assert run.code == 0, run.err
    assert fake_model.calls == [["Progress at last."]]
    assert parse_jsonl(run.out)[0]["text"] == "not this"


def test_csv_in_passes_columns_through_as_strings(cli, tmp_path):
    write("in.csv", 'id,text,n\n1,"Progress, finally.",7\n2,"A ""threat"", they said\nagain",8\n')
    run = cli("predict", "in.csv", "-o", "out.jsonl")
    assert run.code == 0, run.err
    assert run.out == ""
    out = parse_jsonl((tmp_path / "out.jsonl").read_text("utf-8"))
    assert [(r["id"], r["text"], r["n"], r["stance"]) for r in out] == [
        ("1", "Progress, finally.", "7", "pro-engagement"),
        ("2", 'A "threat", they said\nagain', "8", "alarmed"),
    ]
    assert leftovers(tmp_path) == ["out.jsonl"]


def test_txt_in_is_split_into_sentences_like_the_corpus(cli):
    write("in_article.txt", ARTICLE)
    run = cli("predict", "in_article.txt")
    assert run.code == 0, run.err
    out = parse_jsonl(run.out)
    expected = split_sentences(ARTICLE)
    assert [(r["doc"], r["sentence_index"], r["text"]) for r in out] == [
        ("in_article", s.index, s.text) for s in expected
    ]
    assert list(out[0]) == ["id", "doc", "sentence_index", "text", *RESULT_KEYS]
    assert [r["id"] for r in out] == [f"in_article-s{s.index:03d}" for s in expected]
    assert [r["stance"] for r in out] == ["neutral", "pro-engagement", "sceptical", "alarmed"]


def test_stdin_dash_reads_json_lines(tmp_path):
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from conftest import FakeModel; "
        "from framing.cli import main; sys.exit(main(sys.argv[2:], model=FakeModel()))"
    )
    data = jsonl({"k": 1, "text": "Progress."}, {"k": 2, "text": "Doubt it."})
    proc = subprocess.run(
        [sys.executable, "-c", code, str(TESTS), "predict", "-", "--format", "csv"],
        input=data.encode(),
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(proc.stdout.decode())))
    assert [(r["k"], r["stance"]) for r in rows] == [("1", "pro-engagement"), ("2", "sceptical")]


def test_csv_output_has_one_column_per_label(cli, tmp_path):
    write(
        "in.jsonl",
        jsonl({"id": 1, "text": "Talks delay, a win for Putin.", "tags": ["a"]}, {"id": 2, "text": ""}),
    )
    run = cli("predict", "in.jsonl", "-o", "out.csv")
    assert run.code == 0, run.err
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [dict(zip(header, row, strict=True)) for row in reader]
    assert header == [
        "id",
        "text",
        "tags",
        "stance",
        "frames",
        *(f"stance_score.{s}" for s in STANCES),
        *(f"frame_score.{f}" for f in FRAMES),
    ]
    first, blank = rows
    assert first["frames"] == "stalling;win-loss" and first["tags"] == '["a"]'
    assert sum(float(first[f"stance_score.{s}"]) for s in STANCES) == pytest.approx(1)
    assert float(first["frame_score.stalling"]) == pytest.approx(0.9)
    assert blank["stance"] == "" and blank["frames"] == "" and blank["stance_score.neutral"] == ""


def test_format_csv_to_stdout_and_format_wins_over_extension(cli, tmp_path):
    write("in.jsonl", jsonl({"text": "Progress."}))
    run = cli("predict", "in.jsonl", "--format", "csv")
    assert run.code == 0 and run.out.splitlines()[0].startswith("text,stance,frames,stance_score.")
    run = cli("predict", "in.jsonl", "-o", "out.csv", "--format", "jsonl")
    assert run.code == 0
    assert parse_jsonl((tmp_path / "out.csv").read_text())[0]["stance"] == "pro-engagement"


def test_output_order_is_input_order_across_chunks_and_files(cli, fake_model, monkeypatch):
    monkeypatch.setattr(framing.cli, "CHUNK_SIZE", 3)
    texts = [f"sentence {i} {'progress' if i % 2 else 'doubt'}" for i in range(10)]
    write("in_a.jsonl", jsonl(*({"i": i, "text": t} for i, t in enumerate(texts[:7]))))
    write("in_b.csv", "i,text\n" + "".join(f"{i},{t}\n" for i, t in enumerate(texts[7:], start=7)))
    run = cli("predict", "in_a.jsonl", "in_b.csv", "--batch-size", "2")
    assert run.code == 0, run.err
    out = parse_jsonl(run.out)
    assert [r["text"] for r in out] == texts
    assert [str(r["i"]) for r in out] == [str(i) for i in range(10)]
    assert [len(call) for call in fake_model.calls] == [3, 3, 3, 1]


def test_workers_option_reaches_the_encoder(cli, fake_model):
    from types import SimpleNamespace

    write("in.jsonl", jsonl({"text": "ok"}))
    fake_model.encoder = SimpleNamespace(workers=1)
    assert cli("predict", "in.jsonl").code == 0
    assert fake_model.encoder.workers == 1  # a caller's model is left alone unless asked
    assert cli("predict", "in.jsonl", "--workers", "3").code == 0
    assert fake_model.encoder.workers == 3


# --------------------------------------------------------------------------- bad input

BAD_INPUTS = [
    (
        "in.jsonl",
        jsonl({"text": "ok"}, {"text": "ok"}) + '{"text": "no end"\n',
        r"in\.jsonl:3: invalid JSON at column 18: Expecting .,. delimiter",
    ),
    ("in.jsonl", jsonl({"text": "ok"}) + "[1, 2]\n", r"in\.jsonl:2: expected a JSON object, got array"),
    ("in.jsonl", jsonl({"text": "ok"}, {"body": "x"}), r"in\.jsonl:2: no 'text' field \(fields: body\)"),
    ("in.jsonl", jsonl({"text": "ok"}, {"text": 3}), r"in\.jsonl:2: 'text' must be a string, got number"),
    ("in.jsonl", jsonl({"text": "ok"}, {"text": None}), r"in\.jsonl:2: 'text' must be a string, got null"),
    ("in.jsonl", b'{"text": "ok"}\n{"text": "caf\xe9"}\n', r"in\.jsonl:2: not valid UTF-8 \("),
    ("in.csv", "id,body\n1,x\n", r"in\.csv:1: no 'text' column \(columns: id, body\)"),
    ("in.csv", "", r"in\.csv:1: empty file, expected a header row"),
    ("in.csv", b"id,text\n1,ok\n2,caf\xe9\n", r"in\.csv:3: not valid UTF-8 \("),
    ("in.csv", "id,text\n1,ok\n2,ok,extra\n", r"in\.csv:3: row has 3 cells, the header has 2"),
    ("in.txt", b"Fine line.\nSecond line is caf\xe9.\n", r"in\.txt:2: not valid UTF-8 \("),
    ("in.xml", "<text>hi</text>", r"in\.xml: unknown input format \('\.xml'\)"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS)
def test_bad_input_exits_2_naming_file_and_line(cli, tmp_path, name, content, message):
    write(name, content)
    run = cli("predict", name, "-o", "out.jsonl")
    assert run.code == 2
    assert run.err.startswith("framing: error: ")
    assert re.search(r"^framing: error: " + message, run.err, flags=re.M), run.err
    assert leftovers(tmp_path) == []


def test_missing_file_exits_2_before_anything_runs(cli, tmp_path, fake_model):
    write("in.jsonl", jsonl({"text": "ok"}))
    run = cli("predict", "in.jsonl", "nowhere.jsonl", "-o", "out.jsonl")
    assert (run.code, run.err) == (2, "framing: error: nowhere.jsonl: no such file\n")
    assert fake_model.calls == [] and leftovers(tmp_path) == []


def test_failure_mid_file_leaves_no_output_and_keeps_the_old_one(cli, tmp_path, fake_model, monkeypatch):
    monkeypatch.setattr(framing.cli, "CHUNK_SIZE", 2)
    good = [{"text": f"line {i}"} for i in range(6)]
    write("in.jsonl", jsonl(*good) + "not json\n")
    run = cli("predict", "in.jsonl", "-o", "new.jsonl")
    assert run.code == 2 and "in.jsonl:7: invalid JSON" in run.err
    assert len(fake_model.calls) == 3  # earlier chunks were predicted and written before the error
    assert leftovers(tmp_path) == []

    write("old.jsonl", "previous results\n")
    run = cli("predict", "in.jsonl", "-o", "old.jsonl")
    assert run.code == 2
    assert leftovers(tmp_path) == ["old.jsonl"]
    assert (tmp_path / "old.jsonl").read_text() == "previous results\n"


def test_unexpected_model_error_exits_1_without_output(cli, tmp_path, fake_model, monkeypatch):
    def broken(texts, batch_size=32):
        raise RuntimeError("device on fire")

    monkeypatch.setattr(fake_model, "predict", broken)
    write("in.jsonl", jsonl({"text": "ok"}))
    run = cli("predict", "in.jsonl", "-o", "out.jsonl")
    assert run.code == 1
    assert "framing: error: unexpected RuntimeError: device on fire" in run.err
    assert leftovers(tmp_path) == []


def test_model_is_loaded_lazily_through_load_model(tmp_path, monkeypatch, capsys, fake_model):
    loaded = []

    def fake_load(path, base_model=None):
        loaded.append(path)
        return fake_model

    monkeypatch.setattr(framing.cli, "_load_model", fake_load)
    monkeypatch.chdir(tmp_path)
    write("in.jsonl", jsonl({"text": "Progress."}))
    assert framing.cli.main(["predict", "in.jsonl", "--model", "some/folder"]) == 0
    assert loaded == ["some/folder"]
    assert parse_jsonl(capsys.readouterr().out)[0]["stance"] == "pro-engagement"

    write("in_bad.jsonl", "oops\n")
    assert framing.cli.main(["predict", "in_bad.jsonl"]) == 2
    assert loaded == ["some/folder"]  # malformed input fails before any model is loaded


def test_model_that_cannot_load_exits_2_without_output(tmp_path, monkeypatch, capsys):
    def fake_load(path, base_model=None):
        raise ValueError(f"{path}: not a model folder (no such directory)")

    monkeypatch.setattr(framing.cli, "_load_model", fake_load)
    monkeypatch.chdir(tmp_path)
    write("in.jsonl", jsonl({"text": "Progress."}))
    assert framing.cli.main(["predict", "in.jsonl", "--model", "nope", "-o", "out.jsonl"]) == 2
    assert capsys.readouterr().err == (
        "framing: error: cannot load the model: nope: not a model folder (no such directory)\n"
    )
    assert leftovers(tmp_path) == []


def test_usage_errors_exit_2(cli):
    write("in.jsonl", jsonl({"text": "ok"}))
    assert cli("predict", "in.jsonl", "--batch-size", "0").code == 2
    assert cli("predict", "in.jsonl", "--workers", "0").code == 2
    assert cli("predict", "in.jsonl", "--format", "xml").code == 2
    assert cli("predict").code == 2
    assert cli().code == 2
    assert cli("predict", "-", "-").code == 2


# --------------------------------------------------------------------------- warnings


def test_empty_text_is_not_guessed_and_is_warned_about(cli, fake_model):
    write("in.jsonl", jsonl({"id": 1, "text": "Progress."}, {"id": 2, "text": "   "}, {"id": 3, "text": ""}))
    run = cli("predict", "in.jsonl")
    assert run.code == 0
    out = parse_jsonl(run.out)
    for record in out[1:]:
        assert record["stance"] is None and record["frames"] == []
        assert set(record["stance_scores"].values()) == {None}
        assert set(record["frame_scores"].values()) == {None}
    assert out[0]["stance"] == "pro-engagement"
    assert fake_model.calls == [["Progress."]]  # blanks never reach the model
    warnings = run.err.splitlines()
    assert warnings == [
        "framing: warning: in.jsonl:2: empty text, not labelled (stance null, no frames)",
        "framing: warning: in.jsonl:3: empty text, not labelled (stance null, no frames)",
    ]


def test_truncation_gives_one_warning_with_the_count(cli, fake_model):
    long = "word " * 100
    write("in.jsonl", jsonl({"text": long}, {"text": "short"}, {"text": long + "again"}))
    run = cli("predict", "in.jsonl")
    assert run.code == 0
    lines = [line for line in run.err.splitlines() if "truncated" in line]
    assert lines == [
        "framing: warning: 2 of 3 text(s) were longer than the model's input limit "
        "and were truncated before labelling"
    ]


# --------------------------------------------------------------------------- help and version


def test_version_and_help(cli):
    run = cli("--version")
    assert (run.code, run.out.strip()) == (0, f"framing {__version__}")
    run = cli("--help")
    assert run.code == 0 and "predict" in run.out and "examples:" in run.out
    run = cli("predict", "--help")
    assert run.code == 0
    for words in ("--text-field", "--batch-size", "--format", "examples:", "framing predict article.txt"):
        assert words in run.out


def test_help_does_not_import_torch():
    code = "import sys; from framing.cli import main; main(['--help']); print('torch' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip().endswith("False")


# --------------------------------------------------------------------------- the real model


@pytest.mark.slow
def test_real_model_labels_every_corpus_sentence_of_a_seed(tmp_path):
    from framing.corpus import seed_sentences

    seed = REPO / "seeds" / "001_93092bfd57cbb513.txt"
    out = tmp_path / "out.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "framing", "predict", str(seed), "-o", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr
    records = parse_jsonl(out.read_text("utf-8"))
    corpus = [s for s in seed_sentences(REPO) if s["doc_id"] == "001"]
    assert len(records) == len(corpus) > 0
    for record, sentence in zip(records, corpus, strict=True):
        assert record["doc"] == seed.stem
        assert record["id"] == sentence["id"]
        assert record["sentence_index"] == int(sentence["id"].rsplit("-s", 1)[1])
        assert record["text"] == sentence["text"]
        assert record["stance"] in STANCES
        assert sum(record["stance_scores"].values()) == pytest.approx(1, abs=1e-4)
        assert set(record["frames"]) <= set(FRAMES)
