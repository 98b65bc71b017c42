# Set-up and main jobs. Everything is installed into .venv from a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
OUT    ?= out/demo

.PHONY: demo test venv install install-dev lint format bench docs clean

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/activate
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/activate
	$(PIP) install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	touch $@ $(VENV)/.installed

venv: $(VENV)/bin/activate
install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: optimise the embedded default territory (Angers Loire Métropole) and write its report
demo: install
	$(VENV)/bin/mutusim demo --out $(OUT)

## make test: the whole suite, notebooks included
test: install-dev
	$(PY) -m pytest -n 2 --dist loadfile

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make bench: time model build and solve (benchmarks/README.md)
bench: install
	$(PY) benchmarks/run.py

docs: install
	$(PY) -m mutusim.schema > docs/data-format.md

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
