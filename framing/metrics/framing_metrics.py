"""Evaluation metrics of the framing project, written as a local Hugging Face ``evaluate`` module.

The module has two configurations, one per task of the codebook:

``"stance"``
    Single-label stance classification. Predictions and references are class indices into
    ``framing.labels.STANCES``. Returns ``accuracy``, ``macro_f1`` (unweighted mean over all four
    stances, absent ones included) and ``per_class``.
``"frames"``
    Multi-label frame detection. Predictions and references are multi-hot rows of 0/1 in the order of
    ``framing.labels.FRAMES``. Returns ``per_label``, ``micro_f1``, ``macro_f1`` (unweighted mean over
    the three frames) and ``exact_match`` (share of rows where every frame matches).

The script is loaded by path, never from the Hub, so it works offline::

    import evaluate
    stance = evaluate.load("<path>/framing_metrics.py", "stance")
    stance.compute(predictions=[0, 1, 3], references=[0, 2, 3])

    frames = evaluate.load("<path>/framing_metrics.py", "frames")
    frames.compute(predictions=[[1, 0, 0]], references=[[1, 0, 1]])

``framing.metrics.METRICS_PATH`` holds the absolute path of this file and
``framing.metrics.load_metric(task)`` wraps the call above.

Where a score is undefined (no predicted or no true examples of a class) it is reported as 0
(scikit-learn's ``zero_division=0``). All numbers in the result are plain Python ``float``/``int``.
"""

from __future__ import annotations

import datasets
import evaluate
import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from framing.labels import FRAMES, STANCES

TASKS: tuple[str, ...] = ("stance", "frames")
"""The valid configuration names."""

_DESCRIPTION = """\
Metrics for the framing project: stance classification over the four codebook stances
(accuracy, macro-F1, per-class precision/recall/F1/support) and multi-label frame detection over the
three codebook frames (per-label precision/recall/F1/support, micro-F1, macro-F1, exact match).
Select the task with the configuration name: "stance" or "frames".
"""

_CITATION = ""

_KWARGS_DESCRIPTION = f"""
Args (configuration "stance"):
    predictions (`list` of `int`): predicted stance indices into {list(STANCES)}.
    references (`list` of `int`): gold stance indices, same length as `predictions`.
Returns:
    accuracy (`float`): share of exact matches.
    macro_f1 (`float`): unweighted mean of the per-class F1 over all {len(STANCES)} stances.
    per_class (`dict`): stance name -> {{"precision", "recall", "f1", "support"}}.

Args (configuration "frames"):
    predictions (`list` of `list` of `int`): multi-hot rows of 0/1 in the order {list(FRAMES)}.
    references (`list` of `list` of `int`): gold rows of the same shape.
Returns:
    per_label (`dict`): frame name -> {{"precision", "recall", "f1", "support"}}.
    micro_f1 (`float`): F1 over all (row, frame) decisions pooled.
    macro_f1 (`float`): unweighted mean of the per-label F1 over all {len(FRAMES)} frames.
    exact_match (`float`): share of rows where all {len(FRAMES)} frames match.

Undefined scores (no predicted or no gold examples) count as 0.

Examples:
    >>> stance = evaluate.load("framing/metrics/framing_metrics.py", "stance")
    >>> stance.compute(predictions=[0, 1], references=[0, 2])["accuracy"]
    0.5
"""


def _scores(precision, recall, f1, support, names) -> dict[str, dict[str, float | int]]:
    return {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(names)
    }


def _check_same_length(predictions, references) -> None:
    if len(predictions) != len(references):
        raise ValueError(
            f"predictions and references must have the same length, got {len(predictions)} "
            f"and {len(references)}"
        )
    if len(references) == 0:
        raise ValueError("predictions and references are empty; there is nothing to score")


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class FramingMetrics(evaluate.Metric):
    """Stance and frame metrics; the configuration name ("stance" or "frames") selects the task."""

    def _info(self) -> evaluate.MetricInfo:
        if self.config_name == "stance":
            features = datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            )
        elif self.config_name == "frames":
            # ``Sequence`` builds a ``List`` feature on datasets >= 4 and is still valid on datasets 3.
            features = datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("int32")),
                    "references": datasets.Sequence(datasets.Value("int32")),
                }
            )
        else:
            raise ValueError(
                f"Unknown configuration {self.config_name!r} for framing_metrics; "
                f"valid names are: {', '.join(repr(t) for t in TASKS)}"
            )
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=features,
        )

    def _compute(self, predictions, references):
        if self.config_name == "stance":
            return self._compute_stance(predictions, references)
        return self._compute_frames(predictions, references)

    @staticmethod
    def _compute_stance(predictions, references) -> dict:
        _check_same_length(predictions, references)
        y_pred = np.asarray(predictions, dtype=int)
        y_true = np.asarray(references, dtype=int)
        n = len(STANCES)
        for name, values in (("predictions", y_pred), ("references", y_true)):
            bad = sorted({int(v) for v in values if not 0 <= v < n})
            if bad:
                raise ValueError(f"{name} must be stance indices in 0..{n - 1} {list(STANCES)}, got {bad}")
        labels = list(range(n))
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=None, zero_division=0
        )
        macro_f1 = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        return {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "macro_f1": float(macro_f1),
            "per_class": _scores(precision, recall, f1, support, STANCES),
        }

    @staticmethod
    def _compute_frames(predictions, references) -> dict:
        _check_same_length(predictions, references)
        n = len(FRAMES)
        for name, rows in (("predictions", predictions), ("references", references)):
            for i, row in enumerate(rows):
                if len(row) != n:
                    raise ValueError(
                        f"{name}[{i}] has {len(row)} values; every row must have {n}, one 0/1 per "
                        f"frame in the order {list(FRAMES)}"
                    )
                if any(v not in (0, 1) for v in row):
                    raise ValueError(f"{name}[{i}] = {list(row)}; frame rows must contain only 0 and 1")
        y_pred = np.asarray(predictions, dtype=int)
        y_true = np.asarray(references, dtype=int)
        precision, recall, f1, support = precision_recall_fscore_support(
            y_true, y_pred, average=None, zero_division=0
        )
        micro_f1 = f1_score(y_true, y_pred, average="micro", zero_division=0)
        macro_f1 = f1_score(y_true, y_pred, average="macro", zero_division=0)
        return {
            "per_label": _scores(precision, recall, f1, support, FRAMES),
            "micro_f1": float(micro_f1),
            "macro_f1": float(macro_f1),
            "exact_match": float(np.all(y_pred == y_true, axis=1).mean()),
        }
