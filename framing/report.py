"""Charts of ``framing predict`` output, and the one-file HTML report of ``framing report``.

Reading, counting and bucketing need nothing beyond the standard library, so they are tested
(and fail with a clear message) without matplotlib; drawing imports matplotlib lazily and draws
on :class:`matplotlib.figure.Figure` objects, never through pyplot, so building a report leaves
the backend of a notebook or application alone. Every label keeps one colour in every chart.

The report is ``OUTPUT`` (HTML with its charts embedded as ``data:`` URIs, so it opens offline
as one file) plus the same charts as PNG files in ``<OUTPUT without .html>_files/``. The same
input gives byte-identical files.
"""

from __future__ import annotations

import base64
import contextlib
import heapq
import html
import io
import json
import math
import os
import re
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from framing.labels import FRAMES, STANCES
from framing.predict_io import FileAccessError, InputError, open_output, read_input, take_over_metadata

STANCE_COLOURS = {
    "pro-engagement": "#009E73",
    "sceptical": "#E69F00",
    "alarmed": "#D55E00",
    "neutral": "#9A9A9A",
}
"""Okabe-Ito colours, safe for colour-blind readers; the same in every chart."""
FRAME_COLOURS = {"sidelining": "#CC79A7", "stalling": "#0072B2", "win-loss": "#7A5C00"}

CHARTS = ("stance", "frames", "time", "cooccurrence")
"""The report's charts, in page order; each is ``<name>.png`` in the PNG folder."""
KINDS = ("stance", "frames", "time", "time-frames", "cooccurrence")
"""What :func:`plot_predictions` (``Predictions.plot``) draws on one Axes."""
FREQS = ("day", "week", "month")
MISSING = "(missing)"
"""The group of records that lack the ``by`` field."""
DOC_FIELDS = ("doc_id", "doc", "document")
"""Fields that name a sentence's document, first found wins; else the input file is the document."""
DEFAULT_TOP = 30
DEFAULT_UNCERTAIN = 20
MAX_BUCKETS = 1000
"""More time buckets than this cannot be told apart in a chart 8 inches wide."""
LABEL_CHARS = 40
TEXT_CHARS = 600
"""Sentences in the table of the least confident are cut to this many characters (a real sentence
is shorter: the longest in the seed articles has under 600)."""
DPI = 100
INSTALL_HINT = "pip install 'framing-stance[report]'"


def require_matplotlib() -> Any:
    """matplotlib, or an ImportError whose message is the one line a user needs."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(f"charts need matplotlib, which is not installed: {INSTALL_HINT}") from None
    return matplotlib


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Row:
    """One sentence's prediction, with what the report groups, dates and shows it by."""

    stance: str | None
    stance_scores: Mapping[str, float | None]
    frames: tuple[str, ...]
    frame_scores: Mapping[str, float | None]
    text: str = ""
    group: str = ""
    when: date | None = None
    doc: str = ""
    where: str = ""

    @property
    def confidence(self) -> float | None:
        """The probability of the chosen stance (None for an empty text)."""
        return None if self.stance is None else self.stance_scores.get(self.stance)

    @property
    def closest_frame(self) -> tuple[str, float] | None:
        """The frame whose score is nearest 0.5: the frame decision most easily flipped."""
        scored = [(name, s) for name in FRAMES if (s := self.frame_scores.get(name)) is not None]
        return min(scored, key=lambda item: abs(item[1] - 0.5)) if scored else None


def _not_predictions(where: str) -> InputError:
    return InputError(
        f"{where}: no stance fields (stance, stance_scores, frames, frame_scores); this is not "
        "'framing predict' output. Label the texts first: framing predict INPUT -o predictions.jsonl"
    )


