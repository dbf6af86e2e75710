"""The ``framing train`` and ``framing evaluate`` subcommands.

``train`` cross-validates the recipe (the figures go into the model card), then trains on
all chosen documents and saves the model. ``evaluate`` rescoring the recipe a model was
trained with, under both document-level protocols and beside the baselines, writes the
report, and with ``--floors`` fails when the model falls below the regression gate.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Any

from framing.training_args import DEFAULT_MODEL_NAME

GATE_FAILED = 3


class CommandError(ValueError):
    """Bad arguments or input files of train/evaluate (exit status 2, no traceback)."""


class GateFailure(RuntimeError):
    """The evaluated model is below a floor of the regression gate."""


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {value}")
    return number


def _repo_models_dir() -> Path:
    """``models/`` of the source checkout; from an installed package, ``./models``."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout / "models" if (checkout / "seeds").is_dir() else Path("models")


# ----------------------------------------------------------------------------- train

TRAIN_EPILOG = """\
examples:
  python train.py                               # rebuild the shipped model in models/framing-minilm
  python train.py --documents 000 002 004 -o /tmp/m --no-cv
  python train.py --base-model /path/to/encoder --seed 7 -o models/my-model"""


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    from framing.training_args import RECIPES, TrainingConfig

    defaults = TrainingConfig()
    parser.add_argument(
        "-o",
        "--output-dir",
        default=str(_repo_models_dir() / DEFAULT_MODEL_NAME),
        help="model folder to write (default: the shipped models/%(default)s)".replace(
            "%(default)s", DEFAULT_MODEL_NAME
        ),
    )
    parser.add_argument(
        "--recipe", choices=RECIPES, default=SHIPPED_RECIPE["recipe"], help="default: %(default)s"
    )
    parser.add_argument(
        "--base-model", default=defaults.base_model, help="PyPI model package, local folder or Hub id"
    )
    parser.add_argument(
        "--epochs", type=int, default=SHIPPED_RECIPE.get("epochs", defaults.epochs), help="fine-tuning epochs"
    )
    parser.add_argument(
        "--tuned-layers",
        type=int,
        default=SHIPPED_RECIPE.get("tuned_layers", defaults.tuned_layers),
        help="top encoder layers fine-tuned (setfit/finetune recipes)",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default: %(default)s)")
    parser.add_argument(
        "--documents", nargs="+", metavar="DOC_ID", help="train on these documents (default: all)"
    )
    parser.add_argument("--corpus", help="corpus root (default: this checkout)")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation (no figures in the card)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _as_command_error(body, args: argparse.Namespace) -> int:
    """Run a command body; a bad corpus or model folder becomes a CommandError (exit 2)."""
    from framing.corpus import CorpusError
    from framing.model import ModelFolderError

    try:
        return body(args)
    except (CorpusError, ModelFolderError) as err:
        raise CommandError(str(err)) from None


def run_train(args: argparse.Namespace, *, model: Any = None) -> int:
    return _as_command_error(_train, args)


