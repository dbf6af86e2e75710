"""The model card (README.md of a model folder), written on every save.

Figures come from ``config.evaluation``, which the evaluation run fills in; a model
that has not been evaluated says so instead of showing numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from framing.labels import FRAMES, STANCES

if TYPE_CHECKING:
    from framing.model import FramingConfig


def _fmt(metric: dict | None) -> str:
    if not metric:
        return "n/a"
    return f"{metric['value']:.2f} [{metric['low']:.2f}, {metric['high']:.2f}]"


def _figures(evaluation: dict) -> str:
    cv = evaluation.get("cv")
    if not cv:
        return "This model has not been evaluated yet: run `framing evaluate`.\n"
    lines = [
        f"Leave-one-document-out cross-validation over the {cv.get('n', '?')} annotated seed "
        "sentences (train on four articles, score the fifth, pooled; 95% bootstrap intervals). "
        f"Command: `{evaluation.get('command', 'framing evaluate')}`.",
        "",
        "| system | stance macro-F1 | stance accuracy | frame macro-F1 | stance ECE |",
        "|---|---|---|---|---|",
    ]
    for system, row in cv["systems"].items():
        lines.append(
            f"| {system} | {_fmt(row.get('stance_macro_f1'))} | {_fmt(row.get('stance_accuracy'))} "
            f"| {_fmt(row.get('frame_macro_f1'))} | {_fmt(row.get('stance_ece'))} |"
        )
    per_label = cv.get("per_label_f1")
    if per_label:
        lines += ["", "Per-label F1 of this recipe (same run):", ""]
        lines += ["| " + " | ".join(per_label) + " |", "|" + "---|" * len(per_label)]
        lines += ["| " + " | ".join(f"{v:.2f}" for v in per_label.values()) + " |"]
        stance_f1 = {k: v for k, v in per_label.items() if k in STANCES}
        weakest = min(stance_f1, key=stance_f1.get)
        lines += ["", f"Weakest stance: `{weakest}` (F1 {stance_f1[weakest]:.2f})."]
    agreement = evaluation.get("agreement")
    if agreement:
        lines += ["", f"Ceiling (inter-annotator agreement, `data/AGREEMENT.md`): {agreement}"]
    return "\n".join(lines) + "\n"


def model_card(config: FramingConfig) -> str:
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
    rare = ", ".join(
        f"`{name}` ({counts[name]})" for name in STANCES if counts.get(name, 0) < 0.15 * (sentences or 1)
    )
    return f"""# framing: stance and frames of news sentences on the US–Russia talks

Labels an English news sentence with its **stance** toward the US–Russia diplomacy over the
war in Ukraine (one of {", ".join(f"`{s}`" for s in STANCES)}) and the **frames** it uses
(any of {", ".join(f"`{f}`" for f in FRAMES)}), with probabilities. Definitions: the
project's annotation guide, `data/GUIDELINES.md`.

## Use

```python
import framing
model = framing.load_model()          # this folder, when shipped with the package
model.predict(["Putin bought time while appearing cooperative."])
```

## Model

- Base encoder: `{config.base_model}` version {config.base_model_version or "n/a"} (referenced,
  not copied; mean pooling, L2-normalised, max {config.max_length} tokens).
- Recipe: `{recipe}`; encoder layers changed by training and stored here (fp16):
  {config.tuned_layers or "none"}.
- Stance: softmax head, {temperature}.
- Frames: sigmoid head, decision thresholds {thresholds} ({threshold_origin}).
- Trained on: documents {documents} of the seed corpus; seed {seed}.
- framing version {config.framing_version}.

## Evaluation

{_figures(config.evaluation)}
## Intended use

Reading large numbers of news sentences about the US–Russia talks on Ukraine the way the
codebook's coder would, to compare outlets or periods by their share of stances and frames.
Report aggregate shares with their uncertainty, not single-sentence labels.

## Limits and failure modes

- Trained on {sentences} sentences from seed articles about the spring-2025 Trump–Putin calls:
  other events, outlets or genres (wire copy, social media) are out of distribution.
- Held-out scores are well below the agreement between annotators (the ceiling above):
  treat single labels as noisy and aggregate over many sentences.
- Rare stances in the training data: {rare or "none below 15%"}. `alarmed` is easily confused
  with `sceptical` and with `neutral` sentences that fear the war itself rather than the talks
  (see the per-label table and the confusion matrix in the evaluation report).
- English only; one sentence at a time (no article context), so a sentence whose stance
  depends on its neighbour ("Which of course it would.") is often wrong.
"""
