"""The annotated corpus: seed sentences, written sentences, validated labels and splits.

Layout of a corpus root (the repository root by default)::

    seeds/<doc_id>_<hash>.txt          the seed articles, byte for byte
    data/annotations/<doc_id>.jsonl    one record per kept seed sentence (codebook format)
    data/splits.json                   held-out test documents and LODO folds
    data/authored/*.jsonl              sentences written by the project for training (+ ``genre``)
    data/dev/*.jsonl                   an independent written development set, never trained on
    data/user/*.jsonl                  a user's own annotations (``framing import``), optional

The *parts* are ``seeds``, ``authored``, ``dev`` and ``user``. Seed records must quote their
article; written records carry a ``genre`` instead (they have no article to quote); user
records are plain codebook records of any text.

Everything is validated before anything is returned: one bad record and the whole
load fails with ``CorpusError("<file>:<line>: <problem>")``; nothing loads partly.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.labels import FRAMES, STANCES, frames_feature, stance_feature
from framing.segment import split_sentences

REPO_ROOT = Path(__file__).resolve().parent.parent
RECORD_KEYS = ("id", "doc_id", "text", "stance", "frames")
WRITTEN_KEYS = (*RECORD_KEYS, "genre")
PARTS = ("seeds", "authored", "dev", "user")
"""Corpus parts: the annotated seeds, the written training sentences, the written dev set, and a
user's own annotated sentences (``data/user/*.jsonl``, e.g. from ``framing import``)."""
WRITTEN_PARTS = ("authored", "dev")
GENRES = (
    "wire",
    "readout",
    "broadcast",
    "explainer",
    "headline",
    "analysis",
    "op-ed",
    "editorial",
    "reaction",
)
"""Genres of written sentences (the kinds of text real coverage of the talks is made of)."""


class CorpusError(ValueError):
    """A corpus file breaks the codebook's record format; the message names file and line."""


@dataclass(frozen=True)
class Seed:
    doc_id: str
    path: Path

    def read(self) -> str:
        return self.path.read_text(encoding="utf-8")


def corpus_root(root: str | os.PathLike | None = None) -> Path:
    """The corpus root: ``root``, else ``$FRAMING_CORPUS``, else the source checkout framing runs
    from, else the current folder when it is a checkout (``pip install .`` puts the package
    in site-packages, away from the corpus, but users run commands from their clone)."""
    chosen = Path(root or os.environ.get("FRAMING_CORPUS") or REPO_ROOT)
    if not root and not os.environ.get("FRAMING_CORPUS") and not (chosen / "seeds").is_dir():
        chosen = Path.cwd() if (Path.cwd() / "seeds").is_dir() else chosen
    if not (chosen / "seeds").is_dir():
        raise CorpusError(
            f"{chosen}: no seeds/ folder here. The corpus ships with the source repository; "
            "run from a checkout, pass --corpus PATH (command line) or root=PATH (Python), "
            "or set FRAMING_CORPUS."
        )
    return chosen


def find_seeds(root: str | os.PathLike | None = None) -> dict[str, Seed]:
    """Seed articles by doc_id (the file name's three-digit prefix)."""
    seeds_dir = corpus_root(root) / "seeds"
    seeds = {}
    for path in sorted(seeds_dir.glob("*.txt")):
        doc_id = path.name.split("_", 1)[0]
        if not (len(doc_id) == 3 and doc_id.isdigit()):
            raise CorpusError(f"{path}: seed file names must start with a 3-digit doc id and '_'")
        seeds[doc_id] = Seed(doc_id, path)
    return seeds


def sentence_id(doc_id: str, index: int) -> str:
    return f"{doc_id}-s{index:03d}"


def doc_id_from_filename(stem: str) -> str:
    """``000`` for a seed-style name ``000_8aff856e95d48c57``; any other name is its own id."""
    prefix = stem.split("_", 1)[0]
    return prefix if len(prefix) == 3 and prefix.isdigit() and "_" in stem else stem


def seed_sentences(root: str | os.PathLike | None = None) -> list[dict[str, str]]:
    """Every annotatable sentence of every seed, with its stable id, in reading order."""
    rows = []
    for doc_id, seed in find_seeds(root).items():
        for sentence in split_sentences(seed.read()):
            rows.append({"id": sentence_id(doc_id, sentence.index), "doc_id": doc_id, "text": sentence.text})
    return rows