def _score(value: Any, where: str, name: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InputError(f"{where}: score {name} must be a number or null, got {json.dumps(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        shown = json.dumps(value, ensure_ascii=False)[:40]
        raise InputError(f"{where}: score {name} must be a number or null, got {shown}") from None
    if not math.isfinite(number) or not 0.0 <= number <= 1.0:
        raise InputError(f"{where}: score {name} must be a probability between 0 and 1, got {value}")
    return number


def _scores(value: Any, labels: tuple[str, ...], field_name: str, where: str) -> dict[str, float | None]:
    if not isinstance(value, dict):
        raise InputError(
            f"{where}: {field_name} must be an object of label: score, got {type(value).__name__}"
        )
    missing = [name for name in labels if name not in value]
    if missing:
        raise InputError(f"{where}: {field_name} has no score for {', '.join(missing)}")
    return {name: _score(value[name], where, f"{field_name}.{name}") for name in labels}


def _label(value: Any, labels: tuple[str, ...], what: str, where: str) -> str:
    if value not in labels:
        shown = json.dumps(value, ensure_ascii=False)[:60]
        raise InputError(f"{where}: unknown {what} {shown}; expected one of {', '.join(labels)}")
    return value


def parse_prediction(
    fields: Mapping[str, Any], where: str
) -> tuple[str | None, dict[str, float | None], tuple[str, ...], dict[str, float | None]]:
    """``(stance, stance_scores, frames, frame_scores)`` of a JSON Lines or CSV predict record."""
    csv_form = any(f"stance_score.{name}" in fields for name in STANCES)
    if "stance" not in fields or not (csv_form or "stance_scores" in fields):
        raise _not_predictions(where)
    if csv_form:
        stance_scores = {
            n: _score(fields.get(f"stance_score.{n}"), where, f"stance_score.{n}") for n in STANCES
        }
        frame_scores = {n: _score(fields.get(f"frame_score.{n}"), where, f"frame_score.{n}") for n in FRAMES}
        raw_frames = fields.get("frames") or ""
        frames = [f for f in str(raw_frames).split(";") if f]
        stance = fields["stance"] or None
    else:
        stance_scores = _scores(fields["stance_scores"], STANCES, "stance_scores", where)
        frame_scores = _scores(fields.get("frame_scores"), FRAMES, "frame_scores", where)
        frames = fields.get("frames")
        if not isinstance(frames, list):
            raise InputError(f"{where}: frames must be a list of frame names, got {json.dumps(frames)[:40]}")
        stance = fields["stance"]
    if stance is not None:
        stance = _label(stance, STANCES, "stance", where)
        if stance_scores[stance] is None:
            raise InputError(f"{where}: the stance is {stance} but its score is null")
    chosen = tuple(_label(f, FRAMES, "frame", where) for f in frames)
    return stance, stance_scores, tuple(sorted(set(chosen), key=FRAMES.index)), frame_scores


def _blank(value: Any) -> bool:
    """None, an empty string, or NaN/NaT (what pandas gives for a missing value)."""
    if value is None or (isinstance(value, str) and value == ""):
        return True
    if isinstance(value, str | int | list | dict):
        return False
    try:
        return bool(value != value)  # only NaN and NaT differ from themselves
    except Exception:  # an array, say: a value, not a missing one
        return False


def _shown(value: Any, limit: int = 40) -> str:
    """A value as JSON for a message, whatever its type (a message must never fail itself)."""
    return json.dumps(value, ensure_ascii=False, default=str)[:limit]


def _day_of(value: Any) -> date | None:
    """The day of a ``date`` or ``datetime`` (pandas Timestamps too), or of any object with a
    ``date()`` or ``isoformat()`` method that gives one; None for anything else."""
    if isinstance(value, datetime):  # first: a datetime is a date too
        return value.date()
    if isinstance(value, date):
        return value
    with contextlib.suppress(Exception):
        day = value.date()
        if isinstance(day, date):
            return day.date() if isinstance(day, datetime) else day
    with contextlib.suppress(Exception):
        return _iso_day(str(value.isoformat()))
    return None


def _iso_day(text: str) -> date | None:
    text = text.strip()
    with contextlib.suppress(ValueError):
        return date.fromisoformat(text)
    with contextlib.suppress(ValueError):  # Python 3.10 reads no 'Z' and no compact forms
        return datetime.fromisoformat(re.sub(r"Z$", "+00:00", text)).date()
    return None


def parse_when(value: Any, where: str, field_name: str) -> date | None:
    """The calendar day of an ISO 8601 date or date-time, as written (no time-zone shift), or of a
    ``date`` or ``datetime`` object (a pandas Timestamp too); None for None, "", NaN and NaT."""
    if _blank(value):
        return None
    if isinstance(value, str):
        day = _iso_day(value)
    else:
        day = None if isinstance(value, int | float) else _day_of(value)
    if day is not None:
        return day
    raise InputError(
        f"{where}: {field_name} {_shown(value)} is not an ISO date; "
        "write e.g. 2026-03-01 or 2026-03-01T14:30:00"
    )


def _value_text(value: Any) -> str:
    """A field value as text: a string as it is, a date as ISO 8601, anything else as JSON (so the
    number 1 reads "1", as it does in a CSV file, where every value is a string)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | list | dict | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    with contextlib.suppress(Exception):
        return str(value.isoformat())
    return str(value)  # a NumPy number, say


def _group_value(value: Any) -> str:
    """The group of a ``by`` value: its text (:func:`_value_text`), or ``(missing)`` when it is
    missing; a value that reads ``(missing)`` (in any number of double quotes) gains a pair of
    quotes, so that it stays apart from the records without a value."""
    if _blank(value):
        return MISSING
    text = _value_text(value)
    return f'"{text}"' if text.strip('"') == MISSING else text


def _doc_of(fields: Mapping[str, Any], fallback: str) -> str:
    for name in DOC_FIELDS:
        if not _blank(fields.get(name)):
            return _value_text(fields[name])
    return fallback


def _rows(
    items: Iterable[tuple[Mapping[str, Any], str, str]],
    by: str | None,
    time: str | None,
    text_field: str,
    names: Mapping[str, str] | None = None,
) -> Iterator[Row]:
    """Rows one at a time; ``names`` gives fields the name that messages show."""
    has_by = has_time = False
    first: Mapping[str, Any] | None = None
    time_name = (names or {}).get(time or "", time or "")
    for fields, where, source in items:
        first = fields if first is None else first
        stance, stance_scores, frames, frame_scores = parse_prediction(fields, where)
        doc = _doc_of(fields, source)
        group = doc
        if by is not None:
            has_by = has_by or by in fields
            group = _group_value(fields.get(by))
        when = parse_when(fields.get(time), where, time_name) if time is not None else None
        has_time = has_time or when is not None
        text = fields.get(text_field)
        text = text if isinstance(text, str) else ""
        yield Row(stance, stance_scores, frames, frame_scores, text, group, when, doc, where)
    _check_fields_seen(first, by, has_by, "group by")
    _check_fields_seen(first, time, has_time, "date the sentences by")


def rows_from_fields(
    items: Iterable[tuple[Mapping[str, Any], str, str]],
    *,
    by: str | None = None,
    time: str | None = None,
    text_field: str = "text",
) -> list[Row]:
    """Rows of ``(fields, where, source)`` triples; ``by`` groups (default: the document)."""
    return list(_rows(items, by, time, text_field))


def _check_fields_seen(first: Mapping[str, Any] | None, name: str | None, seen: bool, purpose: str) -> None:
    if name is None or seen or first is None:
        return
    shown = ", ".join(map(str, first)) or "none"
    raise InputError(f"no record has a value for '{name}' to {purpose} (fields of the first record: {shown})")


def _check_txt(names: Sequence[str]) -> None:
    for name in names:
        if name.lower().endswith(".txt"):
            raise InputError(
                f"{name}: a .txt file holds text, not predictions; label it first: "
                f"framing predict {name} -o predictions.jsonl"
            )


def iter_predictions(
    names: Sequence[str], *, by: str | None = None, time: str | None = None, text_field: str = "text"
) -> Iterator[Row]:
    """Rows of ``framing predict`` output files, read one record at a time (.txt inputs are refused
    at once, before any is read); errors name file and line."""
    _check_txt(names)

    def items() -> Iterator[tuple[Mapping[str, Any], str, str]]:
        for name in names:
            for record in read_input(name, text_field):
                yield record.fields, record.where, Path(record.source).name

    return _rows(items(), by, time, text_field)


def read_predictions(
    names: Sequence[str], *, by: str | None = None, time: str | None = None, text_field: str = "text"
) -> list[Row]:
    """Rows of ``framing predict`` output files (.jsonl, .csv, or ``-``); errors name file and line."""
    return list(iter_predictions(names, by=by, time=time, text_field=text_field))


def _record_rows(
    records: Iterable[Mapping[str, Any]],
    by: str | Sequence[Any] | None,
    time: str | Sequence[Any] | None,
    text_field: str,
    noun: str,
) -> Iterator[Row]:
    """Rows of dict records (each called ``noun`` in messages), ``by`` and ``time`` field names or
    one value per record; the values are added to each record under names no record can have."""
    records = list(records)
    named_by = by if isinstance(by, str) or by is None else "\0by"
    named_time = time if isinstance(time, str) or time is None else "\0time"
    extra: dict[str, Sequence[Any]] = {}
    for key, values in (("\0by", by), ("\0time", time)):
        if values is not None and not isinstance(values, str):
            if len(values) != len(records):
                which = "by" if key == "\0by" else "time"
                raise ValueError(f"{which} has {len(values)} values for {len(records)} {noun}s")
            extra[key] = values
    if "\0time" in extra and all(_blank(value) for value in extra["\0time"]):
        raise ValueError(f"no {noun} has a date: time= holds only None or empty values")

    def items() -> Iterator[tuple[Mapping[str, Any], str, str]]:
        for index, fields in enumerate(records):
            added = {key: values[index] for key, values in extra.items()}
            yield ({**fields, **added} if added else fields), f"{noun} {index + 1}", f"{noun}s"

    return _rows(items(), named_by, named_time, text_field, {"\0time": "time= value"})


def rows_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    by: str | Sequence[Any] | None = None,
    time: str | Sequence[Any] | None = None,
    text_field: str = "text",
) -> list[Row]:
    """Rows of dict records; ``by`` and ``time`` are field names or one value per record (a ``time``
    value: an ISO date string, a ``date`` or a ``datetime``)."""
    return list(_record_rows(records, by, time, text_field, "record"))


# --------------------------------------------------------------------------- counting


@dataclass
class Tally:
    """Stance and frame counts of a set of sentences (a group, a time bucket, or all)."""

    name: str
    labelled: int = 0
    empty: int = 0
    stances: Counter = field(default_factory=Counter)
    frames: Counter = field(default_factory=Counter)

    def add(self, row: Row) -> None:
        if row.stance is None:
            self.empty += 1
            return
        self.labelled += 1
        self.stances[row.stance] += 1
        self.frames.update(row.frames)

    def merge(self, other: Tally) -> None:
        """Add the counts of ``other`` (a day's tally into its week's, say)."""
        self.labelled += other.labelled
        self.empty += other.empty
        self.stances.update(other.stances)
        self.frames.update(other.frames)

    @property
    def stance_shares(self) -> dict[str, float]:
        """Share of labelled sentences per stance (they sum to 1; all 0 with no sentence)."""
        return {name: self.stances[name] / self.labelled if self.labelled else 0.0 for name in STANCES}

    @property
    def frame_rates(self) -> dict[str, float]:
        """Share of labelled sentences that carry each frame (a sentence may carry several)."""
        return {name: self.frames[name] / self.labelled if self.labelled else 0.0 for name in FRAMES}


def tally(rows: Iterable[Row], name: str = "all") -> Tally:
    total = Tally(name)
    for row in rows:
        total.add(row)
    return total


def tally_groups(rows: Iterable[Row]) -> list[Tally]:
    """One tally per group, largest first (labelled sentences), ties by name: a stable order."""
    return Counts.of(rows).group_tallies()


@dataclass
class Counts:
    """What the report draws and tables, counted one row at a time: its memory grows with the
    number of groups and of days, not of rows (of which only the ``keep`` least confident stay)."""

    keep: int = 0
    records: int = 0
    overall: Tally = field(default_factory=lambda: Tally("all"))
    groups: dict[str, Tally] = field(default_factory=dict)
    days: dict[date, Tally] = field(default_factory=dict)
    undated: int = 0
    framed: int = 0
    """Labelled sentences with at least one frame."""
    cooccurrence: list[list[int]] = field(default_factory=lambda: [[0] * len(FRAMES) for _ in FRAMES])
    earliest: tuple[date, str] | None = None
    """The earliest date and where it is (the first of equal dates)."""
    latest: tuple[date, str] | None = None
    _heap: list[tuple[float, int, Row]] = field(default_factory=list, init=False, repr=False)

    @classmethod
    def of(cls, rows: Iterable[Row], keep: int = 0) -> Counts:
        counts = cls(keep)
        for row in rows:
            counts.add(row)
        return counts

    def add(self, row: Row) -> None:
        self.records += 1
        self.overall.add(row)
        self.groups.setdefault(row.group, Tally(row.group)).add(row)
        self._add_when(row)
        if row.stance is None:
            return
        self.framed += bool(row.frames)
        for a in row.frames:
            for b in row.frames:
                self.cooccurrence[FRAMES.index(a)][FRAMES.index(b)] += 1
        self._keep_if_unsure(row)

    def _add_when(self, row: Row) -> None:
        if row.when is None:
            self.undated += 1
            return
        self.days.setdefault(row.when, Tally(row.when.isoformat())).add(row)
        if self.earliest is None or row.when < self.earliest[0]:
            self.earliest = (row.when, row.where)
        if self.latest is None or row.when > self.latest[0]:
            self.latest = (row.when, row.where)

    def _keep_if_unsure(self, row: Row) -> None:
        """A bounded max-heap of ``(-probability, -number, row)``: its top is the kept row that is
        the most sure (the later one among ties), the first to go when a less sure one comes."""
        if not self.keep:
            return
        key = (-row.confidence, -self.records)
        if len(self._heap) == self.keep and key <= self._heap[0][:2]:
            return
        if len(row.text) > TEXT_CHARS:  # only this much is shown
            row = replace(row, text=shorten(row.text))
        if len(self._heap) < self.keep:
            heapq.heappush(self._heap, (*key, row))
        else:
            heapq.heapreplace(self._heap, (*key, row))

    @property
    def uncertain(self) -> list[Row]:
        """The kept rows, least sure first, input order among ties (as :func:`least_confident`)."""
        return [row for *_, row in sorted(self._heap, key=lambda item: item[:2], reverse=True)]

    def group_tallies(self) -> list[Tally]:
        """One tally per group, largest first (labelled sentences), ties by name: a stable order."""
        return sorted(self.groups.values(), key=lambda t: (-t.labelled, -t.empty, t.name))

    def time_buckets(self, freq: str | None = None) -> tuple[str, list[Tally]]:
        """See :func:`tally_time`."""
        if self.earliest is None or self.latest is None:
            return freq or "day", []
        first, last = self.earliest[0], self.latest[0]
        freq = freq or choose_freq(first, last)
        starts = [bucket_start(first, freq)]
        while starts[-1] < bucket_start(last, freq):
            starts.append(_next_bucket(starts[-1], freq))
            if len(starts) > MAX_BUCKETS:
                raise InputError(self._too_many(freq))
        buckets = {start: Tally(bucket_label(start, freq)) for start in starts}
        for day, day_tally in self.days.items():
            buckets[bucket_start(day, freq)].merge(day_tally)
        return freq, list(buckets.values())

    def _too_many(self, freq: str) -> str:
        """Where the first and last dates are, and a longer bucket if one would do, else that the
        dates need fixing (a far-off date is most likely a typo)."""
        (first, first_at), (last, last_at) = self.earliest or (date.min, ""), self.latest or (date.min, "")
        longer = [f for f in FREQS[FREQS.index(freq) + 1 :] if bucket_count(first, last, f) <= MAX_BUCKETS]
        span = f"the dates span {first} ({first_at}) to {last} ({last_at})"
        if longer:
            advice = f"use a longer --freq ({' or '.join(longer)})"
            return f"{span}: over {MAX_BUCKETS:,} {freq}s, too many to chart; {advice}"
        units = f"{freq}s" if freq == "month" else f"{freq}s, or months"
        return (
            f"{span}: over {MAX_BUCKETS:,} {units}, too many to chart; is a date mistyped (a year such as "
            "0202 for 2022)? Fix the dates, or leave out the records far from the rest"
        )


def choose_freq(first: date, last: date) -> str:
    """Days for up to two months, weeks for up to a year, else months: 60 bars or fewer."""
    span = (last - first).days
    return "day" if span <= 60 else "week" if span <= 366 else "month"


def bucket_start(day: date, freq: str) -> date:
    """The first day of the bucket holding ``day`` (weeks start on Monday, as ISO weeks do)."""
    if freq == "day":
        return day
    if freq == "week":
        return day - timedelta(days=day.weekday())
    if freq == "month":
        return day.replace(day=1)
    raise ValueError(f"unknown freq {freq!r}; expected one of {', '.join(FREQS)}")


def _next_bucket(start: date, freq: str) -> date:
    if freq == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=1 if freq == "day" else 7)


def bucket_label(start: date, freq: str) -> str:
    return start.strftime("%Y-%m") if freq == "month" else start.isoformat()


def bucket_count(first: date, last: date, freq: str) -> int:
    """The buckets of ``freq`` from the one holding ``first`` to the one holding ``last``."""
    if freq == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (bucket_start(last, freq) - bucket_start(first, freq)).days // (7 if freq == "week" else 1) + 1


def tally_time(rows: Iterable[Row], freq: str | None = None) -> tuple[str, list[Tally]]:
    """``(freq, one tally per bucket)`` from the first dated bucket to the last, empty ones included
    (so the axis is linear in time); undated rows are left out. ``freq=None`` chooses by span."""
    return Counts.of(rows).time_buckets(freq)


def frame_cooccurrence(rows: Iterable[Row]) -> list[list[int]]:
    """``matrix[i][j]``: labelled sentences with frames i and j (the diagonal: with frame i)."""
    return Counts.of(rows).cooccurrence


def least_confident(rows: Iterable[Row], n: int = DEFAULT_UNCERTAIN) -> list[Row]:
    """The ``n`` labelled sentences with the lowest stance probability, input order among ties."""
    return heapq.nsmallest(n, (row for row in rows if row.stance is not None), key=lambda row: row.confidence)


def shorten(text: str, limit: int = TEXT_CHARS) -> str:
    """``text``, cut to ``limit`` characters with an ellipsis if it is longer."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --------------------------------------------------------------------------- drawing


def _tick(name: str, limit: int = LABEL_CHARS) -> str:
    """A label safe for a chart: one line, bounded length, '$' not read as mathtext."""
    text = " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", name).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("$", r"\$")


def _percent_axis(axis: Any) -> None:
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _group_ticks(ax: Any, rows: Sequence[Tally], bold_first: bool) -> None:
    """One y tick per group, named with its sentence count; the 'all' row (first) in bold."""
    ax.set_yticks(range(len(rows)), [f"{_tick(t.name)} ({t.labelled:,})" for t in rows])
    if bold_first:
        ax.get_yticklabels()[0].set_fontweight("bold")


def draw_stance(ax: Any, groups: Sequence[Tally], overall: Tally | None = None) -> Any:
    """Stacked horizontal bars of stance shares, one per group (``overall`` on top, in bold)."""
    bars = ([overall] if overall is not None else []) + list(groups)
    y = list(range(len(bars)))
    left = [0.0] * len(bars)
    for name in STANCES:
        widths = [t.stance_shares[name] for t in bars]
        ax.barh(y, widths, left=left, color=STANCE_COLOURS[name], label=name, height=0.8)
        left = [a + b for a, b in zip(left, widths)]
    _group_ticks(ax, bars, bold_first=overall is not None)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    _percent_axis(ax.xaxis)
    ax.set_xlabel("share of sentences (sentences in brackets)")
    ax.legend(ncols=len(STANCES), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    return ax


def draw_frames(ax: Any, groups: Sequence[Tally], overall: Tally | None = None) -> Any:
    """A heat map of frame rates, groups by frames, each cell labelled with its percentage."""
    cells = ([overall] if overall is not None else []) + list(groups)
    values = [[t.frame_rates[name] for name in FRAMES] for t in cells]
    top = max([0.05, *(v for row in values for v in row)])
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=top, aspect="auto", interpolation="nearest")
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            colour = "white" if value > 0.6 * top else "black"
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", color=colour, fontsize=8)
    _frame_ticks(ax.xaxis, top=True)
    _group_ticks(ax, cells, bold_first=overall is not None)
    ax.figure.colorbar(image, ax=ax, format="{x:.0%}", label="sentences with the frame", shrink=0.8)
    return ax


def _time_axis(ax: Any, buckets: Sequence[Tally]) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    names = [t.name for t in buckets]
    ax.set_xlim(-0.5, len(buckets) - 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: names[int(x)] if 0 <= x < len(names) else ""))
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")


