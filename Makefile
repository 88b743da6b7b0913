# Every target makes its own virtual environment; only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test test-fast check bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

venv: $(STAMP)

# fieldpad's own bytecode written first, as pip writes it for an installed fieldpad (where
# PYTHONDONTWRITEBYTECODE is set, every start would compile them again: ~9 ms of the start)
demo: $(STAMP)
	@$(BIN)/python -m compileall -q store sync tui
	$(BIN)/python -m tui demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

# The suite without the tests marked slow (the fresh-venv install, the schema fuzzer, ...).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q -m "not slow"

# Lint, the import contracts (layers, the server apart from the local store) and the types of
# store/ and sync/. CI runs it before the tests.
check: $(STAMP)
	$(BIN)/ruff check store sync tui tests
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	@$(BIN)/python -m compileall -q store sync tui tests
	$(BIN)/python -m tests.bench

lint: check

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .import_linter_cache build *.egg-info
