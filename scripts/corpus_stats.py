"""Print the data cards' tables as markdown.

python scripts/corpus_stats.py             # seeds: sentences and labels per document
python scripts/corpus_stats.py authored    # written training sentences: labels per genre
python scripts/corpus_stats.py dev         # written development set: labels per genre
"""

import sys
from collections import defaultdict

from framing.corpus import GENRES, label_counts, load_annotations, load_splits, load_written
from framing.labels import FRAMES, STANCES

COLUMNS = ["sentences", *STANCES, *FRAMES, "no frame"]


def _row(records: list[dict]) -> dict[str, int]:
    return {
        "sentences": len(records),
        **label_counts(records),
        "no frame": sum(not r["frames"] for r in records),
    }


def _print(header: list[str], groups: list[tuple[list[str], list[dict]]]) -> None:
    print("| " + " | ".join(header + COLUMNS) + " |")
    print("|" + "---|" * (len(header) + len(COLUMNS)))
    everything = []
    for cells, records in groups:
        row = _row(records)
        everything += records
        print("| " + " | ".join(cells + [str(row[k]) for k in COLUMNS]) + " |")
    total = _row(everything)
    n = total["sentences"]
    blanks = [""] * (len(header) - 1)
    print("| " + " | ".join(["all", *blanks] + [f"{total[k]} ({total[k] / n:.0%})" for k in COLUMNS]) + " |")


def seeds() -> None:
    by_doc = load_annotations()
    test = set(load_splits()["test"])
    groups = [([doc, "test" if doc in test else "train"], records) for doc, records in sorted(by_doc.items())]
    _print(["doc", "split"], groups)


def written(part: str) -> None:
    by_genre = defaultdict(list)
    for record in load_written(part):
        by_genre[record["genre"]].append(record)
    _print(["genre"], [([genre], by_genre[genre]) for genre in GENRES if by_genre[genre]])


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "seeds"
    if part not in ("seeds", "authored", "dev"):
        sys.exit("usage: python scripts/corpus_stats.py [seeds|authored|dev]")
    seeds() if part == "seeds" else written(part)
