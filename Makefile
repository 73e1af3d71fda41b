# Signet: `make run` starts the server on the embedded default; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint deps smoke-fresh format bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/signet serve

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy src
	$(BIN)/lint-imports
	$(BIN)/deptry src

# Every imported package declared in pyproject.toml, none unused or only transitive.
deps: $(STAMP)
	$(BIN)/deptry src

# Install the package into a new venv from its own pyproject ranges (no constraints.txt) and
# run create -> sign -> seal -> verify over HTTP.
smoke-fresh:
	scripts/smoke-fresh-venv.sh

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python bench/create.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
