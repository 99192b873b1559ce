"""`python -m console`: the same as `inburgerbot`."""

from console.main import main

main(prog_name="inburgerbot")
