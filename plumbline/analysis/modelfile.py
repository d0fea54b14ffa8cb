"""The one file format of Plumbline's models, and its reader and writer.

A model ``<name>`` is two files side by side:

- ``<name>.npz``: numeric arrays only (integer, unsigned or float; finite), written with
  ``allow_pickle=False`` and read with ``allow_pickle=False``, so loading can never run code.
  The reader refuses object arrays, any other dtype, arrays the model does not expect and
  arrays it is missing;
- ``<name>.json``: a JSON object whose ``"format"`` string names the kind of model and its
  layout version (``"plumbline-linear-head-1"``), plus the metadata the model needs (classes,
  analyzer) and what it documents (training data, protocol, figures, license).

:func:`read_model` checks both and gives a :class:`ModelFile`; each model class builds itself
from one (``from_model_file``) and writes itself with :func:`write_model`. :func:`load_model`
reads from a path and :func:`packaged_model` from ``plumbline/data/heads/``. Every problem is
a :class:`~plumbline.errors.ConfigurationError` that names the file.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.errors import ConfigurationError

FloatArray = npt.NDArray[np.float64]
#: The arrays a model file must hold: a fixed collection, or one computed from its metadata
#: (a lean head's arrays depend on its members).
Names = Collection[str] | Callable[[Mapping[str, Any]], Collection[str]]

#: Where packaged models live, inside the ``plumbline`` package.
PACKAGED_DIR = ("data", "heads")
#: A packaged model's name: lower-case letters, digits and underscores (no paths).
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_NUMERIC_KINDS = "fiu"
_BAD_NPZ = (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error)


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A model file as read: its arrays (read-only, as stored), its JSON metadata and where
    it came from (named in every error)."""

    arrays: Mapping[str, npt.NDArray[Any]]
    meta: Mapping[str, Any]
    source: str

    def error(self, message: str) -> ConfigurationError:
        """A :class:`ConfigurationError` about this file."""
        return ConfigurationError(f"{self.source}: {message}")

    def raw(self, name: str) -> npt.NDArray[Any]:
        """Array ``name`` as stored (its own dtype; read-only)."""
        try:
            return self.arrays[name]
        except KeyError:
            raise self.error(f"missing array {name!r}") from None

    def array(self, name: str, shape: tuple[int | None, ...] | None = None) -> FloatArray:
        """Array ``name`` as float64, read-only; with ``shape``, it must have that shape
        (``None`` in ``shape`` matches any length)."""
        value = np.array(self.raw(name), dtype=np.float64)
        if shape is not None and (
            value.ndim != len(shape)
            or any(w is not None and g != w for g, w in zip(value.shape, shape, strict=True))
        ):
            wanted = tuple("n" if s is None else s for s in shape)
            raise self.error(f"array {name!r} has shape {value.shape}, expected {wanted}")
        value.setflags(write=False)  # models are shared (packaged ones are cached)
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        """Metadata ``key``, which must be a list of strings."""
        value = self.meta.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(f"metadata {key!r} must be a list of strings")
        return tuple(value)


def model_paths(path: Path | str) -> tuple[Path, Path]:
    """``(<base>.npz, <base>.json)`` for ``path`` given with or without either suffix."""
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".npz", ".json") else path
    return base.with_name(base.name + ".npz"), base.with_name(base.name + ".json")


def write_model(
    path: Path | str,
    arrays: Mapping[str, npt.ArrayLike],
    meta: Mapping[str, Any],
    format: str,
) -> tuple[Path, Path]:
    """Write ``<path>.npz`` (``arrays``, compressed, no pickles) and ``<path>.json`` (``meta``
    with ``"format": format``); ``path`` with or without a suffix. Returns both paths.

    Raises ValueError for an array that is not numeric (it could not be read back)."""
    npz_path, json_path = model_paths(path)
    values = {name: np.asarray(a) for name, a in arrays.items()}
    for name, value in values.items():
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise ValueError(f"array {name!r} is not numeric ({value.dtype})")
    buffer = io.BytesIO()
    np.savez_compressed(buffer, allow_pickle=False, **values)
    doc = dict(meta)
    doc["format"] = format
    text = json.dumps(doc, indent=2, sort_keys=True) + "\n"
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    npz_path.write_bytes(buffer.getvalue())
    json_path.write_text(text, encoding="utf-8")
    return npz_path, json_path


