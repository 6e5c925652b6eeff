"""Telegram handlers for the official's private chat: short, named for what the user does.

State lives in the store (via ``Drafting``), never here. Each handler identifies the user, runs the
synchronous service in a worker thread (database + rendering stay off the event loop) and sends
what it returned.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from telegram import ForceReply, InputFile, Message, Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from ..text import say
from .access import Identity, identify
from .drafting import Out
from .messages import keyboard, parse_callback, split_text
from .services import Services
from .storage import InviteError

log = logging.getLogger(__name__)

ENGINE_COMMANDS = ("back", "skip", "status", "edit", "review", "help", "cancel")


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def who_is(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Identity:
    user = update.effective_user
    assert user is not None
    svc = services(context)
    return await svc.call(_identify, svc, user.id, user.full_name, update.update_id)


def _identify(svc: Services, tg_id: int, name: str, update_id: int) -> Identity:
    row = svc.store.upsert_user(tg_id, name, svc.clock())
    seen = row.last_update_id is not None and update_id <= row.last_update_id
    return identify(svc.store, svc.config, tg_id, name, update_id=update_id, repeated=seen)


async def send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, outs: Sequence[Out]) -> list[Message]:
    """Send everything a service returned, in order; long texts split at line breaks."""
    sent: list[Message] = []
    for i, out in enumerate(outs):
        if out.later is not None:  # the rest goes out when the slow part is done, in order
            context.application.create_task(send_later(context, chat_id, out.later, outs[i + 1:]))
            return sent
        target = out.chat_id or chat_id
        if out.document is not None:
            sent.append(await context.bot.send_document(
                target, InputFile(out.document, filename=out.filename), caption=out.text[:1024] or None,
                reply_to_message_id=out.reply_to))
            continue
        pieces = split_text(out.text)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            markup = None
            if last and out.force_reply:
                # In a group, selective=True would force a reply only from people the message
                # mentions or replies to: none here, so everyone in the group may answer.
                markup = ForceReply(selective=target > 0)
            elif last and out.buttons:
                markup = keyboard(out.buttons)
            sent.append(await context.bot.send_message(
                target, piece, reply_markup=markup, reply_to_message_id=out.reply_to if i == 0 else None))
    return sent


async def send_later(context: ContextTypes.DEFAULT_TYPE, chat_id: int, job: Callable[[], list[Out]],
                     then: Sequence[Out]) -> None:
    """Run a slow job (a .docx) off the loop after its update is done, then send its result."""
    try:
        produced = await asyncio.to_thread(job)  # waits on the rendering process: never on the loop
    except Exception:
        log.exception("background job for chat %s failed", chat_id)
        produced = [Out(say("bot.document_failed"))]
    await send(context, chat_id, [*produced, *then])


async def run_for(update: Update, context: ContextTypes.DEFAULT_TYPE,
                  job: Callable[[Services, Identity], list[Out]], *, needs_role: bool = True) -> None:
    """Identify, refuse strangers with one short explanation, run ``job`` (Services.call) and send
    its result."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    svc = services(context)

    def identify_and_run() -> list[Out]:
        who = _identify(svc, user.id, user.full_name, update.update_id)
        if who.repeated:
            return []  # delivered again after a crash: its answer is already committed and was replied to
        if needs_role and not who.has_role:
            return [Out(say("bot.stranger"))]
        return job(svc, who)

    outs = await svc.call(identify_and_run)
    await send(context, chat.id, outs)


# ---- what the official does ------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start, or /start CODE from an invite link."""
    code = " ".join(context.args or ())
    if code:
        await join(update, context)
        return
    await run_for(update, context, lambda svc, who: svc.drafting.start(who) if who.may_draft
                  else [Out(say("bot.intro_no_drafting"))])


async def join(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/join CODE: redeem a one-time invite from the county admin."""
    code = " ".join(context.args or ())

    def redeem(svc: Services, who: Identity) -> list[Out]:
        if not code:
            return [Out(say("bot.join_usage"))]
        try:
            county, organ = svc.store.redeem_invite(code, who.tg_id, svc.clock())
        except InviteError as err:
            return [Out(say(f"bot.invite_{err.reason}"))]
        return [Out(say("bot.joined", county=county, organ=organ)), *svc.drafting.new(who, "")]

    await run_for(update, context, redeem, needs_role=False)


async def new_draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    arg = " ".join(context.args or ())
    await run_for(update, context, lambda svc, who: svc.drafting.new(who, arg))


async def list_drafts(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_for(update, context, lambda svc, who: svc.drafting.drafts(who))


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_for(update, context, lambda svc, who: svc.drafting.export(who))


async def engine_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/back /skip /status /edit N /review /help /cancel, handed to the interview as they are."""
    assert update.effective_message is not None and update.effective_message.text
    name = update.effective_message.text.split()[0].lstrip("/").split("@")[0].lower()
    arg = " ".join(context.args or ())
    await run_for(update, context, lambda svc, who: svc.drafting.command(who, name, arg))


async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Free text: an answer, or one of the interview's Chinese command words."""
    message = update.effective_message
    assert message is not None and message.text is not None
    text = message.text
    await run_for(update, context, lambda svc, who: svc.drafting.text(who, text))


async def press_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An inline button. Stale or foreign buttons are answered politely and change nothing."""
    query = update.callback_query
    assert query is not None
    parsed = parse_callback(query.data)
    who = await who_is(update, context)
    if who.repeated:
        return
    if parsed is None or not who.has_role:
        await query.answer(say("bot.button_stale"))
        return
    token, button_id = parsed
    svc = services(context)
    if token == "drafts":
        job: Callable[[Services, Identity], list[Out] | None] = (
            lambda s, w: s.drafting.switch(w, int(button_id)) if button_id.isdigit() else None)
    elif token.startswith("r"):
        job = lambda s, w: s.drafting.press(w, token, button_id)  # noqa: E731
    else:
        job = lambda s, w: s.route_button(w, token, button_id)  # noqa: E731
    outs = await svc.call(job, svc, who)
    if outs is None:
        await query.answer(say("bot.button_stale"))
        return
    await query.answer()
    chat = update.effective_chat
    assert chat is not None
    await send(context, chat.id, outs)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log with the update id only (never message text), apologise, and ask the current question again."""
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("update %s failed: %s", update_id, type(context.error).__name__, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_user is None:
        return
    if update.effective_chat.type != ChatType.PRIVATE:
        return
    try:
        who = await who_is(update, context)
        outs: list[Out] = [Out(say("bot.sorry"))]
        if who.may_draft:
            outs += await services(context).call(services(context).drafting.current, who)
        await send(context, update.effective_chat.id, outs)
    except Exception:  # the apology itself failed (network down): logged, nothing else to do
        log.exception("update %s: could not apologise", update_id)


def add_drafting_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", start, filters=private))
    app.add_handler(CommandHandler("join", join, filters=private))
    app.add_handler(CommandHandler("new", new_draft, filters=private))
    app.add_handler(CommandHandler("drafts", list_drafts, filters=private))
    app.add_handler(CommandHandler("export", export, filters=private))
    app.add_handler(CommandHandler(list(ENGINE_COMMANDS), engine_command, filters=private))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, answer_text))
    app.add_handler(CallbackQueryHandler(press_button))
    app.add_error_handler(on_error)
