"""The project's metrics, kept as a local ``evaluate`` module script (``framing_metrics.py``).

``evaluate`` loads such a script by path; ``load_metric`` does that for you::

    from framing.metrics import load_metric
    stance = load_metric("stance")   # or "frames"
    stance.compute(predictions=[0, 1, 3], references=[0, 2, 3])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

METRICS_PATH: str = str(Path(__file__).resolve().with_name("framing_metrics.py"))
"""Absolute path of the evaluate module script, for ``evaluate.load(METRICS_PATH, task)``."""


def load_metric(task: str, **kwargs: Any):
    """Return ``evaluate.load(METRICS_PATH, task, **kwargs)``; ``task`` is ``"stance"`` or ``"frames"``.

    Loading by path never contacts the Hugging Face Hub. An unknown ``task`` raises ``ValueError``.
    """
    import evaluate  # imported here so that ``import framing.metrics`` stays cheap

    return evaluate.load(METRICS_PATH, task, **kwargs)
