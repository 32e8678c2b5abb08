# Both `make run` and `make test` set themselves up: they create .venv and
# install newsmark (with its test and spacy extras) whenever pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench soak clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,spacy]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/newsmark samples/turkey-us-defense-call.txt samples/

test: $(STAMP)
	$(BIN)/ruff check store tui tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check store tui tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/repair.py
	$(BIN)/python bench/run.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/agree.py
	$(BIN)/python bench/adjudicate.py
	$(BIN)/python bench/links.py
	$(BIN)/python bench/safe.py
	$(BIN)/python bench/import.py
	$(BIN)/python bench/bigdoc.py
	$(BIN)/python bench/keys.py
	$(BIN)/python bench/formats.py
	$(BIN)/python bench/io.py

soak: $(STAMP)
	NEWSMARK_SOAK_TRIALS=120 $(BIN)/python -m pytest tests/test_durability.py -q
	NEWSMARK_FUZZ_EXAMPLES=500 $(BIN)/python -m pytest tests/test_import_fuzz.py -q

clean:
	rm -rf $(VENV) newsmark-store .pytest_cache .mypy_cache
