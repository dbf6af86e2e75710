"""Rebuild the shipped models: `python train.py` builds every one, `--model fast` just one.

Thin wrapper over `framing train` (framing/cli_model.py; `python train.py --help` lists the
options): for each shipped model (framing/training_args.py, SHIPPED_MODELS) it cross-validates
the recipe on the seed documents, trains on all seeds plus the written sentences, scores the
model on the dev set and writes models/<folder>/ (config.json + safetensors + model card).
"""

import sys

from framing.cli import build_parser, main
from framing.training_args import SHIPPED_MODELS


def run(argv: list[str]) -> int:
    if any(a in ("-h", "--help") for a in argv):
        return main(["train", *argv])
    parser = build_parser()
    args = parser.parse_args(["train", *argv])
    names = list(SHIPPED_MODELS)
    chosen = {parser.parse_args(["train", "--model", name, *argv]).model for name in names[:2]}
    if len(chosen) == 1:  # argv names a model itself (any spelling argparse accepts): build that one
        return main(["train", *argv])
    if args.output_dir:
        print("train.py: -o/--output-dir needs --model (one model per folder)", file=sys.stderr)
        return 2
    for name in SHIPPED_MODELS:
        print(f"== {name} model", file=sys.stderr)
        code = main(["train", "--model", name, *argv])
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
