"""The annotation round trip: predict -> export -> (annotate in the tool) -> import -> train data.

Each tool's side is simulated with its documented format: Label Studio's task import and "JSON"
export, doccano's text-classification JSONL, Prodigy's choice tasks and ``db-out``.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from framing.annotation import AnnotationError, import_annotations, label_studio_config
from framing.labels import FRAME_DESCRIPTIONS, FRAMES, STANCE_DESCRIPTIONS, STANCES

ARTICLE = "Talks stall as Kyiv is excluded\nThe U.S. team reported progress. Critics doubt the deal.\n"


@pytest.fixture
def predicted(cli, tmp_path) -> Path:
    (tmp_path / "article.txt").write_text(ARTICLE)
    assert cli("predict", "article.txt", "-o", "predicted.jsonl").code == 0
    return tmp_path / "predicted.jsonl"


def _export(cli, fmt: str, output: str) -> list[dict]:
    run = cli("export", "predicted.jsonl", "--format", fmt, "-o", output)
    assert run.code == 0, run.err
    text = Path(output).read_text()
    return json.loads(text) if fmt == "label-studio" else [json.loads(line) for line in text.splitlines()]


def test_label_studio_tasks_carry_predictions_and_ids(cli, predicted, tmp_path):
    tasks = _export(cli, "label-studio", "tasks.json")
    assert [t["data"]["id"] for t in tasks] == ["article-s001", "article-s002", "article-s003"]
    first = tasks[0]
    assert first["data"] == {
        "text": "Talks stall as Kyiv is excluded",
        "id": "article-s001",
        "doc_id": "article",
    }
    (prediction,) = first["predictions"]
    stance = next(r for r in prediction["result"] if r["from_name"] == "stance")
    assert (
        stance["type"] == "choices"
        and stance["to_name"] == "text"
        and stance["value"]["choices"] == ["neutral"]
    )
    frames = next(r for r in prediction["result"] if r["from_name"] == "frames")
    assert frames["value"]["choices"] == ["sidelining"]
    assert 0 <= prediction["score"] <= 1


def test_label_studio_config_matches_the_tasks(cli, predicted, tmp_path):
    _export(cli, "label-studio", "tasks.json")
    view = ET.fromstring((tmp_path / "tasks.label_config.xml").read_text())
    assert view.find("Text").get("value") == "$text" and view.find("Text").get("name") == "text"
    stance, frames = view.findall("Choices")
    assert (stance.get("name"), stance.get("choice"), stance.get("required")) == ("stance", "single", "true")
    assert [c.get("value") for c in stance] == list(STANCES)
    assert [c.get("hint") for c in stance] == [STANCE_DESCRIPTIONS[s] for s in STANCES]
    assert (frames.get("name"), frames.get("choice")) == ("frames", "multiple")
    assert [c.get("hint") for c in frames] == [FRAME_DESCRIPTIONS[f] for f in FRAMES]
    assert label_studio_config() == (tmp_path / "tasks.label_config.xml").read_text()


def _annotate_label_studio(tasks: list[dict]) -> list[dict]:
    """What Label Studio's JSON export holds after a person accepted or changed the predictions."""
    exported = []
    for number, task in enumerate(tasks, start=1):
        result = [dict(r) for r in task["predictions"][0]["result"]]
        if number == 2:  # the annotator disagrees with the model here
            result = [{"from_name": "stance", "to_name": "text", "type": "choices",
                       "value": {"choices": ["sceptical"]}}]  # fmt: skip
        annotations = [] if number == 3 else [{"id": number, "result": result, "was_cancelled": False}]
        exported.append({"id": 100 + number, "data": task["data"], "annotations": annotations})
    return exported


def test_label_studio_round_trip(cli, predicted, tmp_path):
    tasks = _export(cli, "label-studio", "tasks.json")
    (tmp_path / "export.json").write_text(json.dumps(_annotate_label_studio(tasks)))
    run = cli("import", "export.json", "--format", "label-studio", "-o", "round1.jsonl")
    assert run.code == 0, run.err
    assert "2 record(s) written to round1.jsonl, 1 task(s) without an annotation skipped" in run.err
    records = [json.loads(line) for line in (tmp_path / "round1.jsonl").read_text().splitlines()]
    assert records == [
        {"id": "article-s001", "doc_id": "article", "text": "Talks stall as Kyiv is excluded",
         "stance": "neutral", "frames": ["sidelining"]},
        {"id": "article-s002", "doc_id": "article", "text": "The U.S. team reported progress.",
         "stance": "sceptical", "frames": []},
    ]  # fmt: skip


