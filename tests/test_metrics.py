"""Tests for the local evaluate module ``framing/metrics/framing_metrics.py``.

The module is loaded by path through ``evaluate.load``, which never contacts the Hugging Face Hub
(``test_load_by_path_makes_no_network_connection`` checks that). Run with ``HF_HUB_OFFLINE=1``
exported all the same: evaluate and datasets read their offline switches once, at import time, so
setting them from inside a test would be too late.

Expected numbers are worked out by hand in the comments, not by calling scikit-learn.
"""

from __future__ import annotations

import json
import os
import socket

import evaluate
import pytest

from framing.labels import FRAMES, STANCES
from framing.metrics import METRICS_PATH, load_metric


@pytest.fixture(scope="module")
def stance_metric():
    return evaluate.load(METRICS_PATH, "stance", keep_in_memory=True)


@pytest.fixture(scope="module")
def frames_metric():
    return evaluate.load(METRICS_PATH, "frames", keep_in_memory=True)


def _assert_scores(got: dict, precision: float, recall: float, f1: float, support: int) -> None:
    assert got["precision"] == pytest.approx(precision)
    assert got["recall"] == pytest.approx(recall)
    assert got["f1"] == pytest.approx(f1)
    assert got["support"] == support


# --------------------------------------------------------------------------------------------- loading


def test_metrics_path_is_the_absolute_script_path():
    assert os.path.isabs(METRICS_PATH)
    assert os.path.isfile(METRICS_PATH)
    assert METRICS_PATH.endswith(os.path.join("framing", "metrics", "framing_metrics.py"))


def test_load_by_path_makes_no_network_connection(monkeypatch):
    # evaluate swallows connection errors while probing the Hub, so record attempts instead of
    # relying on the exception reaching the test.
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    metric = evaluate.load(METRICS_PATH, "stance", keep_in_memory=True)
    assert metric.compute(predictions=[0, 1], references=[0, 1])["accuracy"] == 1.0
    assert attempts == []


def test_load_metric_helper_gives_the_same_module():
    metric = load_metric("frames", keep_in_memory=True)
    assert metric.config_name == "frames"
    assert metric.compute(predictions=[[1, 0, 1]], references=[[1, 0, 1]])["exact_match"] == 1.0


@pytest.mark.parametrize("name", ["bogus", "Stance", None])
def test_unknown_or_missing_config_raises_with_valid_names(name):
    # No config name at all becomes evaluate's "default", which is not a task either.
    with pytest.raises(ValueError, match="valid names") as excinfo:
        evaluate.load(METRICS_PATH, name, keep_in_memory=True)
    assert "'stance'" in str(excinfo.value)
    assert "'frames'" in str(excinfo.value)


# ---------------------------------------------------------------------------------------------- stance


def test_stance_by_hand(stance_metric):
    # index:        0  1  2  3  4  5
    references = [0, 0, 0, 1, 1, 2]
    predictions = [0, 0, 1, 1, 2, 2]
    result = stance_metric.compute(predictions=predictions, references=references)

    assert set(result) == {"accuracy", "macro_f1", "per_class"}
    assert list(result["per_class"]) == list(STANCES)

    # correct at indices 0, 1, 3, 5 -> 4 / 6
    assert result["accuracy"] == pytest.approx(4 / 6)

    per_class = result["per_class"]
    # pro-engagement (0): predicted at 0,1 (both right) -> P = 2/2 = 1; gold at 0,1,2 -> R = 2/3;
    #   F1 = 2*1*(2/3) / (1 + 2/3) = (4/3) / (5/3) = 4/5; support 3
    _assert_scores(per_class["pro-engagement"], 1.0, 2 / 3, 4 / 5, 3)
    # sceptical (1): predicted at 2,3 (3 right) -> P = 1/2; gold at 3,4 -> R = 1/2; F1 = 1/2; support 2
    _assert_scores(per_class["sceptical"], 1 / 2, 1 / 2, 1 / 2, 2)
    # alarmed (2): predicted at 4,5 (5 right) -> P = 1/2; gold at 5 -> R = 1/1 = 1;
    #   F1 = 2*(1/2)*1 / (1/2 + 1) = 1 / (3/2) = 2/3; support 1
    _assert_scores(per_class["alarmed"], 1 / 2, 1.0, 2 / 3, 1)
    # neutral (3): absent from predictions and references -> everything 0, support 0
    _assert_scores(per_class["neutral"], 0.0, 0.0, 0.0, 0)

    # macro over all four stances, the absent one included:
    #   (4/5 + 1/2 + 2/3 + 0) / 4 = (24/30 + 15/30 + 20/30) / 4 = (59/30) / 4 = 59/120
    assert result["macro_f1"] == pytest.approx(59 / 120)