def read_model(
    npz_bytes: bytes,
    json_text: str,
    *,
    format: str,
    source: str,
    required: Names,
    optional: Names = (),
) -> ModelFile:
    """Check and read a model from the contents of its two files.

    The JSON must be an object with ``"format": format``; the npz must hold every array in
    ``required``, nothing outside ``required`` and ``optional`` (either may be computed from
    the metadata; such a function raises ValueError for metadata it cannot read), and only
    finite numeric arrays."""
    meta = _metadata(json_text, format, source)
    try:
        need = set(required(meta) if callable(required) else required)
        allowed = need | set(optional(meta) if callable(optional) else optional)
    except ValueError as exc:  # the metadata does not say which arrays to expect
        raise ConfigurationError(f"{source}: {exc}") from exc
    arrays: dict[str, npt.NDArray[Any]] = {}
    try:
        loaded = np.load(io.BytesIO(npz_bytes), allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("a single array, not an npz archive")
        with loaded as npz:
            unknown = set(npz.files) - allowed
            if unknown:
                raise ConfigurationError(f"{source}: unexpected arrays {sorted(unknown)}")
            missing = need - set(npz.files)
            if missing:
                raise ConfigurationError(f"{source}: missing arrays {sorted(missing)}")
            for name in npz.files:
                value = npz[name]  # an object (pickled) array raises ValueError
                if value.dtype.kind not in _NUMERIC_KINDS:
                    raise ConfigurationError(
                        f"{source}: array {name!r} is not numeric ({value.dtype})"
                    )
                if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                    raise ConfigurationError(f"{source}: array {name!r} is not finite")
                value.setflags(write=False)
                arrays[name] = value
    except _BAD_NPZ as exc:
        raise ConfigurationError(f"{source}: not a safe numeric npz file: {exc}") from exc
    return ModelFile(MappingProxyType(arrays), MappingProxyType(meta), source)


def load_model(
    path: Path | str, *, format: str, required: Names, optional: Names = ()
) -> ModelFile:
    """:func:`read_model` of the files at ``path`` (with or without a suffix)."""
    npz_path, json_path = model_paths(path)
    try:
        npz_bytes = npz_path.read_bytes()
        json_text = json_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(f"cannot read model {npz_path}: {exc}") from exc
    return read_model(
        npz_bytes,
        json_text,
        format=format,
        source=str(npz_path),
        required=required,
        optional=optional,
    )


def packaged_model(
    name: str,
    *,
    format: str,
    required: Names,
    optional: Names = (),
    trained_by: str = "scripts/train_heads.py",
) -> ModelFile:
    """:func:`read_model` of model ``name`` shipped in ``plumbline/data/heads/``; a missing
    one names the script that trains it (``trained_by``). Not cached: the model classes cache
    what they build from it."""
    if not NAME_RE.match(name):
        raise ConfigurationError(f"invalid model name {name!r}")
    folder = resources.files("plumbline").joinpath(*PACKAGED_DIR)
    try:
        npz_bytes = folder.joinpath(f"{name}.npz").read_bytes()
        json_text = folder.joinpath(f"{name}.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigurationError(
            f"packaged model head {name!r} is missing (run {trained_by})"
        ) from exc
    return read_model(
        npz_bytes,
        json_text,
        format=format,
        source=f"plumbline/data/heads/{name}.npz",
        required=required,
        optional=optional,
    )


def _metadata(json_text: str, format: str, source: str) -> dict[str, Any]:
    try:
        meta = json.loads(json_text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ConfigurationError(f"{source}: metadata is not valid JSON: {exc}") from exc
    if not isinstance(meta, dict):
        raise ConfigurationError(f"{source}: metadata must be a JSON object")
    found = meta.get("format")
    if found != format:
        raise ConfigurationError(f"{source}: format is {found!r}, expected {format!r}")
    return meta
