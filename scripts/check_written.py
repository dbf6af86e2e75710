"""Check files of written (authored or dev) sentences: format, labels, overlap with the seeds.

    python scripts/check_written.py data/authored/*.jsonl

Run it with the project's environment (it imports framing). Prints one line per problem
(file:line: problem), then label and genre counts; exit status 1
when there is any problem. Writers run it on their own batch before handing it in.
"""

from __future__ import annotations

import collections
import glob
import json
import sys
from pathlib import Path

from framing.corpus import GENRES, WRITTEN_KEYS
from framing.labels import FRAMES, STANCES

ROOT = Path(__file__).resolve().parent.parent
KEYS = set(WRITTEN_KEYS)


def grams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def main(paths: list[str]) -> int:  # noqa: C901 - one flat pass of checks, kept together
    seed = set().union(
        *[grams(p.read_text(encoding="utf-8")) for p in sorted((ROOT / "seeds").glob("*.txt"))]
    )
    problems, stance, frames, genre = [], collections.Counter(), collections.Counter(), collections.Counter()
    seen_ids, seen_texts, n, framed = {}, {}, 0, 0
    for path in paths:
        for number, line in enumerate(Path(path).read_text(encoding="utf-8").split("\n"), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                r = json.loads(line)
            except json.JSONDecodeError as err:
                problems.append(f"{where}: invalid JSON ({err.msg})")
                continue
            if not isinstance(r, dict) or set(r) != KEYS:
                problems.append(f"{where}: fields must be exactly {sorted(KEYS)}")
                continue
            if r["stance"] not in STANCES:
                problems.append(f"{where}: unknown stance {r['stance']!r}")
            if not isinstance(r["frames"], list) or any(f not in FRAMES for f in r["frames"]):
                problems.append(f"{where}: frames must be a list drawn from {FRAMES}")
            elif len(set(r["frames"])) != len(r["frames"]):
                problems.append(f"{where}: repeated frame")
            if r["genre"] not in GENRES:
                problems.append(f"{where}: unknown genre {r['genre']!r}; one of {GENRES}")
            if not str(r["id"]).startswith(f"{r['doc_id']}-s"):
                problems.append(f"{where}: id {r['id']!r} must start with doc_id + '-s'")
            if r["id"] in seen_ids:
                problems.append(f"{where}: duplicate id {r['id']!r} (first at {seen_ids[r['id']]})")
            seen_ids[r["id"]] = where
            text = r["text"] if isinstance(r["text"], str) else ""
            if not text.strip():
                problems.append(f"{where}: empty text")
            key = " ".join(text.lower().split())
            if key in seen_texts:
                problems.append(f"{where}: same text as {seen_texts[key]}")
            seen_texts[key] = where
            shared = grams(text) & seed
            if shared:
                problems.append(
                    f"{where}: shares a 6-word sequence with seeds/: {' '.join(next(iter(shared)))!r}"
                )
            n += 1
            stance[r["stance"]] += 1
            genre[r["genre"]] += 1
            framed += bool(r["frames"])
            for f in r["frames"] if isinstance(r["frames"], list) else []:
                frames[f] += 1
    for p in problems:
        print(p)
    print(f"{n} sentences; {len(problems)} problem(s)")
    print("stance:", {s: stance[s] for s in STANCES}, {s: f"{stance[s] / max(n, 1):.0%}" for s in STANCES})
    print("frames:", {f: frames[f] for f in FRAMES}, f"sentences with a frame: {framed / max(n, 1):.0%}")
    print("genre:", dict(genre.most_common()))
    return 1 if problems else 0


if __name__ == "__main__":
    files = [f for arg in sys.argv[1:] for f in sorted(glob.glob(arg))]
    if not files:
        sys.exit("usage: python scripts/check_written.py FILE.jsonl [...]")
    sys.exit(main(files))
