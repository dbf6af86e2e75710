"""The annotated corpus loads whole and correct, and every kind of bad record is refused."""

import json
import shutil
from pathlib import Path

import pytest

from framing.corpus import CorpusError, load_annotations, load_corpus, make_splits, seed_sentences
from framing.labels import FRAMES, STANCES

REPO = Path(__file__).resolve().parent.parent


def test_every_kept_sentence_of_every_seed_is_labelled_once():
    by_doc = load_annotations(REPO)
    labelled = {r["id"]: r["text"] for records in by_doc.values() for r in records}
    sentences = {s["id"]: s["text"] for s in seed_sentences(REPO)}
    assert labelled == sentences
    assert set(by_doc) == {"000", "001", "002", "003", "004"}


def test_load_corpus_features_and_document_splits():
    corpus = load_corpus(REPO, folds=True)
    assert corpus["train"].features["stance"].names == list(STANCES)
    assert corpus["train"].features["frames"].feature.names == list(FRAMES)
    splits = json.loads((REPO / "data" / "splits.json").read_text())
    train_docs, test_docs = set(corpus["train"]["doc_id"]), set(corpus["test"]["doc_id"])
    assert test_docs == set(splits["test"]) and not train_docs & test_docs
    assert len(corpus["test"]) >= 0.2 * len(corpus["all"])
    for doc in sorted(set(corpus["all"]["doc_id"])):
        assert set(corpus[f"fold-{doc}-test"]["doc_id"]) == {doc}
        assert doc not in set(corpus[f"fold-{doc}-train"]["doc_id"])
    # every stance and frame occurs in the fixed test set
    assert set(corpus["test"]["stance"]) == set(range(len(STANCES)))
    assert {f for row in corpus["test"]["frames"] for f in row} == set(range(len(FRAMES)))


def test_splits_file_matches_the_rule():
    splits = json.loads((REPO / "data" / "splits.json").read_text())
    assert make_splits(load_annotations(REPO)) == splits


# --------------------------------------------------------------------- bad input

SEED_TEXT = "Talks stall\nThe U.S. team left early. Europe was not consulted.\n"
GOOD = [
    {"id": "900-s001", "doc_id": "900", "text": "Talks stall", "stance": "neutral", "frames": ["stalling"]},
    {
        "id": "900-s002",
        "doc_id": "900",
        "text": "The U.S. team left early.",
        "stance": "neutral",
        "frames": [],
    },
    {
        "id": "900-s003",
        "doc_id": "900",
        "text": "Europe was not consulted.",
        "stance": "neutral",
        "frames": ["sidelining"],
    },
]


@pytest.fixture
def tiny_corpus(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "900_abc.txt").write_text(SEED_TEXT, encoding="utf-8")
    (tmp_path / "data" / "annotations").mkdir(parents=True)
    (tmp_path / "data" / "splits.json").write_text(json.dumps({"test": []}))
    return tmp_path


def write_lines(root: Path, lines: list[str]) -> Path:
    path = root / "data" / "annotations" / "900.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def with_line2(**changes) -> list[str]:
    records = [dict(r) for r in GOOD]
    records[1].update(changes)
    return [json.dumps(r) for r in records]


def test_tiny_good_corpus_loads(tiny_corpus):
    write_lines(tiny_corpus, [json.dumps(r) for r in GOOD])
    assert load_annotations(tiny_corpus)["900"] == GOOD


@pytest.mark.parametrize(
    ("lines", "problem"),
    [
        (with_line2(stance="hopeful"), "unknown stance 'hopeful'"),
        (with_line2(frames=["sidelining", "escalation"]), "unknown frame 'escalation'"),
        (with_line2(frames="stalling"), "'frames' must be a list"),
        (with_line2(frames=["stalling", "stalling"]), "repeated frame"),
        (with_line2(text="   "), "empty text"),
        (with_line2(text="A sentence from another article."), "is not in its seed article"),
        (with_line2(id="900-s001"), "duplicate id '900-s001' (first on line 1)"),
        ([json.dumps(GOOD[0]), '{"id": "900-s002", "doc_id": ', json.dumps(GOOD[2])], "invalid JSON"),
        (with_line2(extra="x"), "unexpected field(s) extra"),
    ],
)
def test_bad_record_is_refused_with_file_and_line(tiny_corpus, lines, problem):
    path = write_lines(tiny_corpus, lines)
    with pytest.raises(CorpusError) as err:
        load_corpus(tiny_corpus)
    message = str(err.value)
    assert message.startswith(f"{path}:2: "), message
    assert problem in message


def test_wrong_encoding_is_refused_with_line(tiny_corpus):
    path = tiny_corpus / "data" / "annotations" / "900.jsonl"
    good = (json.dumps(GOOD[0]) + "\n").encode("utf-8")
    path.write_bytes(good + json.dumps(GOOD[1]).encode("utf-8").replace(b"early", b"\xe9arly") + b"\n")
    with pytest.raises(CorpusError, match=r"900\.jsonl:2: not valid UTF-8"):
        load_annotations(tiny_corpus)


def test_one_bad_file_means_nothing_loads(tmp_path):
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    shutil.copytree(REPO / "data", tmp_path / "data")
    bad = tmp_path / "data" / "annotations" / "004.jsonl"
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace('"stance": "alarmed"', '"stance": "worried"')
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=rf"004\.jsonl:{len(lines)}: unknown stance 'worried'"):
        load_corpus(tmp_path)


def test_missing_corpus_root_says_how_to_fix(tmp_path):
    with pytest.raises(CorpusError, match="FRAMING_CORPUS"):
        load_corpus(tmp_path)


def test_an_installed_package_finds_the_corpus_of_the_clone_it_runs_in(tmp_path, monkeypatch):
    import framing.corpus as corpus_module

    monkeypatch.delenv("FRAMING_CORPUS", raising=False)
    monkeypatch.setattr(corpus_module, "REPO_ROOT", tmp_path / "site-packages")
    clone = tmp_path / "clone"
    (clone / "seeds").mkdir(parents=True)
    monkeypatch.chdir(clone)
    assert corpus_module.corpus_root() == clone
    monkeypatch.chdir(tmp_path)
    with pytest.raises(corpus_module.CorpusError, match="run from a checkout, pass --corpus PATH"):
        corpus_module.corpus_root()
