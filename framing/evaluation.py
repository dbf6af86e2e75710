"""Held-out evaluation by whole documents, with baselines scored the same way.

Three protocols; none scores a sentence of a document it trained on:

``cv``    leave-one-document-out over the seeds: train on four articles, score the fifth, pool;
``test``  train on the fixed train documents of ``data/splits.json``, score the test documents;
``dev``   train on every seed document, score the written development set (``data/dev``).

When the recipe trains on the written sentences (``parts`` includes ``authored``), they join
the training side of every fold and never a scored side: seed figures stay figures on seeds.
The ``dev`` protocol scores a given model as it is (``model=``; what ``framing evaluate`` does
with a shipped model) or, without one, retrains the recipe; its report adds a per-genre table,
how often each frame is predicted against how often it is true, and the most confident errors.

Point estimates come from the project's ``evaluate`` module (``framing/metrics``); 95%
intervals from a seeded bootstrap over sentences. Sentences cluster by document (five
articles), so those intervals understate how much results vary from article to article; the
``cv`` protocol therefore also reports every system's figures on each held-out document. The
report is markdown with a stance confusion matrix and a reliability diagram as PNG; the
inter-annotator agreement it quotes as a ceiling is read from ``data/agreement/figures.json``.
"""

from __future__ import annotations

import json
import numbers
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from framing.baselines import MajorityBaseline, SystemOutput, TfidfBaseline, ZeroShotBaseline, _targets
from framing.corpus import (
    CorpusError,
    corpus_root,
    load_annotations,
    load_splits,
    load_user,
    load_written,
)
from framing.labels import STANCES
from framing.training import TrainingConfig, train_classifier

HEADLINE_METRICS = ("stance_macro_f1", "stance_accuracy", "frame_macro_f1", "frame_micro_f1", "stance_ece")
DOCUMENT_METRICS = ("stance_macro_f1", "stance_accuracy", "frame_macro_f1")
"""The figures computed on each held-out document of the ``cv`` protocol."""
AGREEMENT_FIGURES = Path("data") / "agreement" / "figures.json"
"""Inter-annotator agreement figures, relative to the corpus root (``scripts/agreement.py``)."""
TFIDF_NAME = "tfidf-lr"
DEV = "dev"
"""The pseudo-document under which the development set is scored in the ``dev`` protocol."""
CONFIDENT_ERRORS = 20


class ModelSystem:
    """The framing classifier trained with one recipe, wrapped like a baseline.

    With ``model`` it scores that trained model as it is and ``fit`` does nothing (the ``dev``
    protocol of a shipped model).
    """

    def __init__(self, config: TrainingConfig, encoder=None, progress: bool = False, model=None):
        self.config, self.encoder, self.progress, self.fitted = config, encoder, progress, model
        self.name = system_name(config)

    def fit(self, records: list[dict]) -> ModelSystem:
        if self.fitted is not None:
            self.model = self.fitted
            return self
        self.model = train_classifier(records, self.config, encoder=self.encoder, progress=self.progress)
        return self

    def predict(self, texts: list[str]) -> SystemOutput:
        stance, frames = self.model.predict_proba(texts)
        thresholds = np.array(self.model.config.frame_thresholds)
        return SystemOutput(stance, frames, (frames >= thresholds).astype(int))


def system_name(config: TrainingConfig) -> str:
    return f"framing ({config.recipe})"


@dataclass
class PooledOutput:
    """Predictions of one system over all scored sentences, with the truth beside them."""

    ids: list[str] = field(default_factory=list)
    stance: list[int] = field(default_factory=list)
    frames: list[list[int]] = field(default_factory=list)
    stance_probs: list[list[float]] = field(default_factory=list)
    frame_pred: list[list[int]] = field(default_factory=list)

    def add(self, records: list[dict], out: SystemOutput) -> None:
        stance, frames = _targets(records)
        self.ids += [r["id"] for r in records]
        self.stance += stance.tolist()
        self.frames += frames.tolist()
        self.stance_probs += out.stance_probs.tolist()
        self.frame_pred += out.frame_pred.tolist()

    def arrays(self):
        return (
            np.array(self.stance),
            np.array(self.frames).reshape(-1, 3),
            np.array(self.stance_probs).reshape(-1, 4),
            np.array(self.frame_pred).reshape(-1, 3),
        )


