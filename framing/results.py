"""Prediction results: one record per sentence, keyed by label name.

Kept apart from the model so that I/O, the CLI and users' code can handle
results (to dicts, JSON, ``datasets`` or pandas) without importing torch.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from framing.labels import FRAMES, STANCES

RESULT_FIELDS = ("stance", "stance_scores", "frames", "frame_scores")


@dataclass
class Prediction:
    """Stance and frames of one text, with a probability for every label.

    ``stance`` is ``None`` (and ``frames`` empty) for an empty or blank text: nothing
    is guessed. ``truncated`` says the text was longer than the encoder's limit.
    """

    text: str
    stance: str | None
    stance_scores: dict[str, float]
    frames: list[str]
    frame_scores: dict[str, float]
    truncated: bool = field(default=False, repr=False)

    def to_dict(self) -> dict:
        """The four result fields, JSON-ready (no text, so it can be merged into a record)."""
        return {
            "stance": self.stance,
            "stance_scores": dict(self.stance_scores),
            "frames": list(self.frames),
            "frame_scores": dict(self.frame_scores),
        }

    def copy(self) -> Prediction:
        """An equal prediction that shares nothing mutable with this one."""
        return Prediction(
            self.text,
            self.stance,
            dict(self.stance_scores),
            list(self.frames),
            dict(self.frame_scores),
            self.truncated,
        )

    @classmethod
    def empty(cls, text: str) -> Prediction:
        return cls(text, None, {name: None for name in STANCES}, [], {name: None for name in FRAMES})


class Predictions(list):
    """A list of :class:`Prediction` that converts to the usual tabular forms."""

    def to_dicts(self, with_text: bool = True) -> list[dict]:
        return [({"text": p.text} if with_text else {}) | p.to_dict() for p in self]

    def to_dataset(self):
        """A ``datasets.Dataset``: text, stance and frames with the corpus's ``ClassLabel``
        features (so predictions line up with ``load_corpus()`` gold), and one float column per
        label probability (``stance_score.<label>``, ``frame_score.<label>``)."""
        from datasets import Dataset

        return Dataset.from_list(self._flat_rows(), features=prediction_features())

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(self._flat_rows())

    def plot(
        self,
        kind: str = "stance",
        *,
        by: Sequence[Any] | None = None,
        time: Sequence[Any] | None = None,
        freq: str | None = None,
        ax: Any = None,
        top: int = 30,
    ) -> Any:
        """Chart the predictions (needs matplotlib: ``pip install 'framing-stance[report]'``).

        ``kind``: ``stance`` (stacked share bars), ``frames`` (a heat map of frame rates),
        ``cooccurrence`` (frame pairs), ``time`` or ``time-frames`` (per day, week or month;
        ``freq`` forces one). A prediction carries no record fields, so ``by`` gives one group
        value per prediction (outlets, say: the ``top`` largest groups are drawn below an
        'all' bar) and ``time`` one date per prediction (an ISO string, a ``datetime.date`` or
        ``datetime.datetime``, a pandas ``Timestamp``; None for none). Draws on ``ax`` if given,
        else on a new pyplot figure, so notebooks show it; returns the Axes.
        """
        from framing.report import plot_predictions

        return plot_predictions(self, kind, by=by, time=time, freq=freq, ax=ax, top=top)

    def _flat_rows(self) -> list[dict]:
        rows = []
        for p in self:
            row = {"text": p.text, "stance": p.stance, "frames": list(p.frames)}
            row |= {f"stance_score.{name}": p.stance_scores[name] for name in STANCES}
            row |= {f"frame_score.{name}": p.frame_scores[name] for name in FRAMES}
            rows.append(row)
        return rows


def prediction_features(with_text: bool = True):
    """``datasets.Features`` of prediction columns; ``ClassLabel`` stance and frames as in the corpus."""
    from datasets import Features, Value

    from framing.labels import frames_feature, stance_feature

    columns = {"text": Value("string")} if with_text else {}
    columns |= {"stance": stance_feature(), "frames": frames_feature()}
    columns |= {f"stance_score.{name}": Value("float64") for name in STANCES}
    columns |= {f"frame_score.{name}": Value("float64") for name in FRAMES}
    return Features(columns)


@dataclass
class DocumentPrediction:
    """An article split into sentences, each sentence's prediction, and the document profile."""

    sentences: Predictions

    @property
    def profile(self) -> dict[str, dict[str, float]]:
        """Share of (non-empty) sentences per stance and per frame."""
        labelled = [p for p in self.sentences if p.stance is not None]
        n = len(labelled) or 1
        stances = Counter(p.stance for p in labelled)
        frames = Counter(frame for p in labelled for frame in p.frames)
        return {
            "stance": {name: stances[name] / n for name in STANCES},
            "frames": {name: frames[name] / n for name in FRAMES},
        }

    def to_dict(self) -> dict:
        return {"sentences": self.sentences.to_dicts(), "profile": self.profile}
