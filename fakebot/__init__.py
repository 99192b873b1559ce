"""A fake Telegram Bot API server for end-to-end tests, benchmarks and a browser sandbox."""

from .errors import ApiError
from .events import EventBus, Subscription
from .faults import Fault
from .models import Call, CallbackQueryRecord, ChatState, StoredFile, StoredMessage, Topic
from .params import UploadedFile
from .server import FakeTelegram
from .simulation import CallbackPress, ChatParticipant, SimGroup, SimUser
from .state import EmulatorState

__all__ = [
    "ApiError",
    "Call",
    "CallbackPress",
    "CallbackQueryRecord",
    "ChatParticipant",
    "ChatState",
    "EmulatorState",
    "EventBus",
    "FakeTelegram",
    "Fault",
    "SimGroup",
    "SimUser",
    "StoredFile",
    "StoredMessage",
    "Subscription",
    "Topic",
    "UploadedFile",
]
