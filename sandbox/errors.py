"""What the sandbox refuses: the page's actions answer these as HTTP 400 and 404."""


class SandboxError(ValueError):
    """A page action that cannot be done (unknown chat, empty text, stale button); HTTP 400."""


class NotFound(LookupError):
    """An unknown chat, user or file; HTTP 404."""


class PortUnavailable(OSError):
    """The page's address cannot be listened on (in use, or not this machine's)."""


class BackofficePortUnavailable(PortUnavailable):
    """The back-office's address beside the page cannot be listened on."""


__all__ = ["BackofficePortUnavailable", "NotFound", "PortUnavailable", "SandboxError"]
