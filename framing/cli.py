"""The ``framing`` command line (also ``python -m framing``).

Each subcommand is one ``register_*`` function in :data:`COMMANDS`: it adds its
subparser and sets ``handler``, a function ``handler(args, *, model=None) -> int``.
:func:`main` parses, runs the handler and turns errors into exit codes:
0 ok, 2 bad input or usage, 1 a file-system failure (one line) or a bug (with a traceback),
3 a missed evaluation gate, 128+N stopped by signal N (SIGINT, SIGTERM, SIGHUP unwind alike,
so temp files are removed).

The model is imported only inside the commands that need it, so ``--help`` and
``--version`` never import torch. Tests (or embedding code) pass a ready model
with ``main(argv, model=...)``; otherwise :func:`_load_model` loads one.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from framing import __version__
from framing.cli_annotate import register_export, register_import, register_suggest
from framing.cli_model import (
    GATE_FAILED,
    CommandError,
    GateFailure,
    at_least,
    register_evaluate,
    register_train,
)
from framing.cli_report import register_report
from framing.predict_io import (
    DEFAULT_CHUNK_SIZE,
    STDIN,
    FileAccessError,
    InputError,
    check_inputs,
    check_output,
    iter_records,
    make_writer,
    open_output,
    output_format,
    predict_stream,
)
from framing.segment import MAX_SENTENCE_CHARS

PROG = "framing"
CHUNK_SIZE = DEFAULT_CHUNK_SIZE
"""Records read, predicted and written per step of ``predict`` (the model batches inside it)."""
MAX_EMPTY_WARNINGS = 20
"""Empty texts warned about one by one; beyond this only their count is reported."""


class UsageError(Exception):
    """A problem the user can fix (exit status 2), other than malformed input."""


class RunFailed(Exception):
    """Something outside the input failed the run, such as a cluster lost mid-run: one line, exit 1."""


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwinds like KeyboardInterrupt, so temp files are removed."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextlib.contextmanager
def _stop_signals_raise() -> Any:
    """Turn SIGTERM/SIGHUP into :class:`Terminated` while a command runs (main thread only)."""

    def handler(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    previous = {}
    for signum in STOP_SIGNALS:
        try:
            if signal.getsignal(signum) is signal.SIG_IGN:
                continue  # ignored on purpose (nohup): keep it ignored
            previous[signum] = signal.signal(signum, handler)
        except (ValueError, OSError):  # not the main thread: leave signals alone
            pass
    try:
        yield
    finally:
        for signum, old in previous.items():
            if old is not None:  # None: a handler installed from C, which cannot be put back
                signal.signal(signum, old)


def _load_model(path: str | None, base_model: str | None = None) -> Any:
    """The real model (imported here so that only commands that predict pay for torch)."""
    from framing.model import load_model

    return load_model(path, base_model=base_model)


def _warn(message: str) -> None:
    from tqdm import tqdm

    tqdm.write(f"{PROG}: warning: {message}", file=sys.stderr)


_positive_int = at_least(1)


# --------------------------------------------------------------------------- predict

PREDICT_DESCRIPTION = """\
Label every sentence with a stance (pro-engagement, sceptical, alarmed, neutral)
and any frames (sidelining, stalling, win-loss), with a probability for each label.

Input, by extension:
  .jsonl  one JSON object per line, text in --text-field; other fields pass through
  .csv    a header row, then one row per text (column --text-field); other columns pass through
  .txt    one article, split into sentences like the corpus; records get doc, sentence_index, text
  -       JSON Lines from standard input

Output, in input order: each record plus stance, stance_scores, frames and
frame_scores as JSON Lines, or with --format csv (implied by -o *.csv) one column
per label probability (stance_score.<label>, frame_score.<label>) and frames
joined by ';'. An empty text gets a null stance and no frames, with a warning.
Input is read and written as it streams; -o OUTPUT appears only when the run succeeds."""

PREDICT_EPILOG = """\
examples:
  framing predict article.txt                      sentences of an article, JSON Lines to stdout
  framing predict data.jsonl -o labelled.jsonl     keep every field, add the predictions
  framing predict posts.csv --text-field body -o labelled.csv
  cat data.jsonl | framing predict - --format csv > labelled.csv
  framing predict a.txt b.txt --model runs/best --batch-size 64 -o both.jsonl

-o OUTPUT may not be one of the inputs; devices and pipes (/dev/null, a FIFO) are written
through, a symlink is followed to its target. See docs/reliability.md.

