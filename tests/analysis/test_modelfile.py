"""The one model-file format: round trips, and refusal of malformed and hostile files."""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from plumbline.analysis.modelfile import (
    ModelFile,
    load_model,
    model_paths,
    packaged_model,
    read_model,
    write_model,
)
from plumbline.errors import ConfigurationError

FORMAT = "plumbline-test-model-1"
META = json.dumps({"format": FORMAT, "classes": ["a", "b"]})


def _npz(**arrays: Any) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # allow_pickle defaults to True: object arrays get pickled
    return buffer.getvalue()


GOOD = _npz(coef=np.ones((2, 3)), intercept=np.zeros(2))


def _read(npz: bytes = GOOD, meta: str = META, **kwargs: Any) -> ModelFile:
    options: dict[str, Any] = {"required": ("coef", "intercept"), "optional": ("mean",)}
    options.update(kwargs)
    return read_model(npz, meta, format=FORMAT, source="test.npz", **options)


def test_write_and_load_round_trip(tmp_path: Path) -> None:
    arrays = {"coef": np.arange(6.0).reshape(2, 3), "intercept": np.zeros(2, dtype=np.float16)}
    npz, doc = write_model(tmp_path / "m", arrays, {"classes": ["a", "b"]}, FORMAT)
    file = load_model(npz, format=FORMAT, required=("coef", "intercept"))
    np.testing.assert_array_equal(file.array("coef"), arrays["coef"])
    assert file.raw("intercept").dtype == np.float16
    assert file.meta["format"] == FORMAT and file.strings("classes") == ("a", "b")
    assert doc == tmp_path / "m.json" and file.source == str(tmp_path / "m.npz")


def test_paths_with_or_without_a_suffix() -> None:
    expected = (Path("d/m.npz"), Path("d/m.json"))
    assert model_paths("d/m") == model_paths("d/m.npz") == model_paths(Path("d/m.json")) == expected


