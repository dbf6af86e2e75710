"""framing: stance and frame labels for English news sentences on the US-Russia talks.

>>> import framing
>>> model = framing.load_model()                                   # doctest: +SKIP
>>> model.predict("The call yielded no apparent breakthrough.")[0].stance   # doctest: +SKIP
'sceptical'

Heavy modules (torch, transformers, datasets) load on first use of a name that needs
them, so ``import framing`` and ``framing --help`` stay fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "STANCES": "framing.labels",
    "FRAMES": "framing.labels",
    "Prediction": "framing.results",
    "Predictions": "framing.results",
    "DocumentPrediction": "framing.results",
    "split_sentences": "framing.segment",
    "load_corpus": "framing.corpus",
    "CorpusError": "framing.corpus",
    "FramingClassifier": "framing.model",
    "FramingConfig": "framing.model",
    "ModelFolderError": "framing.model",
    "load_model": "framing.model",
    "pipeline": "framing.pipeline",
    "FramingStanceClassifier": "framing.sklearn",
    "FramingFrameClassifier": "framing.sklearn",
    "FramingPipeline": "framing.pipeline",
    "TrainingConfig": "framing.training",
    "train_classifier": "framing.training",
    "evaluate_recipe": "framing.evaluation",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'framing' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
