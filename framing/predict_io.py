"""Input and output of ``framing predict``: lazy readers, chunked prediction, atomic writers.

Nothing here imports torch: the model is any object with
``predict(texts: list[str], batch_size: int) -> list[Prediction]``.

* Readers (:func:`iter_records`) yield one :class:`InputRecord` at a time and
  validate as they go; a bad line raises :class:`InputError` with a message
  ``"<file>:<line>: <problem>"``.
* :func:`predict_stream` cuts the records into chunks, predicts each chunk and
  yields ``(record, prediction)`` pairs in input order.
* Writers (:func:`make_writer`) turn the pairs into JSON Lines or CSV, and
  :func:`open_output` writes a file atomically (temp file + ``os.replace``), so a
  failed run never leaves a partial output file behind.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from framing.labels import FRAMES, STANCES
from framing.results import RESULT_FIELDS, Prediction

STDIN = "-"
"""The input name that reads JSON Lines from standard input."""

INPUT_FORMATS = {".jsonl": "jsonl", ".csv": "csv", ".txt": "txt"}
OUTPUT_FORMATS = ("jsonl", "csv")
DEFAULT_CHUNK_SIZE = 2048

CSV_RESULT_COLUMNS: tuple[str, ...] = (
    "stance",
    "frames",
    *(f"stance_score.{name}" for name in STANCES),
    *(f"frame_score.{name}" for name in FRAMES),
)
"""Columns that ``--format csv`` adds after the input's own columns."""


class InputError(ValueError):
    """Unreadable or malformed input; the message names the file (and line where there is one)."""


@dataclass
class InputRecord:
    """One text to label, the record it came from, and where it was read."""

    source: str
    """The input as the user named it (``<stdin>`` for ``-``)."""
    line: int | None
    """Line where the record starts (``None`` for sentences of a ``.txt`` article)."""
    fields: dict[str, Any]
    """The record as read; passed through to the output unchanged."""
    text: str

    @property
    def where(self) -> str:
        if self.line is not None:
            return f"{self.source}:{self.line}"
        index = self.fields.get("sentence_index")
        return f"{self.source} (sentence {index})" if index is not None else self.source

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()


# --------------------------------------------------------------------------- reading


def input_format(name: str) -> str:
    """``jsonl``, ``csv`` or ``txt`` for an input name; ``-`` (stdin) is JSON Lines."""
    if name == STDIN:
        return "jsonl"
    suffix = Path(name).suffix.lower()
    if suffix not in INPUT_FORMATS:
        known = ", ".join(INPUT_FORMATS)
        shown = f"'{suffix}'" if suffix else "no extension"
        raise InputError(f"{name}: unknown input format ({shown}); expected {known}, or - for stdin")
    return INPUT_FORMATS[suffix]


def check_inputs(names: Iterable[str]) -> None:
    """Fail early, before any work, on an unknown extension or a file that cannot be opened."""
    for name in names:
        input_format(name)
        if name == STDIN:
            continue
        path = Path(name)
        if not path.exists():
            raise InputError(f"{name}: no such file")
        if path.is_dir():
            raise InputError(f"{name}: is a directory, expected a file")
        if not os.access(path, os.R_OK):
            raise InputError(f"{name}: permission denied")


def iter_records(names: Iterable[str], text_field: str = "text") -> Iterator[InputRecord]:
    """Records of every input, in order, read lazily and validated as they are read."""
    for name in names:
        yield from read_input(name, text_field)


def read_input(name: str, text_field: str = "text") -> Iterator[InputRecord]:
    """Records of one input (a path, or ``-`` for JSON Lines on stdin)."""
    fmt = input_format(name)
    if name == STDIN:
        yield from read_jsonl(sys.stdin.buffer, "<stdin>", text_field)
        return
    with _open_binary(name) as stream:
        if fmt == "jsonl":
            yield from read_jsonl(stream, name, text_field)
        elif fmt == "csv":
            yield from read_csv(stream, name, text_field)
        else:
            yield from read_txt(stream, name)


@contextlib.contextmanager
def _open_binary(name: str) -> Iterator[IO[bytes]]:
    try:
        stream = open(name, "rb")
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, expected a file") from None
    except OSError as err:
        raise InputError(f"{name}: cannot read ({err.strerror or err})") from None
    with stream:
        yield stream


