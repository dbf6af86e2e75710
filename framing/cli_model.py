"""The ``framing train`` and ``framing evaluate`` subcommands.

``train`` cross-validates a recipe on the seeds (the figures go into the model card), trains on
all seed documents plus the written sentences, scores the trained model on the dev set and saves
it. ``evaluate`` rescores the recipe a model was trained with under the seed protocols, scores
the model itself on the dev set, beside the baselines, writes the report, and with ``--floors``
fails when a figure falls below the regression gate.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from framing.training_args import DEFAULT_MODEL, SHIPPED_MODELS

GATE_FAILED = 3


class CommandError(ValueError):
    """Bad arguments or input files of train/evaluate (exit status 2, no traceback)."""


class GateFailure(RuntimeError):
    """The evaluated model is below a floor of the regression gate."""


def at_least(least: int) -> Callable[[str], int]:
    """An argparse ``type``: a whole number no smaller than ``least`` (shared by every subcommand)."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
        if number < least:
            raise argparse.ArgumentTypeError(f"must be at least {least}, got {number}")
        return number

    return parse


_positive_int = at_least(1)


def _repo_models_dir() -> Path:
    """``models/`` of the source checkout; from an installed package, ``./models``."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout / "models" if (checkout / "seeds").is_dir() else Path("models")


# ----------------------------------------------------------------------------- train

TRAIN_EPILOG = """\
examples:
  framing train                                  # rebuild the default model in models/
  framing train --model fast                     # rebuild the fast model
  framing train --seeds-only --documents 000 002 004 -o /tmp/m --no-cv
  framing train --base-model /path/to/encoder --seed 7 -o models/my-model
  python train.py                                # rebuild every shipped model"""


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from framing.training_args import RECIPES

    parser.add_argument(
        "--model",
        choices=list(SHIPPED_MODELS),
        default=DEFAULT_MODEL,
        help="shipped model whose recipe and folder to start from (default: %(default)s): "
        + "; ".join(f"'{k}', {v['summary']}" for k, v in SHIPPED_MODELS.items()),
    )
    parser.add_argument(
        "-o", "--output-dir", help="model folder to write (default: the shipped model's folder under models/)"
    )
    parser.add_argument("--recipe", choices=RECIPES, help="override the recipe")
    parser.add_argument(
        "--base-model", help="override the base encoder: PyPI model name, local folder or Hub id"
    )
    parser.add_argument("--epochs", type=_positive_int, help="fine-tuning epochs (setfit/finetune recipes)")
    parser.add_argument(
        "--tuned-layers", type=_positive_int, help="top encoder layers fine-tuned (setfit/finetune recipes)"
    )
    parser.add_argument("--seed", type=int, default=13, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--seeds-only",
        action="store_true",
        help="train on the seed annotations only, not the written sentences",
    )
    parser.add_argument(
        "--with-user",
        action="store_true",
        help="also train on your own annotations in data/user/*.jsonl (written by framing import)",
    )
    parser.add_argument(
        "--documents", nargs="+", metavar="DOC_ID", help="train on these seed documents (default: all)"
    )
    parser.add_argument("--corpus", help="corpus root (default: this checkout)")
    parser.add_argument(
        "--no-cv", action="store_true", help="skip seed cross-validation (no cv figures in the card)"
    )
    parser.add_argument("--no-dev", action="store_true", help="skip scoring on the dev set")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def training_config(args: argparse.Namespace):
    """The shipped model's recipe with the command line's overrides."""
    from framing.training import TrainingConfig

    overrides = {
        "recipe": args.recipe,
        "base_model": args.base_model,
        "epochs": args.epochs,
        "tuned_layers": args.tuned_layers,
    }
    values = dict(SHIPPED_MODELS[args.model]["recipe"]) | {
        k: v for k, v in overrides.items() if v is not None
    }
    parts = ["seeds"] if args.seeds_only else ["seeds", "authored"]
    values |= {"seed": args.seed, "parts": parts + (["user"] if args.with_user else [])}
    return TrainingConfig(**values)


def _as_command_error(body, args: argparse.Namespace) -> int:
    """Run a command body; a bad corpus or model folder becomes a CommandError (exit 2)."""
    from framing.base_models import BaseModelError
    from framing.corpus import CorpusError
    from framing.model import ModelFolderError

    try:
        return body(args)
    except (CorpusError, ModelFolderError, BaseModelError) as err:
        raise CommandError(str(err)) from None


def run_train(args: argparse.Namespace, *, model: Any = None) -> int:
    return _as_command_error(_train, args)


