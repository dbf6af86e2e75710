"""The fast inference path (one tokenizer call, length-sorted dynamic batches, bf16 where the
CPU has it, batches run side by side) gives the labels of the plain fp32 path, in input order."""

import numpy as np
import pytest

from framing.corpus import seed_sentences
from framing.model import load_model


@pytest.fixture(scope="module")
def model():
    return load_model("fast")  # the MiniLM model: the same code path as the default, a fifth of the time


@pytest.fixture(scope="module")
def hf_encoder():
    """The same encoder through transformers' own model: the reference, and the one that trains."""
    from framing.encoder import SentenceEncoder

    return SentenceEncoder(backend="transformers")


@pytest.fixture(scope="module")
def corpus_texts():
    return [s["text"] for s in seed_sentences()]


def reference_fp32(model, encoder, texts):
    """The straightforward loop: HF tokenizer and model, a call per batch of 32 in input order, fp32."""
    import torch

    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            batch = encoder.tokenizer(
                texts[start : start + 32], padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            out.append(encoder(**batch))
    return model.probabilities(torch.cat(out))


@pytest.mark.slow
def test_fast_path_labels_match_fp32_reference_on_the_corpus(model, hf_encoder, corpus_texts):
    ref_stance, ref_frames = reference_fp32(model, hf_encoder, corpus_texts)
    predictions = model.predict(corpus_texts, batch_size=64)  # precision "auto": bf16 where native
    assert [p.text for p in predictions] == corpus_texts
    stance = np.array([model.label2id[p.stance] for p in predictions])
    assert np.mean(stance == ref_stance.argmax(1)) >= 0.99
    frames = np.array([[name in p.frames for name in model.config.frames] for p in predictions])
    ref = ref_frames >= np.array(model.config.frame_thresholds)
    assert (np.mean(frames == ref, axis=0) >= 0.99).all()
    scores = np.array([list(p.stance_scores.values()) for p in predictions])
    assert np.abs(scores - ref_stance).max() < 0.05


def test_fp32_and_bf16_embeddings_are_close_and_in_input_order(model, corpus_texts):
    texts = corpus_texts[:40][::-1]  # lengths deliberately unsorted
    fp32 = model.encoder.embed(texts, batch_size=8, precision="fp32")
    bf16 = model.encoder.embed(texts, batch_size=8, precision="bf16")
    one_by_one = np.stack([model.encoder.embed([t], precision="fp32")[0].numpy() for t in texts[:5]])
    np.testing.assert_allclose(fp32[:5].numpy(), one_by_one, atol=1e-4)
    cosine = (fp32 * bf16).sum(-1)
    assert cosine.min() > 0.99


def test_truncation_is_reported_and_bounded(model):
    long_text = "word " * 600
    embeddings, truncated = model.encoder.embed_with_truncation([long_text, "short"], precision="fp32")
    assert truncated == [True, False]
    assert model.predict([long_text])[0].truncated
    ids, _ = model.encoder.encode_ids([long_text])
    assert len(ids[0]) == model.encoder.max_length


def test_precision_is_checked(model):
    with pytest.raises(ValueError, match="precision must be one of"):
        model.encoder.embed(["x"], precision="int4")


def test_bf16_copy_is_built_once_and_dropped_when_training(hf_encoder):
    encoder = hf_encoder
    encoder.embed(["a first call"], precision="bf16")
    copy = encoder.__dict__["_bf16_copy"]
    encoder.embed(["a second call"], precision="bf16")
    assert encoder.__dict__["_bf16_copy"] is copy
    assert "_bf16_copy" not in dict(encoder.named_modules())  # not part of the saved weights
    encoder.train()
    assert "_bf16_copy" not in encoder.__dict__
    encoder.eval()


@pytest.fixture
def two_threads():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_batches_run_side_by_side_give_the_same_embeddings(model, corpus_texts, precision, two_threads):
    import torch

    texts = corpus_texts[:48][::-1]
    one_at_a_time = model.encoder.embed(texts, batch_size=8, precision=precision, workers=1)
    two = model.encoder.embed(texts, batch_size=8, precision=precision, workers=2)
    three = model.encoder.embed(texts, batch_size=8, precision=precision, workers=3)
    assert torch.equal(two, three)  # each batch on one thread whichever worker runs it
    torch.testing.assert_close(one_at_a_time, two, atol=1e-5, rtol=0)
    assert torch.get_num_threads() == 2


def test_workers_really_run_side_by_side_and_the_thread_count_is_given_back(model, monkeypatch, two_threads):
    import threading

    import torch

    seen = []
    pad = model.encoder._pad

    def watching_pad(rows):
        seen.append((threading.current_thread().name, torch.get_num_threads()))
        return pad(rows)

    monkeypatch.setattr(model.encoder, "_pad", watching_pad)
    model.encoder.embed(["one", "two words", "three words here", "four"], batch_size=1, workers=2)
    assert {name.split("_")[0] for name, _ in seen} == {"framing-embed"}
    assert {threads for _, threads in seen} == {1}
    assert torch.get_num_threads() == 2
    # a thread that starts using torch afterwards gets the full count again
    counts = []
    fresh = threading.Thread(target=lambda: counts.append(torch.get_num_threads()))
    fresh.start()
    fresh.join()
    assert counts == [2]


def test_an_error_in_a_worker_surfaces_and_threads_are_restored(model, monkeypatch, two_threads):
    import torch

    calls = []
    pad = model.encoder._pad

    def failing_second_batch(rows):
        calls.append(rows)
        if len(calls) == 2:
            raise RuntimeError("batch failed")
        return pad(rows)

    monkeypatch.setattr(model.encoder, "_pad", failing_second_batch)
    with pytest.raises(RuntimeError, match="batch failed"):
        model.encoder.embed(["one", "two", "three"], batch_size=1, workers=2)
    assert torch.get_num_threads() == 2


def test_workers_default_to_one_and_are_checked(model):
    assert model.encoder.workers == 1
    with pytest.raises(ValueError, match="workers must be at least 1"):
        model.encoder.embed(["x"], workers=0)


def test_autocast_of_the_caller_reaches_the_workers(model, corpus_texts, two_threads):
    import torch

    texts = corpus_texts[:24]
    with torch.autocast("cpu", dtype=torch.bfloat16):
        two = model.encoder.embed(texts, batch_size=8, precision="fp32", workers=2)
        three = model.encoder.embed(texts, batch_size=8, precision="fp32", workers=3)
    plain = model.encoder.embed(texts, batch_size=8, precision="fp32", workers=2)
    assert not torch.equal(two, plain)  # autocast changed what the workers computed
    assert torch.equal(two, three)


def test_embedding_cache_gives_the_same_embeddings_and_is_forgotten_when_training(hf_encoder, corpus_texts):
    texts = corpus_texts[:20] + corpus_texts[:5]
    plain = hf_encoder.embed(texts, precision="fp32").numpy()
    hf_encoder.cache = {}
    try:
        cached = hf_encoder.embed(texts, precision="fp32").numpy()
        assert len(hf_encoder.cache) == 20, "each distinct text is embedded once"
        np.testing.assert_allclose(cached, plain, atol=1e-5)
        again = hf_encoder.embed(texts[3:6], precision="fp32").numpy()
        np.testing.assert_array_equal(again, cached[3:6])
        hf_encoder.train()
        hf_encoder.eval()
        assert hf_encoder.cache == {}, "weights may change in training: the memo must go"
    finally:
        hf_encoder.cache = None
