"""Input and output of ``framing predict``: lazy readers, chunked prediction, atomic writers.

Nothing here imports torch: the model is any object with
``predict(texts: list[str], batch_size: int) -> list[Prediction]``.

* Readers (:func:`iter_records`) yield one :class:`InputRecord` at a time and
  validate as they go; a bad line raises :class:`InputError` with a message
  ``"<file>:<line>: <problem>"``.
* :func:`predict_stream` cuts the records into chunks, predicts each chunk and
  yields ``(record, prediction)`` pairs in input order; :class:`ChunkPlanner` is its
  bookkeeping, shared with the Dask path (``framing.distributed``).
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
import math
import os
import re
import stat
import sys
import tempfile
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from framing.labels import FRAMES, STANCES
from framing.results import RESULT_FIELDS, Prediction
from framing.schema import json_type

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


class FileAccessError(RuntimeError):
    """A file that is fine as input could not be read or written (disk full, permission, I/O
    error); the message names the path. The CLI reports it in one line with exit status 1."""


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
    cut: bool = False
    """A piece of a longer stretch with no sentence end (``.txt`` input; see
    :data:`framing.segment.MAX_SENTENCE_CHARS`)."""

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
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None or stdin.closed:
            raise InputError(
                "<stdin>: standard input is closed; pipe JSON Lines into 'framing predict -', or name a file"
            )
        yield from read_jsonl(stdin, "<stdin>", text_field)
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
    """``(line number, text)`` per line of a UTF-8 byte stream; a leading BOM is dropped.

    UTF-16 and UTF-32 (by byte order mark or by their NUL bytes) are refused with a message
    that says how to convert; a read error becomes :class:`FileAccessError`.
    """
    lines = _raw_lines(stream, source)
    for number, raw in enumerate(lines, start=1):
        if number == 1:
            _refuse_wide_encoding(raw, source)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(
                f"{source}:{number}: not valid UTF-8 ({err.reason} at byte {err.start + 1} of the line); "
                "framing reads UTF-8 text"
            ) from None
        if number == 1:
            line = line.removeprefix("\ufeff")
        yield number, line


def _raw_lines(stream: IO[bytes], source: str) -> Iterator[bytes]:
    iterator = iter(stream)
    while True:
        try:
            raw = next(iterator)
        except StopIteration:
            return
        except OSError as err:
            raise FileAccessError(f"{source}: cannot read ({err.strerror or err})") from None
        yield raw


_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def _wide_encoding(head: bytes) -> str | None:
    """``UTF-16``/``UTF-32`` if the first bytes of a file are in one of them, else None."""
    for bom, name in _WIDE_BOMS:
        if head.startswith(bom):
            return name
    sample = head[:64]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 3:
        if sample[1:4] == b"\x00\x00\x00" or sample[0:3] == b"\x00\x00\x00":
            return "UTF-32"
        evens, odds = sample[0::2], sample[1::2]
        if evens.count(0) >= len(evens) * 0.8 or odds.count(0) >= len(odds) * 0.8:
            return "UTF-16"
    return None


def _refuse_wide_encoding(head: bytes, source: str) -> None:
    encoding = _wide_encoding(head)
    if encoding:
        shown = "FILE" if source == "<stdin>" else source
        raise InputError(
            f"{source}:1: the text is {encoding}, framing reads UTF-8; convert it first, e.g. "
            f"iconv -f {encoding} -t UTF-8 {shown} > converted{Path(shown).suffix}"
        )


def _text_of(fields: dict[str, Any], text_field: str, where: str, kind: str) -> str:
    if text_field not in fields:
        shown = ", ".join(map(str, fields)) or "none"
        raise InputError(
            f"{where}: no '{text_field}' {kind} ({kind}s: {shown}); name the text {kind} with --text-field"
        )
    text = fields[text_field]
    if not isinstance(text, str):
        raise InputError(f"{where}: '{text_field}' must be a string, got {json_type(text)}")
    return text


def read_jsonl(stream: IO[bytes], source: str, text_field: str = "text") -> Iterator[InputRecord]:
    """One record per non-blank line; each line must be a JSON object with a string text field.

    Only RFC 8259 JSON is accepted (no ``NaN``/``Infinity``, no number a double cannot hold,
    no unpaired surrogate), so that every output line is valid JSON for strict parsers too.
    """
    first = True
    for number, line in _decoded_lines(stream, source):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            fields = parse_json_line(line)
        except InputError as err:
            hint = ""
            if first and source == "<stdin>" and not line.lstrip().startswith(("{", "[")):
                hint = "; standard input is read as JSON Lines: for a .csv or .txt file, pass its name"
            raise InputError(f"{where}: {err}{hint}") from None
        first = False
        if not isinstance(fields, dict):
            raise InputError(f"{where}: expected a JSON object, got {json_type(fields)}")
        yield InputRecord(source, number, fields, _text_of(fields, text_field, where, "field"))


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")


def _reject_constant(name: str) -> Any:
    raise InputError(f"invalid JSON ({name} is not a JSON number; use null or a string)")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise InputError(f"invalid JSON (the number {text[:20]} is too large for a double)")
    return value


def parse_json_line(line: str) -> Any:
    """``json.loads`` held to RFC 8259; every problem is an :class:`InputError` without location."""
    try:
        value = json.loads(line.rstrip("\r\n"), parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON at column {err.colno}: {err.msg}") from None
    except RecursionError:
        raise InputError("invalid JSON: nested too deeply") from None
    except ValueError as err:  # e.g. an integer of thousands of digits
        if isinstance(err, InputError):
            raise
        raise InputError(f"invalid JSON: {str(err).split(';')[0]}") from None
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as err:
            bad = err.object[err.start : err.end].encode("utf-8", "backslashreplace").decode()
            raise InputError(
                f"invalid text: an unpaired surrogate ({bad}) is not a character; fix the \\u escape"
            ) from None
    return value


_CSV_FIELD_LIMIT = 2**31 - 1
"""Python's csv module refuses cells over 131,072 characters by default; JSON Lines has no such
limit, so neither does CSV: one rule for every format, long texts are truncated by the model."""


def read_csv(stream: IO[bytes], source: str, text_field: str = "text") -> Iterator[InputRecord]:
    """One record per row after the header row; cells are strings, passed through as such.

    Comma-separated, RFC 4180 quoting, read strictly: a quote that is never closed, or text
    after a closing quote, is an error with the line where the row starts, never a guess that
    merges rows. A cell may hold line breaks inside quotes, as the RFC allows.
    """
    if csv.field_size_limit() < _CSV_FIELD_LIMIT:
        csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader((line for _, line in _decoded_lines(stream, source)), strict=True)

    def next_row() -> tuple[int, list[str] | None]:
        start = reader.line_num + 1
        try:
            return start, next(reader, None)
        except csv.Error as err:
            raise InputError(f"{source}:{start}: {_csv_problem(err)}") from None

    header_line, header = next_row()
    if header is None:
        raise InputError(f"{source}:1: empty file, expected a header row naming the columns")
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise InputError(f"{source}:{header_line}: repeated column name(s) {', '.join(duplicates)}")
    if text_field not in header:
        raise InputError(f"{source}:{header_line}: {_missing_column(header, text_field)}")
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


def _csv_problem(err: csv.Error) -> str:
    """What a csv module error means for the person who made the file."""
    if "unexpected end of data" in str(err):
        return 'a quoted cell is never closed (unterminated ")'
    if "new-line character seen in unquoted field" in str(err):
        return "lines end with a bare carriage return (old Mac format); save the file with \\n line ends"
    return f'malformed CSV ({err}); a quote inside a quoted cell must be doubled ("")'


def _missing_column(header: list[str], text_field: str) -> str:
    """Why the text column is not in the header, and what to do about it."""
    if len(header) == 1:
        try:
            delimiter = csv.Sniffer().sniff(header[0], delimiters=";\t|").delimiter
        except csv.Error:
            delimiter = None
        if delimiter:
            shown = {"\t": "tabs"}.get(delimiter, repr(delimiter))
            return (
                f"columns are separated by {shown}, but framing reads comma-separated CSV; "
                "save the file with commas, or convert it to JSON Lines"
            )
    data = next((cell for cell in header if _looks_like_data(cell)), None)
    if data is not None:
        return (
            f"the first row looks like data, not a header (it holds {data[:40]!r}); "
            f"add a header row naming the columns, one of them '{text_field}'"
        )
    shown = ", ".join(header) or "none"
    return f"no '{text_field}' column (columns: {shown}); name the text column with --text-field"


def _looks_like_data(cell: str) -> bool:
    """A sentence or a number where a column name should be."""
    stripped = cell.strip()
    return len(stripped.split()) >= 5 or stripped.replace(".", "", 1).isdigit()


def read_txt(stream: IO[bytes], source: str) -> Iterator[InputRecord]:
    """An article split into sentences with the corpus splitter.

    The article is read whole (it is one document: cleaning and the removal of
    repeated sentences look at all of it); its sentences are still yielded lazily.
    """
    from framing.corpus import doc_id_from_filename, sentence_id
    from framing.segment import split_sentences

    try:
        raw = stream.read()
    except OSError as err:
        raise FileAccessError(f"{source}: cannot read ({err.strerror or err})") from None
    _refuse_wide_encoding(raw[:256], source)
    try:
        article = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise InputError(
            f"{source}:{line}: not valid UTF-8 ({err.reason} at byte {column} of the line); "
            "framing reads UTF-8 text"
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
        yield InputRecord(source, None, fields, sentence.text, cut=sentence.cut)


# --------------------------------------------------------------------------- predicting


def chunked(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """Consecutive lists of at most ``size`` items; reads only one chunk ahead."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


