"""The embedding back ends: torch (sentence-transformers, the reference) and onnx (ONNX
Runtime over a graph built from the safetensors weights without PyTorch) give the same
L2-normalized vectors and the same layer means from one pass; onnx-int8 stays close; the
graph is built once and reused; models the graph cannot express are refused."""

from __future__ import annotations

import json
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest

from plumbline.analysis import embed
from plumbline.analysis.embed import (
    BACKENDS,
    DIMENSIONS,
    Embedder,
    Encoded,
    export_folder,
    export_onnx,
)
from plumbline.analysis.onnx_graph import build_bert_graph
from plumbline.errors import ConfigurationError
from plumbline.settings import Settings

SENTENCES = [
    "The Senate passed the infrastructure bill on Tuesday by a vote of 69 to 30.",
    "Critics called the president's reckless tariffs a disaster for farmers.",
    "  Leading and trailing spaces are stripped, as sentence-transformers does.  ",
    "",
    "Short.",
    "Économie : la Banque centrale européenne relève ses taux d'intérêt.",
    " ".join(["A very long run-on sentence that goes past the token limit"] * 20),
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh cache folder holding one export, shared by this module's ONNX tests."""
    cache = tmp_path_factory.mktemp("models")
    export_onnx(embed.packaged_model_path(), cache)
    return cache


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(backend="torch")


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache: Path) -> Embedder:
    return Embedder(backend="onnx", cache_dir=onnx_cache)


def test_an_unknown_backend_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="onnx"):
        Embedder(backend="tensorflow")


def test_the_setting_offers_exactly_the_registered_backends() -> None:
    annotation = Settings.model_fields["embedding_backend"].annotation
    assert set(typing.get_args(annotation)) == set(BACKENDS)
    assert Settings().embedding_backend == embed.DEFAULT_BACKEND


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_input_gives_an_empty_array_without_loading_a_model(backend: str) -> None:
    embedder = Embedder(backend=backend, cache_dir="/nonexistent")
    vectors = embedder.encode([])
    assert vectors.shape == (0, DIMENSIONS)
    assert vectors.dtype == np.float32


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_input_gives_empty_layers_without_loading_a_model(backend: str) -> None:
    encoded = Embedder(backend=backend, cache_dir="/nonexistent").encode_layers([])
    assert isinstance(encoded, Encoded)
    assert len(encoded) == 0
    assert encoded.vectors.shape == encoded.layer_means.shape == (0, DIMENSIONS)


