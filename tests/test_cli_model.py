"""The train/evaluate commands' argument handling and the regression gate."""

import json

import pytest

from framing.cli import main
from framing.cli_model import CommandError, GateFailure, _check_floors, _read_floors

FIGURES = {
    "systems": {
        "framing (frozen-lr)": {
            "stance_macro_f1": {"value": 0.45, "low": 0.4, "high": 0.5},
            "frame_macro_f1": {"value": 0.58, "low": 0.5, "high": 0.6},
        }
    }
}


def test_gate_passes_and_prints_each_floor(capsys):
    _check_floors(FIGURES, "framing (frozen-lr)", {"stance_macro_f1": 0.4, "frame_macro_f1": 0.5})
    out = capsys.readouterr().out
    assert "gate: stance_macro_f1 0.450 (floor 0.400) ok" in out
    assert "gate: frame_macro_f1 0.580 (floor 0.500) ok" in out


def test_gate_fails_below_a_floor(capsys):
    with pytest.raises(GateFailure, match="frame_macro_f1"):
        _check_floors(FIGURES, "framing (frozen-lr)", {"stance_macro_f1": 0.4, "frame_macro_f1": 0.6})
    assert "BELOW FLOOR" in capsys.readouterr().out


def test_gate_refuses_unknown_metric():
    with pytest.raises(CommandError, match="unknown metric 'f2'"):
        _check_floors(FIGURES, "framing (frozen-lr)", {"f2": 0.1})


def test_floors_file_must_be_an_object_of_numbers(tmp_path):
    path = tmp_path / "floors.json"
    path.write_text(json.dumps(["stance_macro_f1"]))
    with pytest.raises(CommandError, match="expected an object"):
        _read_floors(str(path))
    path.write_text(json.dumps({"stance_macro_f1": 0.4}))
    assert _read_floors(str(path)) == {"stance_macro_f1": 0.4}


def test_repo_floors_file_is_valid():
    from pathlib import Path

    floors = _read_floors(str(Path(__file__).resolve().parent.parent / ".ci" / "floors.json"))
    assert set(floors) == {"stance_macro_f1", "frame_macro_f1"}


def test_evaluate_on_a_folder_without_config_exits_2(tmp_path, capsys):
    assert main(["evaluate", "--model", str(tmp_path)]) == 2
    assert "no config.json" in capsys.readouterr().err


def test_train_with_unknown_document_exits_2(tmp_path, capsys):
    code = main(["train", "--documents", "999", "--no-cv", "-o", str(tmp_path / "m"), "--quiet"])
    assert code == 2
    assert "unknown document id(s) ['999']" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()