MEMO_SIZE = 100_000
"""Predictions remembered by text across chunks, so a sentence repeated anywhere in a run
(syndicated wire copy across outlets) is encoded once; the least recently seen are dropped."""


def predict_stream(
    records: Iterable[InputRecord],
    model: Any | Callable[[], Any],
    *,
    batch_size: int = 32,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
    memo_size: int = MEMO_SIZE,
) -> Iterator[tuple[InputRecord, Prediction]]:
    """``(record, prediction)`` per record, in input order, predicting ``chunk_size`` records at a time.

    Blank texts never reach the model: they get :meth:`Prediction.empty`. Each distinct text
    reaches the model once per run (up to ``memo_size`` remembered texts), and every repeat
    gets the very same prediction. ``model`` may be a zero-argument callable returning the
    model (anything without a ``predict`` method is called); it is then called once, when the
    first chunk with a non-blank text is ready, so malformed input fails before a slow load.
    ``on_chunk(n)`` is called after each chunk of ``n`` records has been predicted.
    """
    loaded = model if hasattr(model, "predict") else None
    chunks = ChunkPlanner(chunk_size, memo_size)
    for chunk, texts in chunks.plan(records):
        predicted: list[Prediction] = []
        if texts:
            if loaded is None:
                loaded = model()
            predicted = list(loaded.predict(texts, batch_size=batch_size))
        pairs = chunks.resolve(chunk, texts, predicted)
        if on_chunk is not None:
            on_chunk(len(chunk))
        yield from pairs