# ----------------------------------------------------------------------------- metrics


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """ECE of the top-class probability, equal-width bins."""
    confidence, predicted = probs.max(1), probs.argmax(1)
    correct = predicted == labels
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > lo) & (confidence <= hi)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def _headline(stance, frames, stance_probs, frame_pred) -> dict[str, float]:
    predicted = stance_probs.argmax(1)
    return {
        "stance_macro_f1": f1_score(stance, predicted, labels=range(4), average="macro", zero_division=0),
        "stance_accuracy": accuracy_score(stance, predicted),
        "frame_macro_f1": f1_score(frames, frame_pred, average="macro", zero_division=0),
        "frame_micro_f1": f1_score(frames, frame_pred, average="micro", zero_division=0),
        "stance_ece": expected_calibration_error(stance_probs, stance),
    }


def _check_resamples(n_resamples: Any) -> None:
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, numbers.Integral) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")


def bootstrap(pooled: PooledOutput, n_resamples: int = 1000, seed: int = 13) -> dict[str, dict[str, float]]:
    """Point value and 95% percentile interval of each headline metric.

    Resamples sentences with replacement; it ignores that sentences cluster by document, so
    the intervals are narrower than the variation across articles (see :func:`per_document`).
    """
    _check_resamples(n_resamples)
    arrays = pooled.arrays()
    point = _headline(*arrays)
    rng = np.random.default_rng(seed)
    samples = {k: [] for k in point}
    n = len(arrays[0])
    for _ in range(n_resamples):
        idx = rng.integers(0, n, n)
        for k, v in _headline(*(a[idx] for a in arrays)).items():
            samples[k].append(v)
    return {
        k: {
            "value": float(point[k]),
            "low": float(np.percentile(samples[k], 2.5)),
            "high": float(np.percentile(samples[k], 97.5)),
        }
        for k in point
    }


def _document_of(sentence_id: str) -> str:
    """``000`` for the sentence id ``000-s012`` (ids are ``<doc_id>-s<index>``)."""
    return sentence_id.rsplit("-s", 1)[0]


def _document_headline(stance, frames, stance_probs, frame_pred) -> dict[str, Any]:
    """Stance macro-F1, stance accuracy and frame macro-F1 of one document.

    Macro averages run over the labels present in the document's annotation or predictions:
    a stance or frame that neither occurs nor is predicted is left out rather than scored 0.
    Frame macro-F1 is ``None`` when no frame occurs and none is predicted.
    """
    predicted = stance_probs.argmax(1)
    stance_labels = sorted(set(stance.tolist()) | set(predicted.tolist()))
    columns = [j for j in range(frames.shape[1]) if frames[:, j].any() or frame_pred[:, j].any()]
    frame_f1 = (
        float(f1_score(frames[:, columns], frame_pred[:, columns], average="macro", zero_division=0))
        if columns
        else None
    )
    return {
        "n": len(stance),
        "stance_macro_f1": float(
            f1_score(stance, predicted, labels=stance_labels, average="macro", zero_division=0)
        ),
        "stance_accuracy": float(accuracy_score(stance, predicted)),
        "frame_macro_f1": frame_f1,
    }


def per_document(pooled: PooledOutput) -> dict[str, dict[str, Any]]:
    """Headline figures (``DOCUMENT_METRICS`` and ``n``) of each document among the pooled ids."""
    docs = np.array([_document_of(i) for i in pooled.ids])
    arrays = pooled.arrays()
    return {doc: _document_headline(*(a[docs == doc] for a in arrays)) for doc in sorted(set(docs.tolist()))}


def document_spread(per_doc: dict[str, dict[str, Any]]) -> dict[str, dict[str, float | None]]:
    """Mean and sample standard deviation (n-1) of each ``DOCUMENT_METRICS`` across documents."""
    spread: dict[str, dict[str, float | None]] = {}
    for metric in DOCUMENT_METRICS:
        values = [d[metric] for d in per_doc.values() if d.get(metric) is not None]
        spread[metric] = {
            "mean": float(np.mean(values)) if values else None,
            "std": float(np.std(values, ddof=1)) if len(values) > 1 else None,
            "documents": len(values),
        }
    return spread


