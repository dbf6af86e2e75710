"""Do 200 sentences chosen by `framing suggest` teach the model more than 200 random ones?

    python scripts/active_learning.py      # about 4 minutes on 2 CPU cores; writes docs/active-learning.*

A simulated annotator loop with the fast model's recipe (frozen MiniLM embeddings, logistic
heads with C=4 and balanced class weights, seed sentences counted 3 times, frame thresholds 0.5,
no temperature). Nothing here is tuned on the scoring sets.

* **Labelled at the start**: the 325 seed annotations (``data/annotations``, all five articles),
  and, as a second start, the seeds plus 100 random written training sentences (5 draws).
* **Unlabelled pool**: the written training sentences (``data/authored``, 2,265), labels hidden.
* **Rounds**: 16 rounds of 25. Each round the heads are refitted on everything labelled so far,
  the strategy picks 25 more sentences from what is left of the pool with the refitted model,
  and their labels are revealed. Scores are taken after 0, 25, 50, 100, 150, 200, 300 and 400.
* **Random baseline**: the pool in a random order, annotated from the top: 30 draws per start
  (for the second start, 6 for each of its 5 draws). Reported as the mean and the 5th–95th
  percentile range of the 30 (one draw each, not means).
* **Strategies**, all tried and all reported (see ``STRATEGIES``): the shipped
  :func:`framing.suggest.choose`, and alternatives from the literature.
* **Two phases**, so that the strategy is not chosen on the set that judges it:

  1. *select*: the pool is 3/4 of the authored pieces (by ``doc_id``), the scoring set the other
     1/4 (587 sentences). The strategy with the best mean of stance and frame macro-F1 at
     200, averaged over the two starts, is the one picked.
  2. *final*: the pool is all of ``data/authored``; the scoring set is the dev set
     (``data/dev``, 474 sentences written apart, never in the pool). Every strategy is scored.

Everything is seeded, so a rerun gives the same figures. ``--cache FILE.npz`` keeps the sentence
embeddings between runs (embedding takes 0.5 to 2 of those minutes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from framing.corpus import load_corpus
from framing.labels import FRAMES, STANCES
from framing.suggest import DUPLICATE_COSINE, choose, uncertainty
from framing.training import TrainingConfig, _logits, fit_linear_heads
from framing.training_args import SHIPPED_MODELS

REPO = Path(__file__).resolve().parent.parent
STEP = 25
BUDGETS = (25, 50, 100, 150, 200, 300, 400)
HEADLINE = 200
RANDOM_DRAWS = 30
START_DRAWS = 5
START_EXTRA = 100
SEED = 13


@dataclass
class Part:
    x: np.ndarray  # embeddings, float64
    stance: np.ndarray
    frames: np.ndarray  # one column per frame, 0/1

    def take(self, idx) -> Part:
        return Part(self.x[idx], self.stance[idx], self.frames[idx])


def columns(dataset, x) -> Part:
    frames = np.zeros((len(dataset), len(FRAMES)), dtype=int)
    for i, row in enumerate(dataset["frames"]):
        frames[i, row] = 1
    return Part(x, np.array(dataset["stance"]), frames)


def probabilities(weights, x):
    s, f = _logits(weights, x)
    s = np.exp(s - s.max(1, keepdims=True))
    return s / s.sum(1, keepdims=True), 1 / (1 + np.exp(-f))


def scores(weights, part: Part) -> tuple[float, float]:
    s_p, f_p = probabilities(weights, part.x)
    labels = range(len(STANCES))
    stance_f1 = f1_score(part.stance, s_p.argmax(1), labels=labels, average="macro", zero_division=0)
    frame_f1 = f1_score(part.frames, (f_p >= 0.5).astype(int), average="macro", zero_division=0)
    return float(stance_f1), float(frame_f1)


# --- strategies --------------------------------------------------------------------------------
# Each gets the round's context and returns positions in ``ctx.candidates`` (the unlabelled pool).


@dataclass
class Round:
    unit: np.ndarray  # unit-length embeddings of the candidates
    stance_p: np.ndarray
    frame_p: np.ndarray
    labelled_unit: np.ndarray  # unit-length embeddings of everything labelled so far
    density: np.ndarray  # mean cosine similarity of each candidate to the whole pool
    n: int
    seed: int


def _shipped_scores(r: Round):
    return uncertainty(r.stance_p, r.frame_p, [0.5] * len(FRAMES))


def _entropy_scores(r: Round) -> np.ndarray:
    p = np.clip(r.stance_p, 1e-12, 1)
    stance_h = -(p * np.log(p)).sum(1) / np.log(len(STANCES))
    f = np.clip(r.frame_p, 1e-12, 1 - 1e-12)
    frame_h = (-(f * np.log2(f) + (1 - f) * np.log2(1 - f))).mean(1)
    return (stance_h + frame_h) / 2


def _top_distinct(unit: np.ndarray, score: np.ndarray, n: int) -> list[int]:
    """The ``n`` best-scored candidates, one per near-duplicate (as the shipped ``choose`` does)."""
    return [s.index for s in choose(unit, score, [""] * len(score), n, pool_factor=1)]


def shipped(r: Round) -> list[int]:
    unc, reasons = _shipped_scores(r)
    return [s.index for s in choose(r.unit, unc, reasons, r.n, seed=r.seed)]


def uncertainty_only(r: Round) -> list[int]:
    return _top_distinct(r.unit, _shipped_scores(r)[0], r.n)


def entropy(r: Round) -> list[int]:
    score = _entropy_scores(r)
    return [s.index for s in choose(r.unit, score, [""] * len(score), r.n, seed=r.seed)]


def density_weighted(r: Round) -> list[int]:
    return _top_distinct(r.unit, _shipped_scores(r)[0] * r.density, r.n)


def stance_balanced(r: Round) -> list[int]:
    """Round robin over the predicted stances, the most uncertain of each, one per near-duplicate."""
    unc = _shipped_scores(r)[0]
    predicted = r.stance_p.argmax(1)
    queues = [[int(i) for i in np.argsort(-unc, kind="stable") if predicted[i] == c] for c in range(4)]
    chosen: list[int] = []
    while len(chosen) < r.n and any(queues):
        for queue in queues:
            while queue and len(chosen) < r.n:
                i = queue.pop(0)
                if not chosen or (r.unit[chosen] @ r.unit[i]).max() < DUPLICATE_COSINE:
                    chosen.append(i)
                    break
    return chosen


def kmeans_representative(r: Round) -> list[int]:
    """Diversity alone: k-means over the whole pool, the sentence nearest each centre."""
    from sklearn.cluster import KMeans

    km = KMeans(n_clusters=r.n, n_init=1, random_state=r.seed).fit(r.unit)
    chosen = []
    for c, centre in enumerate(km.cluster_centers_):
        members = np.where(km.labels_ == c)[0]
        chosen.append(int(members[np.argmax(r.unit[members] @ centre)]))
    return chosen


def greedy_coreset(r: Round) -> list[int]:
    """k-centre greedy (Sener and Savarese 2018): the sentence farthest from all labelled ones."""
    nearest = 1 - (r.unit @ r.labelled_unit.T).max(1)
    chosen = []
    for _ in range(min(r.n, len(nearest))):
        i = int(np.argmax(nearest))
        chosen.append(i)
        nearest = np.minimum(nearest, 1 - r.unit @ r.unit[i])
    return chosen


STRATEGIES: dict[str, tuple[Callable[[Round], list[int]], str]] = {
    "suggest": (
        shipped,
        "the shipped `choose`: breaking ties or a frame near 0.5, k-means over the 4n most uncertain",
    ),
    "uncertainty": (uncertainty_only, "the same uncertainty, top n, no k-means (one per near-duplicate)"),
    "entropy": (entropy, "stance entropy + mean frame entropy, with the shipped k-means diversity"),
    "density": (density_weighted, "shipped uncertainty x mean cosine similarity to the pool (info. density)"),
    "balanced": (stance_balanced, "round robin over predicted stances, the most uncertain of each"),
    "kmeans": (kmeans_representative, "no model: k-means over the pool, the sentence nearest each centre"),
    "coreset": (greedy_coreset, "no model: greedy k-centre, farthest from everything labelled"),
}


# --- simulation --------------------------------------------------------------------------------


@dataclass
class Setup:
    base: Part  # the seeds, counted ``seed_weight`` times
    pool: Part
    held: Part  # the scoring set
    config: TrainingConfig
    density: np.ndarray
    pool_unit: np.ndarray


def fit(setup: Setup, labelled: list[int]):
    extra = setup.pool.take(np.array(labelled, dtype=int))
    return fit_linear_heads(
        np.vstack([setup.base.x, extra.x]),
        np.concatenate([setup.base.stance, extra.stance]),
        np.vstack([setup.base.frames, extra.frames]),
        setup.config,
        np.concatenate([np.full(len(setup.base.x), setup.config.seed_weight), np.ones(len(labelled))]),
    )


def run_strategy(setup: Setup, strategy, start: list[int]) -> dict[int, tuple[float, float]]:
    labelled = list(start)
    out = {}
    base_unit = setup.base.x / np.linalg.norm(setup.base.x, axis=1, keepdims=True)
    for added in range(0, BUDGETS[-1] + 1, STEP):
        heads = fit(setup, labelled)
        if added == 0 or added in BUDGETS:
            out[added] = scores(heads, setup.held)
        if added == BUDGETS[-1]:
            break
        taken = set(labelled)
        candidates = np.array([i for i in range(len(setup.pool.x)) if i not in taken])
        s_p, f_p = probabilities(heads, setup.pool.x[candidates])
        context = Round(
            setup.pool_unit[candidates],
            s_p,
            f_p,
            np.vstack([base_unit, setup.pool_unit[labelled]]) if labelled else base_unit,
            setup.density[candidates],
            STEP,
            SEED + added,
        )
        labelled += [int(candidates[i]) for i in strategy(context)]
    return out


def run_random(setup: Setup, start: list[int], seed: int) -> dict[int, tuple[float, float]]:
    rest = np.array(sorted(set(range(len(setup.pool.x))) - set(start)))
    order = [int(i) for i in np.random.default_rng(seed).permutation(rest)]
    return {k: scores(fit(setup, list(start) + order[:k]), setup.held) for k in (0, *BUDGETS)}


def starts(n_pool: int) -> dict[str, list[list[int]]]:
    extra = [
        sorted(
            int(i) for i in np.random.default_rng(SEED + 100 + j).choice(n_pool, START_EXTRA, replace=False)
        )
        for j in range(START_DRAWS)
    ]
    return {"seeds": [[]], f"seeds+{START_EXTRA}": extra}


def _task(setup: Setup, name: str, start: list[int], seed: int) -> dict:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        if name == "random":
            return run_random(setup, start, seed)
        return run_strategy(setup, STRATEGIES[name][0], start)


def simulate(setup: Setup, label: str, jobs: int) -> dict:
    """Every strategy from every start, and the random draws; runs are independent and seeded."""
    from joblib import Parallel, delayed

    tasks = []
    for start_name, start_list in starts(len(setup.pool.x)).items():
        per_start = RANDOM_DRAWS // len(start_list)
        for j, start in enumerate(start_list):
            tasks += [(start_name, name, start, 0) for name in STRATEGIES]
            tasks += [(start_name, "random", start, SEED + 1000 * j + d) for d in range(per_start)]
    print(f"[{time.strftime('%X')}] {label}: {len(tasks)} runs", file=sys.stderr)
    outputs = Parallel(n_jobs=jobs, verbose=5)(delayed(_task)(setup, *task[1:]) for task in tasks)
    result: dict[str, dict] = {}
    for start_name in dict.fromkeys(task[0] for task in tasks):
        runs = {
            name: [out for task, out in zip(tasks, outputs) if task[:2] == (start_name, name)]
            for name in (*STRATEGIES, "random")
        }
        result[start_name] = {name: summarise(rows) for name, rows in runs.items()}
    return result


def summarise(rows: list[dict]) -> dict:
    out = {}
    for k in (0, *BUDGETS):
        values = np.array([row[k] for row in rows])  # runs x (stance, frame)
        out[str(k)] = {
            metric: {
                "mean": round(float(values[:, m].mean()), 4),
                "p5": round(float(np.percentile(values[:, m], 5)), 4),
                "p95": round(float(np.percentile(values[:, m], 95)), 4),
                "std": round(float(values[:, m].std(ddof=1)), 4) if len(values) > 1 else 0.0,
                "runs": len(values),
                "values": [round(float(v), 4) for v in values[:, m]],
            }
            for m, metric in enumerate(("stance", "frame"))
        }
    return out


def embed_all(corpus, config, cache: Path | None) -> dict[str, np.ndarray]:
    if cache and cache.exists():
        return dict(np.load(cache))
    from framing.encoder import SentenceEncoder

    encoder = SentenceEncoder(config.base_model)
    out = {
        k: encoder.embed(list(corpus[k]["text"]), precision="fp32").numpy().astype(np.float64)
        for k in ("all", "authored", "dev")
    }
    if cache:
        np.savez(cache, **out)
    return out


def make_setup(seeds: Part, pool: Part, held: Part, config: TrainingConfig) -> Setup:
    unit = pool.x / np.linalg.norm(pool.x, axis=1, keepdims=True)
    density = unit @ unit.mean(0)  # mean cosine similarity to the pool
    return Setup(seeds, pool, held, config, density, unit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cache", type=Path, help="keep the sentence embeddings in this .npz file")
    parser.add_argument("--report-only", action="store_true", help="redraw the docs from the .json")
    parser.add_argument("--jobs", type=int, default=2, help="parallel runs (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.report_only:
        return report_only()
    started = time.time()
    recipe = {
        k: v for k, v in SHIPPED_MODELS["fast"]["recipe"].items() if k not in ("calibrate", "tune_thresholds")
    }
    config = TrainingConfig(**recipe)
    corpus = load_corpus(REPO, folds=True, parts=("seeds", "authored", "dev"))
    x = embed_all(corpus, config, args.cache)
    embedded = time.time()
    seeds = columns(corpus["all"], x["all"])
    authored = columns(corpus["authored"], x["authored"])
    dev = columns(corpus["dev"], x["dev"])

    docs = np.array(corpus["authored"]["doc_id"])
    unique_docs = sorted(set(docs))
    np.random.default_rng(SEED).shuffle(unique_docs)
    held_docs = set(unique_docs[: len(unique_docs) // 4])
    in_held = np.array([d in held_docs for d in docs])

    table = {
        "protocol": __doc__.split("\n\n", 2)[2].strip(),
        "step": STEP,
        "budgets": list(BUDGETS),
        "strategies": {name: text for name, (_, text) in STRATEGIES.items()},
        "sizes": {
            "seeds": len(seeds.x),
            "select_pool": int((~in_held).sum()),
            "select_scored": int(in_held.sum()),
        },
    }
    table["select"] = simulate(
        make_setup(seeds, authored.take(~in_held), authored.take(in_held), config), "select", args.jobs
    )
    table["picked"] = pick(table["select"])
    table["sizes"].update(final_pool=len(authored.x), final_scored=len(dev.x))
    table["final"] = simulate(make_setup(seeds, authored, dev, config), "final", args.jobs)
    table["runtime_s"] = {"embed": round(embedded - started), "simulate": round(time.time() - embedded)}
    (REPO / "docs" / "active-learning.json").write_text(json.dumps(table, indent=2) + "\n")
    write_report(table)
    return 0


def pick(select: dict) -> str:
    """The strategy with the best mean of stance and frame macro-F1 at 200, over both starts."""

    def merit(name: str) -> float:
        cells = [select[start][name][str(HEADLINE)] for start in select]
        return float(np.mean([(c["stance"]["mean"] + c["frame"]["mean"]) / 2 for c in cells]))

    return max(STRATEGIES, key=merit)


# --- report ------------------------------------------------------------------------------------


METRICS = (("stance", "stance macro-F1"), ("frame", "frame macro-F1"))


def verdict(cell: dict, random: dict) -> str:
    """``0.548 (+0.011, inside)``: the value, its gap to random's mean, and where it falls."""
    value, mean = cell["mean"], random["mean"]
    where = "above" if value > random["p95"] else "below" if value < random["p5"] else "inside"
    return f"{value:.3f} ({value - mean:+.3f}, {where})"


