"""The embedding back ends: torch (sentence-transformers) and onnx (ONNX Runtime over a
cached export) give the same L2-normalized vectors and the same layer means from one pass;
the export is made once and reused."""

from __future__ import annotations

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
