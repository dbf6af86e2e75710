"""`framing report` and `Predictions.plot`: the numbers behind each chart, grouping and time buckets,
a self-contained and escaped page, clear errors, atomic and deterministic output. Hand-written
prediction records throughout: no model is loaded."""

from __future__ import annotations

import base64
import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from framing.labels import FRAMES, STANCES
from framing.predict_io import CsvWriter
from framing.results import Prediction, Predictions

matplotlib = pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from framing import report as rp  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HOSTILE = '</td><script>alert("x")</script><img src=http://evil.example/x.png>'


def prediction(stance: str | None, frames=(), p: float = 0.7, text: str = "A sentence.") -> Prediction:
    if stance is None:
        return Prediction.empty("")
    rest = round((1 - p) / (len(STANCES) - 1), 6)
    stance_scores = {name: p if name == stance else rest for name in STANCES}
    frame_scores = {name: 0.8 if name in frames else 0.1 for name in FRAMES}
    return Prediction(text, stance, stance_scores, list(frames), frame_scores)


def record(stance: str | None, frames=(), p: float = 0.7, text: str = "A sentence.", **fields) -> dict:
    pred = prediction(stance, frames, p, text)
    return {"text": pred.text, **fields, **pred.to_dict()}


# Two outlets and a record without one; dates over three weeks (a day-bucketed span).
RECORDS = [
    record("sceptical", ["stalling"], 0.9, doc_id="d1", outlet="Wire", date="2026-03-02"),
    record("sceptical", ["stalling", "win-loss"], 0.5, doc_id="d1", outlet="Wire", date="2026-03-02"),
    record("alarmed", ["sidelining"], 0.8, doc_id="d1", outlet="Wire", date="2026-03-04"),
    record(None, doc_id="d1", outlet="Wire", date="2026-03-04"),
    record("pro-engagement", [], 0.6, doc_id="d2", outlet="Daily", date="2026-03-10T08:00:00Z"),
    record("neutral", ["sidelining"], 0.4, text="Least sure of this.", doc_id="d2", date="2026-03-20"),
]


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def images(page: str) -> list[str]:
    return re.findall(r'<img src="([^"]*)"', page)


# --------------------------------------------------------------------------- the numbers


def test_group_shares_and_frame_rates_are_counted_per_group():
    rows = rp.rows_from_records(RECORDS, by="outlet")
    groups = {t.name: t for t in rp.tally_groups(rows)}
    assert [t.name for t in rp.tally_groups(rows)] == ["Wire", "(missing)", "Daily"]  # largest first
    wire = groups["Wire"]
    assert (wire.labelled, wire.empty) == (3, 1)  # the empty text counts in no share
    assert wire.stance_shares == pytest.approx(
        {"pro-engagement": 0, "sceptical": 2 / 3, "alarmed": 1 / 3, "neutral": 0}
    )
    assert wire.frame_rates == pytest.approx({"sidelining": 1 / 3, "stalling": 2 / 3, "win-loss": 1 / 3})
    assert groups["(missing)"].stance_shares["neutral"] == 1.0
    overall = rp.tally(rows)
    assert overall.labelled == 5 and overall.stance_shares["sceptical"] == pytest.approx(0.4)


def test_a_real_missing_value_stays_apart_and_numbers_group_with_their_text():
    records = [
        record("neutral", outlet=value) for value in ("(missing)", None, '"(missing)"', "", 1, "1", 1.5)
    ]
    rows = rp.rows_from_records(records, by="outlet")
    assert [r.group for r in rows] == [
        '"(missing)"',
        "(missing)",
        '""(missing)""',
        "(missing)",
        "1",
        "1",
        "1.5",
    ]
    assert {t.name: t.labelled for t in rp.tally_groups(rows)} == {
        "(missing)": 2, "1": 2, '"(missing)"': 1, '""(missing)""': 1, "1.5": 1
    }  # fmt: skip


