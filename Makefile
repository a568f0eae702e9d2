# Pantau Tambang: the two commands of the README are `make demo` and `make test`.
# Every target installs what it needs first, so both work on a fresh Debian/Ubuntu machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: help install system db browser demo test lint serve clean messages

help:
	@echo "make demo   set everything up and run the main job on the synthetic demo data"
	@echo "make test   set everything up and run the whole test suite against PostGIS"
	@echo "make lint   ruff check, ruff format --check and mypy --strict"

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# OS packages the tests and exports read formats with (GDAL's ogrinfo, docker-compose for
# validating the compose file); installed only when missing.
system:
	scripts/setup-system

db: install
	scripts/dev-db

browser: install
	scripts/setup-browser

demo: db browser
	$(BIN)/pantau demo

test: system db browser
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check geo api tests data benchmarks conftest.py
	$(BIN)/ruff format --check geo api tests data benchmarks conftest.py
	$(BIN)/mypy

# Gather the strings people read into geo/locale/messages.pot and merge them into the id and en
# catalogues; translate the new msgstr lines, then `make test` proves none is missing.
messages: install
	$(BIN)/pybabel extract -F babel.cfg --sort-by-file -o geo/locale/messages.pot --project "Pantau Tambang" .
	$(BIN)/pybabel update -i geo/locale/messages.pot -d geo/locale --no-fuzzy-matching --ignore-obsolete

serve: db
	$(BIN)/pantau serve

clean:
	rm -rf $(VENV) node_modules out var test-artifacts
