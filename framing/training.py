"""Training recipes: encoder adaptation, linear heads, calibration and frame thresholds.

Every recipe ends the same way: sentence embeddings -> logistic-regression heads
(scikit-learn, copied into the torch heads) -> a stance temperature and per-frame
thresholds fitted on out-of-fold predictions *inside the training documents*
(leave-one-document-out when there are several), so nothing is tuned on held-out data.

Recipes differ in what happens to the encoder first:

``frozen-lr``  the base encoder unchanged.
``setfit``     contrastive fine-tuning of the top encoder layers on sentence pairs
               (cosine similarity regressed to label overlap), as SetFit does.
``finetune``   end-to-end fine-tuning of the top encoder layers with the two heads
               (cross-entropy for stance, binary cross-entropy for frames).
"""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from framing.encoder import SentenceEncoder
from framing.labels import FRAMES, STANCES
from framing.model import FramingClassifier, FramingConfig
from framing.training_args import TrainingConfig


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _columns(dataset) -> tuple[list[str], np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Texts, stance ids, multi-hot frames, doc ids and is-seed flags from a dataset or records.

    A written sentence is one with a ``genre`` (records) or a ``source`` other than seeds.
    """
    if hasattr(dataset, "features"):
        rows = dataset.to_list()
        stance = np.array([r["stance"] for r in rows])
        frames = np.zeros((len(rows), len(FRAMES)), dtype=int)
        for i, r in enumerate(rows):
            frames[i, r["frames"]] = 1
        source = dataset.features["source"] if "source" in dataset.features else None
        names = [source.int2str(r["source"]) if source else "seeds" for r in rows]
        is_seed = np.array([name == "seeds" for name in names], dtype=bool)
    else:
        rows = list(dataset)
        stance = np.array([STANCES.index(r["stance"]) for r in rows])
        frames = np.array([[int(f in r["frames"]) for f in FRAMES] for r in rows], dtype=int).reshape(-1, 3)
        names = [r.get("source") or ("authored" if r.get("genre") else "seeds") for r in rows]
        is_seed = np.array([name == "seeds" for name in names], dtype=bool)
    if "dev" in names:
        raise ValueError(
            "the development set (source 'dev') is for scoring only; train on seeds and authored"
        )
    return [r["text"] for r in rows], stance, frames, [r["doc_id"] for r in rows], is_seed


# ----------------------------------------------------------------------------- heads


def fit_linear_heads(
    x: np.ndarray,
    stance: np.ndarray,
    frames: np.ndarray,
    config: TrainingConfig,
    sample_weight: np.ndarray | None = None,
):
    """Logistic-regression weights for the stance head (4 rows) and frame head (3 rows).

    ``sample_weight``: one weight per sentence (seed sentences count ``config.seed_weight`` times).
    """
    from sklearn.linear_model import LogisticRegression

    weight = "balanced" if config.class_weight else None
    dim = x.shape[1]
    s_w, s_b = np.zeros((len(STANCES), dim)), np.full(len(STANCES), -30.0)
    present = np.unique(stance)
    if len(present) == 1:
        s_b[present[0]] = 0.0
    else:
        lr = LogisticRegression(C=config.head_C, class_weight=weight, max_iter=2000)
        lr.fit(x, stance, sample_weight=sample_weight)
        s_w[lr.classes_], s_b[lr.classes_] = lr.coef_, lr.intercept_
        if len(present) == 2:  # binary LR stores one row: class 1 vs class 0
            s_w[lr.classes_] = np.stack([-lr.coef_[0] / 2, lr.coef_[0] / 2])
            s_b[lr.classes_] = np.array([-lr.intercept_[0] / 2, lr.intercept_[0] / 2])
    f_w, f_b = np.zeros((len(FRAMES), dim)), np.zeros(len(FRAMES))
    for j in range(len(FRAMES)):
        y = frames[:, j]
        if y.min() == y.max():
            f_b[j] = 30.0 if y[0] else -30.0
            continue
        lr = LogisticRegression(C=config.head_C, class_weight=weight, max_iter=2000)
        lr.fit(x, y, sample_weight=sample_weight)
        f_w[j], f_b[j] = lr.coef_[0], lr.intercept_[0]
    return s_w, s_b, f_w, f_b


def _load_heads(model: FramingClassifier, weights) -> None:
    s_w, s_b, f_w, f_b = (torch.tensor(a, dtype=torch.float32) for a in weights)
    with torch.no_grad():
        model.heads.stance.weight.copy_(s_w)
        model.heads.stance.bias.copy_(s_b)
        model.heads.frames.weight.copy_(f_w)
        model.heads.frames.bias.copy_(f_b)


def _logits(weights, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s_w, s_b, f_w, f_b = weights
    return x @ s_w.T + s_b, x @ f_w.T + f_b


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature minimising the negative log-likelihood of out-of-fold stance logits."""
    from scipy.optimize import minimize_scalar

    def nll(log_t: float) -> float:
        z = logits / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -logp[np.arange(len(labels)), labels].mean()

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def tune_thresholds(probs: np.ndarray, truth: np.ndarray) -> list[float]:
    """Per-frame threshold maximising F1 on out-of-fold probabilities (0.5 if no positives)."""
    from sklearn.metrics import f1_score

    grid = np.round(np.arange(0.05, 0.96, 0.025), 3)
    thresholds = []
    for j in range(truth.shape[1]):
        if truth[:, j].sum() == 0:
            thresholds.append(0.5)
            continue
        scores = [f1_score(truth[:, j], probs[:, j] >= t, zero_division=0) for t in grid]
        best = max(scores)
        # among ties take the threshold closest to 0.5: the least extreme choice
        candidates = [t for t, s in zip(grid, scores) if s == best]
        thresholds.append(float(min(candidates, key=lambda t: abs(t - 0.5))))
    return thresholds


def _out_of_fold(x, stance, frames, docs, config, weight=None) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold stance logits and frame probabilities within the training data."""
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    groups = np.array(docs)
    if len(set(docs)) >= 3:  # whole documents out, at most five folds (written pieces are many)
        splits = GroupKFold(n_splits=min(5, len(set(docs)))).split(x, stance, groups)
    else:
        n = max(2, min(5, np.bincount(stance).min()))
        splits = StratifiedKFold(n_splits=n, shuffle=True, random_state=config.seed).split(x, stance)
    s_logits = np.zeros((len(x), len(STANCES)))
    f_probs = np.zeros((len(x), len(FRAMES)))
    for train_idx, test_idx in splits:
        w = None if weight is None else weight[train_idx]
        weights = fit_linear_heads(x[train_idx], stance[train_idx], frames[train_idx], config, w)
        s, f = _logits(weights, x[test_idx])
        s_logits[test_idx], f_probs[test_idx] = s, 1 / (1 + np.exp(-f))
    return s_logits, f_probs


# ----------------------------------------------------------------------------- encoder


def _trainable_top_layers(model: FramingClassifier, count: int) -> list[int]:
    layers = model.encoder.transformer.encoder.layer
    chosen = list(range(len(layers) - count, len(layers))) if count > 0 else []
    for p in model.encoder.transformer.parameters():
        p.requires_grad = False
    for i in chosen:
        for p in layers[i].parameters():
            p.requires_grad = True
    return chosen


def _batches(items: list, size: int, rng: random.Random):
    items = list(items)
    rng.shuffle(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _contrastive_pairs(stance, frames, per_sentence: int, rng: random.Random):
    """(i, j, target) pairs; target = mean of same-stance and frame-set Jaccard overlap."""
    n = len(stance)
    pairs = []
    for i in range(n):
        same = [j for j in range(n) if j != i and stance[j] == stance[i]]
        other = [j for j in range(n) if stance[j] != stance[i]]
        for pool in (same, other):
            for j in rng.sample(pool, min(len(pool), per_sentence // 2)):
                a, b = set(np.flatnonzero(frames[i])), set(np.flatnonzero(frames[j]))
                jaccard = len(a & b) / len(a | b) if a | b else 1.0
                pairs.append((i, j, 0.5 * float(stance[i] == stance[j]) + 0.5 * jaccard))
    return pairs


def _finetune_encoder(model, texts, stance, frames, config: TrainingConfig, progress: bool) -> None:
    rng = random.Random(config.seed)
    encoder = model.encoder
    tuned = _trainable_top_layers(model, config.tuned_layers)
    model.config.tuned_layers = tuned
    params = [p for p in encoder.parameters() if p.requires_grad]
    if config.recipe == "finetune":
        heads = nn.ModuleDict(
            {"stance": nn.Linear(encoder.dim, len(STANCES)), "frames": nn.Linear(encoder.dim, 3)}
        )
        params += list(heads.parameters())
        counts = np.bincount(stance, minlength=len(STANCES)).astype(float)
        class_w = len(stance) / (len(STANCES) * np.maximum(counts, 1)) if config.class_weight else np.ones(4)
        ce = nn.CrossEntropyLoss(weight=torch.tensor(class_w, dtype=torch.float32))
        pos = frames.sum(0)
        pos_w = (len(frames) - pos) / np.maximum(pos, 1) if config.class_weight else np.ones(3)
        bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_w, dtype=torch.float32))
        steps = [
            list(b) for _ in range(config.epochs) for b in _batches(range(len(texts)), config.batch_size, rng)
        ]
    else:
        pairs = _contrastive_pairs(stance, frames, config.pairs_per_sentence, rng)
        steps = [b for _ in range(config.epochs) for b in _batches(pairs, config.batch_size, rng)]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: max(0.0, 1 - s / max(1, len(steps))))
    encoder.train()
    for batch in tqdm(steps, desc=f"{config.recipe} ({len(tuned)} layers)", disable=not progress):
        if config.recipe == "finetune":
            emb = encoder(**encoder.tokenize([texts[i] for i in batch]))
            loss = ce(heads["stance"](emb), torch.tensor(stance[batch])) + bce(
                heads["frames"](emb), torch.tensor(frames[batch], dtype=torch.float32)
            )
        else:
            left = encoder(**encoder.tokenize([texts[i] for i, _, _ in batch]))
            right = encoder(**encoder.tokenize([texts[j] for _, j, _ in batch]))
            target = torch.tensor([t for _, _, t in batch], dtype=torch.float32)
            loss = nn.functional.mse_loss((left * right).sum(-1), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    encoder.eval()
    for p in encoder.parameters():
        p.requires_grad = False


# ----------------------------------------------------------------------------- entry


def train_classifier(
    train_data,
    config: TrainingConfig | None = None,
    encoder=None,
    progress: bool = False,
) -> FramingClassifier:
    """Train a :class:`FramingClassifier` on corpus sentences.

    ``train_data`` is a corpus ``datasets.Dataset`` (e.g. ``load_corpus()["train"]``) or a
    list of codebook records. ``encoder`` reuses an already loaded base encoder (frozen
    recipe only), which saves loading it again in cross-validation.
    """
    config = config or TrainingConfig()
    set_seed(config.seed)
    texts, stance, frames, docs, is_seed = _columns(train_data)
    weight = np.where(is_seed, config.seed_weight, 1.0) if config.seed_weight != 1.0 else None
    if not texts:
        raise ValueError("no training sentences; did you pass an empty split?")
    model_config = FramingConfig(base_model=config.base_model, max_length=config.max_length)
    reuse = encoder if config.recipe == "frozen-lr" else None
    # training embeds with transformers' own model (the fine-tuning recipes need its dropout), so
    # a retrained model reproduces the shipped one exactly
    reuse = reuse or SentenceEncoder(config.base_model, config.max_length, backend="transformers")
    model = FramingClassifier(model_config, encoder=reuse)
    if config.recipe != "frozen-lr":
        _finetune_encoder(model, texts, stance, frames, config, progress)
    x = model.embed(texts, precision="fp32").numpy().astype(np.float64)
    weights = fit_linear_heads(x, stance, frames, config, weight)
    _load_heads(model, weights)
    if config.calibrate or config.tune_thresholds:
        oof_logits, oof_frames = _out_of_fold(x, stance, frames, docs, config, weight)
        if config.calibrate:
            model.config.temperature = fit_temperature(oof_logits, stance)
        if config.tune_thresholds:
            model.config.frame_thresholds = tune_thresholds(oof_frames, frames)
    counts = {name: int((stance == i).sum()) for i, name in enumerate(STANCES)}
    counts |= {name: int(frames[:, j].sum()) for j, name in enumerate(FRAMES)}
    model.config.training = config.to_dict() | {
        "documents": sorted({doc for doc, seed in zip(docs, is_seed) if seed}),
        "written_sentences": int((~is_seed).sum()),
        "sentences": len(texts),
        "label_counts": counts,
        "tuned_layers": len(model.config.tuned_layers),
    }
    return model
