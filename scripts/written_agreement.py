"""Blind second annotation of the written sentences (data/authored, data/dev).

    python scripts/written_agreement.py sample   # seeded 15% of each part -> written_sample.json,
                                                 # writers' labels frozen: written_first_annotator.jsonl,
                                                 # blind task files (id, text, previous sentence) in --tasks
    python scripts/written_agreement.py report   # kappa per label -> written_figures.json
                                                 # and the tables for data/AGREEMENT.md (stdout)

(files in data/agreement/)

The second annotator's labels are data/agreement/written_second_annotator.jsonl (id, stance,
frames); it saw the codebook, the annotation guide and the sampled sentences with the sentence
before each, never the writers' labels. Disagreements were then adjudicated against the
codebook and the adjudicated labels are the ones in data/authored and data/dev.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

from framing.corpus import load_written
from framing.labels import FRAMES, STANCES

ROOT = Path(__file__).resolve().parent.parent
AGREEMENT_DIR = ROOT / "data" / "agreement"
SAMPLE_FILE = AGREEMENT_DIR / "written_sample.json"
FIRST_FILE = AGREEMENT_DIR / "written_first_annotator.jsonl"
SECOND_FILE = AGREEMENT_DIR / "written_second_annotator.jsonl"
FIGURES_FILE = AGREEMENT_DIR / "written_figures.json"
SEED = 20261130
FRACTION = 0.15
PARTS = ("authored", "dev")


def draw_sample(tasks: Path, shards: int) -> None:
    rng = random.Random(SEED)
    sample, first, rows = {}, [], []
    for part in PARTS:
        records = load_written(part, ROOT)
        ids = sorted(rng.sample([r["id"] for r in records], math.ceil(FRACTION * len(records))))
        sample[part] = {"of": len(records), "ids": ids}
        by_id = {r["id"]: (i, r) for i, r in enumerate(records)}
        for sid in ids:
            i, record = by_id[sid]
            before = records[i - 1]["text"] if i and records[i - 1]["doc_id"] == record["doc_id"] else ""
            first.append({k: record[k] for k in ("id", "stance", "frames")})
            rows.append({"id": sid, "previous_sentence": before, "text": record["text"]})
    AGREEMENT_DIR.mkdir(parents=True, exist_ok=True)
    SAMPLE_FILE.write_text(
        json.dumps({"seed": SEED, "fraction": FRACTION, "parts": sample}, indent=1) + "\n", encoding="utf-8"
    )
    FIRST_FILE.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in first), encoding="utf-8")
    random.Random(SEED).shuffle(rows)  # no order that hints at a piece's labels
    tasks.mkdir(parents=True, exist_ok=True)
    for shard in range(shards):
        path = tasks / f"task_{shard + 1}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows[shard::shards]), encoding="utf-8"
        )
    print({part: len(s["ids"]) for part, s in sample.items()}, f"-> {SAMPLE_FILE}, tasks in {tasks}")


def _read(path: Path) -> dict[str, dict]:
    rows = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            record = json.loads(line)
            if record.get("stance") not in STANCES or not set(record.get("frames", [])) <= set(FRAMES):
                raise SystemExit(f"{path}:{number}: bad labels {record}")
            rows[record["id"]] = record
    return rows


def kappa_figures(first: dict[str, dict], second: dict[str, dict], ids: list[str]) -> dict:
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    a, b = [first[i]["stance"] for i in ids], [second[i]["stance"] for i in ids]
    figures = {
        "n": len(ids),
        "stance": {
            "kappa": round(float(cohen_kappa_score(a, b)), 3),
            "agreement": round(sum(x == y for x, y in zip(a, b)) / len(ids), 3),
            "confusion": confusion_matrix(a, b, labels=list(STANCES)).tolist(),
        },
        "frames": {},
    }
    for frame in FRAMES:
        x = [int(frame in first[i]["frames"]) for i in ids]
        y = [int(frame in second[i]["frames"]) for i in ids]
        figures["frames"][frame] = {
            "kappa": round(float(cohen_kappa_score(x, y)), 3),
            "agreement": round(sum(p == q for p, q in zip(x, y)) / len(ids), 3),
            "first_yes": sum(x),
            "second_yes": sum(y),
        }
    return figures


def report() -> None:
    sample = json.loads(SAMPLE_FILE.read_text(encoding="utf-8"))
    first, second = _read(FIRST_FILE), _read(SECOND_FILE)
    figures = {}
    for part in PARTS:
        ids = sample["parts"][part]["ids"]
        missing = [i for i in ids if i not in second]
        if missing:
            raise SystemExit(f"{SECOND_FILE}: no labels for {len(missing)} sampled ids, e.g. {missing[:3]}")
        figures[part] = kappa_figures(first, second, ids)
    FIGURES_FILE.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(
        "| part | sentences | stance kappa | stance agreement | "
        + " | ".join(f"{f} kappa" for f in FRAMES)
        + " |"
    )
    print("|" + "---|" * (4 + len(FRAMES)))
    for part, f in figures.items():
        frames = " | ".join(f"{f['frames'][name]['kappa']:.2f}" for name in FRAMES)
        print(
            f"| {part} | {f['n']} | {f['stance']['kappa']:.2f} | {f['stance']['agreement']:.2f} | {frames} |"
        )
    for part, f in figures.items():
        print(f"\n{part}: stance confusion (rows: writer, columns: second annotator), order {list(STANCES)}")
        for name, row in zip(STANCES, f["stance"]["confusion"]):
            print(f"| {name} | " + " | ".join(map(str, row)) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["sample", "report"])
    parser.add_argument("--tasks", default="/tmp/written_agreement", help="where the blind task files go")
    parser.add_argument("--shards", type=int, default=2, help="task files (one per second annotator run)")
    args = parser.parse_args()
    if args.command == "sample":
        draw_sample(Path(args.tasks), args.shards)
    else:
        report()


if __name__ == "__main__":
    main()
