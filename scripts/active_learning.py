"""Does `framing suggest` choose better sentences to annotate than chance? A simulation on dev.

    python scripts/active_learning.py            # about 2 minutes; writes docs/active-learning.md + .png

The fast model's recipe (frozen MiniLM, logistic heads with C=4, class weights, seed sentences
x3) is trained on seeds + authored. The dev set (474 written sentences in the mix of real
coverage) is split into two halves by piece (``doc_id``); one half is the unlabelled pool, the
other is scored. From the pool, ``k`` sentences are chosen either by :func:`framing.suggest.choose`
on the base model's uncertainty (one batch, no retraining in between) or at random (5 draws);
their labels are revealed, the heads are refitted with them, and the scored half gives stance and
frame macro-F1. Both halves take each role once and the figures are averaged. Frame thresholds
are 0.5 and there is no temperature, for all systems alike.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from framing.corpus import load_corpus
from framing.encoder import SentenceEncoder
from framing.labels import FRAMES, STANCES
from framing.suggest import choose, uncertainty
from framing.training import TrainingConfig, _logits, fit_linear_heads
from framing.training_args import SHIPPED_MODELS

REPO = Path(__file__).resolve().parent.parent
BUDGETS = (25, 50, 100, 150)
RANDOM_DRAWS = 5


def columns(dataset):
    stance = np.array(dataset["stance"])
    frames = np.zeros((len(dataset), len(FRAMES)), dtype=int)
    for i, row in enumerate(dataset["frames"]):
        frames[i, row] = 1
    return list(dataset["text"]), stance, frames


def probabilities(weights, x):
    s, f = _logits(weights, x)
    s = np.exp(s - s.max(1, keepdims=True))
    return s / s.sum(1, keepdims=True), 1 / (1 + np.exp(-f))


def scores(weights, x, stance, frames) -> tuple[float, float]:
    s_p, f_p = probabilities(weights, x)
    stance_f1 = f1_score(stance, s_p.argmax(1), labels=range(len(STANCES)), average="macro", zero_division=0)
    frame_f1 = f1_score(frames, (f_p >= 0.5).astype(int), average="macro", zero_division=0)
    return float(stance_f1), float(frame_f1)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--start",
        choices=("seeds+authored", "seeds"),
        default="seeds+authored",
        help="what the model knows before any new annotation (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    recipe = {
        k: v for k, v in SHIPPED_MODELS["fast"]["recipe"].items() if k not in ("calibrate", "tune_thresholds")
    }
    config = TrainingConfig(**recipe)
    parts = ("seeds", "authored", "dev") if args.start == "seeds+authored" else ("seeds", "dev")
    corpus = load_corpus(REPO, parts=parts)
    encoder = SentenceEncoder(config.base_model)
    train_texts, train_s, train_f = columns(corpus["train"])
    is_seed = np.array([s == 0 for s in corpus["train"]["source"]])  # source ClassLabel 0 = seeds
    dev_texts, dev_s, dev_f = columns(corpus["dev"])
    x_train = encoder.embed(train_texts, precision="fp32").numpy().astype(np.float64)
    x_dev = encoder.embed(dev_texts, precision="fp32").numpy().astype(np.float64)
    weight = np.where(is_seed, config.seed_weight, 1.0)

    docs = np.array(corpus["dev"]["doc_id"])
    unique_docs = sorted(set(docs))
    rng = np.random.default_rng(13)
    rng.shuffle(unique_docs)
    half = set(unique_docs[: len(unique_docs) // 2])
    halves = [np.where([d in half for d in docs])[0], np.where([d not in half for d in docs])[0]]

    base = fit_linear_heads(x_train, train_s, train_f, config, weight)
    results: dict[str, dict[int, list[tuple[float, float]]]] = {"suggest": {}, "random": {}}
    baseline = []
    for pool, held in (halves, halves[::-1]):
        baseline.append(scores(base, x_dev[held], dev_s[held], dev_f[held]))
        s_p, f_p = probabilities(base, x_dev[pool])
        unc, reasons = uncertainty(s_p, f_p, [0.5] * len(FRAMES))
        unit = x_dev[pool] / np.linalg.norm(x_dev[pool], axis=1, keepdims=True)
        for k in BUDGETS:
            picks = {"suggest": [[pool[s.index] for s in choose(unit, unc, reasons, k)]]}
            picks["random"] = [list(rng.choice(pool, size=k, replace=False)) for _ in range(RANDOM_DRAWS)]
            for system, draws in picks.items():
                for chosen in draws:
                    x = np.vstack([x_train, x_dev[chosen]])
                    w = np.concatenate([weight, np.ones(len(chosen))])
                    heads = fit_linear_heads(
                        x,
                        np.concatenate([train_s, dev_s[chosen]]),
                        np.vstack([train_f, dev_f[chosen]]),
                        config,
                        w,
                    )
                    results[system].setdefault(k, []).append(
                        scores(heads, x_dev[held], dev_s[held], dev_f[held])
                    )
        print(f"half done: pool {len(pool)}, scored {len(held)}", file=sys.stderr)

    table = {
        "start": args.start,
        "budgets": list(BUDGETS),
        "no_extra_labels": np.mean(baseline, axis=0).round(4).tolist(),
    }
    for system, by_k in results.items():
        table[system] = {
            k: {
                "stance_macro_f1": round(float(np.mean([r[0] for r in rows])), 4),
                "frame_macro_f1": round(float(np.mean([r[1] for r in rows])), 4),
                "runs": len(rows),
            }
            for k, rows in by_k.items()
        }
    name = "active-learning" if args.start == "seeds+authored" else "active-learning-seeds"
    (REPO / "docs" / f"{name}.json").write_text(json.dumps(table, indent=2) + "\n")
    write_report(table, name)
    return 0


def write_report(table: dict, name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budgets = table["budgets"]
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8))
    for ax, key, title in zip(
        axes, ("stance_macro_f1", "frame_macro_f1"), ("stance macro-F1", "frame macro-F1")
    ):
        base = table["no_extra_labels"][0 if key.startswith("stance") else 1]
        for system, style in (("suggest", "o-"), ("random", "s--")):
            ax.plot([0, *budgets], [base, *(table[system][k][key] for k in budgets)], style, label=system)
        ax.set_xlabel("dev sentences annotated and added")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    fig.savefig(REPO / "docs" / f"{name}.png", dpi=110)
    lines = [
        f"# What to annotate next: suggested against random sentences (starting from {table['start']})",
        "",
        f"Command: `python scripts/active_learning.py --start {table['start']}` (protocol in its "
        f"docstring). Figures: `docs/{name}.json`.",
        "",
        f"![learning curves]({name}.png)",
        "",
        "| added | suggest: stance / frame macro-F1 | random (mean of 5): stance / frame macro-F1 |",
        "|---|---|---|",
        f"| 0 | {table['no_extra_labels'][0]:.3f} / {table['no_extra_labels'][1]:.3f} | same |",
    ]
    for k in budgets:
        s, r = table["suggest"][k], table["random"][k]
        lines.append(
            f"| {k} | {s['stance_macro_f1']:.3f} / {s['frame_macro_f1']:.3f} "
            f"| {r['stance_macro_f1']:.3f} / {r['frame_macro_f1']:.3f} |"
        )
    (REPO / "docs" / f"{name}.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
