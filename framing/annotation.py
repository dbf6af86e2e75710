"""Round trip to annotation tools: export sentences with the model's labels as pre-annotations,
import what annotators decided back into the codebook's record format.

Three tools, each in its own documented format:

``label-studio``  a JSON list of tasks (``data`` + ``predictions``); the export of annotated
                  tasks (Label Studio's "JSON" export) comes back. :func:`label_studio_config`
                  is the labelling interface: stance a single choice, frames multiple choices,
                  each with the codebook's one-line definition as its hint.
``doccano``       JSON Lines for a text-classification project (``text`` + ``label`` list; the
                  other keys become the example's metadata); doccano's JSONL export comes back
                  (a zip holding ``<user>.jsonl`` or ``all.jsonl``: the metadata, our ``id``
                  included, is written back beside ``text`` and ``label``).
``prodigy``       JSON Lines for the ``choice`` interface (``options``, pre-selected ``accept``,
                  ``meta``, ``config.choice_style`` multiple so a stance and frames can be picked
                  together); ``prodigy db-out`` comes back, and only ``accept`` answers count.

Every task carries the sentence's ``id`` and ``doc_id``, so imported records keep them and a
document stays whole in cross-validation. Imported records are validated like the corpus's own
(one stance, known frames, an id of the form ``<doc_id>-s<n>``); a problem is an
:class:`AnnotationError` naming the file and the task.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from framing.labels import FRAME_DESCRIPTIONS, FRAMES, STANCE_DESCRIPTIONS, STANCES

FORMATS = ("label-studio", "doccano", "prodigy")


class AnnotationError(ValueError):
    """An exported annotation file that cannot become codebook records; names file and task."""


# --------------------------------------------------------------------------- export


def task_source(fields: dict[str, Any], source: str, index: int) -> tuple[str, str]:
    """``(id, doc_id)`` of a record to annotate: its own if it has them, else made up from the
    input's name and the record's position, in the corpus's ``<doc_id>-s<NNN>`` form."""
    doc_id = str(fields.get("doc_id") or fields.get("doc") or Path(source).stem or "doc")
    sid = fields.get("id")
    if not isinstance(sid, str) or not sid.startswith(f"{doc_id}-s"):
        sid = f"{doc_id}-s{index:03d}"
    return sid, doc_id


def _predicted(fields: dict[str, Any]) -> dict[str, Any] | None:
    """The model's labels in a record written by ``framing predict``, or None for plain texts."""
    stance, scores = fields.get("stance"), fields.get("stance_scores")
    if stance not in STANCES or not isinstance(scores, dict):
        return None
    frames = [f for f in fields.get("frames") or [] if f in FRAMES]
    frame_scores = fields.get("frame_scores") if isinstance(fields.get("frame_scores"), dict) else {}
    return {"stance": stance, "score": scores.get(stance), "frames": frames, "frame_scores": frame_scores}


def label_studio_task(text: str, sid: str, doc_id: str, predicted: dict | None, model_version: str) -> dict:
    task: dict[str, Any] = {"data": {"text": text, "id": sid, "doc_id": doc_id}}
    if predicted:
        result = [
            {
                "id": f"{sid}-stance",
                "from_name": "stance",
                "to_name": "text",
                "type": "choices",
                "value": {"choices": [predicted["stance"]]},
                "score": predicted["score"],
            }
        ]
        if predicted["frames"]:
            result.append(
                {
                    "id": f"{sid}-frames",
                    "from_name": "frames",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": predicted["frames"]},
                }
            )
        prediction = {"model_version": model_version, "score": predicted["score"], "result": result}
        task["predictions"] = [prediction]
    return task


def doccano_task(text: str, sid: str, doc_id: str, predicted: dict | None) -> dict:
    labels = [predicted["stance"], *predicted["frames"]] if predicted else []
    return {"text": text, "label": labels, "id": sid, "doc_id": doc_id}


def prodigy_task(text: str, sid: str, doc_id: str, predicted: dict | None, model_version: str) -> dict:
    options = [{"id": s, "text": f"stance: {s}"} for s in STANCES] + [
        {"id": f, "text": f"frame: {f}"} for f in FRAMES
    ]
    meta: dict[str, Any] = {"id": sid, "doc_id": doc_id}
    # A stance and any frames are picked together: without "multiple" the choice interface lets
    # the annotator select one option only. The task's own config sets it for this task.
    task: dict[str, Any] = {
        "text": text,
        "options": options,
        "meta": meta,
        "config": {"choice_style": "multiple"},
    }
    if predicted:
        task["accept"] = [predicted["stance"], *predicted["frames"]]
        meta |= {"model": model_version, "stance_score": predicted["score"]}
    return task


def export_tasks(
    records: Iterable[tuple[dict[str, Any], str, str]], fmt: str, model_version: str = "framing"
) -> Iterator[dict]:
    """One task per ``(fields, text, source)``; the model's labels become pre-annotations."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown annotation format {fmt!r}; choose from {', '.join(FORMATS)}")
    counters: dict[str, int] = {}
    for fields, text, source in records:
        counters[source] = counters.get(source, 0) + 1
        sid, doc_id = task_source(fields, source, counters[source])
        predicted = _predicted(fields)
        if fmt == "label-studio":
            yield label_studio_task(text, sid, doc_id, predicted, model_version)
        elif fmt == "doccano":
            yield doccano_task(text, sid, doc_id, predicted)
        else:
            yield prodigy_task(text, sid, doc_id, predicted, model_version)


def label_studio_config() -> str:
    """The labelling interface: the sentence, stance as one required choice, frames as any number."""

    def choices(names: Iterable[str], hints: dict[str, str]) -> str:
        return "\n".join(f"    <Choice value={quoteattr(n)} hint={quoteattr(hints[n])}/>" for n in names)

    return f"""<View>
  <Text name="text" value="$text"/>
  <Header value="Stance toward the US-Russia talks (one)"/>
  <Choices name="stance" toName="text" choice="single" required="true" showInline="true">
{choices(STANCES, STANCE_DESCRIPTIONS)}
  </Choices>
  <Header value="Frames (any, or none)"/>
  <Choices name="frames" toName="text" choice="multiple" showInline="true">
{choices(FRAMES, FRAME_DESCRIPTIONS)}
  </Choices>