class ChunkPlanner:
    """Which texts of each chunk go to the model, and the pairs once they come back.

    Planning and resolving are split so that a scheduler (``framing.distributed``) can plan
    chunks ahead while earlier ones are still being predicted elsewhere: the texts sent for a
    chunk depend only on the texts before it, never on results, so every chunk sends exactly
    what a one-process run sends and the output is the same to the byte. Chunks must be
    resolved in the order they were planned.
    """

    def __init__(self, chunk_size: int = DEFAULT_CHUNK_SIZE, memo_size: int = MEMO_SIZE):
        self.chunk_size = chunk_size
        self.memo_size = memo_size
        self._seen: OrderedDict[str, None] = OrderedDict()  # the memo's keys, kept while planning
        self._memo: OrderedDict[str, Prediction] = OrderedDict()  # the same keys, filled on resolve

    def plan(self, records: Iterable[InputRecord]) -> Iterator[tuple[list[InputRecord], list[str]]]:
        """``(chunk, texts)``: the chunk's records and its distinct texts not yet remembered."""
        for chunk in chunked(records, self.chunk_size):
            texts = list(dict.fromkeys(r.text for r in chunk if not r.is_blank and r.text not in self._seen))
            self._remember(self._seen, chunk, texts, dict.fromkeys(texts))
            yield chunk, texts

    def resolve(
        self, chunk: list[InputRecord], texts: list[str], predicted: list[Prediction]
    ) -> list[tuple[InputRecord, Prediction]]:
        """The chunk's pairs, given the model's predictions for its planned ``texts``."""
        if len(predicted) != len(texts):
            raise RuntimeError(f"the model returned {len(predicted)} predictions for {len(texts)} texts")
        fresh = dict(zip(texts, predicted))
        pairs = []
        for record in chunk:
            if record.is_blank:
                pairs.append((record, Prediction.empty(record.text)))
                continue
            prediction = fresh.get(record.text)
            if prediction is None:
                prediction = self._memo[record.text]
            pairs.append((record, prediction.copy()))  # equal, never shared
        self._remember(self._memo, chunk, texts, fresh)
        return pairs

    def _remember(self, memo: OrderedDict, chunk: list[InputRecord], texts: list[str], fresh: dict) -> None:
        """The one LRU update both memos go through, so their keys never differ."""
        for record in chunk:
            if not record.is_blank and record.text not in fresh:
                memo.move_to_end(record.text)
        memo.update(fresh)
        while len(memo) > self.memo_size:
            memo.popitem(last=False)


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
        self.stream.write(json.dumps(record, ensure_ascii=False, allow_nan=False) + "\n")

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


