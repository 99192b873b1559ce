# The two commands a new user runs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
UV_VERSION := 0.13.9

.PHONY: test-night install run test lint format i18n i18n-report i18n-sheet i18n-sheet-import migrate soak bench browser clean sandbox lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Dependencies come from the lock file only, each checked against its hash. The project itself
# goes on top, editable and without build isolation (setuptools and Babel are in the lock); its
# build hook compiles the catalogues.
$(STAMP): pyproject.toml setup.py $(LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Renew the lock: the newest versions that pyproject.toml allows, for every supported Python.
lock:
	test -x .venv-uv/bin/uv || $(PYTHON) -m venv .venv-uv
	.venv-uv/bin/python -m pip install --quiet uv==$(UV_VERSION)
	.venv-uv/bin/uv pip compile pyproject.toml requirements/build.in --extra test --universal \
		--generate-hashes --python-version 3.11 --upgrade --quiet -o $(LOCK)

install: $(STAMP)
	@$(BIN)/python -m bot.i18n_tools compile --quiet

migrate: install
	$(BIN)/inburgerbot db upgrade

run: migrate
	$(BIN)/inburgerbot run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot texts storage scheduler backoffice fakebot sandbox console casework
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: migrate lint
	$(BIN)/pytest -m "not slow and not browser"

soak: migrate
	$(BIN)/pytest -m slow

browser: migrate
	$(BIN)/pytest -m browser

sandbox: install
	$(BIN)/inburgerbot sandbox

bench: install
	$(BIN)/python -m bench

i18n: install
	$(BIN)/python -m bot.i18n_tools extract update compile

i18n-report: install
	$(BIN)/python -m bot.i18n_tools report

# A review sheet for one language (docs/translating.md): make i18n-sheet LANG=so [FILE=out.xlsx]
i18n-sheet: install
	$(BIN)/python -m bot.i18n_tools sheet $(LANG) $(if $(FILE),--out $(FILE))

# Apply a reviewed sheet: make i18n-sheet-import FILE=var/review-so.xlsx
i18n-sheet-import: install
	$(BIN)/python -m bot.i18n_tools sheet-import $(FILE)
	$(BIN)/python -m bot.i18n_tools compile

clean:
	rm -rf $(VENV) .venv-uv .pytest_cache .mypy_cache .ruff_cache

# The suite once more with every process's clock moved to 02:30 in Amsterdam, in the middle of
# the default quiet hours (Debian's faketime; the monotonic clock stays real): no test may
# depend on the hour. CI runs it. (-m: the thread-safe libfaketime; Python runs threads.)
test-night: migrate
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -m -f "$$($(BIN)/python tests/night_offset.py)" \
		$(BIN)/pytest -m "not slow and not browser"
