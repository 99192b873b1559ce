"""A sandbox in the browser: the real bot against the fake Telegram, with a phone and the staff
chat side by side on one web page, and a clock that can be moved forward.

`inburgerbot sandbox` (or `inburgerbot run` without a token) starts it; see sandbox/server.py.
"""

from sandbox.server import Sandbox, SandboxOptions

__all__ = ["Sandbox", "SandboxOptions"]
