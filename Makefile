# Set-up and main jobs. Everything is installed into .venv from a fresh clone.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
OUT    ?= out/demo

.PHONY: demo test venv install install-dev lint typecheck format bench docs notebooks-html clean

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

## make notebooks-html: execute the notebooks and export them to HTML without code ($(OUT)/carnets)
notebooks-html: install-dev
	$(VENV)/bin/mutusim notebook-html notebooks/*.ipynb --out $(OUT)/carnets

## make test: lint, format and type checks, then the whole suite (doctests, notebooks, wheel)
test: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) -m pytest -n 2 --dist loadfile

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## make bench: time model build and solve (benchmarks/README.md)
bench: install
	$(PY) benchmarks/run.py

## make docs: regenerate docs/data-format.md and docs/calibration.md from their sources
docs: install
	$(PY) -c "from mutusim.core.schema import markdown; print(markdown(), end='')" > docs/data-format.md
	$(PY) -c "from mutusim.inputs.calibration import calibration_markdown as m; print(m(), end='')" > docs/calibration.md

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache .hypothesis
