"""The written corpus parts: never copied from the seeds, loaded as parts, kept out of scoring."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from framing.corpus import GENRES, CorpusError, load_corpus, load_written
from framing.labels import FRAMES, STANCES

REPO = Path(__file__).resolve().parent.parent


def grams(text: str, n: int = 6) -> set[tuple[str, ...]]:
    words = text.lower().split()
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


@pytest.fixture(scope="module")
def written() -> dict[str, list[dict]]:
    return {part: load_written(part, REPO) for part in ("authored", "dev")}


def test_no_written_sentence_shares_six_words_with_a_seed(written):
    seed = set().union(*(grams(p.read_text(encoding="utf-8")) for p in (REPO / "seeds").glob("*.txt")))
    shared = [
        (r["id"], " ".join(min(grams(r["text"]) & seed)))
        for part in written.values()
        for r in part
        if grams(r["text"]) & seed
    ]
    assert not shared, f"{len(shared)} written sentences copy seed text, e.g. {shared[:3]}"


def test_authored_part_is_large_and_covers_every_label(written):
    authored = written["authored"]
    stance = Counter(r["stance"] for r in authored)
    frames = Counter(f for r in authored for f in r["frames"])
    assert len(authored) >= 2000
    assert all(stance[s] >= 200 for s in STANCES), stance
    assert all(frames[f] >= 200 for f in FRAMES), frames
    assert 0.35 <= stance["neutral"] / len(authored) <= 0.55
    assert set(Counter(r["genre"] for r in authored)) == set(GENRES)


def test_dev_set_has_the_mix_of_real_coverage(written):
    dev = written["dev"]
    neutral = sum(r["stance"] == "neutral" for r in dev) / len(dev)
    framed = sum(bool(r["frames"]) for r in dev) / len(dev)
    assert len(dev) >= 400
    assert 0.45 <= neutral <= 0.60 and 0.2 <= framed <= 0.4, (neutral, framed)
    assert all(sum(f in r["frames"] for r in dev) >= 30 for f in FRAMES)


def _tokens(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def test_dev_sentences_are_not_near_copies_of_training_sentences(written):
    """Writers of the dev set never saw the training batches; no sentence may come close."""
    authored = [_tokens(r["text"]) for r in written["authored"]]
    close = []
    for record in written["dev"]:
        tokens = _tokens(record["text"])
        best = max(len(tokens & other) / len(tokens | other) for other in authored)
        if best >= 0.75:
            close.append((record["id"], round(best, 2)))
    assert not close, close


def test_parts_load_with_a_source_column_and_authored_only_trains():
    corpus = load_corpus(REPO, folds=True, parts=("seeds", "authored", "dev"))
    source = corpus["train"].features["source"]
    assert set(corpus["train"]["source"]) == {source.str2int("seeds"), source.str2int("authored")}
    for name, split in corpus.items():
        sources = {source.int2str(s) for s in split["source"]}
        if name.endswith("-test") or name in ("test", "all"):
            assert sources == {"seeds"}, name
        if name.endswith("-train"):
            assert "authored" in sources, name
    assert {source.int2str(s) for s in corpus["dev"]["source"]} == {"dev"}
    assert not set(corpus["dev"]["text"]) & set(corpus["train"]["text"])
    assert set(corpus["authored"]["genre"]) <= set(GENRES)


def test_default_corpus_is_still_the_seeds():
    corpus = load_corpus(REPO)
    assert set(corpus) == {"train", "test"}
    assert set(corpus["train"]["genre"]) == {None}
    assert len(corpus["train"]) + len(corpus["test"]) == 325


@pytest.mark.parametrize("parts", ["seeds", ("seeds", "extra"), ()])
def test_bad_parts_are_refused(parts):
    with pytest.raises(ValueError, match="part"):
        load_corpus(REPO, parts=parts)


GOOD = {"id": "w1-001-s001", "doc_id": "w1-001", "text": "Talks resumed.", "stance": "neutral", "frames": []}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"genre": "blog"}, "unknown genre 'blog'"),
        ({}, "missing field(s) genre"),
        ({"genre": "wire", "stance": "hopeful"}, "unknown stance 'hopeful'"),
        ({"genre": "wire", "id": "w2-001-s001"}, "does not belong to doc_id"),
    ],
)
def test_bad_written_record_is_refused_with_file_and_line(tmp_path, change, problem):
    (tmp_path / "seeds").mkdir()
    folder = tmp_path / "data" / "authored"
    folder.mkdir(parents=True)
    first = GOOD | {"genre": "wire"}
    second = GOOD | {"id": "w1-001-s002"} | change
    path = folder / "batch.jsonl"
    path.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError) as err:
        load_written("authored", tmp_path)
    assert str(err.value).startswith(f"{path}:2: ") and problem in str(err.value)


def test_duplicate_id_across_files_and_missing_part_are_refused(tmp_path):
    (tmp_path / "seeds").mkdir()
    with pytest.raises(CorpusError, match="no \\*.jsonl files"):
        load_written("dev", tmp_path)
    folder = tmp_path / "data" / "dev"
    folder.mkdir(parents=True)
    line = json.dumps(GOOD | {"genre": "wire"}) + "\n"
    (folder / "a.jsonl").write_text(line, encoding="utf-8")
    (folder / "b.jsonl").write_text(line, encoding="utf-8")
    with pytest.raises(CorpusError, match=r"b\.jsonl:1: duplicate id 'w1-001-s001' \(first in a\.jsonl:1\)"):
        load_written("dev", tmp_path)
