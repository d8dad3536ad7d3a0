# Two commands for users: `make run` (the app on the bundled data) and `make test`
# (install the test dependencies and run the whole suite). Both need only Python 3.11+,
# pip and make; they create a virtual environment in .venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test lint benchmark countries i18n clean

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
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python benchmarks/bench_filter.py
	$(BIN)/python benchmarks/bench_cli.py
	$(BIN)/python benchmarks/bench_explorer.py
	$(BIN)/python benchmarks/bench_upload.py
	$(BIN)/python benchmarks/bench_big.py
	$(BIN)/python benchmarks/bench_big_browser.py

# Extract the translatable text (code: babel.cfg; layer specs: babel-layers.cfg) into the .pot
# templates and merge it into every language's .po; then translate what is new in ja/*.po
# (tests/test_i18n.py lists what is missing). The .po files are compiled when first used.
LOCALE := src/mapper/locale
i18n: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Message --no-location --omit-header -o $(LOCALE)/messages.pot .
	$(BIN)/pybabel extract -F babel-layers.cfg --no-location --omit-header -o $(LOCALE)/layers.pot layers
	$(BIN)/pybabel update -D messages -i $(LOCALE)/messages.pot -d $(LOCALE) --ignore-pot-creation-date
	$(BIN)/pybabel update -D layers -i $(LOCALE)/layers.pot -d $(LOCALE) --ignore-pot-creation-date

# Rebuild geodata/countries.geojson from the npm package world-atlas@2.0.2 (needs npm).
countries: | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[build]"
	$(BIN)/python scripts/build_countries.py

clean:
	rm -rf $(VENV) static/vendor .pytest_cache
