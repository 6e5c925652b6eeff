"""The Telegram connector: Bot API updates → ``Incoming``, ``OutputChannel`` → Bot API calls. Nothing else.

Updates come in through long polling or a webhook, and both only write the inbox: polling asks for
the next offset (which is what confirms a batch to Telegram) only after the batch is committed; the
webhook answers 200 only after the commit. So an update Telegram considers delivered is in the
database, whatever instant the process dies. Exactly one process polls (a lease); any number may
receive webhooks.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from telegram import ForceReply, InputFile, ReplyParameters
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ExtBot

from ..workflow.channel import Attachment, Incoming, RetryLater, Sent, Undeliverable
from ..workflow.config import Config
from .http import AiohttpRequest
from .messages import keyboard, split_text

log = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1 << 20


def build_bot(config: Config) -> ExtBot:
    tg = config.telegram
    # PTB's limiter keeps under Telegram's flood limits (0 = no limit, e.g. against the fake server)
    # and resends after a 429, waiting the retry_after Telegram asked for.
    return ExtBot(
        tg.token.get_secret_value(), base_url=tg.base_url, base_file_url=tg.base_file_url,
        request=AiohttpRequest(connection_pool_size=32), get_updates_request=AiohttpRequest(connection_pool_size=1),
        rate_limiter=AIORateLimiter(overall_max_rate=tg.max_messages_per_second, max_retries=tg.max_retries))


# ---- updates in --------------------------------------------------------------------------------


def chat_key(update: dict) -> str:
    """The chat whose order the update keeps (its private chat or group)."""
    message = update.get("message") or (update.get("callback_query") or {}).get("message") or {}
    chat = (message.get("chat") or {}).get("id")
    if chat is None:
        chat = ((update.get("message") or update.get("callback_query") or {}).get("from") or {}).get("id", 0)
    return f"{CHANNEL}:{chat}"


def inbox_item(update: dict) -> tuple[str, str, str, str]:
    return CHANNEL, str(update["update_id"]), chat_key(update), json.dumps(update, ensure_ascii=False)


def parser(bot_id: int) -> Callable[[str], Incoming | None]:
    def parse(payload: str) -> Incoming | None:
        return incoming(json.loads(payload), bot_id)
    return parse


def incoming(update: dict, bot_id: int) -> Incoming | None:
    """The message an update carries; None for what the bot does not act on (photos, edits, bots)."""
    if (message := update.get("message")) is not None:
        sender, chat = message.get("from"), message.get("chat") or {}
        document = message.get("document")
        text = message.get("text") if document is None else (message.get("caption") or "")
        if not sender or sender.get("is_bot") or text is None or "id" not in chat:
            return None
        reply = message.get("reply_to_message") or {}
        replied = reply.get("message_id") if (reply.get("from") or {}).get("id") == bot_id else None
        attachment = None if document is None else Attachment(
            str(document.get("file_id") or ""), str(document.get("file_name") or ""), document.get("file_size"))
        return Incoming(CHANNEL, str(sender["id"]), _name(sender), str(chat["id"]), chat.get("type") == "private",
                        text=text, message_id=message.get("message_id"), replied_to_bot=replied,
                        attachment=attachment)
    if (query := update.get("callback_query")) is not None:
        sender, message = query.get("from") or {}, query.get("message") or {}
        if "id" not in sender:
            return None
        chat = message.get("chat") or {"id": sender["id"], "type": "private"}
        return Incoming(CHANNEL, str(sender["id"]), _name(sender), str(chat["id"]), chat.get("type") == "private",
                        button=query.get("data") or "", button_query=str(query["id"]),
                        message_id=message.get("message_id"))
    return None


def _name(user: dict) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


Receive = Callable[[Sequence[tuple[str, str, str, str]]], Awaitable[Any]]


async def poll(bot: ExtBot, receive: Receive, stop: asyncio.Event, *, timeout: int = 30,
               backoff_max: float = 30.0) -> None:
    """Long polling: fetch a batch, commit it to the inbox, and only then ask for the next offset."""
    offset: int | None = None
    delay = 0.5
    await bot.delete_webhook(drop_pending_updates=False)
    while not stop.is_set():
        fetch = asyncio.ensure_future(bot.get_updates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES,
                                                      read_timeout=timeout + 10))
        stopped = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:
            fetch.cancel()
            break
        stopped.cancel()
        try:
            updates = fetch.result()
        except InvalidToken:
            raise
        except RetryAfter as err:
            await _sleep(stop, _seconds(err.retry_after))
            continue
        except (NetworkError, TelegramError) as err:
            log.warning("getUpdates failed (%s); retrying in %.1fs", type(err).__name__, delay)
            await _sleep(stop, delay)
            delay = min(delay * 2, backoff_max)
            continue
        delay = 0.5
        if updates:
            await receive([inbox_item(u.to_dict()) for u in updates])  # committed: Telegram may forget them
            offset = updates[-1].update_id + 1


def webhook_app(secret: str, path: str, receive: Receive) -> web.Application:
    """Telegram's POSTs: the secret checked, the update committed to the inbox, then 200."""

    async def take(request: web.Request) -> web.Response:
        if request.headers.get(SECRET_HEADER) != secret:
            return web.Response(status=403)
        try:
            update = json.loads(await request.read())
            int(update["update_id"])
        except (ValueError, TypeError, KeyError):
            return web.Response(status=400, text="bad update")
        await receive([inbox_item(update)])
        return web.Response(status=200)

    app = web.Application(client_max_size=MAX_UPDATE_BYTES)
    app.router.add_post(path, take)
    return app


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


