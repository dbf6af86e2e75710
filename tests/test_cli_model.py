"""The train/evaluate commands' argument handling and the regression gate."""

import json
from pathlib import Path

import pytest

from framing.cli import main
from framing.cli_model import CommandError, GateFailure, _check_floors, _read_floors, gate_figures

REPO = Path(__file__).resolve().parent.parent
NAME = "framing (frozen-lr)"


def protocol(stance_f1: float, frame_f1: float, predicted=(10, 10, 10)) -> dict:
    per_class = {
        s: {"precision": 0.5, "recall": r, "f1": 0.5, "support": 10}
        for s, r in zip(("pro-engagement", "sceptical", "alarmed", "neutral"), (0.5, 0.5, 0.55, 0.7))
    }
    per_label = {
        f: {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 10}
        for f in ("sidelining", "stalling", "win-loss")
    }
    return {
        "systems": {
            NAME: {
                "stance_macro_f1": {"value": stance_f1, "low": 0.0, "high": 1.0},
                "frame_macro_f1": {"value": frame_f1, "low": 0.0, "high": 1.0},
                "stance_ece": {"value": 0.06, "low": 0.0, "high": 1.0},
            }
        },
        "details": {NAME: {"stance": {"per_class": per_class}, "frames": {"per_label": per_label}}},
        "frame_rates": {
            NAME: {
                f: {"true": 10, "predicted": p, "ratio": p / 10}
                for f, p in zip(("sidelining", "stalling", "win-loss"), predicted)
            }
        },
    }


RESULTS = {"protocols": {"cv": protocol(0.45, 0.58), "dev": protocol(0.7, 0.6, predicted=(12, 16, 9))}}


def test_gate_passes_and_prints_each_floor(capsys):
    _check_floors(RESULTS, NAME, {"cv": {"stance_macro_f1": 0.4}, "dev": {"recall:neutral": 0.6}})
    out = capsys.readouterr().out
    assert "gate: cv stance_macro_f1 0.450 (floor 0.400) ok" in out
    assert "gate: dev recall:neutral 0.700 (floor 0.600) ok" in out


def test_gate_fails_below_a_floor_and_above_a_ceiling(capsys):
    floors = {"cv": {"frame_macro_f1": 0.6}, "dev": {"frame_ratio_max": 1.5, "stance_ece": 0.08}}
    with pytest.raises(GateFailure, match="cv frame_macro_f1, dev frame_ratio_max"):
        _check_floors(RESULTS, NAME, floors)
    out = capsys.readouterr().out
    assert "gate: dev frame_ratio_max 1.600 (ceiling 1.500) MISSED" in out
    assert "gate: dev stance_ece 0.060 (ceiling 0.080) ok" in out


def test_gate_figures_include_recalls_and_the_frame_ratio():
    figures = gate_figures(RESULTS["protocols"]["dev"], NAME)
    assert figures["recall:alarmed"] == 0.55 and figures["frame_ratio_max"] == pytest.approx(1.6)


def test_gate_refuses_unknown_metric():
    with pytest.raises(CommandError, match="unknown cv metric 'f2'"):
        _check_floors(RESULTS, NAME, {"cv": {"f2": 0.1}})


def test_floors_file_must_name_protocols_this_run_evaluates(tmp_path):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"stance_macro_f1": 0.4}))
    with pytest.raises(CommandError, match="expected an object of protocols"):
        _read_floors(str(path), ["cv"])
    path.write_text(json.dumps({"dev": {"stance_macro_f1": 0.4}}))
    with pytest.raises(CommandError, match=r"gates protocol\(s\) \['dev'\] that this run does not evaluate"):
        _read_floors(str(path), ["cv", "test"])
    assert _read_floors(str(path), ["dev"]) == {"dev": {"stance_macro_f1": 0.4}}


def test_floors_file_with_an_unknown_metric_is_refused_before_evaluating(tmp_path):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps({"dev": {"stance_macro_f2": 0.4}}))
    with pytest.raises(CommandError, match=r"unknown dev metric\(s\) \['stance_macro_f2'\]"):
        _read_floors(str(path), ["dev"])
    path.write_text(json.dumps({"cv": {"frame_ratio_max": 1.5}}))
    with pytest.raises(CommandError, match="unknown cv metric"):
        _read_floors(str(path), ["cv"])


def test_a_frame_predicted_but_never_annotated_fails_the_ratio_ceiling():
    dev = protocol(0.7, 0.6)
    dev["frame_rates"][NAME]["stalling"] = {"true": 0, "predicted": 3, "ratio": None}
    assert gate_figures(dev, NAME)["frame_ratio_max"] == float("inf")


@pytest.mark.parametrize(
    ("name", "protocols"), [("floors-default.json", ["dev"]), ("floors-fast.json", ["cv", "test", "dev"])]
)
def test_repo_floors_files_are_valid(name, protocols):
    floors = _read_floors(str(REPO / ".ci" / name), protocols)  # names checked against the known metrics
    assert floors["dev"]["stance_macro_f1"] > 0.5 and floors["dev"]["frame_ratio_max"] <= 1.5


def test_evaluate_on_a_folder_without_config_exits_2(tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path)]) == 2
    assert "no config.json" in capsys.readouterr().err


def test_evaluate_with_an_unknown_model_name_exits_2(capsys):
    assert main(["evaluate", "--model", "fsat"]) == 2
    assert "neither a shipped model (default, fast) nor a model folder" in capsys.readouterr().err


def test_train_with_unknown_document_exits_2(tmp_path, capsys):
    code = main(
        ["train", "--model", "fast", "--documents", "999", "--no-cv", "-o", str(tmp_path / "m"), "--quiet"]
    )
    assert code == 2
    assert "unknown document id(s) ['999']" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_train_refuses_a_foreign_output_folder_before_training(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    code = main(["train", "--model", "fast", "--no-cv", "-o", str(tmp_path), "--quiet"])
    assert code == 2
    assert "not replaced" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "mine"