def test_the_export_folder_changes_with_the_model_files(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights")
    first = export_folder(model, tmp_path / "cache")
    assert export_folder(model, tmp_path / "cache") == first
    (model / "model.safetensors").write_bytes(b"other weights")
    assert export_folder(model, tmp_path / "cache") != first


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_vectors_are_l2_normalized_float32(
    backend: str, torch_embedder: Embedder, onnx_embedder: Embedder
) -> None:
    embedder = torch_embedder if backend == "torch" else onnx_embedder
    vectors = embedder.encode(SENTENCES)
    assert vectors.shape == (len(SENTENCES), DIMENSIONS)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("max_tokens", [128, 16])
def test_onnx_agrees_with_torch(
    max_tokens: int, torch_embedder: Embedder, onnx_embedder: Embedder
) -> None:
    reference = torch_embedder.encode(SENTENCES, max_tokens=max_tokens)
    vectors = onnx_embedder.encode(SENTENCES, max_tokens=max_tokens)
    cosine = (reference * vectors).sum(axis=1)
    assert cosine.min() > 0.9999
    assert np.abs(reference - vectors).max() < 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_layer_means_come_from_the_same_pass(
    backend: str, torch_embedder: Embedder, onnx_embedder: Embedder
) -> None:
    embedder = torch_embedder if backend == "torch" else onnx_embedder
    encoded = embedder.encode_layers(SENTENCES)
    assert encoded.vectors.dtype == encoded.layer_means.dtype == np.float32
    assert encoded.layer_means.shape == (len(SENTENCES), DIMENSIONS)
    np.testing.assert_array_equal(encoded.vectors, embedder.encode(SENTENCES))
    # a hidden layer's mean, not the normalized output: other norms, other directions
    assert not np.allclose(np.linalg.norm(encoded.layer_means, axis=1), 1.0, atol=1e-3)
    assert encoded.rows(1, 3).layer_means.shape == (2, DIMENSIONS)


@pytest.mark.slow
@pytest.mark.parametrize("max_tokens", [128, 16])
def test_onnx_layer_means_agree_with_torch(
    max_tokens: int, torch_embedder: Embedder, onnx_embedder: Embedder
) -> None:
    reference = torch_embedder.encode_layers(SENTENCES, max_tokens=max_tokens).layer_means
    means = onnx_embedder.encode_layers(SENTENCES, max_tokens=max_tokens).layer_means
    assert np.abs(reference - means).max() < 1e-4 * max(1.0, float(np.abs(reference).max()))


@pytest.mark.slow
def test_padding_in_a_batch_does_not_change_a_vector(onnx_embedder: Embedder) -> None:
    alone = onnx_embedder.encode_layers(["Short."])
    batched = onnx_embedder.encode_layers([SENTENCES[-1], "Short.", SENTENCES[0]])
    np.testing.assert_allclose(alone.vectors[0], batched.vectors[1], atol=1e-5)
    np.testing.assert_allclose(alone.layer_means[0], batched.layer_means[1], atol=1e-4)


@pytest.mark.slow
def test_the_export_is_cached_and_reused(
    onnx_cache: Path, onnx_embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    onnx_embedder.encode(["load the session"])
    (folder,) = [p for p in onnx_cache.iterdir() if p.is_dir()]
    exported = folder / embed.ONNX_FILE
    assert exported.stat().st_size > 10_000_000
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    stamp = exported.stat().st_mtime_ns

    def no_export(*_args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(embed, "_export_fp32", no_export)
    fresh = Embedder(backend="onnx", cache_dir=onnx_cache)
    assert fresh.encode(SENTENCES[:2]).shape == (2, DIMENSIONS)
    assert export_onnx(embed.packaged_model_path(), onnx_cache) == (exported, None)
    assert exported.stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_int8_stays_close_to_torch(onnx_cache: Path, torch_embedder: Embedder) -> None:
    quantized = Embedder(backend="onnx-int8", cache_dir=onnx_cache)
    vectors = quantized.encode(SENTENCES)
    cosine = (torch_embedder.encode(SENTENCES) * vectors).sum(axis=1)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert cosine.min() > 0.95
    assert cosine.mean() > 0.98


@pytest.mark.slow
def test_the_graph_is_built_without_pytorch(tmp_path: Path) -> None:
    """The runtime has no PyTorch: building and running the encoder never imports it."""
    script = (
        "import sys\n"
        "from plumbline.analysis.embed import Embedder\n"
        f"vectors = Embedder(backend='onnx-int8', cache_dir={str(tmp_path)!r}).encode(['x y'])\n"
        "assert vectors.shape == (1, 384)\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert done.stdout.strip() == "[]"
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert {p.name for p in folder.iterdir()} == {embed.ONNX_FILE, embed.ONNX_INT8_FILE}


def _model_folder(tmp_path: Path, config: dict[str, object]) -> Path:
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(config))
    return model


BERT = {
    "model_type": "bert",
    "hidden_act": "gelu",
    "hidden_size": 8,
    "num_attention_heads": 2,
    "num_hidden_layers": 1,
    "layer_norm_eps": 1e-12,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model_type": "roberta"}, "not a BERT encoder"),
        ({"hidden_act": "relu"}, "not a BERT encoder"),
        ({"position_embedding_type": "relative_key"}, "absolute position"),
    ],
)
def test_a_model_the_graph_cannot_express_is_refused(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    model = _model_folder(tmp_path, {**BERT, **change})
    with pytest.raises(ConfigurationError, match=message):
        build_bert_graph(model, hidden_layer=1)


def test_weights_other_than_safetensors_are_refused(tmp_path: Path) -> None:
    model = _model_folder(tmp_path, BERT)
    (model / "pytorch_model.bin").write_bytes(b"a pickle is never loaded")
    with pytest.raises(ConfigurationError, match="only safetensors"):
        build_bert_graph(model, hidden_layer=1)


def test_missing_or_misshapen_weights_are_refused(tmp_path: Path) -> None:
    from safetensors.numpy import save_file

    model = _model_folder(tmp_path, BERT)
    save_file({"embeddings.word_embeddings.weight": np.zeros((4, 8), np.float32)},
              str(model / "model.safetensors"))  # fmt: skip
    with pytest.raises(ConfigurationError, match="lack"):
        build_bert_graph(model, hidden_layer=1)
    with pytest.raises(ConfigurationError, match="hidden layer"):
        build_bert_graph(model, hidden_layer=2)


@pytest.mark.slow
def test_a_missing_runtime_package_is_a_clear_configuration_error(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "sys.modules['sympy'] = None  # as if the package were not installed\n"
        "from plumbline.analysis.embed import Embedder\n"
        "from plumbline.errors import ConfigurationError\n"
        "try:\n"
        f"    Embedder(backend='onnx', cache_dir={str(tmp_path)!r}).encode(['x'])\n"
        "except ConfigurationError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True
    )
    assert "building the encoder's ONNX graph needs a package that is missing" in done.stdout
    assert "sympy" in done.stdout
