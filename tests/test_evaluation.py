"""The evaluation code on tiny fakes: metrics, bootstrap, leakage, split checks and the report."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

import framing.evaluation as ev
from framing.baselines import SystemOutput
from framing.corpus import sentence_id
from framing.labels import FRAMES, STANCES
from framing.training_args import TrainingConfig

MODEL_NAME = "framing (frozen-lr)"  # what write_report expects for TrainingConfig()'s recipe

# Four small documents in the codebook format. Every document holds every stance and every
# frame at least once, so a per-document macro-F1 averages over all labels.
ROWS = [
    ("pro-engagement", ["sidelining"], "progress"),
    ("sceptical", ["stalling"], "doubt"),
    ("alarmed", ["win-loss"], "threat"),
    ("neutral", [], "said"),
    ("neutral", ["sidelining", "win-loss"], "reported"),
]


def make_by_doc(docs=("000", "001", "002", "003")) -> dict[str, list[dict]]:
    by_doc = {}
    for doc in docs:
        by_doc[doc] = [
            {
                "id": sentence_id(doc, i),
                "doc_id": doc,
                "text": f"Document {doc}, sentence {i}: officials {word} at the talks.",
                "stance": stance,
                "frames": frames,
            }
            for i, (stance, frames, word) in enumerate(ROWS)
        ]
    return by_doc


class FakeSystem:
    """A system that learns nothing useful and remembers what it saw.

    ``fit`` keeps the doc_ids of its training records; ``predict`` maps the texts back to
    their documents (texts are unique) so each fold's scored documents are known too.
    Stance: "sceptical" when the text says "doubt" (confidence 0.7), else "neutral"; a
    frame is predicted for every sentence of a document whose id ends in an even digit.
    """

    def __init__(self, by_doc: dict[str, list[dict]], name: str = MODEL_NAME):
        self.name = name
        everything = [*by_doc.values(), AUTHORED, DEV]
        self.doc_of = {r["text"]: r["doc_id"] for records in everything for r in records}
        self.trained: list[set[str]] = []
        self.scored: list[set[str]] = []

    def fit(self, records: list[dict]) -> FakeSystem:
        self.trained.append({r["doc_id"] for r in records})
        return self

    def predict(self, texts: list[str]) -> SystemOutput:
        self.scored.append({self.doc_of[t] for t in texts})
        n = len(texts)
        stance = np.full((n, len(STANCES)), 0.1)
        for row, text in enumerate(texts):
            stance[row, STANCES.index("sceptical" if "doubt" in text else "neutral")] = 0.7
        even = np.array([int(self.doc_of[t][-1]) % 2 == 0 for t in texts], dtype=float)
        frame_probs = np.tile(even[:, None], (1, len(FRAMES))) * 0.8 + 0.1
        return SystemOutput(stance, frame_probs, (frame_probs >= 0.5).astype(int))


def written(prefix: str, genres: tuple[str, ...]) -> list[dict]:
    """Written records (two per genre) in the codebook format plus ``genre``."""
    rows = []
    for i, genre in enumerate(g for g in genres for _ in range(2)):
        stance, frames, word = ROWS[i % len(ROWS)]
        doc = f"{prefix}-{i // 2:03d}"
        text = f"{prefix} piece {i}: officials {word} at the talks."
        rows.append(
            {
                "id": f"{doc}-s{i % 2 + 1:03d}",
                "doc_id": doc,
                "text": text,
                "stance": stance,
                "frames": frames,
                "genre": genre,
            }
        )
    return rows


AUTHORED = written("a1", ("wire", "op-ed"))
DEV = written("d1", ("wire", "readout", "op-ed"))


def lodo_folds(by_doc):
    return [{"train": [d for d in sorted(by_doc) if d != doc], "test": [doc]} for doc in sorted(by_doc)]


FIGURES = {
    "n": 40,
    "stance": {"kappa": 0.5012, "agreement": 0.625, "confusion": [[1, 0], [0, 1]]},
    "frames": {
        "sidelining": {"kappa": 0.81, "agreement": 0.9},
        "stalling": {"kappa": 0.333, "agreement": 0.8},
        "win-loss": {"kappa": 0.7, "agreement": 0.85},
    },
}


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """A tmp corpus root (seeds/ and the agreement figures) with annotations and splits faked."""
    by_doc = make_by_doc()
    splits = {"train": ["000", "001"], "test": ["002", "003"]}
    (tmp_path / "seeds").mkdir()
    (tmp_path / "data" / "agreement").mkdir(parents=True)
    (tmp_path / "data" / "agreement" / "figures.json").write_text(json.dumps(FIGURES))
    monkeypatch.setattr(ev, "load_annotations", lambda root=None: by_doc)
    monkeypatch.setattr(ev, "load_splits", lambda root=None: splits)
    monkeypatch.setattr(ev, "load_written", lambda part, root=None: {"authored": AUTHORED, "dev": DEV}[part])
    return tmp_path, by_doc, splits


# ----------------------------------------------------------------------------- metrics


def test_expected_calibration_error_by_hand():
    probs = np.array(
        [
            [0.95, 0.05, 0.0, 0.0],  # predicts 0, label 0: right
            [0.95, 0.05, 0.0, 0.0],  # predicts 0, label 0: right
            [0.95, 0.05, 0.0, 0.0],  # predicts 0, label 1: wrong
            [0.10, 0.65, 0.25, 0.0],  # predicts 1, label 1: right
            [0.10, 0.65, 0.25, 0.0],  # predicts 1, label 2: wrong
        ]
    )
    labels = np.array([0, 0, 1, 1, 2])
    # bin (0.9, 1.0]: 3 samples, confidence 0.95, accuracy 2/3 -> 3/5 * |2/3 - 0.95| = 0.17
    # bin (0.6, 0.7]: 2 samples, confidence 0.65, accuracy 1/2 -> 2/5 * |0.5 - 0.65|  = 0.06
    # ECE = 0.17 + 0.06 = 0.23
    assert ev.expected_calibration_error(probs, labels) == pytest.approx(0.23)


def pooled_sample(n: int = 40, seed: int = 0) -> ev.PooledOutput:
    rng = np.random.default_rng(seed)
    stance = rng.integers(0, 4, n)
    probs = rng.dirichlet(np.ones(4), n)
    agree = rng.random(n) < 0.6  # mostly right, so no metric sits at a boundary
    probs[agree] = np.eye(4)[stance[agree]] * 0.5 + probs[agree] * 0.5
    frames = rng.integers(0, 2, (n, 3))
    frame_pred = np.where(rng.random((n, 3)) < 0.7, frames, 1 - frames)
    return ev.PooledOutput(
        ids=[f"000-s{i:03d}" for i in range(n)],
        stance=stance.tolist(),
        frames=frames.tolist(),
        stance_probs=probs.tolist(),
        frame_pred=frame_pred.tolist(),
    )


def test_bootstrap_is_seeded_and_brackets_the_point_value():
    pooled = pooled_sample()
    first = ev.bootstrap(pooled, n_resamples=60, seed=7)
    assert first == ev.bootstrap(pooled, n_resamples=60, seed=7)
    assert first != ev.bootstrap(pooled, n_resamples=60, seed=8)
    point = ev._headline(*pooled.arrays())
    assert set(first) == set(ev.HEADLINE_METRICS)
    for metric, figures in first.items():
        assert figures["value"] == pytest.approx(point[metric])
        assert figures["low"] <= figures["value"] <= figures["high"], metric


@pytest.mark.parametrize("bad", [0, -5, 2.5, 1000.0, True, "100", None])
def test_n_resamples_must_be_a_positive_integer(bad, corpus):
    with pytest.raises(ValueError, match="n_resamples must be a positive integer"):
        ev.bootstrap(pooled_sample(), n_resamples=bad)
    root, by_doc, _ = corpus
    fake = FakeSystem(by_doc)
    with pytest.raises(ValueError, match="n_resamples must be a positive integer"):
        ev.evaluate_recipe(TrainingConfig(), root, ("cv",), systems=[fake], n_resamples=bad)
    assert fake.trained == [], "refused before any training"


# ----------------------------------------------------------------------------- protocols


def test_lodo_never_scores_a_document_it_trained_on():
    by_doc = make_by_doc()
    fake = FakeSystem(by_doc)
    folds = lodo_folds(by_doc)
    pooled = ev.run_protocol([fake], by_doc, folds)
    assert len(fake.trained) == len(fake.scored) == len(folds)
    for fold, trained, scored in zip(folds, fake.trained, fake.scored):
        assert scored == set(fold["test"])
        assert trained == set(fold["train"])
        assert not trained & scored
    ids = Counter(pooled[fake.name].ids)
    assert set(ids) == {r["id"] for records in by_doc.values() for r in records}
    assert set(ids.values()) == {1}, "LODO scores every record exactly once"


def test_run_protocol_refuses_a_fold_that_trains_on_its_test_document():
    by_doc = make_by_doc()
    fake = FakeSystem(by_doc)
    with pytest.raises(ValueError, match="001"):
        ev.run_protocol([fake], by_doc, [{"train": ["000", "001"], "test": ["001"]}])
    assert fake.trained == []


def test_evaluate_recipe_refuses_overlapping_splits(corpus, monkeypatch):
    root, by_doc, _ = corpus
    monkeypatch.setattr(
        ev, "load_splits", lambda root=None: {"train": ["000", "001", "002"], "test": ["002"]}
    )
    fake = FakeSystem(by_doc)
    for protocols in (("cv", "test"), ("cv",)):
        with pytest.raises(ValueError, match=r"002.*both 'train' and 'test'"):
            ev.evaluate_recipe(TrainingConfig(), root, protocols, systems=[fake], n_resamples=10)
    assert fake.trained == [], "refused before any training"


def test_evaluate_recipe_refuses_unknown_test_documents(corpus, monkeypatch):
    root, by_doc, _ = corpus
    monkeypatch.setattr(ev, "load_splits", lambda root=None: {"train": ["000"], "test": ["009"]})
    with pytest.raises(ValueError, match="009"):
        ev.evaluate_recipe(TrainingConfig(), root, ("test",), systems=[FakeSystem(by_doc)], n_resamples=10)


@pytest.fixture
def results(corpus):
    root, by_doc, _ = corpus
    systems = [FakeSystem(by_doc), FakeSystem(by_doc, name=ev.TFIDF_NAME)]
    return ev.evaluate_recipe(TrainingConfig(), root, ("cv", "test"), systems=systems, n_resamples=20)


def test_written_sentences_train_every_fold_and_are_never_scored(corpus):
    root, by_doc, _ = corpus
    fake = FakeSystem(by_doc)
    results = ev.evaluate_recipe(
        TrainingConfig(), root, ("cv", "test", "dev"), systems=[fake], n_resamples=10
    )
    authored_docs = {r["doc_id"] for r in AUTHORED}
    assert all(authored_docs <= trained for trained in fake.trained)
    assert not any(authored_docs & scored for scored in fake.scored)
    scored_dev = fake.scored[-1]
    assert scored_dev == {r["doc_id"] for r in DEV} and fake.trained[-1] == set(by_doc) | authored_docs
    assert all(i.startswith("d1-") for i in results["protocols"]["dev"]["predictions"][MODEL_NAME]["ids"])
    seeds_only = FakeSystem(by_doc)
    ev.evaluate_recipe(TrainingConfig(parts=["seeds"]), root, ("cv",), systems=[seeds_only], n_resamples=10)
    assert not any(authored_docs & trained for trained in seeds_only.trained)


def test_dev_protocol_reports_genres_frame_rates_and_confident_errors(corpus):
    root, by_doc, _ = corpus
    results = ev.evaluate_recipe(
        TrainingConfig(), root, ("dev",), systems=[FakeSystem(by_doc)], n_resamples=10
    )
    dev = results["protocols"]["dev"]
    assert set(dev["per_genre"][MODEL_NAME]) == {"wire", "readout", "op-ed"}
    assert dev["per_genre"][MODEL_NAME]["wire"]["n"] == 2
    # the fake predicts every frame for pieces whose doc id ends in an even digit: d1-000 and d1-002
    rates = dev["frame_rates"][MODEL_NAME]
    for frame in FRAMES:
        true = sum(frame in r["frames"] for r in DEV)
        assert rates[frame] == {"true": true, "predicted": 4, "ratio": 4 / true}
    errors = dev["confident_errors"]
    assert errors and all(e["annotated"] != e["predicted"] for e in errors)
    assert len(ev.confident_errors(ev.PooledOutput(**dev["predictions"][MODEL_NAME]), {}, {}, k=2)) == 2
    assert errors == sorted(errors, key=lambda e: -e["probability"])
    assert {e["genre"] for e in errors} <= {"wire", "readout", "op-ed"}
    text = ev.write_report(results, root / "r", "cmd").read_text(encoding="utf-8")
    assert "### Per genre" in text and "most confident wrong stances" in text
    assert "| frame | annotated | predicted | ratio |" in text


def test_dev_protocol_scores_a_given_model_without_training_it(corpus, monkeypatch):
    root, by_doc, _ = corpus

    class Trained:
        config = type("Config", (), {"frame_thresholds": [0.5, 0.5, 0.5]})()

        def predict_proba(self, texts):
            return np.tile([0.1, 0.1, 0.1, 0.7], (len(texts), 1)), np.full((len(texts), 3), 0.2)

    def no_training(*args, **kwargs):
        raise AssertionError("the given model must not be retrained")

    monkeypatch.setattr(ev, "train_classifier", no_training)
    systems = [ev.ModelSystem(TrainingConfig()), FakeSystem(by_doc, name=ev.TFIDF_NAME)]
    results = ev.evaluate_recipe(
        TrainingConfig(), root, ("dev",), systems=systems, n_resamples=10, model=Trained()
    )
    dev = results["protocols"]["dev"]
    assert dev["trained_model_scored"] is True
    neutral = sum(r["stance"] == "neutral" for r in DEV) / len(DEV)
    assert dev["systems"][MODEL_NAME]["stance_accuracy"]["value"] == pytest.approx(neutral)


def test_evaluate_recipe_results(results, corpus):
    _, by_doc, splits = corpus
    assert results["bootstrap"] == {"n_resamples": 20, "seed": 13, "unit": "sentence"}
    assert results["agreement"] == FIGURES
    cv, test = results["protocols"]["cv"], results["protocols"]["test"]
    assert cv["n"] == sum(len(r) for r in by_doc.values())
    assert test["n"] == sum(len(by_doc[d]) for d in splits["test"])
    assert "per_document" not in test
    per_doc = cv["per_document"][MODEL_NAME]
    assert list(per_doc) == sorted(by_doc)
    for doc, figures in per_doc.items():
        assert set(figures) == {"n", *ev.DOCUMENT_METRICS}
        assert figures["n"] == len(by_doc[doc])
        # right: the "doubt" row (sceptical) and the two neutral rows; wrong: the other two
        assert figures["stance_accuracy"] == pytest.approx(3 / 5)
    # odd documents: no frame predicted, every frame occurs -> F1 0 for each frame
    assert per_doc["001"]["frame_macro_f1"] == per_doc["003"]["frame_macro_f1"] == 0.0
    # even documents: every frame predicted for all 5 sentences; each frame is true in 2 of them
    # (sidelining rows 0, 4; stalling row 1 only; win-loss rows 2, 4) -> F1 = 2*P*R/(P+R)
    f1 = [2 * (k / 5) / (k / 5 + 1) for k in (2, 1, 2)]
    assert per_doc["000"]["frame_macro_f1"] == pytest.approx(np.mean(f1))
    spread = cv["per_document_spread"][MODEL_NAME]["frame_macro_f1"]
    values = [per_doc[d]["frame_macro_f1"] for d in per_doc]
    assert spread["mean"] == pytest.approx(np.mean(values))
    assert spread["std"] == pytest.approx(np.std(values, ddof=1))
    assert spread["documents"] == 4


def test_write_report(results, tmp_path):
    out = tmp_path / "report"
    path = ev.write_report(results, out, "framing evaluate --test")
    text = path.read_text(encoding="utf-8")
    assert path == out / "evaluation.md"
    assert "| system | " + " | ".join(ev.HEADLINE_METRICS) + " |" in text
    assert "### Per held-out document" in text
    assert f"| document | sentences | {MODEL_NAME} stance_macro_f1 | {MODEL_NAME} frame_macro_f1 |" in text
    assert f"{ev.TFIDF_NAME} frame_macro_f1 |" in text
    for doc in ("000", "001", "002", "003"):
        assert f"| {doc} | 5 |" in text
    assert "| mean ± SD |" in text
    assert "ignore that sentences cluster by document" in text
    assert "(20 resamples)" in text
    # agreement from the tmp corpus, not the real one
    assert "stance kappa 0.50 and raw agreement 0.62 on a blind sample of 40 sentences" in text
    assert "stalling is the least reliable frame, kappa 0.33" in text
    assert "0.96" not in text
    saved = json.loads((out / "evaluation.json").read_text(encoding="utf-8"))
    assert saved["protocols"]["cv"]["per_document"] == results["protocols"]["cv"]["per_document"]


def test_agreement_is_left_out_without_figures(results, tmp_path, corpus):
    root, _, _ = corpus
    (root / "data" / "agreement" / "figures.json").unlink()
    text = ev.write_report(results, tmp_path / "a", "cmd", root=root).read_text(encoding="utf-8")
    assert "Ceiling" not in text and "kappa" not in text
    assert "agreement" not in ev.card_summary(results, "cmd", root=root)
    del results["agreement"]
    (tmp_path / "empty").mkdir()
    assert ev.card_summary(results, "cmd", root=tmp_path / "empty").keys() == {"command", "cv"}


def test_card_summary_reads_agreement(results):
    card = ev.card_summary(results, "framing evaluate")
    assert card["agreement"] == (
        "stance kappa 0.50 (raw agreement 0.62); frame kappa sidelining 0.81, stalling 0.33, win-loss 0.70"
    )
    assert card["cv"]["n"] == 20 and MODEL_NAME in card["cv"]["systems"]


def test_figures_are_drawn_with_sklearn_displays(tmp_path):
    pytest.importorskip("matplotlib")
    from framing.evaluation import plot_figures

    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(4), size=40)
    pooled = {"stance": rng.integers(0, 4, 40).tolist(), "stance_probs": probs.tolist()}
    names = plot_figures(pooled, tmp_path, "cv")
    for name in names.values():
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
