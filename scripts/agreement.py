"""Inter-annotator agreement for the seed corpus.

    python scripts/agreement.py sample      # draw the seeded 25% sample for the second annotator
    python scripts/agreement.py report      # kappa and confusion -> data/AGREEMENT.md

The sample ids are written to data/agreement/sample.json; the second annotator's
labels are data/agreement/second_annotator.jsonl (same record format as the corpus);
the first annotator's labels *before* adjudication are data/agreement/first_annotator.jsonl.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

from framing.corpus import read_annotations, seed_sentences
from framing.labels import FRAMES, STANCES

ROOT = Path(__file__).resolve().parent.parent
AGREEMENT_DIR = ROOT / "data" / "agreement"
SAMPLE_FILE = AGREEMENT_DIR / "sample.json"
SEED = 20261122
FRACTION = 0.25


def draw_sample() -> None:
    sentences = seed_sentences(ROOT)
    size = math.ceil(FRACTION * len(sentences))
    ids = sorted(random.Random(SEED).sample([s["id"] for s in sentences], size))
    AGREEMENT_DIR.mkdir(parents=True, exist_ok=True)
    SAMPLE_FILE.write_text(
        json.dumps({"seed": SEED, "fraction": FRACTION, "of": len(sentences), "ids": ids}, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"sampled {size} of {len(sentences)} sentences -> {SAMPLE_FILE}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["sample", "report"])
    args = parser.parse_args()
    if args.action == "sample":
        draw_sample()
    else:
        from agreement_report import write_report  # noqa: PLC0415

        write_report()


if __name__ == "__main__":
    main()