def test_a_group_of_only_empty_texts_is_left_out_of_the_charts_and_said_so():
    records = RECORDS + [record(None, outlet="Ghost"), record(None, outlet="Ghost")]
    report = rp.build_report(records, by="outlet")
    for chart in report.charts[:2]:
        assert chart.caption.endswith(
            "All 3 outlet values with labelled sentences, largest first; 1 more, with only empty texts, "
            "are left out."
        )
    assert "4 group(s)" in report.summary[2]
    cut = rp.build_report(records, by="outlet", top=1).charts[0].caption
    assert cut.endswith("count only in the bold 'all' row; 1 more, with only empty texts, are left out.")
    ax = Predictions([*PREDICTIONS, prediction(None)]).plot(by=[*OUTLETS, "Ghost"], ax=Figure().subplots())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["all (4)", "Wire (3)", "Daily (1)"]


def test_without_by_the_document_is_the_group_then_the_input_file(tmp_path):
    rows = rp.rows_from_records(RECORDS)
    assert [t.name for t in rp.tally_groups(rows)] == ["d1", "d2"]
    path = write_jsonl(tmp_path / "articles.jsonl", [record("neutral"), record("alarmed", doc="x")])
    assert [r.group for r in rp.read_predictions([str(path)])] == ["articles.jsonl", "x"]


def test_frame_cooccurrence_counts_pairs_and_each_frame_on_the_diagonal():
    matrix = rp.frame_cooccurrence(rp.rows_from_records(RECORDS))
    s, t, w = (FRAMES.index(name) for name in ("sidelining", "stalling", "win-loss"))
    assert matrix[s][s] == 2 and matrix[t][t] == 2 and matrix[w][w] == 1
    assert matrix[t][w] == matrix[w][t] == 1 and matrix[s][t] == 0


def test_the_counts_keep_only_the_least_confident_rows_with_the_same_ties():
    probabilities = [0.5, 0.3, 0.5, 0.9, 0.3, 0.5, 0.3, 0.7, 0.3, 0.5] * 3
    rows = rp.rows_from_records(
        [record("neutral", p=p, text=str(i)) for i, p in enumerate(probabilities)] + [record(None)]
    )
    for keep in (0, 1, 4, 7, 30, 40):
        kept = rp.Counts.of(rows, keep=keep).uncertain
        expected = sorted((r for r in rows if r.stance), key=lambda r: r.confidence)[:keep]
        assert (
            [r.text for r in kept]
            == [r.text for r in expected]
            == [r.text for r in rp.least_confident(rows, keep)]
        )


def test_a_report_reads_its_rows_once_and_keeps_only_the_least_confident(tmp_path):
    import gc
    import weakref

    records = [record("neutral", p=0.3 + (i % 13) / 20, doc_id=f"d{i % 5}", date=f"2026-03-{1 + i % 28:02}")
               for i in range(500)] + [record(None)]  # fmt: skip
    alive: list[weakref.ref] = []

    def rows():
        for row in rp.rows_from_records(records, time="date"):
            alive.append(weakref.ref(row))
            yield row

    report = rp.report_from_rows(rows(), time="date", uncertain=5)
    gc.collect()
    assert len(alive) == 501 and len([ref for ref in alive if ref() is not None]) <= 5
    assert report.html() == rp.build_report(records, time="date", uncertain=5).html()
    assert report.summary[:2] == [
        "501 sentence(s) read",
        "500 labelled, 1 empty (no stance, left out of every chart)",
    ]


def test_least_confident_are_the_lowest_stance_probabilities_ties_in_input_order():
    rows = rp.rows_from_records(RECORDS)
    chosen = rp.least_confident(rows, 3)
    assert [r.confidence for r in chosen] == [0.4, 0.5, 0.6]
    assert chosen[0].text == "Least sure of this." and chosen[0].doc == "d2"
    assert chosen[0].closest_frame == ("sidelining", 0.8)
    tied = rp.rows_from_records([record("neutral", p=0.5, text=str(i)) for i in range(4)])
    assert [r.text for r in rp.least_confident(tied, 4)] == ["0", "1", "2", "3"]


# --------------------------------------------------------------------------- time


@pytest.mark.parametrize(
    ("last", "freq"),
    [(date(2026, 1, 1), "day"), (date(2026, 3, 2), "day"), (date(2026, 3, 3), "week"),
     (date(2027, 1, 2), "week"), (date(2027, 1, 3), "month")],
)  # fmt: skip
def test_the_bucket_follows_the_span(last, freq):
    assert rp.choose_freq(date(2026, 1, 1), last) == freq