def _train(args: argparse.Namespace) -> int:
    from framing.corpus import load_annotations, training_extras
    from framing.evaluation import card_summary, evaluate_recipe
    from framing.training import train_classifier

    config = training_config(args)
    output = Path(args.output_dir or _repo_models_dir() / SHIPPED_MODELS[args.model]["folder"])
    _check_output_folder(output)
    by_doc = load_annotations(args.corpus)
    documents = args.documents or sorted(by_doc)
    unknown = sorted(set(documents) - set(by_doc))
    if unknown:
        raise CommandError(f"unknown document id(s) {unknown}; the corpus has {sorted(by_doc)}")
    written = training_extras(config.parts, args.corpus)
    # A frozen recipe embeds the same sentences in every fold and in the final fit: load the
    # base encoder once and let it remember its embeddings.
    encoder = _shared_encoder(config)
    evaluation: dict = {}
    if not args.no_cv:
        print(f"cross-validating recipe {config.recipe} on {config.base_model} ...", file=sys.stderr)
        results = evaluate_recipe(
            config, args.corpus, protocols=("cv",), progress=not args.quiet, encoder=encoder
        )
        evaluation = card_summary(results, "framing evaluate")
        _print_figures("cv", results, config)
    records = [r for doc in documents for r in by_doc[doc]] + written
    print(
        f"training on {len(records)} sentences ({len(written)} written, seed documents {documents}) ...",
        file=sys.stderr,
    )
    classifier = train_classifier(records, config, encoder=encoder, progress=not args.quiet)
    if not args.no_dev:
        results = evaluate_recipe(config, args.corpus, protocols=("dev",), model=classifier)
        evaluation = evaluation | card_summary(results, "framing evaluate")
        _print_figures("dev", results, config)
    classifier.config.evaluation = evaluation
    path = classifier.save_pretrained(output)
    print(f"saved {path}", file=sys.stderr)
    return 0


def _shared_encoder(config):
    """A base encoder with an embedding memo for a frozen recipe; None for the others."""
    if config.recipe != "frozen-lr":
        return None
    from framing.encoder import SentenceEncoder

    encoder = SentenceEncoder(config.base_model, config.max_length, backend="transformers")
    encoder.cache = {}
    return encoder


def _print_figures(protocol: str, results: dict, config) -> None:
    from framing.evaluation import system_name

    figures = results["protocols"][protocol]["systems"][system_name(config)]
    print(
        f"{protocol} stance macro-F1 {figures['stance_macro_f1']['value']:.3f}, "
        f"frame macro-F1 {figures['frame_macro_f1']['value']:.3f}",
        file=sys.stderr,
    )


def _check_output_folder(path: Path) -> None:
    """Refuse an output that training would not be allowed to replace, before training."""
    from framing.model import ModelFolderError, _check_overwrite

    try:
        _check_overwrite(path)
    except ModelFolderError as err:
        raise CommandError(str(err)) from None


# ----------------------------------------------------------------------------- evaluate

EVALUATE_EPILOG = """\
examples:
  framing evaluate                                   # the default model: report in reports/
  framing evaluate --model fast -o reports/fast      # the fast model
  framing evaluate --model default --protocol dev --floors .ci/floors-default.json
  framing evaluate --model models/my-model -o /tmp/report

floors file: minimum figures per protocol, e.g.
  {"cv": {"stance_macro_f1": 0.4}, "dev": {"stance_macro_f1": 0.6, "recall:neutral": 0.6,
   "frame_ratio_max": 1.5}}
metrics: stance_macro_f1, stance_accuracy, frame_macro_f1, frame_micro_f1, recall:<stance>,
f1:<stance or frame>; stance_ece and frame_ratio_max (dev) are ceilings: the figure must not exceed them."""

