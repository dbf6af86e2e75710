"""BERT and MPNet encoders in plain PyTorch, for inference without importing ``transformers``.

Why by hand: importing ``transformers.modeling_utils`` (which every ``transformers`` model
needs) pulls in ``torch.distributed``, ``torch._dynamo`` and ``scipy`` and takes about twice as
long as importing torch itself, far longer than loading and running a small encoder. For
``framing predict`` on one article that import was the largest single cost. The two
architectures framing ships (all-MiniLM-L6-v2 is a BERT, all-mpnet-base-v2 an MPNet) are a few
dozen lines each; this module implements their forward pass exactly as ``transformers`` 5.x
does in eager mode, with the same parameter names, so the same ``model.safetensors`` and the
same tuned-layer files load into either. tests/test_light_encoder.py checks embeddings against
``transformers`` (fp32 to 1e-5) on corpus sentences.

Inference only: no dropout, no gradient checkpointing, no other architectures. Training, and
any other base encoder, use ``transformers`` (:class:`framing.encoder.SentenceEncoder` picks).
The tokenizer is the ``tokenizers`` (Rust) tokenizer from the folder's ``tokenizer.json``,
which is what ``transformers``' fast tokenizer wraps.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from torch import nn

SUPPORTED = ("bert", "mpnet")


def supported(folder: str | Path) -> bool:
    """Whether ``folder`` holds a BERT or MPNet encoder with safetensors weights and a tokenizer.json."""
    folder = Path(folder)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        config.get("model_type") in SUPPORTED
        and not config.get("is_decoder", False)
        and config.get("hidden_act", "gelu") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )


def _additive_mask(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(batch, 1, 1, keys): 0 where a key is a token, the dtype's minimum where it is padding."""
    keep = attention_mask[:, None, None, :].bool()
    return torch.zeros(keep.shape, dtype=dtype).masked_fill(~keep, torch.finfo(dtype).min)


