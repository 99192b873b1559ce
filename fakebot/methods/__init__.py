"""Bot API method implementations; importing this package registers all of them."""

from . import bot, chats, messages  # noqa: F401  (imported for their registrations)
from .registry import Handler, lookup, method_names

__all__ = ["Handler", "lookup", "method_names"]
