"""``framing.pipeline``: the call shape of ``transformers.pipeline("text-classification")``.

A framing model is not a ``transformers`` model (an encoder plus two heads, one of them
multi-label), so ``transformers.pipeline`` cannot load it; this gives users the same habit:

>>> from framing import pipeline
>>> classify = pipeline("fast")                                   # doctest: +SKIP
>>> classify("Europe was left out of the talks.")                 # doctest: +SKIP
[{'label': 'neutral', 'score': 0.74, 'frames': ['sidelining'], ...}]
>>> classify(["One sentence.", "Another."], batch_size=32)        # doctest: +SKIP

A ``str`` gives a list with one dict, a list of ``str`` a list with one dict per text, as
``transformers`` does. Each dict: ``label`` (the stance, ``None`` for a blank text), ``score``
(its probability), ``stance_scores``, ``frames`` and ``frame_scores``.
"""

from __future__ import annotations

import os
from typing import Any

from framing.results import Prediction


class FramingPipeline:
    """A loaded model called like a ``transformers`` text-classification pipeline."""

    task = "framing"

    def __init__(self, model: Any, batch_size: int = 64):
        self.model = model
        self.batch_size = batch_size

    def __call__(self, inputs: str | list[str], batch_size: int | None = None) -> list[dict[str, Any]]:
        predictions = self.model.predict(inputs, batch_size=batch_size or self.batch_size)
        return [as_pipeline_output(p) for p in predictions]

    def __repr__(self) -> str:
        return f"FramingPipeline(model={self.model.config.base_model!r}, batch_size={self.batch_size})"


def as_pipeline_output(prediction: Prediction) -> dict[str, Any]:
    """One prediction in the pipeline's shape: ``label`` and ``score`` first, as in transformers."""
    score = prediction.stance_scores[prediction.stance] if prediction.stance is not None else None
    return {
        "label": prediction.stance,
        "score": score,
        "stance_scores": dict(prediction.stance_scores),
        "frames": list(prediction.frames),
        "frame_scores": dict(prediction.frame_scores),
    }


def pipeline(
    model: str | os.PathLike | Any | None = None,
    *,
    batch_size: int = 64,
    base_model: str | None = None,
    progress: bool | None = None,
) -> FramingPipeline:
    """A pipeline over a shipped model (``"default"``, ``"fast"``), a model folder, a Hub id, or a
    loaded :class:`~framing.model.FramingClassifier`; ``None`` is the default model."""
    if model is None or isinstance(model, str | os.PathLike):
        from framing.model import load_model

        model = load_model(model, base_model=base_model)
    if progress is not None:
        model.progress = progress
    return FramingPipeline(model, batch_size=batch_size)