def test_stance_perfect_predictions(stance_metric):
    result = stance_metric.compute(predictions=[0, 1, 2, 3], references=[0, 1, 2, 3])
    # every class: one gold, one prediction, both right -> P = R = F1 = 1, support 1
    assert result["accuracy"] == 1.0
    assert result["macro_f1"] == 1.0
    for name in STANCES:
        _assert_scores(result["per_class"][name], 1.0, 1.0, 1.0, 1)


def test_stance_result_is_plain_python(stance_metric):
    result = stance_metric.compute(predictions=[0, 3, 3], references=[0, 3, 1])
    json.dumps(result)  # no numpy scalars
    assert type(result["accuracy"]) is float
    assert type(result["macro_f1"]) is float
    assert type(result["per_class"]["neutral"]["support"]) is int
    assert type(result["per_class"]["neutral"]["f1"]) is float


def test_stance_index_out_of_range_raises(stance_metric):
    with pytest.raises(ValueError, match=r"stance indices in 0\.\.3"):
        stance_metric.compute(predictions=[0, 4], references=[0, 1])


# ---------------------------------------------------------------------------------------------- frames


def test_frames_by_hand(frames_metric):
    #              sidelining  stalling  win-loss
    references = [
        [1, 0, 0],  # row 0
        [1, 1, 0],  # row 1
        [0, 0, 1],  # row 2
        [0, 0, 0],  # row 3
    ]
    predictions = [
        [1, 0, 1],  # row 0: extra win-loss
        [1, 0, 0],  # row 1: missed stalling
        [0, 1, 1],  # row 2: extra stalling
        [0, 0, 0],  # row 3: exact
    ]
    result = frames_metric.compute(predictions=predictions, references=references)

    assert set(result) == {"per_label", "micro_f1", "macro_f1", "exact_match"}
    assert list(result["per_label"]) == list(FRAMES)

    per_label = result["per_label"]
    # sidelining: gold [1,1,0,0], pred [1,1,0,0] -> TP 2, FP 0, FN 0 -> P = R = F1 = 1; support 2
    _assert_scores(per_label["sidelining"], 1.0, 1.0, 1.0, 2)
    # stalling: gold [0,1,0,0], pred [0,0,1,0] -> TP 0, FP 1, FN 1 -> P = R = F1 = 0; support 1
    _assert_scores(per_label["stalling"], 0.0, 0.0, 0.0, 1)
    # win-loss: gold [0,0,1,0], pred [1,0,1,0] -> TP 1, FP 1, FN 0 -> P = 1/2, R = 1;
    #   F1 = 2*(1/2)*1 / (1/2 + 1) = 2/3; support 1
    _assert_scores(per_label["win-loss"], 1 / 2, 1.0, 2 / 3, 1)

    # micro: pooled TP = 2+0+1 = 3, FP = 0+1+1 = 2, FN = 0+1+0 = 1
    #   P = 3/5, R = 3/4, F1 = 2TP / (2TP + FP + FN) = 6 / 9 = 2/3
    assert result["micro_f1"] == pytest.approx(2 / 3)
    # macro: (1 + 0 + 2/3) / 3 = 5/9
    assert result["macro_f1"] == pytest.approx(5 / 9)
    # exact match: only row 3 matches on all three frames -> 1/4
    assert result["exact_match"] == pytest.approx(1 / 4)


def test_frames_label_absent_everywhere_counts_as_zero(frames_metric):
    references = [[1, 0, 0], [0, 1, 0]]
    predictions = [[1, 0, 0], [0, 1, 0]]
    result = frames_metric.compute(predictions=predictions, references=references)
    # sidelining and stalling are perfect; win-loss is never gold nor predicted -> 0s, support 0
    _assert_scores(result["per_label"]["sidelining"], 1.0, 1.0, 1.0, 1)
    _assert_scores(result["per_label"]["stalling"], 1.0, 1.0, 1.0, 1)
    _assert_scores(result["per_label"]["win-loss"], 0.0, 0.0, 0.0, 0)
    # micro: TP 2, FP 0, FN 0 -> 1; macro over all three frames: (1 + 1 + 0) / 3 = 2/3
    assert result["micro_f1"] == pytest.approx(1.0)
    assert result["macro_f1"] == pytest.approx(2 / 3)
    # both rows match exactly
    assert result["exact_match"] == 1.0
    json.dumps(result)


@pytest.mark.parametrize(
    ("predictions", "references"),
    [
        ([[1, 0]], [[1, 0, 0]]),  # short prediction row
        ([[1, 0, 0]], [[1, 0, 0, 1]]),  # long reference row
    ],
)
def test_frames_wrong_row_length_raises(frames_metric, predictions, references):
    with pytest.raises(ValueError, match="every row must have 3"):
        frames_metric.compute(predictions=predictions, references=references)


def test_frames_non_binary_value_raises(frames_metric):
    with pytest.raises(ValueError, match="only 0 and 1"):
        frames_metric.compute(predictions=[[2, 0, 0]], references=[[1, 0, 0]])
