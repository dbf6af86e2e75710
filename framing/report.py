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
import html
import io
import json
import math
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from framing.labels import FRAMES, STANCES
from framing.predict_io import InputError, atomic_write, open_output, read_input

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


def parse_when(value: Any, where: str, field_name: str) -> date | None:
    """The calendar day of an ISO 8601 date or date-time, as written (no time-zone shift)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        with contextlib.suppress(ValueError):
            return date.fromisoformat(text)
        with contextlib.suppress(ValueError):  # Python 3.10 reads no 'Z' and no compact forms
            return datetime.fromisoformat(re.sub(r"Z$", "+00:00", text)).date()
    shown = json.dumps(value, ensure_ascii=False)[:40]
    raise InputError(
        f"{where}: {field_name} {shown} is not an ISO date; write e.g. 2026-03-01 or 2026-03-01T14:30:00"
    )


def _group_value(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _doc_of(fields: Mapping[str, Any], fallback: str) -> str:
    for name in DOC_FIELDS:
        if fields.get(name) not in (None, ""):
            return _group_value(fields[name])
    return fallback


def rows_from_fields(
    items: Iterable[tuple[Mapping[str, Any], str, str]],
    *,
    by: str | None = None,
    time: str | None = None,
    text_field: str = "text",
) -> list[Row]:
    """Rows of ``(fields, where, source)`` triples; ``by`` groups (default: the document)."""
    rows: list[Row] = []
    has_by = has_time = False
    first: Mapping[str, Any] | None = None
    for fields, where, source in items:
        first = fields if first is None else first
        stance, stance_scores, frames, frame_scores = parse_prediction(fields, where)
        doc = _doc_of(fields, source)
        group = doc
        if by is not None:
            has_by = has_by or by in fields
            group = _group_value(fields.get(by))
        when = parse_when(fields.get(time), where, time) if time is not None else None
        has_time = has_time or when is not None
        text = fields.get(text_field)
        text = text if isinstance(text, str) else ""
        rows.append(Row(stance, stance_scores, frames, frame_scores, text, group, when, doc, where))
    _check_fields_seen(first, by, has_by, "group by")
    _check_fields_seen(first, time, has_time, "date the sentences by")
    return rows


def _check_fields_seen(first: Mapping[str, Any] | None, name: str | None, seen: bool, purpose: str) -> None:
    if name is None or seen or first is None:
        return
    shown = ", ".join(map(str, first)) or "none"
    raise InputError(f"no record has a value for '{name}' to {purpose} (fields of the first record: {shown})")


def read_predictions(
    names: Sequence[str], *, by: str | None = None, time: str | None = None, text_field: str = "text"
) -> list[Row]:
    """Rows of ``framing predict`` output files (.jsonl, .csv, or ``-``); errors name file and line."""
    for name in names:
        if name.lower().endswith(".txt"):
            raise InputError(
                f"{name}: a .txt file holds text, not predictions; label it first: "
                f"framing predict {name} -o predictions.jsonl"
            )

    def items() -> Iterator[tuple[Mapping[str, Any], str, str]]:
        for name in names:
            for record in read_input(name, text_field):
                yield record.fields, record.where, Path(record.source).name

    return rows_from_fields(items(), by=by, time=time, text_field=text_field)


def rows_from_records(
    records: Iterable[Mapping[str, Any]],
    *,
    by: str | Sequence[Any] | None = None,
    time: str | Sequence[Any] | None = None,
    text_field: str = "text",
) -> list[Row]:
    """Rows of dict records; ``by`` and ``time`` are field names or one value per record."""
    records = list(records)
    named_by = by if isinstance(by, str) or by is None else "\0by"
    named_time = time if isinstance(time, str) or time is None else "\0time"
    extra: dict[str, Sequence[Any]] = {}
    for key, values in (("\0by", by), ("\0time", time)):
        if values is not None and not isinstance(values, str):
            if len(values) != len(records):
                which = "by" if key == "\0by" else "time"
                raise ValueError(f"{which} has {len(values)} values for {len(records)} predictions")
            extra[key] = values

    def items() -> Iterator[tuple[Mapping[str, Any], str, str]]:
        for index, fields in enumerate(records):
            added = {key: values[index] for key, values in extra.items()}
            yield ({**fields, **added} if added else fields), f"record {index + 1}", "records"

    return rows_from_fields(items(), by=named_by, time=named_time, text_field=text_field)


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
    groups: dict[str, Tally] = {}
    for row in rows:
        groups.setdefault(row.group, Tally(row.group)).add(row)
    return sorted(groups.values(), key=lambda t: (-t.labelled, -t.empty, t.name))


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


def tally_time(rows: Iterable[Row], freq: str | None = None) -> tuple[str, list[Tally]]:
    """``(freq, one tally per bucket)`` from the first dated bucket to the last, empty ones included
    (so the axis is linear in time); undated rows are left out. ``freq=None`` chooses by span."""
    dated = [row for row in rows if row.when is not None]
    if not dated:
        return freq or "day", []
    first = min(row.when for row in dated)
    last = max(row.when for row in dated)
    freq = freq or choose_freq(first, last)
    starts = [bucket_start(first, freq)]
    while starts[-1] < bucket_start(last, freq):
        starts.append(_next_bucket(starts[-1], freq))
        if len(starts) > MAX_BUCKETS:
            raise InputError(
                f"the dates span {first} to {last}: over {MAX_BUCKETS:,} {freq}s, too many to chart; "
                "use a longer --freq (week or month)"
            )
    buckets = {start: Tally(bucket_label(start, freq)) for start in starts}
    for row in dated:
        buckets[bucket_start(row.when, freq)].add(row)
    return freq, list(buckets.values())


def frame_cooccurrence(rows: Iterable[Row]) -> list[list[int]]:
    """``matrix[i][j]``: labelled sentences with frames i and j (the diagonal: with frame i)."""
    matrix = [[0] * len(FRAMES) for _ in FRAMES]
    for row in rows:
        if row.stance is None:
            continue
        for a in row.frames:
            for b in row.frames:
                matrix[FRAMES.index(a)][FRAMES.index(b)] += 1
    return matrix


def least_confident(rows: Iterable[Row], n: int = DEFAULT_UNCERTAIN) -> list[Row]:
    """The ``n`` labelled sentences with the lowest stance probability, input order among ties."""
    labelled = [row for row in rows if row.stance is not None]
    return sorted(labelled, key=lambda row: row.confidence)[:n]


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


def draw_stance(ax: Any, groups: Sequence[Tally], overall: Tally | None = None) -> Any:
    """Stacked horizontal bars of stance shares, one per group (``overall`` on top, in bold)."""
    bars = ([overall] if overall is not None else []) + list(groups)
    y = list(range(len(bars)))
    left = [0.0] * len(bars)
    for name in STANCES:
        widths = [t.stance_shares[name] for t in bars]
        ax.barh(y, widths, left=left, color=STANCE_COLOURS[name], label=name, height=0.8)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(y, [f"{_tick(t.name)} ({t.labelled:,})" for t in bars])
    if overall is not None:
        ax.get_yticklabels()[0].set_fontweight("bold")
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
    ax.set_yticks(range(len(cells)), [f"{_tick(t.name)} ({t.labelled:,})" for t in cells])
    if overall is not None:
        ax.get_yticklabels()[0].set_fontweight("bold")
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
    rows = rows_from_records(records, by=by, time=time)
    ax = ax if ax is not None else _new_axes()
    if kind in ("stance", "frames"):
        groups = tally_groups(rows)[:top] if by is not None else []
        draw = draw_stance if kind == "stance" else draw_frames
        return draw(ax, groups, tally(rows, "all"))
    if kind == "cooccurrence":
        return draw_cooccurrence(ax, frame_cooccurrence(rows))
    freq, buckets = tally_time(rows, freq)
    if not buckets:
        raise ValueError("no prediction has a date")
    return (draw_time if kind == "time" else draw_time_frames)(ax, buckets, freq)


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


def _cut_note(groups: Sequence[Tally], shown: int, by: str | None) -> str:
    if len(groups) <= shown:
        return f"All {len(groups):,} {_group_word(by)}, largest first."
    rest = sum(t.labelled for t in groups[shown:])
    return (
        f"The {shown:,} largest of {len(groups):,} {_group_word(by)} (by labelled sentences); "
        f"the other {len(groups) - shown:,} ({rest:,} sentences) count only in the bold 'all' row."
    )


def _group_charts(rows: list[Row], by: str | None, top: int) -> list[Chart]:
    groups = tally_groups(rows)
    shown = groups[:top]
    overall = tally(rows, "all")
    note = _cut_note(groups, len(shown), by)
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


def _time_chart(rows: list[Row], time: str, freq: str | None) -> Chart:
    freq, buckets = tally_time(rows, freq)
    undated = sum(1 for row in rows if row.when is None)
    figure, (counts, stances, frames) = _figure(7.5, 3, (1, 2.2, 2.2))
    _draw_counts(counts, buckets, freq)
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


def _cooccurrence_chart(rows: list[Row]) -> Chart:
    matrix = frame_cooccurrence(rows)
    labelled = sum(1 for row in rows if row.stance is not None)
    framed = sum(1 for row in rows if row.stance is not None and row.frames)
    figure, ax = _figure(4.6, width=5.6)
    draw_cooccurrence(ax, matrix)
    return Chart(
        "cooccurrence",
        "Frame co-occurrence",
        f"Sentences that carry both frames (the diagonal: the frame at all), and that count as a share "
        f"of the row frame's sentences. {framed:,} of {labelled:,} labelled sentences carry a frame.",
        *_render(figure),
    )


def report_from_rows(
    rows: list[Row],
    *,
    by: str | None = None,
    time: str | None = None,
    freq: str | None = None,
    top: int = DEFAULT_TOP,
    uncertain: int = DEFAULT_UNCERTAIN,
    title: str = "Stance and frames",
    sources: Sequence[str] = (),
) -> Report:
    """Draw every chart (in memory: nothing is written until :meth:`Report.write`)."""
    require_matplotlib()
    import matplotlib.style

    if top < 1 or uncertain < 0:
        raise ValueError("top must be at least 1 and uncertain at least 0")
    if not rows:
        raise InputError(f"{', '.join(sources) or 'the input'}: no predictions to chart (no records)")
    with matplotlib.style.context("default"), _quiet_fonts():  # the same look whatever the user's rc
        charts = _group_charts(rows, by, top)
        if time is not None:
            charts.append(_time_chart(rows, time, freq))
        charts.append(_cooccurrence_chart(rows))
    overall = tally(rows)
    summary = [
        f"{len(rows):,} sentence(s) read" + (f" from {', '.join(sources)}" if sources else ""),
        f"{overall.labelled:,} labelled, {overall.empty:,} empty (no stance, left out of every chart)",
        f"grouped by {'document' if by is None else by}: {len(tally_groups(rows)):,} group(s)",
    ]
    show_group = by is not None and by not in DOC_FIELDS  # else the group is the document column
    return Report(title, charts, least_confident(rows, uncertain), summary, show_group=show_group)


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
    rows = rows_from_records(records, by=by, time=time, text_field=text_field)
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
            f"<td>{_e(row.text)}</td>",
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


def _write_bytes(path: Path, data: bytes) -> None:
    """Atomically, like every output."""
    with atomic_write(path, binary=True) as stream:
        stream.write(data)


def write_report(report: Report, path: str | Path) -> list[Path]:
    """Write ``path`` and the PNGs beside it, each file atomically; PNGs of charts this report
    lacks (a time chart from an earlier run) are removed, so the folder matches the page."""
    path = Path(path)
    folder = png_folder(path)
    created = not folder.exists()
    written: list[Path] = []
    try:
        folder.mkdir(exist_ok=True)
        for chart in report.charts:
            _write_bytes(folder / f"{chart.name}.png", chart.png)
            written.append(folder / f"{chart.name}.png")
        with open_output(str(path)) as stream:
            stream.write(report.html())
    except BaseException:
        if created:
            for done in written:
                done.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    names = {chart.name for chart in report.charts}
    for stale in CHARTS:
        if stale not in names:
            (folder / f"{stale}.png").unlink(missing_ok=True)
    return [path, *written]