def check_output(output: str | None, inputs: Iterable[str] = ()) -> None:
    """Fail early, before any work: an output that cannot be created, or that is an input.

    The output must not be the same file as any input (same device and inode, so through
    symbolic and hard links too), nor may standard output be redirected onto an input:
    writing would destroy the text being read.
    """
    inputs = list(inputs)
    if not output or output == "-":
        same = _same_as_an_input(_fd_identity(1), inputs)
        if same:
            raise InputError(
                f"<stdout>: standard output is the input {same}; the redirection would overwrite it "
                "(the shell may already have emptied it); write the output to another file"
            )
        return
    fd = descriptor_path(output)
    if fd is not None:
        same = _same_as_an_input(_fd_identity(fd), inputs)
        if same:
            raise InputError(f"{output}: is the input {same}; writing there would destroy it")
        return
    path = Path(output)
    if path.is_dir():
        raise InputError(f"{output}: is a directory, expected an output file name")
    same = _same_as_an_input(_path_identity(output), inputs)
    if same:
        shown = "an input" if same == output else f"the same file as the input {same}"
        raise InputError(
            f"{output}: is {shown}; writing there would destroy the input, choose another output file"
        )
    target = Path(os.path.realpath(output))
    if target.exists() and not target.is_file():  # a device or pipe: written straight through
        if not os.access(target, os.W_OK):
            raise InputError(f"{output}: cannot write, permission denied")
        return
    if target.is_file() and not os.access(target, os.W_OK):
        raise InputError(f"{output}: exists and is read-only; not replaced")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{output}: cannot write, folder {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"{output}: cannot write, folder {str(parent)!r} is not writable")


_DESCRIPTOR_PATH = re.compile(r"/dev/(stdout|stderr|fd/(\d+))|/proc/self/fd/(\d+)")


def descriptor_path(output: str) -> int | None:
    """The file descriptor that ``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N`` or
    ``/proc/self/fd/N`` names, or None: such an output is written to the open descriptor."""
    match = _DESCRIPTOR_PATH.fullmatch(output)
    if not match:
        return None
    name, fd, proc_fd = match.groups()
    return {"stdout": 1, "stderr": 2}.get(name) if fd is None and proc_fd is None else int(fd or proc_fd)


def _path_identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _fd_identity(fd: int) -> tuple[int, int] | None:
    try:
        info = os.fstat(fd)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if stat.S_ISREG(info.st_mode) else None


