"""Shared test helpers: a deterministic stand-in for the model and a CLI runner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from framing.labels import FRAMES, STANCES
from framing.results import Prediction

STANCE_KEYWORDS = {"progress": "pro-engagement", "doubt": "sceptical", "threat": "alarmed"}
FRAME_KEYWORDS = {"excluded": "sidelining", "delay": "stalling", "win": "win-loss"}


class FakeModel:
    """The model interface (``predict(texts, batch_size) -> list[Prediction]``), no weights.

    Stance comes from a keyword (else neutral) with probability 0.7 and the rest
    shared out, so scores sum to 1; a frame is on when its keyword is present; a
    text longer than ``limit`` characters is reported as truncated. Every call's
    texts are kept in ``calls``.
    """

    def __init__(self, limit: int = 200):
        self.limit = limit
        self.calls: list[list[str]] = []

    def predict(self, texts: list[str], batch_size: int = 32) -> list[Prediction]:
        self.calls.append(list(texts))
        return [self._one(text) for text in texts]

    def _one(self, text: str) -> Prediction:
        if not text.strip():
            return Prediction.empty(text)
        lower = text.lower()
        stance = next((s for word, s in STANCE_KEYWORDS.items() if word in lower), "neutral")
        rest = 0.3 / (len(STANCES) - 1)
        stance_scores = {name: 0.7 if name == stance else rest for name in STANCES}
        frames = [f for word, f in FRAME_KEYWORDS.items() if word in lower]
        frame_scores = {name: 0.9 if name in frames else 0.1 for name in FRAMES}
        return Prediction(text, stance, stance_scores, frames, frame_scores, truncated=len(text) > self.limit)


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def fake_model() -> FakeModel:
    return FakeModel()


@pytest.fixture
def cli(fake_model, capsys, monkeypatch, tmp_path):
    """``cli("predict", "x.jsonl", ...)`` runs ``framing`` in ``tmp_path`` with the fake model."""
    from framing.cli import main

    monkeypatch.chdir(tmp_path)

    def run(*argv: str) -> Run:
        capsys.readouterr()
        code = main(list(argv), model=fake_model)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return run