# --------------------------------------------------------------------------- validation


def _decode_lines(path: Path) -> list[str]:
    raw = path.read_bytes()
    lines = raw.split(b"\n")
    decoded = []
    for number, line in enumerate(lines, start=1):
        try:
            decoded.append(line.decode("utf-8"))
        except UnicodeDecodeError as err:
            problem = f"not valid UTF-8 ({err.reason} at byte {err.start})"
            raise CorpusError(f"{path}:{number}: {problem}") from None
    return decoded


def _check_fields(record: Any, keys: tuple[str, ...] = RECORD_KEYS) -> None:
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    missing = [key for key in keys if key not in record]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    extra = sorted(set(record) - set(keys))
    if extra:
        raise ValueError(f"unexpected field(s) {', '.join(extra)}")
    for key in ("id", "doc_id", "text"):
        if not isinstance(record[key], str):
            raise ValueError(f"'{key}' must be a string")
    if not record["text"].strip():
        raise ValueError("empty text")
    if not record["id"].startswith(record["doc_id"] + "-s"):
        raise ValueError(f"id {record['id']!r} does not belong to doc_id {record['doc_id']!r}")


def _check_labels(record: dict) -> None:
    if record["stance"] not in STANCES:
        raise ValueError(f"unknown stance {record['stance']!r}; expected one of {', '.join(STANCES)}")
    frames = record["frames"]
    if not isinstance(frames, list):
        raise ValueError(f"'frames' must be a list, got {type(frames).__name__}")
    for frame in frames:
        if frame not in FRAMES:
            raise ValueError(f"unknown frame {frame!r}; expected any of {', '.join(FRAMES)}")
    if len(set(frames)) != len(frames):
        raise ValueError(f"repeated frame in {frames}")


def validate_record(record: Any, seed_text: str | None = None) -> None:
    """Raise ``ValueError`` with the problem if ``record`` breaks the codebook's format."""
    _check_fields(record)
    _check_labels(record)
    if seed_text is not None and record["text"] not in seed_text:
        raise ValueError(f"text of {record['id']} is not in its seed article")


def validate_written_record(record: Any) -> None:
    """Like :func:`validate_record` for a written sentence: a ``genre`` and no article."""
    _check_fields(record, WRITTEN_KEYS)
    _check_labels(record)
    if record["genre"] not in GENRES:
        raise ValueError(f"unknown genre {record['genre']!r}; expected one of {', '.join(GENRES)}")


