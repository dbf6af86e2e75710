"""The ``framing report`` subcommand: charts of ``framing predict`` output in one HTML file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

REPORT_DESCRIPTION = """\
Chart the output of 'framing predict': stance shares and frame rates per document (or per
outlet, or any field), over time, how often frames come together, and the sentences the
model was least sure of.

OUTPUT is one HTML file that opens offline (the charts are inside it), and the same charts
as PNG files in a folder beside it: report.html -> report_files/stance.png, frames.png,
time.png (with --time), cooccurrence.png. The files are replaced together: a run that
fails leaves the previous report (page and PNGs) as it was. The same input gives
byte-identical files."""

REPORT_EPILOG = """\
examples:
  framing predict articles/*.txt -o predicted.jsonl
  framing report predicted.jsonl -o report.html                      per document
  framing report predicted.jsonl --by outlet --time date -o report.html
  framing report labelled.csv --by outlet --time published --freq month -o report.html

Documents are named by the field doc_id, doc or document (the first a record has), else by the
input file. With --by, records without the field form the group '(missing)'. --time reads ISO
dates or date-times (2026-03-01, 2026-03-01T14:30:00Z) and buckets them by day (spans up to
60 days), week (up to a year) or month, unless --freq says which.

Needs matplotlib: pip install 'framing-stance[report]'. See docs/report.md.

exit status: 0 ok, 2 bad input or usage (the message names file and line), 1 the file system
failed (disk full, I/O error) or a bug"""


def register_report(subparsers: argparse._SubParsersAction) -> None:
    from framing.cli_model import at_least
    from framing.report import DEFAULT_TOP, DEFAULT_UNCERTAIN, FREQS

    parser = subparsers.add_parser(
        "report",
        help="chart predictions in one self-contained HTML page (and PNGs): by document, outlet, time",
        description=REPORT_DESCRIPTION,
        epilog=REPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs",
        nargs="+",
        metavar="PREDICTIONS",
        help="'framing predict' output (.jsonl, .csv), or - for stdin",
    )
    parser.add_argument(
        "-o", "--output", required=True, metavar="OUTPUT", help="the HTML file to write, e.g. report.html"
    )
    parser.add_argument(
        "--by", metavar="FIELD", help="group by this field or column, e.g. outlet (default: the document)"
    )
    parser.add_argument(
        "--time", metavar="FIELD", help="chart over time by this field of ISO dates, e.g. date"
    )
    parser.add_argument(
        "--freq", choices=FREQS, help="time buckets (default: chosen by the span of the dates)"
    )
    parser.add_argument(
        "--top",
        type=at_least(1),
        default=DEFAULT_TOP,
        metavar="N",
        help="chart the N largest groups; the rest count in the 'all' row (default: %(default)s)",
    )
    parser.add_argument(
        "--uncertain",
        type=at_least(0),
        default=DEFAULT_UNCERTAIN,
        metavar="N",
        help="rows of the table of least confident sentences (default: %(default)s)",
    )
    parser.add_argument(
        "--text-field", default="text", metavar="NAME", help="text field or column (default: %(default)s)"
    )
    parser.add_argument(
        "--title", default="Stance and frames", help="the page's title (default: %(default)s)"
    )
    parser.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace, *, model: Any = None) -> int:
    from framing.cli_model import CommandError
    from framing.predict_io import STDIN, check_inputs, check_output, descriptor_path
    from framing.report import iter_predictions, png_folder, report_from_rows, require_matplotlib

    try:
        require_matplotlib()
    except ImportError as err:
        raise CommandError(str(err)) from None
    if args.inputs.count(STDIN) > 1:
        raise CommandError("-: standard input can be read only once")
    if args.output == "-" or descriptor_path(args.output) is not None:
        raise CommandError(f"{args.output}: the report needs a file name; its PNGs go in a folder beside it")
    check_inputs(args.inputs)
    check_output(args.output, args.inputs)
    folder = png_folder(args.output)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder}: exists and is not a folder; the report's PNGs go there")
    rows = iter_predictions(args.inputs, by=args.by, time=args.time, text_field=args.text_field)
    report = report_from_rows(
        rows,
        by=args.by,
        time=args.time,
        freq=args.freq,
        top=args.top,
        uncertain=args.uncertain,
        title=args.title,
        sources=["<stdin>" if name == STDIN else name for name in args.inputs],
    )
    report.write(args.output)
    names = ", ".join(f"{chart.name}.png" for chart in report.charts)
    print(f"framing: report written to {args.output}; charts in {folder}/ ({names})", file=sys.stderr)
    return 0