def test_doccano_round_trip(cli, predicted, tmp_path):
    tasks = _export(cli, "doccano", "tasks.jsonl")
    assert set(tasks[0]) >= {"text", "label"} and tasks[0]["label"] == ["neutral", "sidelining"]
    exported = [{"id": i, **t} for i, t in enumerate(tasks, start=1)]  # doccano keeps extra keys
    exported[2]["label"] = ["alarmed", "win-loss", "stalling"]
    (tmp_path / "doccano.jsonl").write_text("".join(json.dumps(t) + "\n" for t in exported))
    records, skipped = import_annotations(tmp_path / "doccano.jsonl", "doccano")
    assert skipped == 0 and len(records) == 3
    assert records[2]["stance"] == "alarmed" and records[2]["frames"] == ["stalling", "win-loss"]


def _doccano_export(tasks: list[dict], labels: dict[int, list[str]]) -> list[dict]:
    """doccano 1.8.4's text-classification round trip, as its source has it: on import the
    ``label`` column becomes categories and every other key but ``text`` the example's ``meta``
    (data_import/pipeline/data.py); the JSONL export writes ``{"id": <doccano id>, "text", **meta}``
    (so our ``id`` in meta replaces doccano's), the categories as a sorted ``label`` list and a
    ``Comments`` column (data_export/models.py, pipeline/formatters.py)."""
    exported = []
    for number, task in enumerate(tasks, start=1):
        meta = {k: v for k, v in task.items() if k not in ("text", "label")}
        chosen = labels.get(number, task["label"])
        exported.append({"id": number, "text": task["text"], **meta, "label": sorted(chosen), "Comments": []})
    return exported


def test_doccano_export_as_doccano_writes_it(cli, predicted, tmp_path):
    tasks = _export(cli, "doccano", "tasks.jsonl")
    # Annotators agreeing in a collaborative project: each one's copy of a label is listed.
    exported = _doccano_export(tasks, {2: ["sceptical", "sceptical", "stalling"], 3: []})
    assert exported[0]["id"] == "article-s001" and exported[0]["doc_id"] == "article"
    (tmp_path / "all.jsonl").write_text("".join(json.dumps(t) + "\n" for t in exported))
    records, skipped = import_annotations(tmp_path / "all.jsonl", "doccano")
    assert skipped == 1 and [r["id"] for r in records] == ["article-s001", "article-s002"]
    assert records[1]["stance"] == "sceptical" and records[1]["frames"] == ["stalling"]


def test_doccano_zip_is_named_not_misread(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "export.zip", "w") as archive:
        archive.writestr("admin.jsonl", "")
        archive.writestr("annotator.jsonl", "")
    with pytest.raises(AnnotationError, match=r"a zip archive \(holding admin.jsonl, annotator.jsonl\)"):
        import_annotations(tmp_path / "export.zip", "doccano")


def test_label_studio_json_min_export_is_named(tmp_path):
    (tmp_path / "min.json").write_text(
        json.dumps([{"text": "a", "id": 7, "doc_id": "d", "stance": "neutral"}])
    )
    with pytest.raises(AnnotationError, match="task 7: expected an object with 'data' .*JSON-MIN"):
        import_annotations(tmp_path / "min.json", "label-studio")


def test_prodigy_round_trip(cli, predicted, tmp_path):
    tasks = _export(cli, "prodigy", "tasks.jsonl")
    assert [o["id"] for o in tasks[0]["options"]] == [*STANCES, *FRAMES]
    # A stance and frames are chosen together: the choice interface must allow several options.
    assert all(t["config"] == {"choice_style": "multiple"} for t in tasks)
    assert tasks[0]["accept"] == ["neutral", "sidelining"] and tasks[0]["meta"]["doc_id"] == "article"
    answers = ["accept", "reject", "accept"]
    out = [t | {"answer": a, "_view_id": "choice"} for t, a in zip(tasks, answers)]
    (tmp_path / "db-out.jsonl").write_text("".join(json.dumps(t) + "\n" for t in out))
    records, skipped = import_annotations(tmp_path / "db-out.jsonl", "prodigy")
    assert skipped == 1 and [r["id"] for r in records] == ["article-s001", "article-s003"]


def test_texts_without_predictions_export_without_pre_annotations(cli, tmp_path):
    (tmp_path / "texts.jsonl").write_text('{"text": "Envoys met."}\n{"text": "Talks stalled."}\n')
    run = cli("export", "texts.jsonl", "--format", "label-studio", "-o", "tasks.json")
    assert run.code == 0, run.err
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert "predictions" not in tasks[0] and tasks[1]["data"]["id"] == "texts-s002"


BAD = {
    "two-stances": ({"text": "x", "label": ["neutral", "alarmed"], "id": "d-s001", "doc_id": "d"},
                    r":1: needs exactly one stance, found neutral, alarmed"),
    "no-stance": ({"text": "x", "label": ["stalling"], "id": "d-s001", "doc_id": "d"},
                  r":1: needs exactly one stance, found none"),
    "unknown-label": ({"text": "x", "label": ["neutral", "hostile"], "id": "d-s001", "doc_id": "d"},
                      r":1: unknown label\(s\) hostile"),
    "no-doc-id": ({"text": "x", "label": ["neutral"], "id": "d-s001"}, r":1: no doc_id"),
    "bad-id": ({"text": "x", "label": ["neutral"], "id": "7", "doc_id": "d"},
               r":1: id '7' is not of the form"),
    "no-text": ({"label": ["neutral"], "id": "d-s001", "doc_id": "d"}, r":1: no text"),
}  # fmt: skip


