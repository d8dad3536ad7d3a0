# Two commands for users: `make run` (the app on the bundled data) and `make test`
# (install the test dependencies and run the whole suite). Both need only Python 3.11+,
# pip and make; they create a virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint benchmark countries clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python -c "from mapper.assets import install_static; install_static('static')"
	$(BIN)/streamlit run streamlit_app.py --server.port $(PORT) --browser.gatherUsageStats false

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mapper validate
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

benchmark: $(VENV)/.installed-test
	$(BIN)/python benchmarks/bench_filter.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_explorer.py
	$(BIN)/python benchmarks/bench_upload.py
	$(BIN)/python benchmarks/bench_big.py
	$(BIN)/python benchmarks/bench_big_browser.py

# Rebuild geodata/countries.geojson from the npm package world-atlas@2.0.2 (needs npm).
countries: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[build]"
	$(BIN)/python scripts/build_countries.py

clean:
	rm -rf $(VENV) static/vendor .pytest_cache
