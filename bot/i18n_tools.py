"""`make i18n` and friends: extract, update, compile and report on the catalogues."""

from __future__ import annotations

import argparse
import sys

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LOCALES_DIR


def compile_catalogs(*, quiet: bool = False) -> int:
    """Compile every .po into .mo when newer; returns how many were compiled."""
    compiled = 0
    for po_path in sorted(LOCALES_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        compiled += 1
        if not quiet:
            sys.stderr.write(f"compiled {po_path.relative_to(LOCALES_DIR.parent)}\n")
    return compiled


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.i18n_tools")
    parser.add_argument("steps", nargs="+", choices=["compile"])
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    for step in args.steps:
        if step == "compile":
            compile_catalogs(quiet=args.quiet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
