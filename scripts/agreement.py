"""Inter-annotator agreement for the seed corpus.

    python scripts/agreement.py sample      # draw the seeded 25% sample for the second annotator
    python scripts/agreement.py report      # kappa and confusion tables (copied into data/AGREEMENT.md)
                                            # and data/agreement/figures.json

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


def _by_id(path: Path) -> dict[str, dict]:
    return {record["id"]: record for record in read_annotations(path)}


def _table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def agreement_figures(first: dict[str, dict], second: dict[str, dict], ids: list[str]) -> dict:
    """Cohen's kappa and raw agreement for stance and each frame, plus the stance confusion."""
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    a = [first[i]["stance"] for i in ids]
    b = [second[i]["stance"] for i in ids]
    figures = {
        "n": len(ids),
        "stance": {
            "kappa": cohen_kappa_score(a, b, labels=list(STANCES)),
            "agreement": sum(x == y for x, y in zip(a, b)) / len(ids),
            "confusion": confusion_matrix(a, b, labels=list(STANCES)).tolist(),
        },
        "frames": {},
    }
    for frame in FRAMES:
        fa = [frame in first[i]["frames"] for i in ids]
        fb = [frame in second[i]["frames"] for i in ids]
        figures["frames"][frame] = {
            "kappa": cohen_kappa_score(fa, fb, labels=[False, True]),
            "agreement": sum(x == y for x, y in zip(fa, fb)) / len(ids),
            "first": sum(fa),
            "second": sum(fb),
            "both": sum(x and y for x, y in zip(fa, fb)),
        }
    return figures


def write_report() -> None:
    ids = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))["ids"]
    first = _by_id(AGREEMENT_DIR / "first_annotator.jsonl")
    second = _by_id(AGREEMENT_DIR / "second_annotator.jsonl")
    missing = [i for i in ids if i not in second or i not in first]
    if missing:
        raise SystemExit(f"labels missing for sample ids: {missing[:5]}...")
    fig = agreement_figures(first, second, ids)
    (AGREEMENT_DIR / "figures.json").write_text(json.dumps(fig, indent=1) + "\n", encoding="utf-8")
    stance = fig["stance"]
    print(f"stance kappa {stance['kappa']:.3f}, agreement {stance['agreement']:.3f} on {fig['n']} sentences")
    for frame, f in fig["frames"].items():
        print(f"{frame:<11} kappa {f['kappa']:.3f}, agreement {f['agreement']:.3f}")
    confusion = _table(
        ["first \\ second"] + list(STANCES),
        [[name] + row for name, row in zip(STANCES, stance["confusion"])],
    )
    frames = _table(
        ["frame", "Cohen's kappa", "raw agreement", "first: yes", "second: yes", "both: yes"],
        [
            [name, f"{f['kappa']:.2f}", f"{f['agreement']:.2f}", f["first"], f["second"], f["both"]]
            for name, f in fig["frames"].items()
        ],
    )
    print(confusion)
    print(frames)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("action", choices=["sample", "report"])
    args = parser.parse_args()
    if args.action == "sample":
        draw_sample()
    else:
        write_report()


if __name__ == "__main__":
    main()