</View>
"""


# --------------------------------------------------------------------------- import


def _record(sid: Any, doc_id: Any, text: Any, labels: list[str], where: str) -> dict:
    """A codebook record from one annotated task, or :class:`AnnotationError` saying why not."""
    if not isinstance(text, str) or not text.strip():
        raise AnnotationError(f"{where}: no text")
    if not isinstance(doc_id, str) or not doc_id:
        raise AnnotationError(f"{where}: no doc_id (export the tasks with framing export to keep it)")
    if not isinstance(sid, str) or not sid.startswith(f"{doc_id}-s"):
        raise AnnotationError(f"{where}: id {sid!r} is not of the form '{doc_id}-s<n>'")
    unknown = [label for label in labels if label not in STANCES and label not in FRAMES]
    if unknown:
        raise AnnotationError(f"{where}: unknown label(s) {', '.join(map(str, unknown))}")
    # The same label twice is one decision (doccano's collaborative export lists each
    # annotator's copy); two different stances are a conflict.
    stances = list(dict.fromkeys(label for label in labels if label in STANCES))
    if len(stances) != 1:
        found = ", ".join(stances) or "none"
        raise AnnotationError(f"{where}: needs exactly one stance, found {found}")
    frames = [f for f in FRAMES if f in labels]  # codebook order, no repeats
    return {"id": sid, "doc_id": doc_id, "text": text, "stance": stances[0], "frames": frames}


def import_label_studio(path: Path) -> tuple[list[dict], int]:
    try:
        tasks = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise AnnotationError(f"{path}: not a Label Studio JSON export ({err})") from None
    if not isinstance(tasks, list):
        raise AnnotationError(f"{path}: expected a JSON list of tasks (Label Studio's 'JSON' export)")
    records, skipped = [], 0
    for number, task in enumerate(tasks, start=1):
        where = f"{path}: task {task.get('id', number) if isinstance(task, dict) else number}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            hint = ""
            if isinstance(task, dict) and "text" in task:  # JSON-MIN puts Label Studio's task id in 'id'
                hint = " (this looks like the JSON-MIN export, which loses the sentence id: export as 'JSON')"
            raise AnnotationError(f"{where}: expected an object with 'data'{hint}")
        annotations = task.get("annotations") or []
        done = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
        if not done:
            skipped += 1
            continue
        labels: list[str] = []
        for item in done[-1].get("result") or []:  # the latest annotation counts
            if isinstance(item, dict) and item.get("from_name") in ("stance", "frames"):
                labels += list((item.get("value") or {}).get("choices") or [])
        data = task["data"]
        records.append(_record(data.get("id"), data.get("doc_id"), data.get("text"), labels, where))
    return records, skipped


def _jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    if zipfile.is_zipfile(path):  # doccano's export is a zip of one JSONL file per annotator
        with zipfile.ZipFile(path) as archive:
            names = ", ".join(archive.namelist()) or "nothing"
        raise AnnotationError(f"{path}: a zip archive (holding {names}); unzip it and import one JSONL file")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        raise AnnotationError(f"{path}: not UTF-8 ({err.reason})") from None
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as err:
                raise AnnotationError(f"{path}:{number}: invalid JSON ({err.msg})") from None


def import_doccano(path: Path) -> tuple[list[dict], int]:
    records, skipped = [], 0
    for number, task in _jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(task, dict):
            raise AnnotationError(f"{where}: expected a JSON object")
        labels = task.get("label") or task.get("labels") or []
        if not labels:
            skipped += 1
            continue
        labels = [label[-1] if isinstance(label, list) else label for label in labels]
        records.append(_record(task.get("id"), task.get("doc_id"), task.get("text"), labels, where))
    return records, skipped


def import_prodigy(path: Path) -> tuple[list[dict], int]:
    records, skipped = [], 0
    for number, task in _jsonl(path):
        where = f"{path}:{number}"
        if not isinstance(task, dict):
            raise AnnotationError(f"{where}: expected a JSON object")
        if task.get("answer") != "accept":
            skipped += 1
            continue
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        labels = task.get("accept") or []
        records.append(_record(meta.get("id"), meta.get("doc_id"), task.get("text"), labels, where))
    return records, skipped


IMPORTERS = {"label-studio": import_label_studio, "doccano": import_doccano, "prodigy": import_prodigy}


def import_annotations(path: str | Path, fmt: str) -> tuple[list[dict], int]:
    """Codebook records from an annotation tool's export, and how many tasks were not annotated.

    Ids must be unique within the file; the first problem stops the import.
    """
    if fmt not in IMPORTERS:
        raise ValueError(f"unknown annotation format {fmt!r}; choose from {', '.join(FORMATS)}")
    path = Path(path)
    if not path.is_file():
        raise AnnotationError(f"{path}: no such file")
    records, skipped = IMPORTERS[fmt](path)
    seen: set[str] = set()
    for record in records:
        if record["id"] in seen:
            raise AnnotationError(f"{path}: sentence id {record['id']!r} is annotated twice")
        seen.add(record["id"])
    return records, skipped
