# The two commands a new user runs: `make run` and `make test`. Each installs what it needs.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
UV_VERSION := 0.13.9
# The suite runs on every core, at most four (pytest-xdist); JOBS=0 runs it in one process.
JOBS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); [ $$n -gt 4 ] && n=4; echo $$n)
PARALLEL := $(if $(filter 0,$(JOBS)),,-n $(JOBS) --dist worksteal)

.PHONY: test-night install audio-tools audio-report run test lint format i18n i18n-report i18n-sheet i18n-sheet-import migrate soak bench browser clean sandbox lock readme-screenshot

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

install: $(STAMP) audio-tools
	@$(BIN)/python -m bot.i18n_tools compile --quiet

# The computer voice of 🔊 Listen (docs/audio.md): Debian's espeak-ng and opus-tools, installed
# when missing. Without them the bot still runs; Listen then uses the municipality's recordings
# only, and the tests that need the programs are skipped.
audio-tools:
	@if ! command -v espeak-ng >/dev/null 2>&1 || ! command -v opusenc >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "Installing espeak-ng and opus-tools (the computer voice of 🔊 Listen)"; \
			(apt-get update -qq && apt-get install -y -qq espeak-ng opus-tools >/dev/null) || \
				echo "make: apt-get could not install espeak-ng and opus-tools; 🔊 Listen uses recordings only (docs/audio.md)" >&2; \
		else \
			echo "make: espeak-ng and opus-tools are missing, and apt-get cannot run here (it needs root on Debian or Ubuntu)." >&2; \
			echo "      Install them with: sudo apt-get install espeak-ng opus-tools" >&2; \
			echo "      Until then 🔊 Listen uses the municipality's recordings only (docs/audio.md)." >&2; \
		fi; \
	fi

# What the municipality could still record for 🔊 Listen, per language (docs/audio.md).
audio-report: install
	$(BIN)/python -m bot.audio_tools report $(if $(TEXT),--text)

migrate: install
	$(BIN)/inburgerbot db upgrade

run: migrate
	$(BIN)/inburgerbot run

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot texts storage scheduler backoffice fakebot sandbox console casework commonground
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: migrate lint
	$(BIN)/pytest -m "not slow and not browser" $(PARALLEL)

# SOAK_ARGS narrows the run, e.g. SOAK_ARGS="-k postgresql" (.ci/run).
soak: migrate
	$(BIN)/pytest -m slow $(SOAK_ARGS)

browser: migrate
	$(BIN)/pytest -m browser

sandbox: install
	$(BIN)/inburgerbot sandbox

# The README's picture of the sandbox (phone, staff chat and back-office side by side), taken by
# the guided-path browser test (needs Chromium: apt-get install chromium fonts-noto-color-emoji).
readme-screenshot: install
	$(BIN)/pytest -m browser -p no:randomly tests/sandbox/test_browser_guide.py
	cp test-artifacts/sandbox/readme.png docs/sandbox.png

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
# depend on the hour. CI runs it. (-m: the thread-safe libfaketime; Python runs threads.) In one
# process: pytest-xdist's workers under libfaketime took three times the CPU of a plain run.
test-night: migrate
	FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -m -f "$$($(BIN)/python tests/night_offset.py)" \
		$(BIN)/pytest -m "not slow and not browser"
