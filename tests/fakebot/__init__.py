"""A fake Telegram Bot API server for end-to-end tests (see server.py for how to use it)."""

from .people import FakeUser
from .records import ApiCall, Delivery, SentItem
from .server import DEFAULT_TOKEN, FakeTelegram
from .world import Chat, Webhook

__all__ = ["DEFAULT_TOKEN", "ApiCall", "Chat", "Delivery", "FakeTelegram", "FakeUser", "SentItem", "Webhook"]