def test_weeks_start_on_monday_months_roll_over_and_empty_buckets_stay():
    assert rp.bucket_start(date(2026, 3, 8), "week") == date(2026, 3, 2)  # a Sunday -> its Monday
    dated = [record("neutral", date=d) for d in ("2025-11-20", "2026-02-03")]
    freq, buckets = rp.tally_time(rp.rows_from_records(dated, time="date"), "month")
    assert freq == "month" and [b.name for b in buckets] == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert [b.labelled for b in buckets] == [1, 0, 0, 1]


def test_time_buckets_of_dates_and_date_times():
    rows = rp.rows_from_records(RECORDS, time="date")
    freq, buckets = rp.tally_time(rows)
    assert freq == "day" and len(buckets) == 19  # 2 March to 20 March, every day
    by_day = {b.name: b for b in buckets}
    assert by_day["2026-03-02"].labelled == 2 and by_day["2026-03-04"].empty == 1
    assert by_day["2026-03-10"].stance_shares["pro-engagement"] == 1.0  # the 'Z' date-time
    freq, weeks = rp.tally_time(rows, "week")
    assert [(w.name, w.labelled) for w in weeks] == [("2026-03-02", 3), ("2026-03-09", 1), ("2026-03-16", 1)]


@pytest.mark.parametrize(
    ("first", "freq", "advice"),
    [("2021-01-01", "day", "use a longer --freq (week or month)"),
     ("1950-01-01", "week", "use a longer --freq (month)")],
)  # fmt: skip
def test_too_many_buckets_suggests_a_longer_freq_that_would_do(first, freq, advice):
    dated = [record("neutral", date=d) for d in ("2025-06-01", first, "2026-01-01")]
    with pytest.raises(rp.InputError) as caught:
        rp.tally_time(rp.rows_from_records(dated, time="date"), freq)
    assert str(caught.value) == (
        f"the dates span {first} (record 2) to 2026-01-01 (record 3): over 1,000 {freq}s, "
        f"too many to chart; {advice}"
    )


def test_a_far_off_date_is_named_by_file_and_line_and_no_longer_freq_is_suggested(cli, tmp_path):
    dates = ["2025-12-01", "2025-12-28", "0202-03-01", "2025-11-02", "2025-12-28"]
    write_jsonl(tmp_path / "p.jsonl", [record("neutral", date=d) for d in dates])
    for freq in ((), ("--freq", "month"), ("--freq", "day")):
        run = cli("report", "p.jsonl", "--time", "date", *freq, "-o", "r.html")
        assert run.code == 2 and len(run.err.strip().splitlines()) == 1, run.err
        assert "the dates span 0202-03-01 (p.jsonl:3) to 2025-12-28 (p.jsonl:2): over 1,000 " in run.err
        assert "--freq" not in run.err and "Fix the dates, or leave out the records far from" in run.err
    assert "over 1,000 days, or months, too many" in run.err
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- the command


