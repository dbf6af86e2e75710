"""Print the data card's tables (sentences and labels per document) as markdown.

python scripts/corpus_stats.py
"""

from framing.corpus import label_counts, load_annotations, load_splits
from framing.labels import FRAMES, STANCES


def main() -> None:
    by_doc = load_annotations()
    test = set(load_splits()["test"])
    header = ["doc", "split", "sentences", *STANCES, *FRAMES, "no frame"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    totals = {key: 0 for key in header[2:]}
    for doc, records in sorted(by_doc.items()):
        counts = label_counts(records)
        row = {"sentences": len(records), **counts, "no frame": sum(not r["frames"] for r in records)}
        for key in totals:
            totals[key] += row[key]
        split = "test" if doc in test else "train"
        print(f"| {doc} | {split} | " + " | ".join(str(row[k]) for k in header[2:]) + " |")
    n = totals["sentences"]
    print("| all | | " + " | ".join(f"{totals[k]} ({totals[k] / n:.0%})" for k in header[2:]) + " |")


if __name__ == "__main__":
    main()
