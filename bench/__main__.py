"""`python -m bench` (make bench): every benchmark's figures. `--quick` for a smoke run."""

from __future__ import annotations

import sys

from bench import dispatch


def main(argv: list[str] | None = None) -> int:
    return dispatch.main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