def _heads(x: torch.Tensor, n_heads: int) -> torch.Tensor:
    b, n, h = x.shape
    return x.view(b, n, n_heads, h // n_heads).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    b, heads, n, d = x.shape
    return x.transpose(1, 2).contiguous().view(b, n, heads * d)


class _Dense(nn.Module):
    """``dense`` (+ ``LayerNorm`` over a residual): the sub-blocks both architectures share."""

    def __init__(self, n_in: int, n_out: int, eps: float | None = None):
        super().__init__()
        self.dense = nn.Linear(n_in, n_out)
        if eps is not None:
            self.LayerNorm = nn.LayerNorm(n_out, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor | None = None) -> torch.Tensor:
        x = self.dense(x)
        return self.LayerNorm(x + residual) if residual is not None else nn.functional.gelu(x)


# --------------------------------------------------------------------------- BERT


class _BertSelf(nn.Module):
    def __init__(self, hidden: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        q, k, v = (_heads(f(x), self.n_heads) for f in (self.query, self.key, self.value))
        scores = torch.matmul(q, k.transpose(2, 3)) * q.size(-1) ** -0.5 + mask
        return _merge(torch.matmul(nn.functional.softmax(scores, dim=-1), v))


class _BertAttention(nn.Module):
    def __init__(self, c: SimpleNamespace):
        super().__init__()
        self.self = _BertSelf(c.hidden_size, c.num_attention_heads)
        self.output = _Dense(c.hidden_size, c.hidden_size, c.layer_norm_eps)


class _BertLayer(nn.Module):
    def __init__(self, c: SimpleNamespace):
        super().__init__()
        self.attention = _BertAttention(c)
        self.intermediate = _Dense(c.hidden_size, c.intermediate_size)
        self.output = _Dense(c.intermediate_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        x = self.attention.output(self.attention.self(x, mask), x)
        return self.output(self.intermediate(x), x)


class _BertEmbeddings(nn.Module):
    def __init__(self, c: SimpleNamespace):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.size(1))[None, :]
        x = self.word_embeddings(input_ids) + self.token_type_embeddings(torch.zeros_like(input_ids))
        return self.LayerNorm(x + self.position_embeddings(positions))


# --------------------------------------------------------------------------- MPNet


class _MPNetSelf(nn.Module):
    def __init__(self, hidden: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.o = nn.Linear(hidden, hidden)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        q, k, v = (_heads(f(x), self.n_heads) for f in (self.q, self.k, self.v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.size(-1))
        scores = scores + bias + mask
        return self.o(_merge(torch.matmul(nn.functional.softmax(scores, dim=-1), v)))


class _MPNetAttention(nn.Module):
    def __init__(self, c: SimpleNamespace):
        super().__init__()
        self.attn = _MPNetSelf(c.hidden_size, c.num_attention_heads)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)


class _MPNetLayer(nn.Module):
    def __init__(self, c: SimpleNamespace):
        super().__init__()
        self.attention = _MPNetAttention(c)
        self.intermediate = _Dense(c.hidden_size, c.intermediate_size)
        self.output = _Dense(c.intermediate_size, c.hidden_size, c.layer_norm_eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        x = self.attention.LayerNorm(self.attention.attn(x, mask, bias) + x)
        return self.output(self.intermediate(x), x)


class _MPNetEmbeddings(nn.Module):
    padding_idx = 1

    def __init__(self, c: SimpleNamespace):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=self.padding_idx)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        # positions count real tokens from padding_idx + 1; padding keeps padding_idx (as fairseq)
        real = input_ids.ne(self.padding_idx).int()
        positions = (torch.cumsum(real, dim=1).type_as(real) * real).long() + self.padding_idx
        return self.LayerNorm(self.word_embeddings(input_ids) + self.position_embeddings(positions))


def _relative_position_bucket(relative: torch.Tensor, num_buckets: int = 32, max_distance: int = 128):
    n = -relative
    num_buckets //= 2
    ret = (n < 0).to(torch.long) * num_buckets
    n = torch.abs(n)
    max_exact = num_buckets // 2
    large = max_exact + (
        torch.log(n.float() / max_exact) / math.log(max_distance / max_exact) * (num_buckets - max_exact)
    ).to(torch.long)
    large = torch.min(large, torch.full_like(large, num_buckets - 1))
    return ret + torch.where(n < max_exact, n, large)


class _Encoder(nn.Module):
    def __init__(self, c: SimpleNamespace, layer: type[nn.Module]):
        super().__init__()
        self.layer = nn.ModuleList(layer(c) for _ in range(c.num_hidden_layers))
        if c.model_type == "mpnet":
            self.num_buckets = c.relative_attention_num_buckets
            self.relative_attention_bias = nn.Embedding(self.num_buckets, c.num_attention_heads)

    def position_bias(self, length: int) -> torch.Tensor | None:
        if not hasattr(self, "relative_attention_bias"):
            return None
        positions = torch.arange(length, dtype=torch.long)
        buckets = _relative_position_bucket(positions[None, :] - positions[:, None], self.num_buckets)
        return self.relative_attention_bias(buckets).permute([2, 0, 1]).unsqueeze(0)  # (1, heads, q, k)


class LightEncoder(nn.Module):
    """A BERT or MPNet encoder whose ``forward`` returns ``.last_hidden_state`` like ``transformers``."""

    def __init__(self, config: dict[str, Any]):
        super().__init__()
        c = SimpleNamespace(**{"type_vocab_size": 2, "layer_norm_eps": 1e-12, **config})
        if c.model_type not in SUPPORTED:
            raise ValueError(f"light encoder: model_type {c.model_type!r} is not {' or '.join(SUPPORTED)}")
        self.config = c
        bert = c.model_type == "bert"
        self.embeddings = (_BertEmbeddings if bert else _MPNetEmbeddings)(c)
        self.encoder = _Encoder(c, _BertLayer if bert else _MPNetLayer)

    @classmethod
    def from_folder(cls, folder: str | Path) -> LightEncoder:
        """The encoder in ``folder`` (config.json + model.safetensors); the pooler is not needed."""
        from safetensors.torch import load_file

        folder = Path(folder)
        # built on the CPU, not on the meta device: initialising meta tensors imports
        # torch._dynamo, which costs a second at start-up
        model = cls(json.loads((folder / "config.json").read_text(encoding="utf-8")))
        weights = load_file(folder / "model.safetensors")
        # the pooler is unused; old checkpoints also carry the position_ids buffer
        unused = ("pooler.", "embeddings.position_ids")
        state = {k: v for k, v in weights.items() if not any(u in k for u in unused)}
        state = {k.removeprefix(f"{model.config.model_type}."): v for k, v in state.items()}
        # assign: the module takes the loaded tensors, no second copy; extra heads (cls., lm_head.) unused
        missing, _ = model.load_state_dict(state, strict=False, assign=True)
        if missing:
            raise ValueError(
                f"{folder}: weights do not match a {model.config.model_type} encoder (missing {missing[:3]})"
            )
        return model.eval()

    def set_attn_implementation(self, name: str) -> None:
        """Attention is always the eager matmul + softmax form here (the ``transformers`` method's name)."""

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, **_: Any) -> SimpleNamespace:
        x = self.embeddings(input_ids)
        mask = _additive_mask(attention_mask, x.dtype)
        bias = self.encoder.position_bias(input_ids.size(1))
        if bias is not None:
            bias = bias.to(x.dtype)
        for layer in self.encoder.layer:
            x = layer(x, mask, bias)
        return SimpleNamespace(last_hidden_state=x)


class LightTokenizer:
    """The folder's ``tokenizer.json`` (the Rust tokenizer ``transformers`` wraps), with the few
    attributes :class:`framing.encoder.SentenceEncoder` reads from a ``transformers`` tokenizer."""

    def __init__(self, folder: str | Path):
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.backend_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.backend_tokenizer.no_padding()
        self.backend_tokenizer.no_truncation()
        try:
            settings = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            settings = {}
        self.model_max_length = int(settings.get("model_max_length") or 512)
        pad = settings.get("pad_token")
        pad = pad.get("content") if isinstance(pad, dict) else pad
        self.pad_token_id = self.backend_tokenizer.token_to_id(pad) if pad else 0

    def num_special_tokens_to_add(self) -> int:
        return len(self.backend_tokenizer.encode("", add_special_tokens=True).ids)

    def __call__(self, texts: list[str], add_special_tokens: bool = True, **_: Any) -> dict[str, list]:
        encodings = self.backend_tokenizer.encode_batch(list(texts), add_special_tokens=add_special_tokens)
        return {"input_ids": [e.ids for e in encodings]}
