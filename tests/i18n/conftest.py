"""Language tests read the compiled catalogues: compile them first (as `make test` does)."""

from __future__ import annotations

import pytest

from bot.i18n_tools import compile_catalogs
from tests.e2e.conftest import harness, settings_overrides  # noqa: F401  (the /words e2e tests)


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues() -> None:
    compile_catalogs(quiet=True)
