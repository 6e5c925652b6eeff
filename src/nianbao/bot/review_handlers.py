"""Telegram handlers for the review: /submit, /history, the review buttons, reasons replied in the group.

Handlers here run in group -1, before the drafting handlers: the buttons and replies they take are
answered once and then stop (``ApplicationHandlerStop``); everything else falls through untouched.
In groups a person without any role is ignored (no chatter in a county's group); in private chat
they get the one short explanation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from ..text import say
from .access import Identity
from .admin import REMINDER
from .drafting import Out
from .handlers import send, services, who_is
from .messages import parse_callback
from .review import ALERT, EVENT_TAG
from .services import Services

log = logging.getLogger(__name__)

GROUP = -1  # before the drafting handlers (group 0)
BUTTONS = r"^(s\d{1,12}v\d{1,9}|d\d{1,12}v\d{1,9}|t[0-9a-f]{8})\|"
Job = Callable[[Services, Identity], list[Out]]


async def send_all(context: ContextTypes.DEFAULT_TYPE, chat_id: int, outs: Sequence[Out]) -> int:
    """Send what a service returned; record group messages a reply will refer to.

    A message to another chat (an official, a reviewer group) that cannot be delivered is logged and
    skipped, so the rest still goes out. Returns how many reminders were not delivered.
    """
    svc = services(context)
    undelivered = 0
    for out in outs:
        try:
            sent = await send(context, chat_id, [out])
        except TelegramError as err:
            if out.chat_id in (None, chat_id):
                raise
            log.warning("could not deliver to chat %s: %s", out.chat_id, type(err).__name__)
            undelivered += out.tag == REMINDER
            continue
        if out.tag and out.tag.startswith(EVENT_TAG) and sent:
            last = sent[-1]
            await svc.call(svc.store.set_event_message, int(out.tag.removeprefix(EVENT_TAG)),
                                    last.chat_id, last.message_id)
    return undelivered


async def run(update: Update, context: ContextTypes.DEFAULT_TYPE, job: Job) -> None:
    """Identify, turn strangers away (privately: one explanation; in groups: silence), run, send."""
    who = await who_is(update, context)
    chat = update.effective_chat
    assert chat is not None
    if who.repeated:
        return
    if not who.has_role:
        if chat.type == ChatType.PRIVATE:
            await context.bot.send_message(chat.id, say("bot.stranger"))
        return
    outs = await services(context).call(job, services(context), who)
    undelivered = await send_all(context, chat.id, outs)
    if undelivered:
        await send(context, chat.id, [Out(say("admin.not_delivered", count=undelivered))])


def argument(context: ContextTypes.DEFAULT_TYPE) -> str:
    return " ".join(context.args or ())


# ---- the official ----------------------------------------------------------------------------------


async def submit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/submit: check the active report and offer the 「提交审核」 button."""
    await run(update, context, lambda svc, who: svc.review.offer(who) if who.may_draft
              else [Out(say("review.officials_only"))])


async def history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/history [编号]: the review steps of a report."""
    arg = argument(context)
    await run(update, context, lambda svc, who: svc.review.history(who, arg))


# ---- buttons and replies ---------------------------------------------------------------------------


async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """「提交审核」「通过」「退回修改」「保存」「取消」: checked by the services, refused politely."""
    query = update.callback_query
    assert query is not None
    who = await who_is(update, context)
    if who.repeated:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    parsed = parse_callback(query.data)
    outs = None
    if parsed is not None and chat is not None:
        message_id = query.message.message_id if query.message else None
        outs = await services(context).call(services(context).route_button, who, *parsed, chat.id, message_id)
    if outs is None:
        await query.answer(say("bot.button_stale"))
        raise ApplicationHandlerStop
    alerts = [out.text for out in outs if out.tag == ALERT]
    await query.answer(alerts[0] if alerts else None, show_alert=bool(alerts))
    await send_all(context, chat.id, [out for out in outs if out.tag != ALERT])
    raise ApplicationHandlerStop


def replied_to_bot(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int | None:
    """The id of the bot's message this message replies to, if it does."""
    message = update.effective_message
    replied = message.reply_to_message if message else None
    if replied is None or replied.from_user is None or replied.from_user.id != context.bot.id:
        return None
    return replied.message_id


async def reason_reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A reply in a group to the bot's 「请写明退回原因」: the reason, and the decision to return."""
    replied = replied_to_bot(update, context)
    message = update.effective_message
    chat = update.effective_chat
    if replied is None or message is None or message.text is None or chat is None:
        return
    who = await who_is(update, context)
    if who.repeated:
        return
    outs = await services(context).call(services(context).review.reason, who, chat.id, replied, message.text)
    if outs is not None:
        await send_all(context, chat.id, outs)


def add_review_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    app.add_handler(CallbackQueryHandler(press, pattern=BUTTONS), group=GROUP)
    app.add_handler(CommandHandler("submit", submit, filters=private), group=GROUP)
    app.add_handler(CommandHandler("history", history), group=GROUP)
    app.add_handler(MessageHandler(groups & filters.TEXT & filters.REPLY & ~filters.COMMAND, reason_reply),
                    group=GROUP)