def paired_wins(cells: dict, random: dict) -> str:
    """For several starts: in how many the strategy beat that start's own random mean."""
    values, draws = cells["values"], random["values"]
    per = len(draws) // len(values)
    wins = sum(v > np.mean(draws[i * per : (i + 1) * per]) for i, v in enumerate(values))
    return f"{wins}/{len(values)}"


def table_lines(result: dict, budgets: list[int], metric: str) -> list[str]:
    random = result["random"]
    several = random["0"][metric]["runs"] > 1 and result["suggest"]["0"][metric]["runs"] > 1
    lines = [
        "| strategy | " + " | ".join(str(k) for k in (0, *budgets)) + " |",
        "|---|" + "---|" * (len(budgets) + 1),
    ]
    for name in (*STRATEGIES, "random"):
        cells = []
        for k in (0, *budgets):
            c, r = result[name][str(k)][metric], random[str(k)][metric]
            text = f"{c['mean']:.3f}"
            if name != "random" and k and c["mean"] > r["p95"]:
                text = f"**{text}**"
            elif name != "random" and k and c["mean"] < r["p5"]:
                text = f"_{text}_"
            if name != "random" and k and several:
                text += f" ({paired_wins(c, r)})"
            cells.append(text)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    band = [f"{random[str(k)][metric]['p5']:.3f}–{random[str(k)][metric]['p95']:.3f}" for k in (0, *budgets)]
    lines.append(f"| random 5–95% ({random['0'][metric]['runs']} draws) | " + " | ".join(band) + " |")
    return lines