def draw_time(ax: Any, buckets: Sequence[Tally], freq: str = "day") -> Any:
    """Stacked bars of stance shares per time bucket; an empty bucket is a gap."""
    x = list(range(len(buckets)))
    bottom = [0.0] * len(buckets)
    for name in STANCES:
        heights = [t.stance_shares[name] for t in buckets]
        ax.bar(x, heights, bottom=bottom, color=STANCE_COLOURS[name], label=name, width=0.9)
        bottom = [a + b for a, b in zip(bottom, heights)]
    ax.set_ylim(0, 1)
    _percent_axis(ax.yaxis)
    ax.set_ylabel(f"stance share per {freq}")
    _time_axis(ax, buckets)
    ax.legend(ncols=len(STANCES), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    return ax


def draw_time_frames(ax: Any, buckets: Sequence[Tally], freq: str = "day") -> Any:
    """Frame rates per time bucket as lines; a bucket without sentences breaks the line."""
    x = list(range(len(buckets)))
    for name in FRAMES:
        y = [t.frame_rates[name] if t.labelled else math.nan for t in buckets]
        ax.plot(x, y, color=FRAME_COLOURS[name], label=name, marker="o", markersize=3, linewidth=1.5)
    ax.set_ylim(bottom=0)
    _percent_axis(ax.yaxis)
    ax.set_ylabel(f"frame rate per {freq}")
    _time_axis(ax, buckets)
    ax.legend(ncols=len(FRAMES), loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=9)
    return ax


def _draw_counts(ax: Any, buckets: Sequence[Tally], freq: str) -> None:
    ax.bar(range(len(buckets)), [t.labelled for t in buckets], color="#555555", width=0.9)
    ax.set_ylabel(f"sentences\nper {freq}")
    _time_axis(ax, buckets)


def _frame_ticks(axis: Any, top: bool = False) -> None:
    """Frame names as tick labels, each in its frame's colour."""
    axis.set_ticks(range(len(FRAMES)), FRAMES)
    if top:
        axis.tick_top()
    for tick, name in zip(axis.get_major_ticks(), FRAMES):
        for label in (tick.label1, tick.label2):
            label.set_color(FRAME_COLOURS[name])
            label.set_fontweight("bold")


def draw_cooccurrence(ax: Any, matrix: Sequence[Sequence[int]]) -> Any:
    """Frame pairs: how many sentences carry both, and what share of the row frame's sentences that
    is (the colour); the diagonal, grey, counts each frame's sentences."""
    from matplotlib.colors import ListedColormap

    size = len(matrix)
    shares = [[math.nan if i == j or not matrix[i][i] else matrix[i][j] / matrix[i][i] for j in range(size)]
              for i in range(size)]  # fmt: skip
    ax.imshow([[1.0 if i == j else math.nan for j in range(size)] for i in range(size)],
              cmap=ListedColormap(["#EEEEEE"]), interpolation="nearest")  # fmt: skip
    ax.imshow(shares, cmap="Purples", vmin=0, vmax=1, interpolation="nearest")
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if i == j:
                text, colour = f"{count:,}\nsentences", "black"
            else:
                share = shares[i][j]
                text = f"{count:,}" + ("" if math.isnan(share) else f"\n{share:.0%} of row")
                colour = "white" if not math.isnan(share) and share > 0.6 else "black"
            ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=9)
    _frame_ticks(ax.xaxis, top=True)
    _frame_ticks(ax.yaxis)
    return ax