@pytest.mark.parametrize("task,message", BAD.values(), ids=BAD.keys())
def test_bad_annotations_name_file_and_task(tmp_path, task, message):
    path = tmp_path / "doccano.jsonl"
    path.write_text(json.dumps(task) + "\n")
    with pytest.raises(AnnotationError, match=message):
        import_annotations(path, "doccano")


def test_import_errors_exit_2_and_write_nothing(cli, tmp_path):
    (tmp_path / "export.json").write_text('{"not": "a list"}')
    run = cli("import", "export.json", "--format", "label-studio", "-o", "out.jsonl")
    assert run.code == 2 and "expected a JSON list of tasks" in run.err
    assert not (tmp_path / "out.jsonl").exists()
    stance = {"from_name": "stance", "value": {"choices": ["neutral"]}}
    twice = [
        {"id": 1, "data": {"text": "a", "id": "d-s001", "doc_id": "d"}, "annotations": [{"result": [stance]}]}
    ] * 2
    (tmp_path / "export.json").write_text(json.dumps(twice))
    run = cli("import", "export.json", "--format", "label-studio", "-o", "out.jsonl")
    assert run.code == 2 and "annotated twice" in run.err
    run = cli("import", "export.json", "--format", "label-studio", "-o", "new/user/out.jsonl")
    assert run.code == 2 and not (tmp_path / "new").exists()  # no folder left from a failed import


def test_a_failed_write_removes_the_folders_the_import_made(cli, predicted, tmp_path, monkeypatch):
    import contextlib

    import framing.predict_io as pio

    tasks = _export(cli, "doccano", "tasks.jsonl")
    (tmp_path / "doccano.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))

    @contextlib.contextmanager
    def full_disk(output):
        raise pio.FileAccessError(f"{output}: cannot write (No space left on device)")
        yield

    monkeypatch.setattr(pio, "open_output", full_disk)
    run = cli("import", "doccano.jsonl", "--format", "doccano", "-o", "new/user/r1.jsonl")
    assert run.code == 1 and "No space left" in run.err
    assert not (tmp_path / "new").exists()


def test_imported_records_are_a_corpus_part(cli, predicted, tmp_path):
    import shutil

    from framing.corpus import REPO_ROOT, load_corpus

    root = tmp_path / "corpus"
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds")
    shutil.copytree(REPO_ROOT / "data", root / "data", ignore=shutil.ignore_patterns("user"))
    tasks = _export(cli, "doccano", "tasks.jsonl")
    assert not (root / "data" / "user").exists()  # a fresh clone: the import makes the folder
    lines = [json.dumps(t) + "\n" for t in tasks]
    (tmp_path / "doccano.jsonl").write_text("".join(lines))
    assert (
        cli("import", "doccano.jsonl", "--format", "doccano", "-o", str(root / "data/user/r1.jsonl")).code
        == 0
    )
    corpus = load_corpus(root, parts=("seeds", "user"), folds=True)
    assert corpus["user"].num_rows == 3
    names = corpus["train"].features["source"].names
    assert sum(names[s] == "user" for s in corpus["train"]["source"]) == 3
    assert all("article-s001" in corpus[f"fold-{d}-train"]["id"] for d in ("000", "001"))
    assert "article-s001" not in corpus["test"]["id"]


@pytest.mark.slow
def test_train_with_user_annotations(cli, predicted, tmp_path):
    import shutil

    from framing.corpus import REPO_ROOT
    from framing.model import load_model

    root = tmp_path / "corpus"
    shutil.copytree(REPO_ROOT / "seeds", root / "seeds")
    shutil.copytree(REPO_ROOT / "data", root / "data", ignore=shutil.ignore_patterns("user"))
    (root / "data" / "user").mkdir()
    tasks = _export(cli, "doccano", "tasks.jsonl")
    (tmp_path / "doccano.jsonl").write_text("".join(json.dumps(t) + "\n" for t in tasks))
    assert (
        cli("import", "doccano.jsonl", "--format", "doccano", "-o", str(root / "data/user/r1.jsonl")).code
        == 0
    )
    from framing.cli import main

    out = tmp_path / "model"
    argv = ["train", "--model", "fast", "--seeds-only", "--with-user", "--no-cv", "--no-dev"]
    assert main([*argv, "--corpus", str(root), "-o", str(out), "--quiet"]) == 0
    training = load_model(out).config.training
    assert training["parts"] == ["seeds", "user"] and training["sentences"] == 325 + 3