def plot(table: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    budgets = [0, *table["budgets"]]
    starts_ = list(table["final"])
    fig, axes = plt.subplots(len(starts_), 2, figsize=(11, 4.2 * len(starts_)), squeeze=False)
    for row, start in enumerate(starts_):
        result = table["final"][start]
        for ax, (metric, title) in zip(axes[row], METRICS):
            rnd = [result["random"][str(k)][metric] for k in budgets]
            ax.fill_between(
                budgets,
                [c["p5"] for c in rnd],
                [c["p95"] for c in rnd],
                color="0.85",
                label="random, 5–95% of draws",
            )
            ax.plot(budgets, [c["mean"] for c in rnd], "k--", lw=2, label="random, mean")
            for name in STRATEGIES:
                strong = name in ("suggest", table["picked"])
                label = (
                    name
                    + (" (shipped)" if name == "suggest" else "")
                    + (" (picked on select)" if name == table["picked"] else "")
                )
                ax.plot(
                    budgets,
                    [result[name][str(k)][metric]["mean"] for k in budgets],
                    "o-" if strong else "-",
                    lw=2.2 if strong else 0.9,
                    ms=4,
                    alpha=1 if strong else 0.6,
                    label=label,
                )
            ax.axvline(HEADLINE, color="0.6", lw=0.8, ls=":")
            ax.set_title(f"dev {title}, start: {start}")
            ax.set_xlabel("pool sentences annotated (rounds of 25)")
            ax.grid(alpha=0.3)
    axes[0][1].legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_report(table: dict, docs: Path = REPO / "docs") -> None:
    plot(table, docs / "active-learning.png")
    budgets, picked = table["budgets"], table["picked"]
    sizes = table["sizes"]
    lines = [
        "# What to annotate next: suggested against random sentences",
        "",
        "Command: `python scripts/active_learning.py` (deterministic; on 2 busy CPU cores "
        f"{table['runtime_s']['embed']} s to load and embed the sentences, "
        f"{table['runtime_s']['simulate']} s to simulate). "
        "Figures, every run included: [`active-learning.json`](active-learning.json).",
        "",
        "## Protocol",
        "",
        table["protocol"],
        "",
        f"Sizes: {sizes['seeds']} seed sentences; *select* pool {sizes['select_pool']}, scored "
        f"{sizes['select_scored']}; *final* pool {sizes['final_pool']}, "
        f"scored {sizes['final_scored']} (dev).",
        "",
        "Strategies (each picks 25 a round from the model refitted on everything labelled so far):",
        "",
        *(f"- `{name}`: {text}" for name, text in table["strategies"].items()),
        "",
        "In the tables, **bold** is above random's 95th percentile at that budget, _italic_ below its "
        "5th. With the seeds+100 start, `(w/5)` says in how many of the 5 starts the strategy beat "
        "the mean of that start's own random draws.",
        "",
        "## Conclusion",
        "",
        *CONCLUSION,
        "",
    ]
    for start in table["final"]:
        lines.append(f"At {HEADLINE} with the start {start}, against random's mean and 90% range:")
        lines.append("")
        for name in dict.fromkeys(("suggest", picked)):
            c, r = table["final"][start][name][str(HEADLINE)], table["final"][start]["random"][str(HEADLINE)]
            lines.append(
                f"- `{name}`: stance {verdict(c['stance'], r['stance'])}, "
                f"frame {verdict(c['frame'], r['frame'])}"
            )
        lines.append("")
    lines += [
        "## Final: pool = data/authored, scored on dev",
        "",
        "![learning curves](active-learning.png)",
        "",
    ]
    for phase, heading in (("final", "Final (dev)"), ("select", "Select (1/4 of authored pieces)")):
        if phase == "select":
            lines += [
                "## Select: pool = 3/4 of the authored pieces, scored on the other 1/4",
                "",
                f"Picked by the mean of stance and frame macro-F1 at {HEADLINE} over both starts: "
                f"**`{picked}`**.",
                "",
            ]
        for start, result in table[phase].items():
            for metric, title in METRICS:
                lines += [
                    f"### {heading}, start {start}: {title}",
                    "",
                    *table_lines(result, budgets, metric),
                    "",
                ]
    (docs / "active-learning.md").write_text("\n".join(lines))


CONCLUSION = [
    "**200 suggested sentences do not beat 200 random ones** in this simulation, so the issue's target "
    "is not met, and `framing suggest` keeps its strategy.",
    "",
    "- The shipped strategy (`suggest`) at 200, from the seeds: stance macro-F1 0.548 against random's "
    "0.539 (90% of random draws: 0.515–0.561), frame macro-F1 0.465 against 0.466 (0.441–0.491). From "
    "seeds+100: 0.565 against 0.559 and 0.489 against 0.482, also inside random's range. The gaps "
    "(0.01 at most) are smaller than the spread of random draws (standard deviation 0.015).",
    "- No strategy of the seven beats random at 200 outside random's 90% range, on either "
    "metric, from either start. The greedy core-set does worse than random on frames.",
    "- The strategy picked on the select set was `entropy`. The pick is a near tie: the mean of the "
    "two F1s at 200 was 0.5955 for `entropy`, 0.5953 for `kmeans` and 0.5944 for `balanced`. On dev, "
    "`entropy` adds 0.018 frame macro-F1 at 200 from both starts, inside random's range. For stance "
    "it gives −0.005 and +0.015.",
    "- Past 200 the frame gains grow. From seeds+100, `entropy` and `kmeans` (plain k-means "
    "diversity, no model) are above random's 95th percentile for frames at 300 and 400, and beat "
    "random in 5 of 5 starts. From the seeds alone, `entropy` is above at 300 and 400, `kmeans` at "
    "400 and `balanced` at 300. The select set agrees in part: `kmeans` is above at 300 and 400 "
    "from both starts, `entropy` at 400 from seeds+100. For stance, no strategy beats random "
    "reliably at any budget.",
    "- So choosing by entropy or by diversity may be worth about 0.02–0.03 frame macro-F1 at "
    "300–400 annotations. At 200 that is not distinguishable from the luck of a random draw, and "
    "for stance there is no sign of a gain. A change of the default would need a real annotation "
    "round to confirm it.",
    "",
    "Limits of the simulation:",
    "",
    "- The pool is written sentences, made by the same kind of writers as dev. Real unlabelled news "
    "has more near-duplicates and off-topic sentences, where de-duplication and diversity may matter more.",
    "- The CLI uses calibrated probabilities and tuned frame thresholds; here every system uses raw "
    "probabilities and thresholds of 0.5.",
    "- From the seeds alone, each strategy is one run, so its own noise is not measured. Fitting "
    "the same data from another starting point (solver tolerance) moves the scores by up to 0.01.",
    "- From seeds+100, a strategy's figure is the mean of 5 starts, but random's range is that of "
    "single draws. So a bold figure there is the stricter test, and the `(w/5)` counts are the paired one.",
]


def report_only() -> int:
    """Redraw the docs from the .json (the protocol text is taken from this docstring)."""
    path = REPO / "docs" / "active-learning.json"
    table = json.loads(path.read_text())
    table["protocol"] = __doc__.split("\n\n", 2)[2].strip()
    path.write_text(json.dumps(table, indent=2) + "\n")
    write_report(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
