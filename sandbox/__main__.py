"""`python -m sandbox`: the same as `inburgerbot sandbox`."""

from sandbox.cli import sandbox

sandbox.main(prog_name="python -m sandbox")