def test_write_refuses_non_numeric_arrays(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not numeric"):
        write_model(tmp_path / "m", {"names": np.array(["a", "b"])}, {}, FORMAT)


def test_optional_arrays_may_be_present_or_absent() -> None:
    assert "mean" not in _read().arrays
    assert (
        "mean" in _read(_npz(coef=np.ones((2, 3)), intercept=np.zeros(2), mean=np.ones(3))).arrays
    )


def test_arrays_are_read_only() -> None:
    file = _read()
    assert not file.raw("coef").flags.writeable
    assert not file.array("coef").flags.writeable


def test_array_checks_its_shape() -> None:
    file = _read()
    assert file.array("coef", (2, None)).shape == (2, 3)
    with pytest.raises(ConfigurationError, match="shape"):
        file.array("coef", (3,))


def test_a_missing_array_is_named() -> None:
    with pytest.raises(ConfigurationError, match="'scale'"):
        _read().raw("scale")


def test_metadata_strings_must_be_a_list_of_strings() -> None:
    file = _read(meta=json.dumps({"format": FORMAT, "classes": "ab"}))
    with pytest.raises(ConfigurationError, match="classes"):
        file.strings("classes")


def test_required_arrays_may_depend_on_the_metadata() -> None:
    def names(meta: Mapping[str, Any]) -> list[str]:
        return list(meta["arrays"])

    meta = json.dumps({"format": FORMAT, "arrays": ["coef", "intercept"]})
    assert set(_read(meta=meta, required=names, optional=()).arrays) == {"coef", "intercept"}


def test_metadata_that_cannot_name_the_arrays_is_refused() -> None:
    def names(meta: Mapping[str, Any]) -> list[str]:
        raise ValueError("metadata 'members' is malformed")

    with pytest.raises(ConfigurationError, match=r"test\.npz: metadata 'members'"):
        _read(required=names)


# --- hostile and malformed files -------------------------------------------------------------


def test_refuses_a_pickle_in_place_of_the_npz() -> None:
    with pytest.raises(ConfigurationError, match="safe numeric npz"):
        _read(pickle.dumps({"coef": [1.0]}))


def test_refuses_object_arrays() -> None:
    evil = _npz(coef=np.array([{"payload": 1}], dtype=object), intercept=np.zeros(2))
    with pytest.raises(ConfigurationError, match="safe numeric npz"):
        _read(evil)


@pytest.mark.parametrize(
    "value", [np.array(["a", "b"]), np.array([True, False]), np.array([1 + 2j]), np.array([b"x"])]
)
def test_refuses_non_numeric_arrays(value: np.ndarray) -> None:
    with pytest.raises(ConfigurationError, match="not numeric"):
        _read(_npz(coef=value, intercept=np.zeros(2)))


def test_refuses_non_finite_arrays() -> None:
    with pytest.raises(ConfigurationError, match="not finite"):
        _read(_npz(coef=np.array([np.nan]), intercept=np.zeros(2)))


def test_refuses_unexpected_arrays() -> None:
    with pytest.raises(ConfigurationError, match="unexpected arrays"):
        _read(_npz(coef=np.ones(2), intercept=np.zeros(2), extra=np.ones(1)))


def test_refuses_missing_arrays() -> None:
    with pytest.raises(ConfigurationError, match=r"missing arrays \['intercept'\]"):
        _read(_npz(coef=np.ones(2)))


def test_refuses_a_truncated_npz() -> None:
    with pytest.raises(ConfigurationError, match="safe numeric npz"):
        _read(GOOD[: len(GOOD) // 2])


def test_refuses_an_empty_npz_file() -> None:
    with pytest.raises(ConfigurationError, match="safe numeric npz"):
        _read(b"")


def test_refuses_a_single_npy_array() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.ones(3))
    with pytest.raises(ConfigurationError, match="not an npz archive"):
        _read(buffer.getvalue())


@pytest.mark.parametrize(
    "meta",
    [
        json.dumps({"format": "plumbline-test-model-2"}),
        json.dumps({"format": 1}),
        json.dumps({"format_version": 1}),
    ],
)
def test_refuses_a_wrong_or_missing_format(meta: str) -> None:
    with pytest.raises(ConfigurationError, match="format"):
        _read(meta=meta)


@pytest.mark.parametrize("meta", ["[]", '"plumbline-test-model-1"', "null", "3"])
def test_refuses_json_that_is_not_an_object(meta: str) -> None:
    with pytest.raises(ConfigurationError, match="must be a JSON object"):
        _read(meta=meta)


@pytest.mark.parametrize("meta", ["{", "", "{'format': 1}", "[" * 100_000])
def test_refuses_invalid_json(meta: str) -> None:
    with pytest.raises(ConfigurationError, match="not valid JSON"):
        _read(meta=meta)


def test_refuses_metadata_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "m.npz").write_bytes(GOOD)
    (tmp_path / "m.json").write_bytes(b"\xff\xfe{}")
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_model(tmp_path / "m", format=FORMAT, required=("coef", "intercept"))


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="missing"):
        load_model(tmp_path / "missing", format=FORMAT, required=())


@pytest.mark.parametrize("name", ["../x", "heads/../lean", "Lean", "", "lean.npz", "/etc/passwd"])
def test_packaged_model_refuses_bad_names(name: str) -> None:
    with pytest.raises(ConfigurationError, match="invalid model name"):
        packaged_model(name, format=FORMAT, required=())


def test_a_missing_packaged_model_names_its_trainer() -> None:
    with pytest.raises(
        ConfigurationError, match=r"'nothing_here' is missing \(run scripts/x\.py\)"
    ):
        packaged_model("nothing_here", format=FORMAT, required=(), trained_by="scripts/x.py")


def test_a_packaged_model_of_another_format_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"plumbline/data/heads/lean\.npz: format"):
        packaged_model("lean", format=FORMAT, required=())