def _seconds(retry_after) -> float:
    return float(retry_after if isinstance(retry_after, (int, float)) else retry_after.total_seconds())


# ---- effects out -------------------------------------------------------------------------------


class TelegramOutput:
    """``OutputChannel`` over PTB's bot (its rate limiter included); Bot API errors → the sender's words."""

    name = CHANNEL

    def __init__(self, bot: ExtBot) -> None:
        self.bot = bot

    async def send_text(self, chat_id: str, text: str, *, buttons: Sequence[tuple[str, str]] = (),
                        force_reply: bool = False, reply_to: int | None = None) -> Sent:
        target = int(chat_id)
        pieces = split_text(text)
        message_id = None
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            markup = None
            if last and force_reply:
                # In a group, selective=True would force a reply only from people the message
                # mentions or replies to: none here, so everyone in the group may answer.
                markup = ForceReply(selective=target > 0)
            elif last and buttons:
                markup = keyboard(buttons)
            message = await self._call(self.bot.send_message(
                target, piece, reply_markup=markup, reply_parameters=_reply(reply_to if i == 0 else None)))
            message_id = message.message_id
        return Sent(message_id)

    async def send_file(self, chat_id: str, data: bytes, filename: str, *, caption: str = "",
                        reply_to: int | None = None) -> Sent:
        message = await self._call(self.bot.send_document(
            int(chat_id), InputFile(data, filename=filename), caption=caption[:1024] or None,
            reply_parameters=_reply(reply_to)))
        return Sent(message.message_id)

    async def answer_button(self, query_id: str, text: str = "", *, alert: bool = False) -> Sent:
        await self._call(self.bot.answer_callback_query(query_id, text or None, show_alert=alert))
        return Sent()

    async def fetch_file(self, file_id: str) -> bytes:
        """A file someone sent (getFile, then the download; the Bot API serves up to 20 MB)."""
        async def download() -> bytes:
            return bytes(await (await self.bot.get_file(file_id)).download_as_bytearray())
        return await self._call(download())

    @staticmethod
    async def _call(request: Awaitable[Any]) -> Any:
        try:
            return await request
        except RetryAfter as err:  # the limiter already waited and retried max_retries times
            raise RetryLater(_seconds(err.retry_after), "flood control") from None
        except Forbidden as err:   # blocked by the user, kicked from the group
            raise Undeliverable(f"forbidden: {err.message}", chat_gone=True) from None
        except BadRequest as err:  # chat not found, query too old …: sending again cannot help
            raise Undeliverable(f"bad request: {err.message}") from None
        except InvalidToken:
            raise
        except NetworkError as err:  # timeouts included: it may or may not have arrived
            raise RetryLater(2.0, f"network: {type(err).__name__}") from None


def _reply(message_id: int | None) -> ReplyParameters | None:
    # A reply to a message deleted since is sent as a plain message rather than refused.
    return None if message_id is None else ReplyParameters(message_id, allow_sending_without_reply=True)