def _new_axes() -> Any:
    """Axes of a new pyplot figure, so that notebooks show it as usual."""
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def plot_predictions(
    predictions: Sequence[Any],
    kind: str = "stance",
    *,
    by: Sequence[Any] | None = None,
    time: Sequence[Any] | None = None,
    freq: str | None = None,
    ax: Any = None,
    top: int = DEFAULT_TOP,
) -> Any:
    """Draw one chart of :class:`~framing.results.Prediction` objects; see ``Predictions.plot``."""
    require_matplotlib()
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind.startswith("time") and time is None:
        raise ValueError(f"kind={kind!r} needs time=, one date per prediction")
    records = [p.to_dict() | {"text": p.text} for p in predictions]
    counts = Counts.of(_record_rows(records, by, time, "text", "prediction"))
    if kind.startswith("time"):
        freq, buckets = counts.time_buckets(freq)  # before a new figure, which an error would leave
    ax = ax if ax is not None else _new_axes()
    if kind in ("stance", "frames"):
        groups = _charted(counts.group_tallies())[:top] if by is not None else []
        draw = draw_stance if kind == "stance" else draw_frames
        return draw(ax, groups, counts.overall)
    if kind == "cooccurrence":
        return draw_cooccurrence(ax, counts.cooccurrence)
    return (draw_time if kind == "time" else draw_time_frames)(ax, buckets, freq)