def read_annotations(
    path: str | os.PathLike, seed_text: str | None = None, *, written: bool = False
) -> list[dict]:
    """Read and validate one annotation file; raises ``CorpusError`` naming file and line.

    ``written=True`` reads a file of written sentences (``data/authored``, ``data/dev``).
    """
    path = Path(path)
    records: list[dict] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(_decode_lines(path), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise CorpusError(f"{path}:{number}: invalid JSON ({err.msg})") from None
        try:
            validate_written_record(record) if written else validate_record(record, seed_text)
        except ValueError as err:
            raise CorpusError(f"{path}:{number}: {err}") from None
        if record["id"] in seen:
            raise CorpusError(
                f"{path}:{number}: duplicate id {record['id']!r} (first on line {seen[record['id']]})"
            )
        seen[record["id"]] = number
        records.append(record)
    return records


def load_annotations(root: str | os.PathLike | None = None) -> dict[str, list[dict]]:
    """All annotation files, validated against their seeds, by doc_id."""
    root = corpus_root(root)
    seeds = find_seeds(root)
    by_doc: dict[str, list[dict]] = {}
    for path in sorted((root / "data" / "annotations").glob("*.jsonl")):
        doc_id = path.stem
        if doc_id not in seeds:
            raise CorpusError(f"{path}: no seed article for doc_id {doc_id!r} in {root / 'seeds'}")
        records = read_annotations(path, seeds[doc_id].read())
        for number, record in enumerate(records, start=1):
            if record["doc_id"] != doc_id:
                raise CorpusError(f"{path}:{number}: doc_id {record['doc_id']!r} in the file for {doc_id!r}")
        by_doc[doc_id] = records
    if not by_doc:
        raise CorpusError(f"{root / 'data' / 'annotations'}: no annotation files")
    return by_doc


def load_written(part: str, root: str | os.PathLike | None = None) -> list[dict]:
    """All records of a written part (``authored`` or ``dev``), validated, in file order.

    Ids must be unique across the part's files; a missing or empty folder is an error, since a
    caller who asks for a part expects its sentences.
    """
    if part not in WRITTEN_PARTS:
        raise ValueError(f"unknown written part {part!r}; expected one of {', '.join(WRITTEN_PARTS)}")
    return _read_part(corpus_root(root) / "data" / part, part, written=True)


def _read_part(folder: Path, part: str, written: bool, hint: str = "") -> list[dict]:
    """Every record of every ``*.jsonl`` in ``folder``, validated, ids unique across the files."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"{folder}: no *.jsonl files for the corpus part {part!r}{hint}")
    records: list[dict] = []
    first: dict[str, str] = {}
    for path in files:
        for number, record in enumerate(read_annotations(path, written=written), start=1):
            where = first.setdefault(record["id"], f"{path.name}:{number}")
            if where != f"{path.name}:{number}":
                raise CorpusError(f"{path}:{number}: duplicate id {record['id']!r} (first in {where})")
            records.append(record)
    return records


def load_user(root: str | os.PathLike | None = None) -> list[dict]:
    """The user part: codebook records of any text (no seed article to quote), ids unique.

    These are a user's own annotations, typically written by ``framing import``; they join the
    training side like the authored sentences, tagged ``source: user`` (so they are weighted as
    written sentences, not as seed sentences, wherever they are trained on).
    """
    folder = corpus_root(root) / "data" / "user"
    return _tagged(_read_part(folder, "user", written=False, hint=" (see framing import)"), "user")


def training_extras(parts, root: str | os.PathLike | None = None) -> list[dict]:
    """The records beside the seeds that a training run with ``parts`` learns from: the authored
    sentences and the user's own, each tagged with its ``source``."""
    extras = _tagged(load_written("authored", root), "authored") if "authored" in parts else []
    if "user" in parts:
        extras += load_user(root)
    return extras


def check_parts(parts) -> tuple[str, ...]:
    """``parts`` as a tuple, refusing unknown names and a bare string."""
    if isinstance(parts, str):
        raise ValueError(f"parts must be a list or tuple of names, e.g. ({parts!r},), not a string")
    parts = tuple(parts)
    unknown = [p for p in parts if p not in PARTS]
    if unknown or not parts:
        raise ValueError(f"unknown corpus part(s) {unknown}; choose from {', '.join(PARTS)}")
    return parts


def load_splits(root: str | os.PathLike | None = None) -> dict[str, Any]:
    path = corpus_root(root) / "data" / "splits.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CorpusError(f"{path}: missing; the corpus needs its document splits") from None
    except json.JSONDecodeError as err:
        raise CorpusError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None


# --------------------------------------------------------------------------- datasets


def corpus_features():
    from datasets import ClassLabel, Features, Value

    return Features(
        {
            "id": Value("string"),
            "doc_id": Value("string"),
            "text": Value("string"),
            "stance": stance_feature(),
            "frames": frames_feature(),
            "source": ClassLabel(names=list(PARTS)),
            "genre": Value("string"),
        }
    )


def records_to_dataset(records: list[dict], source: str = "seeds"):
    """A ``datasets.Dataset`` with the corpus features from codebook records.

    ``source`` names the part for records that do not say (``source`` key); seed records
    have no genre (``None``).
    """
    from datasets import Dataset

    columns = {key: [record[key] for record in records] for key in RECORD_KEYS}
    columns["source"] = [record.get("source", source) for record in records]
    columns["genre"] = [record.get("genre") for record in records]
    return Dataset.from_dict(columns, features=corpus_features())


def load_corpus(
    root: str | os.PathLike | None = None, *, folds: bool = False, parts: tuple[str, ...] = ("seeds",)
):
    """The annotated corpus as a ``datasets.DatasetDict``; by default the seeds alone.

    Seeds: ``train`` and ``test`` follow ``data/splits.json`` (whole documents). With
    ``folds=True`` it also holds ``all`` and, for every document ``D``, the
    leave-one-document-out pair ``fold-D-train`` / ``fold-D-test``.

    ``parts`` brings in the other parts: ``"authored"`` and ``"user"`` sentences join ``train``
    and every ``fold-D-train`` (never a test split) and are also given alone under their names;
    with ``"dev"`` the development set is the split ``dev``. The ``source`` column says which
    part a sentence comes from, ``genre`` what kind of text a written sentence is.

    >>> corpus = load_corpus(parts=("seeds", "authored", "dev"))      # doctest: +SKIP
    >>> corpus["train"].features["stance"].names            # doctest: +SKIP
    ['pro-engagement', 'sceptical', 'alarmed', 'neutral']
    """
    from datasets import DatasetDict

    parts = check_parts(parts)
    extras = training_extras(parts, root)  # authored and user sentences join the training side
    splits: dict[str, Any] = {}
    if "seeds" in parts:
        by_doc = load_annotations(root)
        test_docs = set(load_splits(root)["test"])
        unknown = test_docs - set(by_doc)
        if unknown:
            raise CorpusError(f"data/splits.json: test documents {sorted(unknown)} have no annotations")

        def gather(docs) -> list[dict]:
            return [record for doc in sorted(docs) for record in by_doc[doc]]

        splits["train"] = records_to_dataset(gather(set(by_doc) - test_docs) + extras)
        splits["test"] = records_to_dataset(gather(test_docs))
        if folds:
            splits["all"] = records_to_dataset(gather(by_doc))
            for held_out in sorted(by_doc):
                splits[f"fold-{held_out}-train"] = records_to_dataset(
                    gather(set(by_doc) - {held_out}) + extras
                )
                splits[f"fold-{held_out}-test"] = records_to_dataset(by_doc[held_out])
    for part in ("authored", "user"):
        if part in parts:
            splits[part] = records_to_dataset([r for r in extras if r["source"] == part])
    if "dev" in parts:
        splits["dev"] = records_to_dataset(load_written("dev", root), source="dev")
    _check_unique_ids(splits)
    return DatasetDict(splits)


def _check_unique_ids(splits: dict[str, Any]) -> None:
    """An id names one sentence across all loaded parts (a dev id reused in training would leak)."""
    owner: dict[str, str] = {}
    for name in ("train", "test", "dev"):
        for sid in splits[name]["id"] if name in splits else []:
            if owner.setdefault(sid, name) != name:
                raise CorpusError(
                    f"sentence id {sid!r} is in both {owner[sid]!r} and {name!r}; ids must be unique"
                )


def _tagged(records: list[dict], source: str) -> list[dict]:
    return [record | {"source": source} for record in records]


# --------------------------------------------------------------------------- splits


def label_counts(records: list[dict]) -> dict[str, int]:
    counts = {name: 0 for name in (*STANCES, *FRAMES)}
    for record in records:
        counts[record["stance"]] += 1
        for frame in record["frames"]:
            counts[frame] += 1
    return counts


def make_splits(
    by_doc: dict[str, list[dict]], min_share: float = 0.2, min_per_label: int = 3
) -> dict[str, Any]:
    """Choose the held-out test documents by a fixed rule and list the LODO folds.

    The test set is the set of whole documents with the fewest sentences that holds at
    least ``min_share`` of all sentences and at least ``min_per_label`` sentences of
    every stance and every frame (ties: the lexicographically first doc ids), so the
    choice is reproducible and never depends on a model's scores.
    """
    from itertools import combinations

    docs = sorted(by_doc)
    total = sum(len(records) for records in by_doc.values())
    best: tuple[int, tuple[str, ...]] | None = None
    for size in range(1, len(docs)):
        for combo in combinations(docs, size):
            records = [r for doc in combo for r in by_doc[doc]]
            if len(records) < min_share * total:
                continue
            if min(label_counts(records).values()) < min_per_label:
                continue
            if best is None or (len(records), combo) < best:
                best = (len(records), combo)
    if best is None:
        raise CorpusError("no set of whole documents satisfies the test-set rule")
    test = list(best[1])
    return {
        "rule": (
            f"fewest sentences with >= {min_share:.0%} of the corpus and >= {min_per_label} "
            "sentences of every stance and frame; whole documents only"
        ),
        "test": test,
        "train": [doc for doc in docs if doc not in test],
        "test_share": round(best[0] / total, 3),
        "folds": [{"test": [doc], "train": [d for d in docs if d != doc]} for doc in docs],
    }
