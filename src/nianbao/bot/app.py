"""The Telegram application: PTB's ApplicationBuilder, our handlers, and a polling loop that loses nothing.

PTB's own Updater confirms updates to Telegram (by asking for the next offset) as soon as it has
fetched them, before they are processed: a crash then drops whatever was still queued. Our loop asks
for the next batch only after the current one is fully processed — and every accepted answer is
committed before its reply — so a killed bot gets the unprocessed updates again on restart.
Webhook mode uses PTB's webhook server, which verifies Telegram's secret-token header.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from urllib.parse import urlsplit
from collections.abc import Callable
from datetime import datetime

from telegram import BotCommand, Update
from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from ..text import say
from .config import Config
from .admin_handlers import add_admin_handlers
from .handlers import add_drafting_handlers
from .http import AiohttpRequest
from .processor import PerChatUpdateProcessor
from .review_handlers import add_review_handlers
from .services import Services, utc_now
from .storage import Store

log = logging.getLogger(__name__)

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
MENU = ("start", "new", "drafts", "status", "review", "back", "edit", "help", "submit", "history", "export",
        "cancel")


def build_application(config: Config, store: Store, *, clock: Callable[[], datetime] = utc_now,
                      extra_handlers: Callable[[Application], None] | None = None) -> Application:
    tg = config.telegram
    builder = (
        ApplicationBuilder()
        .token(tg.token.get_secret_value())
        .base_url(tg.base_url)
        .base_file_url(tg.base_file_url)
        .concurrent_updates(PerChatUpdateProcessor(256))
        .request(AiohttpRequest(connection_pool_size=32))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
    )
    # PTB's limiter keeps under Telegram's flood limits (0 = no limit, e.g. against the fake server)
    # and resends after a 429, waiting the retry_after Telegram asked for.
    builder = builder.rate_limiter(AIORateLimiter(
        overall_max_rate=tg.max_messages_per_second, max_retries=tg.max_retries))
    app = builder.build()
    app.bot_data["services"] = Services(store, config, clock)
    add_drafting_handlers(app)
    add_review_handlers(app)
    add_admin_handlers(app)
    if extra_handlers is not None:
        extra_handlers(app)
    return app


async def start_app(app: Application) -> None:
    """Initialize and start the Application, then set the Chinese command menu."""
    await app.initialize()
    await app.start()
    await app.bot.set_my_commands([BotCommand(name, say(f"bot.menu_{name}")) for name in MENU])


async def stop_app(app: Application) -> None:
    try:
        if app.running:
            await app.stop()
        await app.shutdown()
    finally:
        app.bot_data["services"].close()  # the rendering processes


async def poll(app: Application, stop: asyncio.Event, *, timeout: int = 30, backoff_max: float = 30.0) -> None:
    """Fetch updates, process each batch completely, then confirm it by asking for the next offset.

    Updates of different chats in a batch run concurrently (per-chat order kept by the processor).
    Network errors are retried with exponential backoff; Telegram's 429 waits retry_after.
    """
    offset: int | None = None
    delay = 0.5
    await app.bot.delete_webhook(drop_pending_updates=False)
    while not stop.is_set():
        fetch = asyncio.ensure_future(app.bot.get_updates(
            offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES,
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
            await _sleep(stop, float(err.retry_after if isinstance(err.retry_after, (int, float))
                                     else err.retry_after.total_seconds()))
            continue
        except (NetworkError, TelegramError) as err:
            log.warning("getUpdates failed (%s); retrying in %.1fs", type(err).__name__, delay)
            await _sleep(stop, delay)
            delay = min(delay * 2, backoff_max)
            continue
        delay = 0.5
        if not updates:
            continue
        await asyncio.gather(*(app.update_processor.process_update(u, app.process_update(u)) for u in updates))
        offset = updates[-1].update_id + 1


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def serve(config: Config, store: Store, stop: asyncio.Event, *, poll_timeout: int = 30) -> None:
    """Run until ``stop`` is set: long polling, or PTB's webhook server when configured."""
    app = build_application(config, store)
    await start_app(app)
    # Everything loaded so far (modules, templates, the catalogue's machine) lives as long as the
    # bot: keep it out of the garbage collector's full scans, whose pauses show up as latency.
    gc.freeze()
    try:
        if config.telegram.mode == "webhook":
            tg = config.telegram
            assert tg.webhook_url is not None and tg.webhook_secret is not None
            # Behind a reverse proxy the public URL's path is the local one too.
            path = urlsplit(tg.webhook_url).path.strip("/")
            await app.updater.start_webhook(
                listen=tg.webhook_listen, port=tg.webhook_port, url_path=path, webhook_url=tg.webhook_url,
                secret_token=tg.webhook_secret.get_secret_value(), allowed_updates=ALLOWED_UPDATES)
            await stop.wait()
            await app.updater.stop()
        else:
            await poll(app, stop, timeout=poll_timeout)
    finally:
        await stop_app(app)
