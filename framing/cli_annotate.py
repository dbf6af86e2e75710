"""The ``framing export`` and ``framing import`` subcommands: the round trip to annotation tools."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

from framing.annotation import FORMATS

EXPORT_EPILOG = """\
examples:
  framing predict articles/*.txt -o predicted.jsonl
  framing export predicted.jsonl --format label-studio -o tasks.json   # + tasks.label_config.xml
  framing export predicted.jsonl --format doccano -o tasks.jsonl
  framing export predicted.jsonl --format prodigy -o tasks.jsonl
  framing export article.txt --format label-studio -o tasks.json      # texts only, no pre-annotations

Records written by `framing predict` carry the model's stance and frames: they become the tool's
pre-annotations (Label Studio predictions with scores, doccano labels, Prodigy pre-selected options).
Every task keeps the sentence's id and doc_id for `framing import`.

  Label Studio: a project with OUTPUT.label_config.xml as its labelling interface; import tasks.json.
  doccano: a text-classification project (not exclusive categories); import tasks.jsonl as JSONL.
      Its labels become annotations of the user who imports the file: annotate as that user.
  Prodigy: prodigy mark DATASET tasks.jsonl --view-id choice (tasks ask for choice_style multiple)."""

IMPORT_EPILOG = """\
examples:
  framing import export.json --format label-studio -o data/user/round1.jsonl
  framing import db-out.jsonl --format prodigy -o data/user/round1.jsonl
  framing train --with-user -o models/my-model        # train on seeds, written and data/user

Only annotated tasks are imported (Label Studio: the latest annotation that was not cancelled;
doccano: tasks with labels; Prodigy: 'accept' answers). Each needs exactly one stance.

  Label Studio: Export > JSON (JSON-MIN loses the sentence id).
  doccano: Export Dataset > JSONL with "Export only approved documents", so that examples nobody
      reviewed do not come back with the model's labels; unzip it and import the annotator's
      USER.jsonl (all.jsonl with collaborative annotation).
  Prodigy: prodigy db-out DATASET > db-out.jsonl"""


def register_export(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="write sentences (with the model's labels) as tasks for Label Studio, doccano or Prodigy",
        description="Write sentences as annotation tasks, the model's labels as pre-annotations.",
        epilog=EXPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="predictions or texts (.jsonl, .csv, .txt)"
    )
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="the tasks file to write")
    parser.add_argument("--format", required=True, choices=FORMATS, help="the annotation tool")
    parser.add_argument("--text-field", default="text", metavar="NAME", help="text field or column")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="Label Studio labelling config to write (default: OUTPUT with .label_config.xml)",
    )
    parser.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace, *, model: Any = None) -> int:
    from framing.annotation import export_tasks, label_studio_config
    from framing.predict_io import check_inputs, check_output, iter_records, open_output

    check_inputs(args.inputs)
    check_output(args.output, args.inputs)
    read = iter_records(args.inputs, args.text_field)
    records = ((r.fields, r.text, r.source) for r in read if not r.is_blank)
    count = 0
    with open_output(args.output) as stream:
        tasks = export_tasks(records, args.format)
        if args.format == "label-studio":  # one JSON list
            stream.write("[\n")
            for count, task in enumerate(tasks, start=1):
                stream.write(("" if count == 1 else ",\n") + json.dumps(task, ensure_ascii=False))
            stream.write("\n]\n")
        else:
            for task in tasks:
                stream.write(json.dumps(task, ensure_ascii=False) + "\n")
                count += 1
    message = f"{count} task(s) written to {args.output}"
    if args.format == "label-studio":
        config = Path(args.config or Path(args.output).with_suffix(".label_config.xml"))
        check_output(str(config), args.inputs)
        with open_output(str(config)) as stream:
            stream.write(label_studio_config())
        message += f"; labelling config: {config}"
    print(f"framing: {message}", file=sys.stderr)
    return 0


def register_import(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import",
        help="turn an annotation tool's export into codebook records (e.g. data/user/NAME.jsonl)",
        description="Turn Label Studio, doccano or Prodigy annotations into codebook records.",
        epilog=IMPORT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("export", metavar="EXPORTED_FILE", help="the tool's export")
    parser.add_argument("--format", required=True, choices=FORMATS, help="the annotation tool")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="JSON Lines to write (missing folders are made)",
    )
    parser.set_defaults(handler=run_import)


def run_import(args: argparse.Namespace, *, model: Any = None) -> int:
    from framing.annotation import AnnotationError, import_annotations
    from framing.cli_model import CommandError
    from framing.predict_io import check_output, open_output

    folder = Path(args.output).parent
    # data/user/ in a fresh clone: made once the import has succeeded, removed if writing fails
    new_folders = [f for f in (folder, *folder.parents) if not f.exists()]
    if not new_folders:
        check_output(args.output, [args.export])
    try:
        records, skipped = import_annotations(args.export, args.format)
    except AnnotationError as err:
        raise CommandError(str(err)) from None
    if new_folders:
        folder.mkdir(parents=True)
        check_output(args.output, [args.export])
    try:
        with open_output(args.output) as stream:
            for record in records:
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    except BaseException:
        for made in new_folders:  # deepest first: leave nothing behind, not even the folders
            with contextlib.suppress(OSError):
                made.rmdir()
        raise
    note = f", {skipped} task(s) without an annotation skipped" if skipped else ""
    print(f"framing: {len(records)} record(s) written to {args.output}{note}", file=sys.stderr)
    return 0


SUGGEST_EPILOG = """\
examples:
  framing suggest my_articles/*.txt -n 200 -o next.jsonl
  framing export next.jsonl --format label-studio -o tasks.json

Ranks sentences by the model's uncertainty (the gap between its two likeliest stances, or a frame
probability near its threshold), keeps one of each group of near-duplicates, and spreads the
choice over k-means clusters of the sentence embeddings. Each output record is the input record
with the model's labels, an `uncertainty` in [0, 1] and a readable `reason`, most uncertain first."""


def register_suggest(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "suggest",
        help="pick the sentences most worth annotating next (uncertain, varied, no near-duplicates)",
        description="Pick the sentences most worth annotating next.",
        epilog=SUGGEST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", metavar="INPUT", help="texts (.jsonl, .csv, .txt)")
    parser.add_argument("-n", type=int, default=200, help="how many sentences (default: %(default)s)")
    parser.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="JSON Lines to write")
    parser.add_argument("--model", metavar="NAME|PATH", help="a shipped model or a model folder")
    parser.add_argument("--text-field", default="text", metavar="NAME", help="text field or column")
    parser.add_argument("--seed", type=int, default=13, help="k-means seed (default: %(default)s)")
    parser.set_defaults(handler=run_suggest)


def run_suggest(args: argparse.Namespace, *, model: Any = None) -> int:
    from framing.cli_model import CommandError
    from framing.predict_io import check_inputs, check_output, iter_records, open_output
    from framing.suggest import suggest

    if args.n < 1:
        raise CommandError(f"-n must be at least 1, got {args.n}")
    check_inputs(args.inputs)
    check_output(args.output, args.inputs)
    records = [r for r in iter_records(args.inputs, args.text_field) if not r.is_blank]
    if model is None:
        from framing.model import load_model

        model = load_model(args.model)
    texts = [r.text for r in records]
    chosen = suggest(model, texts, n=args.n, seed=args.seed) if texts else []
    predictions = model.predict([texts[s.index] for s in chosen]) if chosen else []
    with open_output(args.output) as stream:
        for s, prediction in zip(chosen, predictions):
            fields = records[s.index].fields | prediction.to_dict()
            fields |= {"uncertainty": s.uncertainty, "reason": s.reason}
            stream.write(json.dumps(fields, ensure_ascii=False) + "\n")
    print(f"framing: {len(chosen)} of {len(texts)} sentence(s) suggested in {args.output}", file=sys.stderr)
    return 0
