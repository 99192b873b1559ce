"""Build hook: the compiled catalogues go into the package, so an installed wheel speaks every
language. Everything else about the package is in pyproject.toml.

For a wheel, every locales/<code>/LC_MESSAGES/messages.po is compiled (as `make i18n` does:
fuzzy and half-translated entries left out) into texts/_locales/<code>/LC_MESSAGES/messages.mo
inside the build. For an editable install (`pip install -e .`), they are compiled next to the
.po files, where a checkout reads them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithCatalogues(build_py):
    """build_py that also compiles the gettext catalogues into the package."""

    def run(self) -> None:
        super().run()
        sys.path.insert(0, str(HERE))
        try:
            from bot.i18n_tools import Project, catalog_paths, compile_catalogs
        finally:
            sys.path.remove(str(HERE))
        project = Project()
        compile_catalogs(project, quiet=True)
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "texts" / "_locales"
        for code, po_path in catalog_paths(project):
            mo = po_path.with_suffix(".mo")
            destination = target / code / "LC_MESSAGES" / mo.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(mo.read_bytes())


setup(cmdclass={"build_py": BuildWithCatalogues})
