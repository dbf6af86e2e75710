"""`framing suggest`: uncertain, varied, one per near-duplicate, with a reason a person can read."""

from __future__ import annotations

import json

import numpy as np
import pytest

from framing.suggest import choose, uncertainty


def test_uncertainty_prefers_close_calls_and_names_them():
    stance = np.array([[0.9, 0.05, 0.03, 0.02], [0.40, 0.38, 0.12, 0.10], [0.7, 0.1, 0.1, 0.1]])
    frames = np.array([[0.1, 0.1, 0.1], [0.1, 0.1, 0.1], [0.1, 0.49, 0.1]])
    scores, reasons = uncertainty(stance, frames, [0.5, 0.5, 0.5])
    assert scores.argsort().tolist()[::-1][:2] == [2, 1]  # frame at its threshold, then a stance tie
    assert reasons[1] == "stance: pro-engagement 0.40 vs sceptical 0.38"
    assert reasons[2] == "frame stalling: 0.49, threshold 0.50"
    assert ((0 <= scores) & (scores <= 1)).all()


def test_choose_skips_near_duplicates_and_spreads_over_clusters():
    rng = np.random.default_rng(0)
    centres = np.eye(4)
    points = np.vstack([c + 0.01 * rng.standard_normal((5, 4)) for c in centres])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    scores = np.linspace(1, 0.5, len(points))  # the first cluster is the most uncertain
    chosen = choose(points, scores, [f"r{i}" for i in range(len(points))], n=4)
    assert sorted(i.index // 5 for i in chosen) == [0, 1, 2, 3]  # one from each cluster
    twins = np.vstack([points[0], points[0], points[10]])
    picked = choose(twins, np.array([0.9, 0.8, 0.1]), ["a", "b", "c"], n=2)
    assert [s.index for s in picked] == [0, 2]  # the duplicate of 0 is never suggested
    with pytest.raises(ValueError, match="at least 1"):
        choose(points, scores, [""] * len(points), n=0)


def test_suggest_command_writes_ranked_records_with_reasons(tmp_path, monkeypatch):
    from framing.cli import main

    texts = [
        "Talks stalled again in Geneva.",
        "Critics doubt the deal will hold.",
        "Critics doubt the deal will hold!",
        "Europe was left out of the talks.",
        "Putin may win this round, analysts said.",
        "The envoys met on Tuesday.",
    ]
    (tmp_path / "in.jsonl").write_text(
        "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts))
    )
    monkeypatch.chdir(tmp_path)
    assert main(["suggest", "in.jsonl", "-n", "3", "--model", "fast", "-o", "next.jsonl"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "next.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and all(r["reason"] and r["stance"] for r in rows)
    assert [r["uncertainty"] for r in rows] == sorted((r["uncertainty"] for r in rows), reverse=True)
    assert main(["suggest", "in.jsonl", "-n", "0", "-o", "x.jsonl"]) == 2
