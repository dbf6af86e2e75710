"""The light encoder (plain-torch BERT and MPNet) computes what transformers computes.

framing loads it by default for prediction, so ``framing predict`` does not import
``transformers``; these tests hold it to the transformers model on corpus sentences, in fp32
and in the bf16 form used on CPUs with native bf16.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from framing.encoder import SentenceEncoder, cpu_has_fast_bf16
from framing.light_encoder import LightEncoder, supported

SENTENCES = [
    "The envoys met in Geneva and agreed to meet again next week.",
    "Critics doubt the U.S. plan will hold, and Kyiv was not invited.",
    "Ünïcödé naïve café — “quotes” \u00a0and a very long tail " + "word " * 300,
    "Ok.",
]


@pytest.fixture(scope="module")
def minilm_pair():
    return SentenceEncoder(backend="transformers"), SentenceEncoder(backend="light")


def test_the_default_backend_for_a_shipped_encoder_is_the_light_one(minilm_pair):
    reference, light = minilm_pair
    assert light.backend == "light" and isinstance(light.transformer, LightEncoder)
    assert SentenceEncoder().backend == "light" and reference.backend == "transformers"
    assert supported(light.source)


def test_light_and_transformers_give_the_same_tokens(minilm_pair):
    reference, light = minilm_pair
    assert light.encode_ids(SENTENCES) == reference.encode_ids(SENTENCES)
    assert light.token_lengths(SENTENCES) == reference.token_lengths(SENTENCES)
    assert light.tokenizer.pad_token_id == reference.tokenizer.pad_token_id
    assert light.max_length == reference.max_length


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_light_and_transformers_give_the_same_embeddings(minilm_pair, precision):
    if precision == "bf16" and not cpu_has_fast_bf16():
        pytest.skip("bf16 inference is used only on CPUs with native bf16")
    reference, light = minilm_pair
    a = reference.embed(SENTENCES, batch_size=2, precision=precision)
    b = light.embed(SENTENCES, batch_size=2, precision=precision)
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()


def test_the_light_backend_refuses_to_train(minilm_pair):
    _, light = minilm_pair
    with pytest.raises(RuntimeError, match="train with backend='transformers'"):
        light.train()
    with pytest.raises(RuntimeError, match="train with backend='transformers'"):
        light.tokenize(["x"])


def test_same_parameter_names_as_transformers(minilm_pair):
    reference, light = minilm_pair
    names = set(reference.transformer.state_dict()) - {"embeddings.position_ids", "embeddings.token_type_ids"}
    assert {n for n in names if not n.startswith("pooler.")} == set(light.transformer.state_dict())


def test_an_unsupported_folder_falls_back_or_refuses(tmp_path):
    (tmp_path / "config.json").write_text('{"model_type": "llama"}')
    assert not supported(tmp_path)
    with pytest.raises(ValueError, match="light backend runs only local BERT and MPNet"):
        SentenceEncoder(str(tmp_path), backend="light")
    with pytest.raises(ValueError, match="backend must be one of"):
        SentenceEncoder(backend="onnx")


def test_predict_does_not_import_transformers_or_scientific_stacks(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("Talks stalled again. Envoys met in Geneva.\n")
    code = (
        "import sys; from framing.cli import main; main(['predict', sys.argv[1], '--model', 'fast', '-q']); "
        "heavy = [m for m in ('transformers', 'datasets', 'sklearn', 'scipy', 'matplotlib', 'pandas') "
        "if m in sys.modules]; print('HEAVY', heavy, file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(article)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "HEAVY []" in done.stderr, done.stderr


@pytest.mark.slow
def test_mpnet_light_matches_transformers():
    reference = SentenceEncoder("all-mpnet-base-v2", backend="transformers")
    light = SentenceEncoder("all-mpnet-base-v2", backend="light")
    for precision in ("fp32", "bf16") if cpu_has_fast_bf16() else ("fp32",):
        a = reference.embed(SENTENCES, batch_size=2, precision=precision)
        b = light.embed(SENTENCES, batch_size=2, precision=precision)
        assert torch.allclose(a, b, atol=1e-5), (precision, (a - b).abs().max())


def test_loading_does_not_import_torch_dynamo():
    code = (
        "import sys; from framing.model import load_model; load_model('fast'); "
        "print('DYNAMO', 'torch._dynamo' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert "DYNAMO False" in done.stdout, done.stderr  # importing it costs about a second
