# The two commands a new user runs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format i18n i18n-report migrate soak bench browser clean sandbox

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)
	@$(BIN)/python -m bot.i18n_tools compile --quiet

migrate: install
	$(BIN)/inburgerbot db upgrade

run: migrate
	$(BIN)/inburgerbot run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot casework storage scheduler backoffice

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

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