CEILINGS = ("stance_ece", "frame_ratio_max")
"""Gate metrics where lower is better: the figure must stay at or below the given value."""


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="NAME|PATH",
        help="a shipped model ('default', 'fast') or a model folder (default: default)",
    )
    parser.add_argument("-o", "--output-dir", default="reports", help="where the report is written")
    parser.add_argument(
        "--base-model",
        metavar="NAME|FOLDER",
        help="the base encoder to use instead of the one named in the model's config.json "
        "(needed when that is a local folder)",
    )
    parser.add_argument(
        "--protocol",
        nargs="+",
        choices=["cv", "test", "dev"],
        default=["cv", "test", "dev"],
        help="cv and test retrain the model's recipe on seed folds; dev scores the model itself",
    )
    parser.add_argument(
        "--resamples", type=_positive_int, default=1000, help="bootstrap resamples for the intervals"
    )
    parser.add_argument("--corpus", help="corpus root (default: this checkout)")
    parser.add_argument(
        "--floors",
        help="JSON file of gate figures per protocol (see below); exit status 3 when one is missed",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_evaluate(args: argparse.Namespace, *, model: Any = None) -> int:
    return _as_command_error(_evaluate, args)


def _evaluate(args: argparse.Namespace) -> int:
    from framing.base_models import check_recorded_base
    from framing.evaluation import evaluate_recipe, system_name, write_report
    from framing.model import CONFIG_FILE, load_model, resolve_model_path
    from framing.training import TrainingConfig

    model_dir = resolve_model_path(args.model)
    config_path = model_dir / CONFIG_FILE
    if not config_path.is_file():
        raise CommandError(f"{model_dir}: no {CONFIG_FILE}; not a model folder")
    try:
        training = json.loads(config_path.read_text(encoding="utf-8")).get("training") or {}
        config = TrainingConfig.from_dict(training)
    except (json.JSONDecodeError, AttributeError, TypeError, ValueError) as err:
        raise CommandError(f"{config_path}: not a valid model config ({err})") from None
    if args.base_model:
        config.base_model = args.base_model
    else:
        check_recorded_base(config.base_model, f"{config_path} (training)")
    floors = _read_floors(args.floors, args.protocol) if args.floors else {}
    model = load_model(model_dir, base_model=args.base_model) if "dev" in args.protocol else None
    results = evaluate_recipe(
        config,
        args.corpus,
        tuple(args.protocol),
        n_resamples=args.resamples,
        progress=not args.quiet,
        model=model,
    )
    command = "framing evaluate " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    report = write_report(results, args.output_dir, command.strip())
    for protocol, res in results["protocols"].items():
        for system, figures in res["systems"].items():
            summary = ", ".join(f"{k} {v['value']:.3f}" for k, v in figures.items())
            print(f"{protocol:>4} {system:<22} {summary}")
    print(f"report: {report}")
    if floors:
        _check_floors(results, system_name(config), floors)
    return 0


def _read_floors(path: str, protocols: list[str]) -> dict[str, dict[str, float]]:
    try:
        floors = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise CommandError(f"{path}: cannot read the floors file ({err})") from None
    example = '{"dev": {"stance_macro_f1": 0.6}}'
    if not isinstance(floors, dict) or not all(
        isinstance(v, dict) and all(isinstance(x, int | float) for x in v.values()) for v in floors.values()
    ):
        raise CommandError(f"{path}: expected an object of protocols and metric floors, e.g. {example}")
    missing = sorted(set(floors) - set(protocols))
    if missing:
        raise CommandError(f"{path}: gates protocol(s) {missing} that this run does not evaluate")
    for protocol, gates in floors.items():
        unknown = sorted(set(gates) - known_gate_metrics(protocol))
        if unknown:
            known = ", ".join(sorted(known_gate_metrics(protocol)))
            raise CommandError(f"{path}: unknown {protocol} metric(s) {unknown}; known: {known}")
    return floors


def gate_figures(res: dict, name: str) -> dict[str, float]:
    """Every figure a floors file may name, for one protocol's results and system."""
    figures = {k: v["value"] for k, v in res["systems"][name].items()}
    detail = res["details"][name]
    for label, d in detail["stance"]["per_class"].items():
        figures[f"recall:{label}"] = d["recall"]
        figures[f"f1:{label}"] = d["f1"]
    for label, d in detail["frames"]["per_label"].items():
        figures[f"f1:{label}"] = d["f1"]
    rates = (res.get("frame_rates") or {}).get(name)
    if rates:  # a frame predicted but never annotated is over-predicted without bound
        ratios = [
            r["ratio"] if r["true"] else (float("inf") if r["predicted"] else 0.0) for r in rates.values()
        ]
        figures["frame_ratio_max"] = max(ratios)
    return figures


def known_gate_metrics(protocol: str) -> set[str]:
    """The metric names a floors file may use for ``protocol``."""
    from framing.evaluation import HEADLINE_METRICS
    from framing.labels import FRAMES, STANCES

    names = (
        set(HEADLINE_METRICS) | {f"recall:{s}" for s in STANCES} | {f"f1:{x}" for x in (*STANCES, *FRAMES)}
    )
    return names | ({"frame_ratio_max"} if protocol == "dev" else set())


def _check_floors(results: dict, name: str, floors: dict[str, dict[str, float]]) -> None:
    failed = []
    for protocol, gates in floors.items():
        figures = gate_figures(results["protocols"][protocol], name)
        for metric, bound in gates.items():
            if metric not in figures:
                known = ", ".join(sorted(figures))
                raise CommandError(f"floors file names unknown {protocol} metric {metric!r}; known: {known}")
            value = figures[metric]
            ceiling = metric in CEILINGS
            ok = value <= bound if ceiling else value >= bound
            kind = "ceiling" if ceiling else "floor"
            print(f"gate: {protocol} {metric} {value:.3f} ({kind} {bound:.3f}) {'ok' if ok else 'MISSED'}")
            if not ok:
                failed.append(f"{protocol} {metric}")
    if failed:
        raise GateFailure(f"regression gate failed: {', '.join(failed)}")


def register_train(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model on the annotated corpus",
        description="Cross-validate a shipped model's recipe (or your overrides) by seed document,\n"
        "train on all seed documents plus the written training sentences, score the model on the\n"
        "dev set and save the model folder (JSON + safetensors, with a model card).",
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_train_arguments(parser)
    parser.set_defaults(handler=run_train)


def register_evaluate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score a model and its recipe on held-out data against baselines",
        description="Score the model on the written dev set as it is, retrain its recipe under seed\n"
        "leave-one-document-out cross-validation and on the fixed seed train/test split, score\n"
        "majority, TF-IDF and zero-shot baselines the same way, and write a markdown report.",
        epilog=EVALUATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_evaluate_arguments(parser)
    parser.set_defaults(handler=run_evaluate)
