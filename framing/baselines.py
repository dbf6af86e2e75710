"""Simple baselines, scored by the same evaluation as the model.

Each baseline is fitted on training records and returns, for a list of texts, stance
probabilities ``(n, 4)`` and frame probabilities and decisions ``(n, 3)``, the same
arrays :class:`framing.evaluation.ModelSystem` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from framing.labels import FRAME_DESCRIPTIONS, FRAMES, STANCE_DESCRIPTIONS, STANCES


@dataclass
class SystemOutput:
    stance_probs: np.ndarray  # (n, 4)
    frame_probs: np.ndarray  # (n, 3)
    frame_pred: np.ndarray  # (n, 3) 0/1


def _targets(records: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    stance = np.array([STANCES.index(r["stance"]) for r in records])
    frames = np.array([[int(f in r["frames"]) for f in FRAMES] for r in records], dtype=int).reshape(-1, 3)
    return stance, frames


class MajorityBaseline:
    """Always the most frequent training stance; a frame only if most training sentences have it."""

    name = "majority"

    def fit(self, records: list[dict]) -> MajorityBaseline:
        stance, frames = _targets(records)
        self.stance_p = np.bincount(stance, minlength=len(STANCES)) / len(stance)
        self.frame_p = frames.mean(0)
        return self

    def predict(self, texts: list[str]) -> SystemOutput:
        n = len(texts)
        onehot = np.zeros(len(STANCES))
        onehot[self.stance_p.argmax()] = 1.0
        return SystemOutput(
            np.tile(onehot, (n, 1)),
            np.tile(self.frame_p, (n, 1)),
            np.tile(self.frame_p >= 0.5, (n, 1)).astype(int),
        )


class TfidfBaseline:
    """TF-IDF word 1-2 grams + logistic regression (balanced), one binary model per frame."""

    name = "tfidf-lr"

    def __init__(self, seed: int = 13):
        self.seed = seed

    def fit(self, records: list[dict]) -> TfidfBaseline:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        stance, frames = _targets(records)
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
        x = self.vectorizer.fit_transform([r["text"] for r in records])
        self.stance_model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=self.seed)
        self.stance_model.fit(x, stance)
        self.frame_models = []
        for j in range(len(FRAMES)):
            if frames[:, j].min() == frames[:, j].max():
                self.frame_models.append(float(frames[0, j]))
                continue
            model = LogisticRegression(class_weight="balanced", max_iter=2000, random_state=self.seed)
            self.frame_models.append(model.fit(x, frames[:, j]))
        return self

    def predict(self, texts: list[str]) -> SystemOutput:
        x = self.vectorizer.transform(texts)
        stance = np.zeros((len(texts), len(STANCES)))
        stance[:, self.stance_model.classes_] = self.stance_model.predict_proba(x)
        frame_p = np.column_stack(
            [
                np.full(len(texts), m) if isinstance(m, float) else m.predict_proba(x)[:, 1]
                for m in self.frame_models
            ]
        )
        return SystemOutput(stance, frame_p, (frame_p >= 0.5).astype(int))


class ZeroShotBaseline:
    """Cosine similarity between sentence embeddings and the codebook's label descriptions.

    Stance: softmax over similarities to the four stance descriptions (scaled by 20, the
    usual temperature for normalised sentence embeddings). A frame is predicted when the
    sentence is closer to that frame's description than to the neutral description. Uses
    no training labels at all.
    """

    name = "zero-shot"
    scale = 20.0

    def __init__(self, encoder):
        self.encoder = encoder

    def fit(self, records: list[dict]) -> ZeroShotBaseline:
        self.stance_emb = self.encoder.embed([STANCE_DESCRIPTIONS[s] for s in STANCES]).numpy()
        self.frame_emb = self.encoder.embed([FRAME_DESCRIPTIONS[f] for f in FRAMES]).numpy()
        return self

    def predict(self, texts: list[str]) -> SystemOutput:
        x = self.encoder.embed(texts).numpy()
        sim = x @ self.stance_emb.T * self.scale
        stance = np.exp(sim - sim.max(1, keepdims=True))
        stance /= stance.sum(1, keepdims=True)
        frame_sim = x @ self.frame_emb.T
        neutral = sim[:, STANCES.index("neutral")] / self.scale
        margin = frame_sim - neutral[:, None]
        frame_p = 1 / (1 + np.exp(-self.scale * margin))
        return SystemOutput(stance, frame_p, (margin > 0).astype(int))
