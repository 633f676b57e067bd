# Baton: one target each for install, run, test, lint and bench.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= $(shell scripts/find_python.sh)
PORT ?= 5000
export PORT

.PHONY: install run test lint format bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
	$(PY) scripts/build_frontend.py

run: install
	$(PY) scripts/run.py

test: install
	scripts/install_chromium.sh
	$(PY) scripts/check_services.py
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check app tests scripts
	$(VENV)/bin/mypy app

format: install
	$(VENV)/bin/ruff format app tests scripts
	$(VENV)/bin/ruff check --fix .

bench: install
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