def detailed_metrics(pooled: PooledOutput) -> dict[str, Any]:
    """Per-class and per-frame figures from the project's evaluate module."""
    from framing.metrics import load_metric

    stance, frames, stance_probs, frame_pred = pooled.arrays()
    stance_metric = load_metric("stance").compute(
        predictions=stance_probs.argmax(1).tolist(), references=stance.tolist()
    )
    frame_metric = load_metric("frames").compute(predictions=frame_pred.tolist(), references=frames.tolist())
    return {"stance": stance_metric, "frames": frame_metric}


# ----------------------------------------------------------------------------- protocols


def default_systems(config: TrainingConfig, progress: bool = False, encoder=None) -> list:
    """The recipe and the three baselines; ``encoder`` (an unchanged base encoder) is shared."""
    from framing.encoder import SentenceEncoder

    encoder = encoder or SentenceEncoder(config.base_model, config.max_length, backend="transformers")
    if encoder.cache is None:  # frozen: every fold and the zero-shot baseline embed the same sentences
        encoder.cache = {}
    return [
        ModelSystem(config, encoder=encoder, progress=progress),
        MajorityBaseline(),
        TfidfBaseline(seed=config.seed),
        ZeroShotBaseline(encoder),
    ]


def run_protocol(
    systems: list,
    by_doc: dict[str, list[dict]],
    folds: list[dict],
    progress: bool = False,
    extra: list[dict] | None = None,
):
    """Fit every system on each fold's train documents (+ ``extra``), predict its test documents, pool."""
    from tqdm.auto import tqdm

    for fold in folds:
        shared = sorted(set(fold["train"]) & set(fold["test"]))
        if shared:
            raise ValueError(f"fold trains on the documents it scores: {', '.join(shared)}")
    pooled = {system.name: PooledOutput() for system in systems}
    jobs = [(fold, system) for fold in folds for system in systems]
    for fold, system in tqdm(jobs, desc="evaluating", disable=not progress):
        train = [r for doc in fold["train"] for r in by_doc[doc]] + list(extra or [])
        test = [r for doc in fold["test"] for r in by_doc[doc]]
        system.fit(train)
        pooled[system.name].add(test, system.predict([r["text"] for r in test]))
    return pooled


def evaluate_recipe(
    config: TrainingConfig,
    root=None,
    protocols: tuple[str, ...] = ("cv", "test", "dev"),
    systems: list | None = None,
    n_resamples: int = 1000,
    progress: bool = False,
    model=None,
    encoder=None,
) -> dict[str, Any]:
    """Score the recipe and the baselines under each protocol; returns a JSON-ready dict.

    ``model``: a trained model scored as it is under the ``dev`` protocol instead of retraining
    the recipe (the other protocols always retrain, fold by fold). ``encoder``: an already loaded,
    unchanged base encoder to share (it gets an embedding memo). Raises ``ValueError`` when
    ``n_resamples`` is not a positive integer or when the train and test documents of
    ``data/splits.json`` overlap or are not in the corpus.
    """
    _check_resamples(n_resamples)
    unknown = sorted(set(protocols) - set(PROTOCOLS))
    if unknown:
        raise ValueError(f"unknown protocol(s) {unknown}; choose from {', '.join(PROTOCOLS)}")
    by_doc = load_annotations(root)
    splits = load_splits(root)
    check_splits(splits, by_doc if "test" in protocols else None)
    extra = load_written("authored", root) if "authored" in config.parts else []
    if "user" in config.parts:
        extra += load_user(root)
    dev = load_written("dev", root) if "dev" in protocols else []
    if systems is None:  # a frozen recipe's trained model holds the unchanged base encoder: load it once
        if encoder is None and model is not None and config.recipe == "frozen-lr":
            encoder = model.encoder
        systems = default_systems(config, progress=progress, encoder=encoder)
    protocol_folds = {
        "cv": [{"train": [d for d in sorted(by_doc) if d != doc], "test": [doc]} for doc in sorted(by_doc)],
        "test": [{"train": splits["train"], "test": splits["test"]}],
        "dev": [{"train": sorted(by_doc), "test": [DEV]}],
    }
    results: dict[str, Any] = {
        "training_config": config.to_dict(),
        "bootstrap": {"n_resamples": int(n_resamples), "seed": config.seed, "unit": "sentence"},
        "agreement": load_agreement(root),
        "protocols": {},
    }
    for protocol in protocols:
        scored = by_doc | {DEV: dev} if protocol == "dev" else by_doc
        chosen = systems
        if protocol == "dev" and model is not None:
            chosen = [_prefit(s, model) for s in systems]
        pooled = run_protocol(chosen, scored, protocol_folds[protocol], progress, extra=extra)
        first = next(iter(pooled.values()))
        section = results["protocols"][protocol] = {
            "n": len(first.ids),
            "documents": protocol_folds[protocol],
            "systems": {name: bootstrap(p, n_resamples, config.seed) for name, p in pooled.items()},
            "details": {name: detailed_metrics(p) for name, p in pooled.items()},
            "predictions": {name: p.__dict__ for name, p in pooled.items()},
        }
        if protocol == "cv":
            per_doc = {name: per_document(p) for name, p in pooled.items()}
            section["per_document"] = per_doc
            section["per_document_spread"] = {name: document_spread(d) for name, d in per_doc.items()}
        if protocol == "dev":
            genre = {r["id"]: r["genre"] for r in dev}
            text = {r["id"]: r["text"] for r in dev}
            section["trained_model_scored"] = model is not None
            section["per_genre"] = {name: per_genre(p, genre) for name, p in pooled.items()}
            section["frame_rates"] = {name: frame_rates(p) for name, p in pooled.items()}
            main = pooled[system_name(config)]
            section["confident_errors"] = confident_errors(main, text, genre)
    return results


