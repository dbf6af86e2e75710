"""The fast inference path (one tokenizer call, length-sorted dynamic batches, bf16 where the
CPU has it, batches run side by side) gives the labels of the plain fp32 path, in input order."""

import numpy as np
import pytest

from framing.corpus import seed_sentences
from framing.model import load_model


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def corpus_texts():
    return [s["text"] for s in seed_sentences()]


def reference_fp32(model, texts):
    """The straightforward loop: HF tokenizer call per batch of 32 in input order, fp32."""
    import torch

    encoder = model.encoder
    out = []
    with torch.inference_mode():
        for start in range(0, len(texts), 32):
            batch = encoder.tokenizer(
                texts[start : start + 32], padding=True, truncation=True, max_length=256, return_tensors="pt"
            )
            out.append(encoder(**batch))
    return model.probabilities(torch.cat(out))


@pytest.mark.slow
def test_fast_path_labels_match_fp32_reference_on_the_corpus(model, corpus_texts):
    ref_stance, ref_frames = reference_fp32(model, corpus_texts)
    predictions = model.predict(corpus_texts, batch_size=64)
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


def test_bf16_copy_is_built_once_and_dropped_when_training(model):
    encoder = model.encoder
    encoder.embed(["a first call"], precision="bf16")
    copy = encoder.__dict__["_bf16_copy"]
    encoder.embed(["a second call"], precision="bf16")
    assert encoder.__dict__["_bf16_copy"] is copy
    assert "_bf16_copy" not in dict(encoder.named_modules())  # not part of the saved weights
    encoder.train()
    assert "_bf16_copy" not in encoder.__dict__
    encoder.eval()


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_batches_run_side_by_side_give_the_same_embeddings(model, corpus_texts, precision):
    import torch

    texts = corpus_texts[:48][::-1]
    threads = torch.get_num_threads()
    one_at_a_time = model.encoder.embed(texts, batch_size=8, precision=precision, workers=1)
    for workers in (2, 3):
        side_by_side = model.encoder.embed(texts, batch_size=8, precision=precision, workers=workers)
        assert torch.equal(one_at_a_time, side_by_side)
    assert torch.get_num_threads() == threads  # the global thread count is given back


def test_an_error_in_a_worker_surfaces_and_threads_are_restored(model, monkeypatch):
    import torch

    threads = torch.get_num_threads()

    def broken_pad(rows):
        raise RuntimeError("batch failed")

    monkeypatch.setattr(model.encoder, "_pad", broken_pad)
    with pytest.raises(RuntimeError, match="batch failed"):
        model.encoder.embed(["one", "two", "three"], batch_size=1, workers=2)
    assert torch.get_num_threads() == threads
