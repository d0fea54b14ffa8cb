"""Duplicate detection: canonical URLs, exact text hashes and MinHash near-duplicates."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from courlan import normalize_url

NUM_PERM = 64
_WORD = re.compile(r"\w+", re.UNICODE)
_WWW = re.compile(r"^www\d*\.")


def canonical_url(url: str) -> str:
    """One spelling per page: lower-case host, no fragment, tracking parameters dropped
    (courlan's strict normalization), no trailing slash on the path."""
    try:
        normalized = normalize_url(url.strip(), strict=True)
    except ValueError:
        normalized = url.strip()
    parts = urlsplit(normalized)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def hostname(url: str) -> str:
    """The host of a URL without a leading 'www.' or 'www1.' ('' when there is none)."""
    try:
        host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").lower()
    except ValueError:
        return ""
    return _WWW.sub("", host)


def parent_domains(host: str) -> list[str]:
    """The host and its parents with at least two labels: a.b.c.com -> [a.b.c.com, b.c.com,
    c.com]."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(max(1, len(labels) - 1))]


def words(text: str) -> list[str]:
    normalized = unicodedata.normalize("NFKC", text).lower()
    return _WORD.findall(normalized)


def content_hash(title: str, text: str) -> str:
    """Exact-duplicate key: the words of title and text, ignoring case, spacing and
    punctuation."""
    return hashlib.sha256(" ".join(words(title) + words(text)).encode()).hexdigest()


def minhash_bytes(text: str, *, shingle: int = 5) -> bytes:
    """A 64-permutation MinHash of the text's word 5-shingles, as bytes."""
    from datasketch import MinHash  # pulls in scipy: load only when hashing

    tokens = words(text)
    mh = MinHash(num_perm=NUM_PERM, seed=7)
    grams = {" ".join(tokens[i : i + shingle]) for i in range(max(1, len(tokens) - shingle + 1))}
    mh.update_batch([g.encode() for g in grams if g])
    return np.asarray(mh.hashvalues, dtype="<u8").tobytes()


def jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of two MinHash signatures."""
    va = np.frombuffer(a, dtype="<u8")
    vb = np.frombuffer(b, dtype="<u8")
    if va.shape != vb.shape or va.size == 0:
        return 0.0
    return float(np.mean(va == vb))
