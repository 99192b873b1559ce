"""A sandbox in the browser: the real bot against the fake Telegram, with a phone, the staff chat
and the caseworkers' back-office side by side, a guided path, and a clock that can be moved
forward.

`inburgerbot sandbox` (or `inburgerbot run` without a token) starts it; see sandbox/server.py.
"""

from sandbox.server import Sandbox, SandboxOptions

__all__ = ["Sandbox", "SandboxOptions"]