exit status: 0 ok, 2 bad input or usage (the message names file and line), 1 the file system
failed (disk full, I/O error) or a bug, 128+N stopped by signal N (no partial -o file)"""


def register_predict(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "predict",
        help="label sentences from .jsonl, .csv, .txt files or stdin",
        description=PREDICT_DESCRIPTION,
        epilog=PREDICT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "inputs", nargs="+", metavar="INPUT", help="input file(s) (.jsonl, .csv, .txt), or - for stdin"
    )
    parser.add_argument(
        "-o", "--output", metavar="OUTPUT", help="output file (default: stdout); written atomically"
    )
    parser.add_argument(
        "--model",
        metavar="NAME|PATH",
        help="a shipped model, 'default' (most accurate) or 'fast', or a trained model folder "
        "(default: default)",
    )
    parser.add_argument(
        "--base-model",
        metavar="NAME|FOLDER",
        help="read the model's base encoder from here instead of the name in its config.json "
        "(needed when that encoder is a local folder: a model folder may not point at one itself)",
    )
    parser.add_argument(
        "--text-field",
        default="text",
        metavar="NAME",
        help="field (.jsonl) or column (.csv) holding the text (default: %(default)s)",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=64,
        metavar="N",
        help="texts per model batch (default: %(default)s)",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        metavar="N",
        help="batches computed at once, one thread each (default: PyTorch's thread count, "
        "usually the number of cores; 1 = one batch at a time on all threads)",
    )
    parser.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16"),
        default="auto",
        help="encoder arithmetic: auto = bf16 where the CPU computes it natively (AVX512-BF16, AMX), "
        "else fp32; fp32 gives the same arithmetic on every CPU, to float rounding (default: %(default)s)",
    )
    parser.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        help="output format (default: csv if OUTPUT ends in .csv, else jsonl)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run the model on a Dask cluster: tcp://HOST:PORT of a running scheduler, or local:N "
        "for N worker processes here; this process still reads and writes, and the output is the "
        "same to the byte on workers with the same software and kind of CPU "
        "(needs: pip install 'framing-stance[dask]'; see docs/scale-out.md)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar (warnings and errors are still shown)"
    )
    parser.set_defaults(handler=run_predict)


def run_predict(args: argparse.Namespace, *, model: Any = None) -> int:
    from tqdm import tqdm

    if args.inputs.count(STDIN) > 1:
        raise UsageError("-: standard input can be read only once")
    check_inputs(args.inputs)
    check_output(args.output, args.inputs)
    fmt = output_format(args.output, args.format)

    def get_model() -> Any:
        if model is not None:  # a caller's model: change its settings only when asked to
            if args.workers and hasattr(getattr(model, "encoder", None), "workers"):
                model.encoder.workers = args.workers
            return model
        loaded = _load_model_for(args.model, args.base_model)
        loaded.progress = False  # the command draws one bar, over records
        if hasattr(getattr(loaded, "encoder", None), "workers"):
            import torch  # the command owns its process, so it may take every core this way

            loaded.encoder.workers = args.workers or torch.get_num_threads()
            loaded.encoder.precision = args.precision
            loaded.encoder.for_inference()  # no fp32 weights kept beside the bf16 ones
        return loaded

    show_progress = not args.quiet and _is_terminal(sys.stderr)
    records = iter_records(args.inputs, args.text_field)
    tally = _Tally()
    with (
        contextlib.ExitStack() as stack,
        tqdm(desc="predict", unit=" texts", file=sys.stderr, disable=not show_progress, delay=1.0) as bar,
        open_output(args.output) as stream,
    ):
        writer = make_writer(fmt, stream)
        if args.scheduler:
            pairs_on_cluster = stack.enter_context(_cluster_pairs(args, model))
            stream_pairs = pairs_on_cluster(records, on_chunk=bar.update)
        else:
            stream_pairs = predict_stream(
                records, get_model, batch_size=args.batch_size, chunk_size=CHUNK_SIZE, on_chunk=bar.update
            )
        for record, prediction in stream_pairs:
            tally.add(record, prediction, writer)
            writer.write(record.fields, prediction)
        writer.close()
    tally.report(getattr(writer, "dropped", set()))
    return 0


@contextlib.contextmanager
def _cluster_pairs(args: argparse.Namespace, model: Any = None) -> Any:
    """``predict_stream``'s stand-in for ``--scheduler``: a connected Dask client's pairs."""
    from framing.distributed import (
        ClusterError,
        ModelSpec,
        SchedulerError,
        WorkerModelError,
        connect,
        predict_on_cluster,
    )

    if args.workers:
        raise UsageError("--workers does not apply with --scheduler: each Dask worker sets its own threads")
    factory = None if model is None else functools.partial(_same, model)  # a caller's model, shipped
    spec = ModelSpec(args.model, args.base_model, args.precision, factory=factory)
    with contextlib.ExitStack() as stack:
        try:
            client = stack.enter_context(connect(args.scheduler))
        except (SchedulerError, ImportError) as err:
            raise UsageError(str(err)) from None
        try:
            yield functools.partial(
                predict_on_cluster, client, spec=spec, batch_size=args.batch_size, chunk_size=CHUNK_SIZE
            )
        except (SchedulerError, WorkerModelError) as err:
            raise UsageError(str(err)) from None
        except ClusterError as err:
            raise RunFailed(str(err)) from None


def _same(model: Any) -> Any:
    return model


class _Tally:
    """Counts what a user should hear about, warning about the first few one by one."""

    def __init__(self) -> None:
        self.total = self.empty = self.truncated = self.cut = 0
        self.replaced_warned = False

    def add(self, record: Any, prediction: Any, writer: Any) -> None:
        self.total += 1
        if record.is_blank:
            self.empty += 1
            if self.empty <= MAX_EMPTY_WARNINGS:
                _warn(f"{record.where}: empty text, not labelled (stance null, no frames)")
        elif prediction.truncated:
            self.truncated += 1
        if record.cut:
            self.cut += 1
            if self.cut <= MAX_EMPTY_WARNINGS:
                _warn(
                    f"{record.where}: no sentence end within {MAX_SENTENCE_CHARS:,} characters; "
                    "the text was cut there, each piece is labelled on its own"
                )
        if not self.replaced_warned and (replaced := writer.replaced(record.fields)):
            self.replaced_warned = True
            _warn(f"{record.where}: input field(s) {', '.join(replaced)} are replaced by the predictions")

    def report(self, dropped: set[str]) -> None:
        if self.total == 0:
            _warn("no texts in the input; the output is empty")
        for count, what in ((self.empty, "empty text(s)"), (self.cut, "cut piece(s)")):
            if count > MAX_EMPTY_WARNINGS:
                _warn(f"{count - MAX_EMPTY_WARNINGS} more {what} not listed ({count} in all)")
        if self.truncated:
            _warn(
                f"{self.truncated} of {self.total} text(s) were longer than the model's input limit "
                "and were truncated before labelling"
            )
        if dropped:
            _warn(
                f"field(s) {', '.join(sorted(dropped))} are not in the first record, "
                "so they are left out of the CSV output"
            )


def _load_model_for(path: str | None, base_model: str | None = None) -> Any:
    """Load the model; a bad or missing model folder (``ValueError``, ``OSError``) is a usage error."""
    try:
        return _load_model(path, base_model=base_model)
    except (ValueError, OSError) as err:
        if not path:
            which = "the default model"
        elif str(path) in str(err):
            which = "the model"  # the message names the folder already
        else:
            which = f"the model {path}"
        raise UsageError(f"cannot load {which}: {err}") from err


def _is_terminal(stream: Any) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# --------------------------------------------------------------------------- the parser

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    register_predict,
    register_evaluate,
    register_train,
    register_export,
    register_import,
    register_suggest,
    register_report,
]
"""One ``register_*`` function per subcommand; append to add a command."""

DESCRIPTION = """\
Stance and frame labels for English news sentences about the US-Russia talks
over the war in Ukraine."""

EPILOG = """\
examples:
  framing predict article.txt -o sentences.jsonl
  framing predict data.csv --text-field body -o labelled.csv
  framing evaluate -o reports
  framing train -o models/my-model
  framing export labelled.jsonl --format label-studio -o tasks.json
  framing import export.json --format label-studio -o data/user/round1.jsonl
  framing suggest unlabelled.jsonl -n 200 -o next.jsonl
  framing report labelled.jsonl --by outlet --time date -o report.html
  framing predict big.jsonl --scheduler tcp://scheduler:8786 -o labelled.jsonl

Run 'framing COMMAND --help' for the options of a command."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, *, model: Any = None) -> int:
    """Run the command line; returns the exit status (see the module docstring).

    ``model``: a ready model (anything with ``predict(texts, batch_size)``) used
    instead of loading one, for tests and for code that already holds a model.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version, usage errors
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    try:
        with _stop_signals_raise():
            return args.handler(args, model=model)
    except (InputError, UsageError, CommandError) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except GateFailure as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return GATE_FAILED
    except RunFailed as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (e.g. `| head`): stop quietly
        return 1
    except FileAccessError as err:
        if str(err).startswith("<stdout>"):
            _silence_stdout()  # nothing more can be written there, not even at exit
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Terminated as stop:
        print(f"{PROG}: stopped by {signal.Signals(stop.signum).name}", file=sys.stderr)
        return 128 + stop.signum
    except OSError as err:  # the file system, not the input: one line, no traceback
        where = f"{err.filename}: " if err.filename else ""
        print(f"{PROG}: error: {where}{err.strerror or err}", file=sys.stderr)
        return 1
    except Exception as err:
        traceback.print_exc()
        print(f"{PROG}: error: unexpected {type(err).__name__}: {err}", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