def _decoded_lines(stream: IO[bytes], source: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` per line of a byte stream; a leading BOM is dropped."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{source}:{number}: not valid UTF-8 ({err.reason} at byte {err.start + 1} of the line)"
            ) from None
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield number, line


_JSON_TYPES = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "number" if isinstance(value, int | float) else type(value).__name__)


def _text_of(fields: dict[str, Any], text_field: str, where: str, kind: str) -> str:
    if text_field not in fields:
        shown = ", ".join(map(str, fields)) or "none"
        raise InputError(
            f"{where}: no '{text_field}' {kind} ({kind}s: {shown}); name the text {kind} with --text-field"
        )
    text = fields[text_field]
    if not isinstance(text, str):
        raise InputError(f"{where}: '{text_field}' must be a string, got {_json_type(text)}")
    return text


def read_jsonl(stream: IO[bytes], source: str, text_field: str = "text") -> Iterator[InputRecord]:
    """One record per non-blank line; each line must be a JSON object with a string text field."""
    for number, line in _decoded_lines(stream, source):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            fields = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(f"{where}: invalid JSON ({err.msg} at column {err.colno})") from None
        if not isinstance(fields, dict):
            raise InputError(f"{where}: expected a JSON object, got {_json_type(fields)}")
        yield InputRecord(source, number, fields, _text_of(fields, text_field, where, "field"))


def read_csv(stream: IO[bytes], source: str, text_field: str = "text") -> Iterator[InputRecord]:
    """One record per row after the header row; cells are strings, passed through as such."""
    reader = csv.reader(line for _, line in _decoded_lines(stream, source))

    def next_row() -> tuple[int, list[str] | None]:
        start = reader.line_num + 1
        try:
            return start, next(reader, None)
        except csv.Error as err:
            raise InputError(f"{source}:{start}: malformed CSV ({err})") from None

    header_line, header = next_row()
    if header is None:
        raise InputError(f"{source}:1: empty file, expected a header row naming the columns")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InputError(f"{source}:{header_line}: repeated column name(s) {', '.join(duplicates)}")
    if text_field not in header:
        shown = ", ".join(header) or "none"
        raise InputError(
            f"{source}:{header_line}: no '{text_field}' column (columns: {shown}); "
            "name the text column with --text-field"
        )
    while True:
        number, row = next_row()
        if row is None:
            return
        if not row:
            continue  # blank line
        if len(row) != len(header):
            raise InputError(f"{source}:{number}: row has {len(row)} cells, the header has {len(header)}")
        fields = dict(zip(header, row, strict=True))
        yield InputRecord(source, number, fields, fields[text_field])


def read_txt(stream: IO[bytes], source: str) -> Iterator[InputRecord]:
    """An article split into sentences with the corpus splitter.

    The article is read whole (it is one document: cleaning and the removal of
    repeated sentences look at all of it); its sentences are still yielded lazily.
    """
    from framing.corpus import doc_id_from_filename, sentence_id
    from framing.segment import split_sentences

    raw = stream.read()
    try:
        article = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise InputError(
            f"{source}:{line}: not valid UTF-8 ({err.reason} at byte {column} of the line)"
        ) from None
    doc = Path(source).stem
    doc_id = doc_id_from_filename(doc)
    for sentence in split_sentences(article):
        fields = {
            "id": sentence_id(doc_id, sentence.index),
            "doc": doc,
            "sentence_index": sentence.index,
            "text": sentence.text,
        }
        yield InputRecord(source, None, fields, sentence.text)


# --------------------------------------------------------------------------- predicting


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of at most ``size`` items; reads only one chunk ahead."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def predict_stream(
    records: Iterable[InputRecord],
    model: Any | Callable[[], Any],
    *,
    batch_size: int = 32,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
) -> Iterator[tuple[InputRecord, Prediction]]:
    """``(record, prediction)`` per record, in input order, predicting ``chunk_size`` records at a time.

    Blank texts never reach the model: they get :meth:`Prediction.empty`. ``model``
    may be a zero-argument callable returning the model (anything without a
    ``predict`` method is called); it is then called once, when the first chunk
    with a non-blank text is ready, so malformed input fails before a slow load.
    ``on_chunk(n)`` is called after each chunk of ``n`` records has been predicted.
    """
    loaded = model if hasattr(model, "predict") else None
    for chunk in chunked(records, chunk_size):
        texts = [record.text for record in chunk if not record.is_blank]
        predicted: list[Prediction] = []
        if texts:
            if loaded is None:
                loaded = model()
            predicted = list(loaded.predict(texts, batch_size=batch_size))
            if len(predicted) != len(texts):
                raise RuntimeError(f"the model returned {len(predicted)} predictions for {len(texts)} texts")
        answers = iter(predicted)
        pairs = [(r, Prediction.empty(r.text) if r.is_blank else next(answers)) for r in chunk]
        if on_chunk is not None:
            on_chunk(len(chunk))
        yield from pairs


# --------------------------------------------------------------------------- writing


def output_format(output: str | None, requested: str | None = None) -> str:
    """``requested`` if given, else ``csv`` for an output named ``*.csv``, else ``jsonl``."""
    if requested:
        if requested not in OUTPUT_FORMATS:
            raise ValueError(f"unknown output format {requested!r}")
        return requested
    if output and output != "-" and Path(output).suffix.lower() == ".csv":
        return "csv"
    return "jsonl"


class JsonlWriter:
    """Each input record plus the four result fields, one JSON object per line."""

    def __init__(self, stream: IO[str]):
        self.stream = stream

    @staticmethod
    def replaced(fields: dict[str, Any]) -> list[str]:
        """Input fields that the result fields overwrite."""
        return [name for name in fields if name in RESULT_FIELDS]

    def write(self, fields: dict[str, Any], prediction: Prediction) -> None:
        record = {**fields, **prediction.to_dict()}
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self) -> None:
        self.stream.flush()


class CsvWriter:
    """Input columns (those of the first record), then :data:`CSV_RESULT_COLUMNS`.

    Frames are joined by ``;``; a null stance or score is an empty cell; input
    values that are not strings or numbers (lists, objects) are written as JSON.
    ``dropped`` collects input fields that later records have but the first did
    not: a CSV header cannot grow once written.
    """

    def __init__(self, stream: IO[str]):
        self.writer = csv.writer(stream)
        self.stream = stream
        self.columns: list[str] | None = None
        self.dropped: set[str] = set()

    @staticmethod
    def replaced(fields: dict[str, Any]) -> list[str]:
        """Input fields that the result columns overwrite."""
        return [name for name in fields if name in CSV_RESULT_COLUMNS]

    def write(self, fields: dict[str, Any], prediction: Prediction) -> None:
        if self.columns is None:
            self.columns = [name for name in fields if name not in CSV_RESULT_COLUMNS]
            self.writer.writerow([*self.columns, *CSV_RESULT_COLUMNS])
        self.dropped.update(
            name for name in fields if name not in self.columns and name not in CSV_RESULT_COLUMNS
        )
        row = [_cell(fields.get(name)) for name in self.columns]
        row.append(_cell(prediction.stance))
        row.append(";".join(prediction.frames))
        row.extend(_cell(prediction.stance_scores.get(name)) for name in STANCES)
        row.extend(_cell(prediction.frame_scores.get(name)) for name in FRAMES)
        self.writer.writerow(row)

    def close(self) -> None:
        self.stream.flush()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def make_writer(fmt: str, stream: IO[str]) -> JsonlWriter | CsvWriter:
    return CsvWriter(stream) if fmt == "csv" else JsonlWriter(stream)


def check_output(output: str | None) -> None:
    """Fail early when the output file could not be created."""
    if not output or output == "-":
        return
    path = Path(output)
    if path.is_dir():
        raise InputError(f"{output}: is a directory, expected an output file name")
    parent = path.parent
    if not parent.is_dir():
        raise InputError(f"{output}: cannot write, folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{output}: cannot write, folder {str(parent)!r} is not writable")


@contextlib.contextmanager
def open_output(output: str | None) -> Iterator[IO[str]]:
    """A UTF-8 text stream for ``output``: stdout for ``None`` or ``-``, else an atomic file."""
    if not output or output == "-":
        with _utf8_stdout() as stream:
            yield stream
    else:
        with atomic_write(output) as stream:
            yield stream


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[IO[str]]:
    """Write to a temp file beside ``path`` and ``os.replace`` it into place on success.

    On any exception (including KeyboardInterrupt) the temp file is removed and
    ``path`` is left as it was. The file gets the permissions a plain ``open``
    would give it (those of the file it replaces, if any).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def _utf8_stdout() -> Iterator[IO[str]]:
    stdout = sys.stdout
    encoding = (getattr(stdout, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    if encoding == "utf8" or not hasattr(stdout, "buffer"):
        yield stdout
        stdout.flush()
        return
    stdout.flush()
    wrapper = io.TextIOWrapper(stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()