def _charted(groups: Sequence[Tally]) -> list[Tally]:
    """The groups with a labelled sentence: one with only empty texts would be an empty bar."""
    return [group for group in groups if group.labelled]


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    caption: str
    png: bytes
    width: int
    height: int


@dataclass
class Report:
    """A built report: charts as PNG bytes, the least confident sentences, and what was counted."""

    title: str
    charts: list[Chart]
    uncertain: list[Row]
    summary: list[str]
    show_group: bool = False

    def html(self) -> str:
        return render_html(self)

    def write(self, path: str | Path) -> list[Path]:
        """Write the HTML and its PNG folder (see :func:`png_folder`); returns the files written."""
        return write_report(self, path)


def png_folder(path: str | Path) -> Path:
    """``report.html`` → ``report_files/`` beside it (the name browsers give a saved page's files)."""
    path = Path(path)
    return path.with_name(f"{path.stem if path.suffix.lower() in ('.html', '.htm') else path.name}_files")


@contextlib.contextmanager
def _quiet_fonts() -> Iterator[None]:
    """A missing glyph (an emoji in an outlet's name) is drawn as a box, not a warning per chart."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font")
        yield


def _render(figure: Any) -> tuple[bytes, int, int]:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = (round(v) for v in figure.get_size_inches() * DPI)
    return buffer.getvalue(), width, height


def _figure(
    height: float, rows: int = 1, ratios: Sequence[float] | None = None, width: float = 8.5
) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    axes = figure.subplots(
        rows, 1, sharex=rows > 1, gridspec_kw={"height_ratios": ratios} if ratios else None
    )
    return figure, axes


def _group_word(by: str | None) -> str:
    return "documents" if by is None else f"{by} values"


def _cut_note(groups: Sequence[Tally], shown: int, by: str | None, empty: int = 0) -> str:
    """``groups``: those charted (with a labelled sentence); ``empty``: those left out for having none."""
    left_out = f"; {empty:,} more, with only empty texts, are left out" if empty else ""
    if len(groups) <= shown:
        labelled = " with labelled sentences" if empty else ""
        return f"All {len(groups):,} {_group_word(by)}{labelled}, largest first{left_out}."
    rest = sum(t.labelled for t in groups[shown:])
    return (
        f"The {shown:,} largest of {len(groups):,} {_group_word(by)} (by labelled sentences); "
        f"the other {len(groups) - shown:,} ({rest:,} sentences) count only in the bold 'all' row{left_out}."
    )


def _group_charts(counts: Counts, by: str | None, top: int) -> list[Chart]:
    groups = counts.group_tallies()
    charted = _charted(groups)
    shown = charted[:top]
    overall = counts.overall
    note = _cut_note(charted, len(shown), by, len(groups) - len(charted))
    height = 1.6 + 0.27 * (len(shown) + 1)
    what = "document" if by is None else by
    figure, ax = _figure(height)
    draw_stance(ax, shown, overall)
    stance = Chart(
        "stance",
        f"Stance shares per {what}",
        f"Share of each {what}'s labelled sentences per stance. {note}",
        *_render(figure),
    )
    figure, ax = _figure(height + 0.3)
    draw_frames(ax, shown, overall)
    frames = Chart(
        "frames",
        f"Frame rates per {what}",
        f"Share of each {what}'s labelled sentences that carry a frame; a sentence may carry several, "
        f"so a row need not sum to 100%. {note}",
        *_render(figure),
    )
    return [stance, frames]


def _time_chart(counts: Counts, time: str, freq: str | None) -> Chart:
    freq, buckets = counts.time_buckets(freq)
    undated = counts.undated
    figure, (count_axes, stances, frames) = _figure(7.5, 3, (1, 2.2, 2.2))
    _draw_counts(count_axes, buckets, freq)
    draw_time(stances, buckets, freq)
    draw_time_frames(frames, buckets, freq)
    starts = " (weeks start on Monday)" if freq == "week" else ""
    left_out = f" {undated:,} sentence(s) without a {time} are left out." if undated else ""
    return Chart(
        "time",
        f"Over time, per {freq} of {time}",
        f"Labelled sentences, stance shares and frame rates per {freq}{starts}, "
        f"{buckets[0].name} to {buckets[-1].name}; an empty {freq} is a gap.{left_out}",
        *_render(figure),
    )


def _cooccurrence_chart(counts: Counts) -> Chart:
    labelled, framed = counts.overall.labelled, counts.framed
    figure, ax = _figure(4.6, width=5.6)
    draw_cooccurrence(ax, counts.cooccurrence)
    return Chart(
        "cooccurrence",
        "Frame co-occurrence",
        f"Sentences that carry both frames (the diagonal: the frame at all), and that count as a share "
        f"of the row frame's sentences. {framed:,} of {labelled:,} labelled sentences carry a frame.",
        *_render(figure),
    )


def report_from_rows(
    rows: Iterable[Row],
    *,
    by: str | None = None,
    time: str | None = None,
    freq: str | None = None,
    top: int = DEFAULT_TOP,
    uncertain: int = DEFAULT_UNCERTAIN,
    title: str = "Stance and frames",
    sources: Sequence[str] = (),
) -> Report:
    """Draw every chart (in memory: nothing is written until :meth:`Report.write`). ``rows`` is
    read once, one row at a time, and only counts are kept (see :class:`Counts`), so an iterator
    (:func:`iter_predictions`) charts a file of any size in little memory."""
    require_matplotlib()
    import matplotlib.style

    if top < 1 or uncertain < 0:
        raise ValueError("top must be at least 1 and uncertain at least 0")
    counts = Counts.of(rows, keep=uncertain)
    if not counts.records:
        raise InputError(f"{', '.join(sources) or 'the input'}: no predictions to chart (no records)")
    with matplotlib.style.context("default"), _quiet_fonts():  # the same look whatever the user's rc
        charts = _group_charts(counts, by, top)
        if time is not None:
            charts.append(_time_chart(counts, time, freq))
        charts.append(_cooccurrence_chart(counts))
    overall = counts.overall
    summary = [
        f"{counts.records:,} sentence(s) read" + (f" from {', '.join(sources)}" if sources else ""),
        f"{overall.labelled:,} labelled, {overall.empty:,} empty (no stance, left out of every chart)",
        f"grouped by {'document' if by is None else by}: {len(counts.groups):,} group(s)",
    ]
    show_group = by is not None and by not in DOC_FIELDS  # else the group is the document column
    return Report(title, charts, counts.uncertain, summary, show_group=show_group)


def build_report(
    records: Iterable[Mapping[str, Any]],
    *,
    by: str | None = None,
    time: str | None = None,
    freq: str | None = None,
    top: int = DEFAULT_TOP,
    uncertain: int = DEFAULT_UNCERTAIN,
    title: str = "Stance and frames",
    text_field: str = "text",
) -> Report:
    """A report of ``framing predict`` records (dicts as in its JSON Lines output).

    ``by``: the field to group by (default: the document, from ``doc_id``/``doc``/``document``);
    ``time``: a field holding ISO dates, for the chart over time (``freq`` forces day, week or
    month); ``top``: groups charted, largest first; ``uncertain``: rows of the table.
    """
    rows = _record_rows(records, by, time, text_field, "record")
    return report_from_rows(rows, by=by, time=time, freq=freq, top=top, uncertain=uncertain, title=title)


# --------------------------------------------------------------------------- HTML and files

_STYLE = """\
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:60rem;
padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.2rem}
figure{margin:1rem 0}img{max-width:100%;height:auto;border:1px solid #ddd}
figcaption{color:#555;font-size:.9rem;margin-top:.3rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .4rem;text-align:left;vertical-align:top}
td.num{text-align:right;white-space:nowrap}.where{color:#777;white-space:nowrap}
.swatch{display:inline-block;width:.7em;height:.7em;border-radius:2px;margin-right:.3em}"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
"""Nothing but the page itself and its data: images; a stray external URL shows as a broken image."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _e(value: Any) -> str:
    """Escaped for HTML; control characters, which HTML does not allow, shown as U+FFFD."""
    return html.escape(_CONTROL.sub("\ufffd", str(value)), quote=True)


def _swatch(label: str) -> str:
    colour = STANCE_COLOURS.get(label) or FRAME_COLOURS.get(label, "#000")
    return f'<span class="swatch" style="background:{colour}"></span>{_e(label)}'


def _uncertain_table(report: Report) -> list[str]:
    if not report.uncertain:
        return ["<p>No labelled sentences.</p>"]
    group = "<th>group</th>" if report.show_group else ""
    out = [
        "<table>",
        f"<thead><tr><th>#</th><th>document</th>{group}<th>sentence</th><th>stance</th>"
        "<th>p</th><th>frame nearest 0.5</th><th>where</th></tr></thead>",
        "<tbody>",
    ]
    for number, row in enumerate(report.uncertain, start=1):
        closest = row.closest_frame
        frame = f"{_swatch(closest[0])} {closest[1]:.2f}" if closest else ""
        cells = [
            f'<td class="num">{number}</td>',
            f"<td>{_e(row.doc)}</td>",
            f"<td>{_e(row.group)}</td>" if report.show_group else "",
            f"<td>{_e(shorten(row.text))}</td>",
            f"<td>{_swatch(row.stance or '')}</td>",
            f'<td class="num">{row.confidence:.2f}</td>',
            f"<td>{frame}</td>",
            f'<td class="where">{_e(row.where)}</td>',
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    return [*out, "</tbody>", "</table>"]


def render_html(report: Report) -> str:
    """One HTML5 page, charts inline as base64 PNG, every piece of user text escaped."""
    from framing import __version__

    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}</title>",
        f"<style>\n{_STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(report.title)}</h1>",
        "<ul>" + "".join(f"<li>{_e(line)}</li>" for line in report.summary) + "</ul>",
    ]
    for chart in report.charts:
        data = base64.b64encode(chart.png).decode("ascii")
        out += [
            f'<h2 id="{chart.name}">{_e(chart.title)}</h2>',
            "<figure>",
            f'<img src="data:image/png;base64,{data}" width="{chart.width}" height="{chart.height}" '
            f'alt="{_e(chart.title)}">',
            f"<figcaption>{_e(chart.caption)}</figcaption>",
            "</figure>",
        ]
    out += [
        '<h2 id="uncertain">Least confident sentences</h2>',
        f"<p>The {len(report.uncertain):,} labelled sentences whose stance the model was least sure of "
        "(lowest probability of the chosen stance), with the frame score nearest 0.5: "
        "the first to check by hand.</p>",
        *_uncertain_table(report),
        f'<p class="where">Made by framing {_e(__version__)} (framing report).</p>',
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)


def _stage(target: Path, data: bytes, name: str) -> Path:
    """``data`` in a new temp file beside ``target``, on disk, with the mode of the file it replaces."""
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as err:
        raise FileAccessError(
            f"{name}: cannot create a file in {str(target.parent)!r} ({err.strerror})"
        ) from None
    try:
        with open(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        take_over_metadata(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise FileAccessError(f"{name}: cannot write ({err.strerror or err})") from None
        raise
    return Path(tmp)


def _keep_old(target: Path) -> Path | None:
    """A second name (a hard link, else a copy) for the file now at ``target``, to put back if the
    report fails; None if there is none."""
    if not (target.is_symlink() or target.exists()):
        return None
    for _ in range(10):
        backup = target.with_name(f".{target.name}.{os.urandom(6).hex()}.old")
        try:
            os.link(target, backup, follow_symlinks=False)
        except FileExistsError:
            continue
        except OSError:  # a file system without hard links
            shutil.copy2(target, backup, follow_symlinks=False)
        return backup
    raise FileExistsError(f"{target}: no free name for a backup")


def _put_back(replaced: list[tuple[Path, Path | None]]) -> None:
    """Undo the renames of a failed write: each old file back in place, each new one removed."""
    for target, backup in reversed(replaced):
        with contextlib.suppress(OSError):
            if backup is None:
                target.unlink(missing_ok=True)
            else:
                os.replace(backup, target)


def _swap_in(staged: list[tuple[Path, Path]], replaced: list[tuple[Path, Path | None]]) -> None:
    """Rename each temp file over its target, in order, noting in ``replaced`` how to undo it."""
    for tmp, target in staged:
        backup = None
        try:
            backup = _keep_old(target)
            os.replace(tmp, target)
        except BaseException as err:  # the target is as it was: its backup is not needed
            if backup is not None:
                backup.unlink(missing_ok=True)
            if isinstance(err, OSError):
                raise FileAccessError(f"{target}: cannot replace ({err.strerror or err})") from None
            raise
        replaced.append((target, backup))


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write ``path`` and the PNGs beside it, as one set: every file is written to a temp file
    first, then all are renamed into place, the page last; if anything fails, the renamed files
    are put back, so the previous report (page and PNGs) stays as it was and a first report leaves
    nothing. PNGs of charts this report lacks (a time chart from an earlier run) are then removed,
    so the folder matches the page. The page follows a symbolic link, as every output does; a
    device or pipe (``/dev/null``) is written straight through, after the PNGs."""
    path = Path(path)
    folder = png_folder(path)
    page_target = Path(os.path.realpath(path))
    through = page_target.exists() and not page_target.is_file()
    created = not folder.exists()
    pngs = [folder / f"{chart.name}.png" for chart in report.charts]
    staged: list[tuple[Path, Path]] = []
    replaced: list[tuple[Path, Path | None]] = []
    try:
        folder.mkdir(exist_ok=True)
        for png, chart in zip(pngs, report.charts):
            staged.append((_stage(png, chart.png, str(png)), png))
        page = report.html().encode("utf-8")
        if not through:
            staged.append((_stage(page_target, page, str(path)), page_target))
        _swap_in(staged, replaced)
        if through:
            with open_output(str(path)) as stream:
                stream.write(page.decode("utf-8"))
    except BaseException:
        _put_back(replaced)
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    for _, backup in replaced:
        if backup is not None:
            backup.unlink(missing_ok=True)
    names = {chart.name for chart in report.charts}
    for stale in CHARTS:
        if stale not in names:
            (folder / f"{stale}.png").unlink(missing_ok=True)
    return [path, *pngs]