PROTOCOLS = ("cv", "test", "dev")


def _prefit(system, model):
    """The model system swapped for one that scores ``model`` as it is; baselines unchanged."""
    if isinstance(system, ModelSystem):
        return ModelSystem(system.config, model=model)
    return system


def per_genre(pooled: PooledOutput, genre: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Stance macro-F1, stance accuracy and frame macro-F1 of each genre among the pooled ids."""
    genres = np.array([genre.get(i, "?") for i in pooled.ids])
    arrays = pooled.arrays()
    return {g: _document_headline(*(a[genres == g] for a in arrays)) for g in sorted(set(genres.tolist()))}


def frame_rates(pooled: PooledOutput) -> dict[str, dict[str, float]]:
    """How many sentences carry each frame in truth and in the predictions, and their ratio."""
    from framing.labels import FRAMES

    _, frames, _, frame_pred = pooled.arrays()
    rates = {}
    for j, name in enumerate(FRAMES):
        true, predicted = int(frames[:, j].sum()), int(frame_pred[:, j].sum())
        rates[name] = {"true": true, "predicted": predicted, "ratio": predicted / true if true else None}
    return rates


def confident_errors(
    pooled: PooledOutput, text: dict[str, str], genre: dict[str, str], k: int = CONFIDENT_ERRORS
) -> list[dict[str, Any]]:
    """The ``k`` wrong stance predictions made with the highest probability."""
    stance, _, probs, _ = pooled.arrays()
    predicted = probs.argmax(1)
    wrong = np.flatnonzero(predicted != stance)
    order = wrong[np.argsort(-probs[wrong].max(1), kind="stable")][:k]
    return [
        {
            "id": pooled.ids[i],
            "genre": genre.get(pooled.ids[i]),
            "text": text.get(pooled.ids[i], ""),
            "annotated": STANCES[stance[i]],
            "predicted": STANCES[predicted[i]],
            "probability": round(float(probs[i].max()), 3),
        }
        for i in order
    ]


def check_splits(splits: dict[str, Any], by_doc: dict[str, list[dict]] | None = None) -> None:
    """Raise ``ValueError`` if the train and test documents of ``splits`` overlap.

    With ``by_doc`` (the corpus, needed by the ``test`` protocol) it also refuses a split that
    names documents without annotations or leaves ``train`` or ``test`` empty.
    """
    train, test = list(splits.get("train") or []), list(splits.get("test") or [])
    overlap = sorted(set(train) & set(test))
    if overlap:
        raise ValueError(
            f"data/splits.json: document(s) {', '.join(overlap)} are in both 'train' and 'test'; "
            "the test protocol would score sentences the model was trained on"
        )
    if by_doc is None:
        return
    unknown = sorted(set(train + test) - set(by_doc))
    if unknown:
        raise ValueError(f"data/splits.json: document(s) {', '.join(unknown)} have no annotations")
    if not train or not test:
        raise ValueError("data/splits.json: 'train' and 'test' must each list at least one document")


# ----------------------------------------------------------------------------- agreement


def load_agreement(root=None) -> dict[str, Any] | None:
    """``data/agreement/figures.json`` of the corpus root, or ``None`` where there is none."""
    try:
        path = corpus_root(root) / AGREEMENT_FIGURES
    except CorpusError:
        return None
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except json.JSONDecodeError as err:
        raise CorpusError(f"{path}:{err.lineno}: invalid JSON ({err.msg})") from None
    return figures if isinstance(figures, dict) else None


def _agreement(results: dict, root) -> dict[str, Any] | None:
    """The figures stored in ``results`` unless an explicit ``root`` says where to read them."""
    if root is None and "agreement" in results:
        return results["agreement"]
    return load_agreement(root)


def _frame_kappas(figures: dict) -> dict[str, float]:
    frames = figures.get("frames") or {}
    return {name: f["kappa"] for name, f in frames.items() if isinstance(f, dict) and "kappa" in f}


def agreement_sentence(figures: dict | None) -> str | None:
    """The report's ceiling sentence from the agreement figures; ``None`` without figures."""
    stance = (figures or {}).get("stance") or {}
    if "kappa" not in stance:
        return None
    parts = [f"stance kappa {stance['kappa']:.2f}"]
    if "agreement" in stance:
        parts[0] += f" and raw agreement {stance['agreement']:.2f}"
    if figures.get("n"):
        parts[0] += f" on a blind sample of {figures['n']} sentences"
    kappas = _frame_kappas(figures)
    if kappas:
        weakest = min(kappas, key=kappas.get)
        parts.append(f"{weakest} is the least reliable frame, kappa {kappas[weakest]:.2f}")
    return f"Ceiling: inter-annotator agreement in `data/AGREEMENT.md` ({'; '.join(parts)})."


def agreement_summary(figures: dict | None) -> str | None:
    """The model card's one-line agreement figures; ``None`` without figures."""
    stance = (figures or {}).get("stance") or {}
    if "kappa" not in stance:
        return None
    text = f"stance kappa {stance['kappa']:.2f}"
    if "agreement" in stance:
        text += f" (raw agreement {stance['agreement']:.2f})"
    kappas = _frame_kappas(figures)
    if kappas:
        text += "; frame kappa " + ", ".join(f"{name} {k:.2f}" for name, k in kappas.items())
    return text


# ----------------------------------------------------------------------------- report


def _fmt(m: dict) -> str:
    return f"{m['value']:.3f} [{m['low']:.3f}, {m['high']:.3f}]"


def _table(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(out + ["| " + " | ".join(r) + " |" for r in rows])


def plot_figures(pooled: dict, out_dir: Path, prefix: str) -> dict[str, str]:
    """Stance confusion matrix and reliability diagram (PNG); needs matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    stance = np.array(pooled["stance"])
    probs = np.array(pooled["stance_probs"])
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ConfusionMatrixDisplay.from_predictions(
        stance,
        probs.argmax(1),
        labels=range(4),
        display_labels=STANCES,
        ax=ax,
        colorbar=False,
        xticks_rotation=30,
    )
    ax.set_title("Stance confusion (rows: annotation)")
    fig.tight_layout()
    confusion = out_dir / f"{prefix}_confusion.png"
    fig.savefig(confusion, dpi=110)
    plt.close(fig)

    from sklearn.calibration import CalibrationDisplay

    confidence, correct = probs.max(1), probs.argmax(1) == stance
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    display = CalibrationDisplay.from_predictions(
        correct, confidence, n_bins=10, strategy="uniform", name="framing model", ax=ax
    )
    # counts per bin, binned exactly as calibration_curve bins them
    counts = np.bincount(np.searchsorted(np.linspace(0, 1, 11)[1:-1], confidence), minlength=10)
    for x, y, c in zip(display.prob_pred, display.prob_true, counts[counts > 0]):
        ax.annotate(str(c), (x, y), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.set_xlabel("stance confidence (top-class probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability, ECE {expected_calibration_error(probs, stance):.3f}")
    ax.legend(loc="upper left")
    fig.tight_layout()
    reliability = out_dir / f"{prefix}_reliability.png"
    fig.savefig(reliability, dpi=110)
    plt.close(fig)
    return {"confusion": confusion.name, "reliability": reliability.name}


def _fmt_value(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def per_document_table(res: dict, model_name: str) -> list[str]:
    """The report's "Per held-out document" table of one protocol's results; empty without data."""
    per_doc = res.get("per_document") or {}
    systems = [name for name in (model_name, TFIDF_NAME) if name in per_doc]
    if not systems:
        return []
    metrics = ("stance_macro_f1", "frame_macro_f1")
    header = ["document", "sentences"] + [f"{name} {metric}" for name in systems for metric in metrics]
    docs = list(per_doc[systems[0]])
    rows = [
        [doc, str(per_doc[systems[0]][doc]["n"])]
        + [_fmt_value(per_doc[name].get(doc, {}).get(metric)) for name in systems for metric in metrics]
        for doc in docs
    ]
    spread_row = ["mean ± SD", ""]
    for name in systems:
        spread = document_spread(per_doc[name])
        for metric in metrics:
            mean, std = spread[metric]["mean"], spread[metric]["std"]
            spread_row.append(_fmt_value(mean) + ("" if std is None else f" ± {std:.3f}"))
    return [
        "### Per held-out document",
        "",
        "Each document scored by the fold that held it out; macro averages over the labels that occur "
        "in the document or its predictions. Last row: mean ± sample standard deviation across documents.",
        "",
        _table(header, rows + [spread_row]),
        "",
    ]


def _dev_lines(res: dict, model_name: str) -> list[str]:
    """Per-genre table, frame rates and the most confident errors of the dev protocol."""
    lines = []
    genres = res.get("per_genre") or {}
    systems = [name for name in (model_name, TFIDF_NAME) if name in genres]
    if systems:
        header = ["genre", "sentences"] + [
            f"{n} {m}" for n in systems for m in ("stance_macro_f1", "frame_macro_f1")
        ]
        rows = [
            [g, str(genres[systems[0]][g]["n"])]
            + [_fmt_value(genres[n][g][m]) for n in systems for m in ("stance_macro_f1", "frame_macro_f1")]
            for g in genres[systems[0]]
        ]
        lines += [
            "### Per genre",
            "",
            "Macro averages over the labels that occur in the genre or its predictions.",
            "",
            _table(header, rows),
            "",
        ]
    rates = (res.get("frame_rates") or {}).get(model_name)
    if rates:
        rows = [[f, str(r["true"]), str(r["predicted"]), _fmt_value(r["ratio"])] for f, r in rates.items()]
        lines += [
            f"How often {model_name} predicts each frame against how often it is annotated:",
            "",
            _table(["frame", "annotated", "predicted", "ratio"], rows),
            "",
        ]
    errors = res.get("confident_errors") or []
    if errors:
        rows = [
            [
                e["id"],
                e["genre"] or "",
                e["text"].replace("|", "\\|"),
                e["annotated"],
                e["predicted"],
                f"{e['probability']:.2f}",
            ]
            for e in errors
        ]
        lines += [
            f"### The {len(errors)} most confident wrong stances",
            "",
            _table(["id", "genre", "sentence", "annotated", "predicted", "probability"], rows),
            "",
        ]
    return lines


def _per_label_lines(detail: dict, model_name: str) -> list[str]:
    rows = [
        [s, f"{d['precision']:.3f}", f"{d['recall']:.3f}", f"{d['f1']:.3f}", str(d["support"])]
        for s, d in detail["stance"]["per_class"].items()
    ]
    rows += [
        [f"frame: {f}", f"{d['precision']:.3f}", f"{d['recall']:.3f}", f"{d['f1']:.3f}", str(d["support"])]
        for f, d in detail["frames"]["per_label"].items()
    ]
    return [
        f"Per label, {model_name}:",
        "",
        _table(["label", "precision", "recall", "F1", "support"], rows),
        "",
        f"Frame exact-match ratio: {detail['frames']['exact_match']:.3f}.",
        "",
    ]


def _intro(results: dict, command: str, root) -> list[str]:
    n_resamples = (results.get("bootstrap") or {}).get("n_resamples", 1000)
    lines = [
        "# Evaluation report",
        "",
        f"Generated by `{command}` (seeded; rerunning it gives the same figures).",
        "",
        "Both protocols score whole documents the model never trained on. Intervals: 95% bootstrap",
        f"over sentences ({n_resamples} resamples). Macro-F1 averages all four stances / all three frames.",
        "The intervals resample sentences and ignore that sentences cluster by document, so they",
        "understate uncertainty; the per-document spread under cross-validation is the better guide",
        "to how much results vary across articles.",
    ]
    ceiling = agreement_sentence(_agreement(results, root))
    return lines + ([ceiling, ""] if ceiling else [""])


def _protocol_section(res: dict, title: str, model_name: str, out_dir: Path, protocol: str) -> list[str]:
    docs = ", ".join(d for f in res["documents"] for d in f["test"])
    if protocol == "dev":
        how = "the shipped model as it is" if res.get("trained_model_scored") else "the recipe retrained"
        where = f"{res['n']} scored sentences of `data/dev` ({how}; baselines trained on the same data)."
    else:
        where = f"{res['n']} scored sentences (documents {docs})."
    lines = [f"## {title}", "", where, ""]
    rows = [[name] + [_fmt(m[k]) for k in HEADLINE_METRICS] for name, m in res["systems"].items()]
    lines += [_table(["system", *HEADLINE_METRICS], rows), ""]
    lines += per_document_table(res, model_name)
    lines += _per_label_lines(res["details"][model_name], model_name)
    if protocol == "dev":
        lines += _dev_lines(res, model_name)
    try:
        figures = plot_figures(res["predictions"][model_name], out_dir, protocol)
        lines += [f"![stance confusion]({figures['confusion']}) ![reliability]({figures['reliability']})", ""]
    except ImportError:
        lines += ["(Install matplotlib, `pip install framing-stance[report]`, for the figures.)", ""]
    return lines


def write_report(results: dict, out_dir: str | Path, command: str | None = None, root=None) -> Path:
    """Write ``evaluation.md``, ``evaluation.json`` and the PNG figures into ``out_dir``.

    The agreement ceiling comes from ``results["agreement"]`` (filled in by
    :func:`evaluate_recipe`), or from ``data/agreement/figures.json`` under ``root`` when
    ``root`` is given or the results carry none; without figures the sentence is left out.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    command = command or "framing " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    model_name = f"framing ({results['training_config']['recipe']})"
    lines = _intro(results, command, root)
    for protocol, title in (
        ("dev", "Development set (written, never trained on)"),
        ("cv", "Seed leave-one-document-out cross-validation"),
        ("test", "Seed fixed test split"),
    ):
        if protocol in results["protocols"]:
            lines += _protocol_section(results["protocols"][protocol], title, model_name, out_dir, protocol)
    (out_dir / "evaluation.md").write_text("\n".join(lines), encoding="utf-8")
    (out_dir / "evaluation.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return out_dir / "evaluation.md"


def card_summary(results: dict, command: str, root=None) -> dict[str, Any]:
    """The figures a model card quotes: seed cross-validation and dev set, where present.

    ``agreement`` (read as in :func:`write_report`) is left out where there are no figures.
    """
    name = f"framing ({results['training_config']['recipe']})"
    summary: dict[str, Any] = {"command": command}
    for protocol in ("cv", "dev"):
        res = results["protocols"].get(protocol)
        if not res:
            continue
        detail = res["details"][name]
        per_label = {label: round(d["f1"], 3) for label, d in detail["stance"]["per_class"].items()}
        per_label |= {label: round(d["f1"], 3) for label, d in detail["frames"]["per_label"].items()}
        summary[protocol] = {"n": res["n"], "systems": res["systems"], "per_label_f1": per_label}
    agreement = agreement_summary(_agreement(results, root))
    if agreement:
        summary["agreement"] = agreement
    return summary
