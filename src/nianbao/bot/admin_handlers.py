"""Telegram handlers for county and super admins: each command is one line into ``Admin``.

Commands are private, except /bind_review_group, which is sent inside the group it binds. The text of
/set_prompt may follow the command after a line break, or come as the reply to the bot's question.
"""

from __future__ import annotations


from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, MessageHandler, filters

from ..text import say
from .admin import Admin
from .drafting import Out
from .access import Identity
from .handlers import services, who_is
from .review_handlers import GROUP, replied_to_bot, run, send_all


def command_words(update: Update) -> tuple[list[str], str]:
    """The words after the command on its first line, and the text on the lines below."""
    message = update.effective_message
    text = message.text if message and message.text else ""
    first, _, body = text.partition("\n")
    return first.split()[1:], body


# The private admin commands: command → Admin method (and the template kind it edits).
_WORDS_ONLY = {
    "grant_admin": Admin.grant_admin,
    "grant_reviewer": Admin.grant_reviewer,
    "invite": Admin.invite,
    "progress": Admin.progress,
    "rollup": Admin.rollup,
    "remind": Admin.remind,
}
_TEMPLATES = {
    "prompt": (Admin.show_template, "prompts"),
    "narrative": (Admin.show_template, "narratives"),
    "reset_prompt": (Admin.reset_template, "prompts"),
    "reset_narrative": (Admin.reset_template, "narratives"),
}


def _words_command(method):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        words, _ = command_words(update)
        await run(update, context, lambda svc, who: method(svc.admin, who, words))
    return handler


def _template_command(method, kind: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        words, _ = command_words(update)
        await run(update, context, lambda svc, who: method(svc.admin, who, kind, words))
    return handler


def _set_command(kind: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        words, body = command_words(update)
        await run(update, context, lambda svc, who: svc.admin.set_template(who, kind, words, body))
    return handler


async def bind_review_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/bind_review_group [县名] inside the group."""
    words, _ = command_words(update)
    chat_id = update.effective_chat.id
    await run(update, context, lambda svc, who: svc.admin.bind_group(who, chat_id, words))


async def bind_outside_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await run(update, context, lambda svc, who: [Out(say("admin.bind_usage"))])


async def template_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin's reply to 「请回复本消息，发送新内容」; anything else falls through to drafting."""
    message = update.effective_message
    if replied_to_bot(update, context) is None or message is None or message.text is None:
        return
    who = await who_is(update, context)
    if who.repeated or not (who.is_super or who.admin_of):
        return
    svc = services(context)
    outs = await svc.call(svc.admin.pending_text, who, message.text)
    if outs is None:
        return
    await send_all(context, update.effective_chat.id, outs)
    raise ApplicationHandlerStop


def _help_for(who: Identity) -> list[Out] | None:
    if who.may_draft:
        return None  # the interview's own help
    if who.is_super or who.admin_of:
        return [Out(say("admin.help", is_super=who.is_super))]
    if who.reviewer_of:
        return [Out(say("admin.reviewer_help"))]
    return None


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help for admins and reviewers who do not draft; officials get the interview's help."""
    who = await who_is(update, context)
    outs = None if who.repeated else _help_for(who)
    if outs is None:
        return
    await send_all(context, update.effective_chat.id, outs)
    raise ApplicationHandlerStop


def add_admin_handlers(app: Application) -> None:
    private = filters.ChatType.PRIVATE
    for name, method in _WORDS_ONLY.items():
        app.add_handler(CommandHandler(name, _words_command(method), filters=private), group=GROUP)
    for name, (method, kind) in _TEMPLATES.items():
        app.add_handler(CommandHandler(name, _template_command(method, kind), filters=private), group=GROUP)
    app.add_handler(CommandHandler("set_prompt", _set_command("prompts"), filters=private), group=GROUP)
    app.add_handler(CommandHandler("set_narrative", _set_command("narratives"), filters=private), group=GROUP)
    app.add_handler(CommandHandler("bind_review_group", bind_review_group, filters=filters.ChatType.GROUPS),
                    group=GROUP)
    app.add_handler(CommandHandler("bind_review_group", bind_outside_group, filters=private), group=GROUP)
    app.add_handler(CommandHandler("help", help_command, filters=private), group=GROUP)
    app.add_handler(MessageHandler(private & filters.TEXT & filters.REPLY & ~filters.COMMAND, template_text),
                    group=GROUP)
