"""Rebuild the shipped model: `python train.py --help` for the options.

Thin wrapper over `framing train` (framing/cli_model.py): cross-validates the shipped recipe by
document (figures for the model card), then trains on all annotated seed documents and writes
models/framing-minilm/ (config.json + safetensors + README.md model card).
"""

import sys

from framing.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", *sys.argv[1:]]))
