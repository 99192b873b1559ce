"""`python -m bot.sandbox`: the same as `inburgerbot sandbox`."""

from bot.sandbox.cli import sandbox

sandbox.main(prog_name="python -m bot.sandbox")