def _train(args: argparse.Namespace) -> int:
    from framing.corpus import load_annotations
    from framing.evaluation import card_summary, evaluate_recipe
    from framing.training import TrainingConfig, train_classifier

    config = TrainingConfig(
        **{
            **SHIPPED_RECIPE,
            "recipe": args.recipe,
            "base_model": args.base_model,
            "epochs": args.epochs,
            "tuned_layers": args.tuned_layers,
            "seed": args.seed,
        }
    )
    by_doc = load_annotations(args.corpus)
    documents = args.documents or sorted(by_doc)
    unknown = sorted(set(documents) - set(by_doc))
    if unknown:
        raise CommandError(f"unknown document id(s) {unknown}; the corpus has {sorted(by_doc)}")
    evaluation: dict = {}
    if not args.no_cv:
        print(f"cross-validating recipe {config.recipe} ...", file=sys.stderr)
        results = evaluate_recipe(config, args.corpus, protocols=("cv",), progress=not args.quiet)
        evaluation = card_summary(results, "framing evaluate")
        cv = results["protocols"]["cv"]["systems"][f"framing ({config.recipe})"]
        print(
            f"cv stance macro-F1 {cv['stance_macro_f1']['value']:.3f}, "
            f"frame macro-F1 {cv['frame_macro_f1']['value']:.3f}",
            file=sys.stderr,
        )
    records = [r for doc in documents for r in by_doc[doc]]
    print(f"training on {len(records)} sentences of documents {documents} ...", file=sys.stderr)
    classifier = train_classifier(records, config, progress=not args.quiet)
    classifier.config.evaluation = evaluation
    path = classifier.save_pretrained(args.output_dir)
    print(f"saved {path}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- evaluate

EVALUATE_EPILOG = """\
examples:
  framing evaluate                                   # the shipped model's recipe, report in reports/
  framing evaluate --protocol cv --floors .ci/floors.json
  framing evaluate --model models/my-model -o /tmp/report"""


def add_evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model folder whose training recipe is evaluated (default: shipped)")
    parser.add_argument("-o", "--output-dir", default="reports", help="where the report is written")
    parser.add_argument("--protocol", nargs="+", choices=["cv", "test"], default=["cv", "test"])
    parser.add_argument(
        "--resamples", type=_positive_int, default=1000, help="bootstrap resamples for the intervals"
    )
    parser.add_argument("--corpus", help="corpus root (default: this checkout)")
    parser.add_argument(
        "--floors",
        help="JSON file of minimum cross-validated figures, e.g. "
        '{"stance_macro_f1": 0.35}; exit status 3 when one is not met',
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def run_evaluate(args: argparse.Namespace, *, model: Any = None) -> int:
    return _as_command_error(_evaluate, args)


def _evaluate(args: argparse.Namespace) -> int:
    from framing.evaluation import evaluate_recipe, write_report
    from framing.model import CONFIG_FILE, default_model_path
    from framing.training import TrainingConfig

    model_dir = Path(args.model) if args.model else default_model_path()
    config_path = model_dir / CONFIG_FILE
    if not config_path.is_file():
        raise CommandError(f"{model_dir}: no {CONFIG_FILE}; not a model folder")
    try:
        training = json.loads(config_path.read_text(encoding="utf-8")).get("training") or {}
    except (json.JSONDecodeError, AttributeError) as err:
        raise CommandError(f"{config_path}: not a valid model config ({err})") from None
    config = TrainingConfig.from_dict(training)
    floors = _read_floors(args.floors) if args.floors else {}
    results = evaluate_recipe(
        config, args.corpus, tuple(args.protocol), n_resamples=args.resamples, progress=not args.quiet
    )
    command = "framing evaluate " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    report = write_report(results, args.output_dir, command.strip())
    name = f"framing ({config.recipe})"
    for protocol, res in results["protocols"].items():
        for system, figures in res["systems"].items():
            summary = ", ".join(f"{k} {v['value']:.3f}" for k, v in figures.items())
            print(f"{protocol:>4} {system:<22} {summary}")
    print(f"report: {report}")
    if floors:
        _check_floors(results["protocols"].get("cv") or results["protocols"]["test"], name, floors)
    return 0


def _read_floors(path: str) -> dict[str, float]:
    try:
        floors = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise CommandError(f"{path}: cannot read the floors file ({err})") from None
    if not isinstance(floors, dict) or not all(isinstance(v, int | float) for v in floors.values()):
        raise CommandError(f'{path}: expected an object of metric floors, e.g. {{"stance_macro_f1": 0.35}}')
    return floors


def _check_floors(protocol_results: dict, name: str, floors: dict[str, float]) -> None:
    figures = protocol_results["systems"][name]
    failed = []
    for metric, floor in floors.items():
        if metric not in figures:
            raise CommandError(f"floors file names unknown metric {metric!r}; known: {', '.join(figures)}")
        value = figures[metric]["value"]
        status = "ok" if value >= floor else "BELOW FLOOR"
        print(f"gate: {metric} {value:.3f} (floor {floor:.3f}) {status}")
        if value < floor:
            failed.append(metric)
    if failed:
        raise GateFailure(f"regression gate failed: {', '.join(failed)} below the floor")


SHIPPED_RECIPE: dict[str, Any] = {
    "recipe": "frozen-lr",
    "class_weight": True,
    "head_C": 1.0,
    "calibrate": False,
    "tune_thresholds": False,
}
"""The recipe ``train.py`` ships: the winner of docs/selection.md (cross-validation over the
train documents only, so the fixed test documents stay held out)."""


def register_train(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train a model on the annotated corpus",
        description="Cross-validate the recipe by document, then train on all chosen documents and "
        "save the model folder (JSON + safetensors, with a model card).",
        epilog=TRAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_train_arguments(parser)
    parser.set_defaults(handler=run_train)


def register_evaluate(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="score the model's recipe on held-out documents against baselines",
        description="Retrain the model's recipe under leave-one-document-out cross-validation and "
        "on the fixed train/test split, score it beside majority, TF-IDF and zero-shot baselines, "
        "and write a markdown report with figures.",
        epilog=EVALUATE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_evaluate_arguments(parser)
    parser.set_defaults(handler=run_evaluate)