def test_report_writes_every_chart_into_the_page_and_beside_it(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    run = cli("report", "p.jsonl", "--by", "outlet", "--time", "date", "-o", "r.html")
    assert run.code == 0, run.err
    assert "report written to r.html" in run.err
    folder = tmp_path / "r_files"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.png" for name in rp.CHARTS)
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    sources = images(page)
    assert len(sources) == len(rp.CHARTS)
    for name, src in zip(rp.CHARTS, sources):  # page order; each inline image is the PNG file
        png = (folder / f"{name}.png").read_bytes()
        assert png.startswith(PNG_MAGIC)
        assert src == "data:image/png;base64," + base64.b64encode(png).decode()
    assert "Frame rates per outlet" in page and "per day of date" in page
    assert "Least sure of this." in page and "record" not in page.split("<table>")[1].split("</table>")[0]


def test_without_time_there_is_no_time_chart_and_a_stale_one_is_removed(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    assert cli("report", "p.jsonl", "--time", "date", "-o", "r.html").code == 0
    assert (tmp_path / "r_files" / "time.png").exists()
    assert cli("report", "p.jsonl", "-o", "r.html").code == 0
    assert not (tmp_path / "r_files" / "time.png").exists()
    assert len(images((tmp_path / "r.html").read_text())) == 3


def test_csv_predictions_give_the_same_report_as_json_lines(cli, tmp_path):
    stream = io.StringIO()
    writer = CsvWriter(stream)
    for rec in RECORDS:
        fields = {
            k: v for k, v in rec.items() if k not in ("stance", "stance_scores", "frames", "frame_scores")
        }
        writer.write(fields, Prediction(rec["text"], rec["stance"], rec["stance_scores"], rec["frames"],
                                        rec["frame_scores"]))  # fmt: skip
    (tmp_path / "p.csv").write_text(stream.getvalue(), encoding="utf-8")
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    assert cli("report", "p.csv", "--by", "outlet", "--time", "date", "-o", "a.html").code == 0
    assert cli("report", "p.jsonl", "--by", "outlet", "--time", "date", "-o", "b.html").code == 0
    csv_rows = rp.read_predictions([str(tmp_path / "p.csv")], by="outlet")
    json_rows = rp.read_predictions([str(tmp_path / "p.jsonl")], by="outlet")
    assert [(r.stance, r.frames, r.group, r.stance_scores) for r in csv_rows] == [
        (r.stance, r.frames, r.group, r.stance_scores) for r in json_rows
    ]
    for name in ("stance", "frames", "time", "cooccurrence"):
        assert (tmp_path / "a_files" / f"{name}.png").read_bytes() == (
            tmp_path / "b_files" / f"{name}.png"
        ).read_bytes()


def test_many_groups_are_cut_to_the_largest_with_the_cut_stated(tmp_path):
    records = [record("neutral", doc_id=f"doc{i:03}") for i in range(200) for _ in range(1 + i % 3)]
    report = rp.build_report(records, top=10)
    caption = report.charts[0].caption
    assert "The 10 largest of 200 documents" in caption and "the other 190" in caption
    ax = Figure().subplots()
    groups = rp.tally_groups(rp.rows_from_records(records))
    rp.draw_stance(ax, groups[:10], rp.tally(rp.rows_from_records(records)))
    assert len(ax.patches) == 11 * len(STANCES)
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["all (399)", "doc002 (3)"]


def test_the_folder_of_pngs_is_named_after_the_page():
    assert rp.png_folder("out/report.html") == Path("out/report_files")
    assert rp.png_folder("report.HTM") == Path("report_files")
    assert rp.png_folder("report") == Path("report_files")


# --------------------------------------------------------------------------- the page


class _Checker(html.parser.HTMLParser):
    """Every element closed in order (void elements excepted); collects attributes that load things."""

    VOID = {"meta", "img", "br", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.loads: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.loads += [value for name, value in attrs if name in ("src", "href", "srcset", "action")]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"</{tag}> closes {self.stack[-1:]}"


def check_page(page: str) -> _Checker:
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    checker = _Checker()
    checker.feed(page)
    checker.close()
    assert checker.stack == []
    return checker


def test_the_page_is_self_contained_html5(tmp_path):
    report = rp.build_report(RECORDS, by="outlet", time="date")
    page = report.html()
    checker = check_page(page)
    assert checker.loads and all(src.startswith("data:image/png;base64,") for src in checker.loads)
    assert not {"script", "link", "iframe", "object"} & checker.tags
    assert "http://" not in page and "https://" not in page and "url(" not in page
    assert '<meta charset="utf-8">' in page and "default-src 'none'" in page


def test_hostile_text_is_escaped_in_the_page_and_drawn_plainly(cli, tmp_path):
    records = [
        record("alarmed", text=HOSTILE, doc_id=HOSTILE, outlet="$\\undefinedmacro{x}$ & <b>"),
        record("neutral", p=0.3, text="\x00\x1b[31m\u202e reversed", doc_id="d", outlet="Le Monde 🌍"),
    ]
    write_jsonl(tmp_path / "p.jsonl", records)
    run = cli("report", "p.jsonl", "--by", "outlet", "--title", "<i>Mine</i>", "-o", "r.html")
    assert run.code == 0, run.err  # mathtext would fail on the '$...$' outlet were it not escaped
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    checker = check_page(page)
    assert "script" not in checker.tags and "i" not in checker.tags and "b" not in checker.tags
    assert all(src.startswith("data:") for src in checker.loads)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<title>&lt;i&gt;Mine&lt;/i&gt;</title>" in page
    assert "&lt;img src=http://evil.example/x.png&gt;" in page  # as text only


def test_long_texts_are_cut_in_the_table(tmp_path):
    long = "word " * 200_000  # a megabyte
    report = rp.build_report([record("neutral", p=0.2, text=long), *RECORDS], uncertain=3)
    page = report.html()
    assert len(page) < 200_000 and "word " * 200 not in page
    cut = long[: rp.TEXT_CHARS - 1].rstrip() + "…"
    assert f"<td>{cut}</td>" in page and len(cut) <= rp.TEXT_CHARS
    assert "<td>Least sure of this.</td>" in page  # a short text as it is
    assert rp.shorten("a" * rp.TEXT_CHARS) == "a" * rp.TEXT_CHARS


# --------------------------------------------------------------------------- errors


def test_input_that_is_not_predict_output_names_file_and_line(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", [RECORDS[0], {"text": "no labels here", "id": 2}])
    run = cli("report", "p.jsonl", "-o", "r.html")
    assert run.code == 2
    assert run.err.startswith("framing: error: p.jsonl:2: no stance fields")
    assert "not 'framing predict' output" in run.err and not (tmp_path / "r.html").exists()


def test_a_csv_error_names_the_line_where_the_row_starts(cli, tmp_path):
    (tmp_path / "p.csv").write_text(
        'text,stance,frames\n"two\nlines",neutral,\nthird,neutral,\n', encoding="utf-8"
    )
    run = cli("report", "p.csv", "-o", "r.html")
    assert run.code == 2 and "p.csv:2: no stance fields" in run.err
    header = "text,stance,frames," + ",".join(f"stance_score.{n}" for n in STANCES)
    header += "," + ",".join(f"frame_score.{n}" for n in FRAMES)
    good = '"a\nb",neutral,,0.1,0.1,0.1,0.7,0.1,0.1,0.1'
    (tmp_path / "q.csv").write_text(f"{header}\n{good}\n{good}\n{good.replace('0.7', 'lots')}\n")
    run = cli("report", "q.csv", "-o", "r.html")
    assert run.code == 2 and "q.csv:6: score stance_score.neutral must be a number or null" in run.err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stance": "hopeful"}, 'p.jsonl:2: unknown stance "hopeful"; expected one of pro-engagement'),
        ({"frames": ["doom"]}, 'p.jsonl:2: unknown frame "doom"'),
        ({"stance_scores": {"neutral": 1}}, "p.jsonl:2: stance_scores has no score for pro-engagement"),
        ({"date": "last Tuesday"}, 'p.jsonl:2: date "last Tuesday" is not an ISO date'),
        ({"date": 20260301}, "p.jsonl:2: date 20260301 is not an ISO date"),
    ],
)
def test_bad_values_name_file_line_and_problem(cli, tmp_path, change, message):
    write_jsonl(tmp_path / "p.jsonl", [RECORDS[0], RECORDS[1] | change])
    run = cli("report", "p.jsonl", "--time", "date", "-o", "r.html")
    assert run.code == 2 and message in run.err, run.err
    assert len(run.err.strip().splitlines()) == 1


def test_by_or_time_fields_that_no_record_has(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS + [record("neutral", published="")])
    run = cli("report", "p.jsonl", "--by", "source", "-o", "r.html")
    assert (
        run.code == 2
        and "no record has a value for 'source' to group by (fields of the first record: text" in run.err
    )
    run = cli("report", "p.jsonl", "--time", "published", "-o", "r.html")
    assert run.code == 2 and "no record has a value for 'published' to date the sentences by" in run.err


def test_usage_errors(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    (tmp_path / "a.txt").write_text("An article.")
    assert "a.txt: a .txt file holds text, not predictions" in cli("report", "a.txt", "-o", "r.html").err
    assert "needs a file name" in cli("report", "p.jsonl", "-o", "-").err
    assert cli("report", "p.jsonl", "-o", "r.html", "--freq", "year").code == 2
    assert cli("report", "p.jsonl", "-o", "r.html", "--top", "0").code == 2
    (tmp_path / "empty.jsonl").write_text("\n")
    assert cli("report", "empty.jsonl", "-o", "r.html").err == (
        "framing: error: empty.jsonl: no predictions to chart (no records)\n"
    )
    assert (
        cli("report", "missing.jsonl", "-o", "r.html").err.strip()
        == "framing: error: missing.jsonl: no such file"
    )
    assert not (tmp_path / "r.html").exists() and not (tmp_path / "r_files").exists()
    help_text = cli("report", "--help").out
    assert "--by FIELD" in help_text and "report_files/stance.png" in help_text


def test_without_matplotlib_the_command_says_what_to_install(cli, tmp_path, monkeypatch):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    run = cli("report", "p.jsonl", "-o", "r.html")
    assert run.code == 2
    assert run.err == "framing: error: charts need matplotlib, which is not installed: " \
        "pip install 'framing-stance[report]'\n"  # fmt: skip
    with pytest.raises(ImportError, match=r"pip install 'framing-stance\[report\]'"):
        Predictions([prediction("neutral")]).plot()


def test_nothing_imports_matplotlib_until_a_chart_is_drawn():
    code = (
        "import sys, framing.results, framing.report, framing.cli; framing.cli.build_parser(); "
        "assert 'matplotlib' not in sys.modules, 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- atomic, deterministic


def test_a_failed_run_leaves_no_file_and_an_old_report_intact(cli, tmp_path, monkeypatch):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)

    def broken(rows):
        raise RuntimeError("drawing failed")

    with monkeypatch.context() as patch:
        patch.setattr(rp, "_cooccurrence_chart", broken)
        assert cli("report", "p.jsonl", "-o", "r.html").code == 1
    assert sorted(os.listdir(tmp_path)) == ["p.jsonl"]  # no page, no folder, no temp file
    assert cli("report", "p.jsonl", "-o", "r.html").code == 0
    before = files_of(tmp_path)
    write_jsonl(tmp_path / "p.jsonl", RECORDS[:2])
    monkeypatch.setattr(rp, "_cooccurrence_chart", broken)
    assert cli("report", "p.jsonl", "-o", "r.html").code == 1
    after = files_of(tmp_path)
    del before["p.jsonl"], after["p.jsonl"]
    assert after == before and len(after) == 4


def test_a_failed_rerun_leaves_the_previous_page_and_pngs_together(tmp_path, monkeypatch):
    rp.build_report(RECORDS, time="date").write(tmp_path / "r.html")
    before = files_of(tmp_path)
    other = rp.build_report(RECORDS[:3], by="outlet")
    with monkeypatch.context() as patch:
        patch.setattr(rp, "render_html", lambda report: 1 / 0)  # the page fails after the charts
        with pytest.raises(ZeroDivisionError):
            other.write(tmp_path / "r.html")
    assert files_of(tmp_path) == before

    real_replace = os.replace

    def failing(source, target):  # the last rename, of the page, fails: the PNGs go back
        if str(target).endswith(".html"):
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(rp.FileAccessError, match=r"r\.html: cannot replace \(No space left on device\)"):
        other.write(tmp_path / "r.html")
    assert files_of(tmp_path) == before  # no temp file or backup left either
    with pytest.raises(rp.FileAccessError):
        other.write(tmp_path / "new.html")
    assert files_of(tmp_path) == before and sorted(os.listdir(tmp_path)) == ["r.html", "r_files"]
    monkeypatch.undo()
    assert other.write(tmp_path / "r.html")[0] == tmp_path / "r.html"
    assert sorted(files_of(tmp_path)) == ["r.html", "r_files/cooccurrence.png", "r_files/frames.png",
                                          "r_files/stance.png"]  # fmt: skip


def test_a_failed_write_of_a_new_report_leaves_nothing(tmp_path, monkeypatch):
    report = rp.build_report(RECORDS)
    monkeypatch.setattr(rp, "render_html", lambda report: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        report.write(tmp_path / "r.html")
    assert os.listdir(tmp_path) == []


def test_the_same_input_gives_byte_identical_files_whatever_the_users_style(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert cli("report", "p.jsonl", "--by", "outlet", "--time", "date", "-o", "a/r.html").code == 0
    with matplotlib.rc_context({"font.size": 20, "axes.facecolor": "black", "lines.linewidth": 9}):
        assert cli("report", "p.jsonl", "--by", "outlet", "--time", "date", "-o", "b/r.html").code == 0
    first, second = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert len(first) == 1 + len(rp.CHARTS) and first == second


# --------------------------------------------------------------------------- Predictions.plot


PREDICTIONS = Predictions(
    [prediction("sceptical", ["stalling"]), prediction("sceptical"), prediction("alarmed", ["win-loss"]),
     prediction(None), prediction("neutral", ["stalling", "win-loss"])]
)  # fmt: skip
OUTLETS = ["Wire", "Wire", "Wire", "Daily", "Daily"]


def test_plot_stance_draws_share_bars_on_the_given_axes():
    ax = Figure().subplots()
    assert PREDICTIONS.plot(ax=ax) is ax
    assert len(ax.patches) == len(STANCES)  # one bar: all predictions
    assert [c.get_label() for c in ax.containers] == list(STANCES)
    assert [c.patches[0].get_width() for c in ax.containers] == pytest.approx([0, 0.5, 0.25, 0.25])


def test_plot_stance_by_group_has_an_all_bar_then_each_group():
    ax = PREDICTIONS.plot("stance", by=OUTLETS, ax=Figure().subplots())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["all (4)", "Wire (3)", "Daily (1)"]
    sceptical = ax.containers[STANCES.index("sceptical")]
    assert [bar.get_width() for bar in sceptical] == pytest.approx([0.5, 2 / 3, 0])
    neutral = ax.containers[STANCES.index("neutral")]
    assert [bar.get_x() for bar in neutral] == pytest.approx([0.75, 1.0, 0.0])  # stacked after the rest
    assert all(c.patches[0].get_facecolor() == matplotlib.colors.to_rgba(rp.STANCE_COLOURS[n])
               for c, n in zip(ax.containers, STANCES))  # fmt: skip


def test_plot_frames_cooccurrence_and_time():
    ax = PREDICTIONS.plot("frames", by=OUTLETS, ax=Figure().subplots())
    rates = ax.images[0].get_array().ravel().tolist()  # rows: all, Wire, Daily
    assert rates == pytest.approx([0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 0, 1, 1])
    ax = PREDICTIONS.plot("cooccurrence", ax=Figure().subplots())
    assert [t.get_text() for t in ax.texts][4] == "2\nsentences"  # stalling on the diagonal
    days = ["2026-03-01", "2026-03-01", "2026-03-03", None, "2026-03-03"]
    ax = PREDICTIONS.plot("time", time=days, ax=Figure().subplots())
    assert len(ax.patches) == 3 * len(STANCES)  # 1, 2 and 3 March
    assert [bar.get_height() for bar in ax.containers[STANCES.index("sceptical")]] == [1.0, 0.0, 0.0]
    ax = PREDICTIONS.plot("time-frames", time=days, freq="week", ax=Figure().subplots())
    assert ax.lines[FRAMES.index("stalling")].get_ydata().tolist() == pytest.approx([0.5, 0.5])  # Sunday 1st


def test_plot_without_axes_uses_a_new_figure_and_rejects_bad_arguments():
    import matplotlib.pyplot as plt

    ax = PREDICTIONS.plot()
    assert plt.fignum_exists(ax.figure.number)
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="unknown kind 'pie'"):
        PREDICTIONS.plot("pie")
    with pytest.raises(ValueError, match="by has 2 values for 5 predictions"):
        PREDICTIONS.plot(by=["a", "b"])
    with pytest.raises(ValueError, match="needs time="):
        PREDICTIONS.plot("time")


def test_plot_takes_dates_and_date_times_as_well_as_iso_strings():
    from datetime import datetime, timezone

    pd = pytest.importorskip("pandas")
    four = Predictions(PREDICTIONS[:3] + PREDICTIONS[4:])
    days = [date(2026, 1, i) for i in (1, 2, 3, 4)]
    expected = [bar.get_height() for bar in four.plot("time", time=[d.isoformat() for d in days]).patches]
    stamps = pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03T08:00", "2026-01-04"], format="ISO8601")
    for time in (
        days,
        [datetime(2026, 1, i, 23, 30, tzinfo=timezone.utc) for i in (1, 2, 3, 4)],
        list(stamps),
    ):
        ax = four.plot("time", time=time, ax=Figure().subplots())
        assert [bar.get_height() for bar in ax.patches] == expected and len(expected) == 4 * len(STANCES)
    ax = four.plot("time", time=[*days[:3], pd.NaT], ax=Figure().subplots())  # NaT: a missing date
    assert len(ax.patches) == 3 * len(STANCES)
    ax = four.plot("stance", by=days[:2] * 2, ax=Figure().subplots())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["all (4)", "2026-01-01 (2)", "2026-01-02 (2)"]
    assert rp.parse_when(datetime(2026, 3, 1, 14), "x", "date") == date(2026, 3, 1)
    with pytest.raises(rp.InputError, match=r"prediction 2: time= value \[1, 2\] is not an ISO date"):
        four.plot("time", time=[days[0], [1, 2], days[0], object()])
    with pytest.raises(rp.InputError, match=r'prediction 4: time= value "<object object at'):
        four.plot("time", time=[*days[:3], object()])


def test_plot_errors_speak_of_the_arguments_not_of_internal_fields():
    four = Predictions(PREDICTIONS[:3] + PREDICTIONS[4:])
    with pytest.raises(ValueError) as caught:
        four.plot("time", time=[None] * 4)
    assert str(caught.value) == "no prediction has a date: time= holds only None or empty values"
    with pytest.raises(rp.InputError) as caught:
        four.plot("time-frames", time=["2026-03-01", "soon", None, None])
    assert str(caught.value) == (
        'prediction 2: time= value "soon" is not an ISO date; write e.g. 2026-03-01 or 2026-03-01T14:30:00'
    )
    with pytest.raises(ValueError, match="^time has 2 values for 4 predictions$"):
        four.plot("time", time=[None, None])


# --------------------------------------------------------------------------- a real browser

CHECK_SCRIPT = """<script>
window.addEventListener("load", function () {
  var images = Array.from(document.images);
  var ok = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var out = document.createElement("pre");
  out.id = "framing-check";
  out.textContent = "images=" + images.length + " rendered=" + ok.length + " title=" + document.title;
  document.body.appendChild(out);
});
</script>"""


def _chromium() -> str | None:
    return next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)


def _browser_check(page: Path, tmp_path: Path) -> str:
    """Load a copy of the page with a script that reports, once it has loaded, on every image."""
    assert _chromium() is not None, "Chromium is missing (CI installs it: apt-get install chromium)"
    text = page.read_text(encoding="utf-8")
    assert "default-src 'none';" in text
    text = text.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
    copy = tmp_path / f"check-{page.name}"
    copy.write_text(text.replace("</body>", CHECK_SCRIPT + "</body>"), encoding="utf-8")
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", copy.as_uri()]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    found = re.search(r'<pre id="framing-check">([^<]*)</pre>', done.stdout)
    assert found, f"the page did not load (exit {done.returncode}): {done.stderr[-2000:]}"
    return found.group(1)


@pytest.mark.slow
@pytest.mark.skipif(
    _chromium() is None and not os.environ.get("CI"),  # CI installs it: there, missing is a failure
    reason="Chromium is not installed (apt-get install chromium)",
)
def test_every_chart_renders_in_headless_chromium(cli, tmp_path):
    write_jsonl(tmp_path / "p.jsonl", RECORDS)
    assert (
        cli("report", "p.jsonl", "--by", "outlet", "--time", "date", "--title", "Check", "-o", "r.html").code
        == 0
    )
    page = tmp_path / "r.html"
    charts = len(rp.CHARTS)
    assert _browser_check(page, tmp_path) == f"images={charts} rendered={charts} title=Check"
    # The check can fail: an image from outside the page is blocked (and would be offline anyway).
    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text().replace('src="data:', 'src="https://example.invalid/x.png#', 1))
    assert _browser_check(broken, tmp_path) == f"images={charts} rendered={charts - 1} title=Check"
