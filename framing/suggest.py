"""What to annotate next: the sentences the model is least sure of, spread over what it has seen.

Active learning in its plainest well-tried form (breaking ties plus clustering, as in
small-text's query strategies), on the frozen sentence embeddings the model already computes:

1. *Uncertainty* of a sentence: for the stance, one minus the gap between its two most probable
   stances (breaking ties); for each frame, how close its probability is to that frame's
   threshold. The larger of the two counts.
2. *One per near-duplicate*: a sentence whose embedding is within cosine 0.95 of one already
   chosen is skipped, so syndicated copy is not annotated twice.
3. *Diversity*: the most uncertain ``pool_factor × n`` candidates are clustered into ``n``
   groups with k-means on the embeddings, and the most uncertain sentence of each group is
   chosen, so the suggestions do not all sit on one confusing topic.

Each suggestion carries a ``reason`` a person can read ("stance: sceptical 0.41 vs neutral
0.38").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from framing.labels import FRAMES, STANCES

DUPLICATE_COSINE = 0.95
"""Embeddings at least this similar count as the same sentence (reworded wire copy)."""


@dataclass
class Suggestion:
    index: int
    """Position of the sentence in the input."""
    uncertainty: float
    reason: str


def uncertainty(stance_p: np.ndarray, frame_p: np.ndarray, thresholds) -> tuple[np.ndarray, list[str]]:
    """Per sentence: the uncertainty in [0, 1] and the reason, from calibrated probabilities."""
    order = np.argsort(-stance_p, axis=1)
    top, second = order[:, 0], order[:, 1]
    rows = np.arange(len(stance_p))
    stance_u = 1 - (stance_p[rows, top] - stance_p[rows, second])
    t = np.asarray(thresholds, dtype=float)
    # distance to the threshold, scaled so that 0 is "at the threshold" and 1 is "at 0 or 1"
    frame_u = 1 - np.abs(frame_p - t) / np.where(frame_p >= t, 1 - t, t)
    closest = frame_u.argmax(axis=1)
    scores, reasons = [], []
    for i in rows:
        if stance_u[i] >= frame_u[i, closest[i]]:
            scores.append(float(stance_u[i]))
            reasons.append(
                f"stance: {STANCES[top[i]]} {stance_p[i, top[i]]:.2f} vs {STANCES[second[i]]} "
                f"{stance_p[i, second[i]]:.2f}"
            )
        else:
            j = closest[i]
            scores.append(float(frame_u[i, j]))
            reasons.append(f"frame {FRAMES[j]}: {frame_p[i, j]:.2f}, threshold {t[j]:.2f}")
    return np.array(scores), reasons


def choose(
    embeddings: np.ndarray,
    scores: np.ndarray,
    reasons: list[str],
    n: int,
    pool_factor: int = 4,
    seed: int = 13,
) -> list[Suggestion]:
    """``n`` suggestions (fewer if the input is smaller), most uncertain first."""
    from sklearn.cluster import KMeans

    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    ranked = np.argsort(-scores, kind="stable")
    distinct: list[int] = []
    for i in ranked:  # one per near-duplicate, the most uncertain of them
        if len(distinct) >= pool_factor * n:
            break
        if not distinct or (embeddings[distinct] @ embeddings[i]).max() < DUPLICATE_COSINE:
            distinct.append(int(i))
    if len(distinct) <= n:
        chosen = distinct
    else:
        labels = KMeans(n_clusters=n, n_init=3, random_state=seed).fit_predict(embeddings[distinct])
        chosen = []
        for cluster in range(n):
            members = [i for i, c in zip(distinct, labels) if c == cluster]
            if members:
                chosen.append(max(members, key=lambda i: scores[i]))
    chosen.sort(key=lambda i: -scores[i])
    return [Suggestion(i, round(float(scores[i]), 4), reasons[i]) for i in chosen]


def suggest(model, texts: list[str], n: int = 200, batch_size: int = 64, seed: int = 13) -> list[Suggestion]:
    """The ``n`` sentences of ``texts`` most worth annotating next, for this model."""
    embeddings = model.embed(texts, batch_size=batch_size)
    stance_p, frame_p = model.probabilities(embeddings)
    scores, reasons = uncertainty(stance_p, frame_p, model.config.frame_thresholds)
    return choose(embeddings.float().numpy(), scores, reasons, n, seed=seed)