def _same_as_an_input(identity: tuple[int, int] | None, inputs: list[str]) -> str | None:
    """The first input that is the regular file ``identity`` names (``-``: what stdin reads)."""
    if identity is None:
        return None
    for name in inputs:
        found = _fd_identity(0) if name == STDIN else _path_identity(name)
        if found == identity:
            return "<stdin>" if name == STDIN else name
    return None


class _GuardedStream:
    """A text stream whose write errors (disk full, I/O error) become :class:`FileAccessError`."""

    def __init__(self, stream: IO[str], name: str):
        self.stream = stream
        self.name = name

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            raise  # the reader went away (``| head``): the CLI stops quietly
        except OSError as err:
            raise FileAccessError(f"{self.name}: cannot write ({err.strerror or err})") from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as err:
            raise FileAccessError(f"{self.name}: cannot write ({err.strerror or err})") from None


@contextlib.contextmanager
def open_output(output: str | None) -> Iterator[IO[str]]:
    """A UTF-8 text stream for ``output``.

    * ``None`` or ``-``: standard output.
    * a character device or a named pipe (``/dev/null``, ``/dev/stdout``, a FIFO): written
      straight through; such a file is never replaced.
    * anything else, a regular file or a new name: written atomically (:func:`atomic_write`).
      A symbolic link is followed: the file it points to is replaced, the link stays.

    Write errors raise :class:`FileAccessError` naming the output.
    """
    if not output or output == "-":
        with _utf8_stdout() as stream:
            yield _GuardedStream(stream, "<stdout>")  # type: ignore[misc]
        return
    fd = descriptor_path(output)
    target = Path(os.path.realpath(output))
    if fd is not None or (target.exists() and not target.is_file()):
        try:  # an open descriptor is duplicated, not reopened: reopening would truncate a `>>` file
            if fd is not None:
                raw = os.fdopen(os.dup(fd), "w", encoding="utf-8", newline="")
            else:
                raw = open(target, "w", encoding="utf-8", newline="")
        except OSError as err:
            raise FileAccessError(f"{output}: cannot write ({err.strerror or err})") from None
        guarded = _GuardedStream(raw, output)
        try:
            yield guarded  # type: ignore[misc]
            guarded.flush()
        finally:
            with contextlib.suppress(OSError):
                raw.close()
        return
    with atomic_write(target, name=output) as stream:
        yield stream


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, name: str | None = None, binary: bool = False) -> Iterator[IO]:
    """Write to a temp file beside ``path`` and ``os.replace`` it into place on success.

    On any exception (including KeyboardInterrupt and the CLI's SIGTERM/SIGHUP) the temp file
    is removed and ``path`` is left as it was. The file gets the permissions a plain ``open``
    would give it: those of the file it replaces (and, for root, its owner), if any.
    Errors of the file system raise :class:`FileAccessError` naming ``name`` (default ``path``).
    ``binary``: a bytes stream (images) instead of UTF-8 text.
    """
    path = Path(path)
    name = name or str(path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as err:
        folder = str(path.parent)
        raise FileAccessError(f"{name}: cannot create a file in {folder!r} ({err.strerror})") from None
    raw = open(fd, "wb") if binary else open(fd, "w", encoding="utf-8", newline="")
    try:
        stream = _GuardedStream(raw, name)
        yield stream  # type: ignore[misc]
        stream.flush()
        try:
            os.fsync(raw.fileno())
            raw.close()
            take_over_metadata(tmp, path)
            os.replace(tmp, path)
        except OSError as err:
            raise FileAccessError(f"{name}: cannot write ({err.strerror or err})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            raw.close()  # may fail to flush what is buffered: the file goes anyway
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def take_over_metadata(tmp: str, path: Path) -> None:
    """Give the temp file the mode (and, as root, the owner) of the file it replaces."""
    try:
        old = path.stat()
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    os.chmod(tmp, old.st_mode & 0o7777)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        with contextlib.suppress(OSError):
            os.chown(tmp, old.st_uid, old.st_gid)


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
