"""A bare python-telegram-bot echo bot: the baseline that bench/bot.py --matrix measures nianbao against.

    python bench/echo_bot.py TOKEN BASE_URL [POLL_TIMEOUT]
    (or ECHO_BOT_TOKEN, ECHO_BOT_BASE_URL, ECHO_BOT_POLL_TIMEOUT in the environment)

Every text message (commands included) is answered with one message carrying the same text. Nothing
else: no database, no rate limiter, PTB's own defaults for everything else (HTTPXRequest transport,
updates handled one at a time, ``run_polling`` with no pause between polls), i.e. what a plain PTB bot
does. SIGTERM / SIGINT stop it.
"""

from __future__ import annotations

import os
import sys

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text)


def main(argv: list[str]) -> int:
    token = argv[1] if len(argv) > 1 else os.environ.get("ECHO_BOT_TOKEN")
    base_url = argv[2] if len(argv) > 2 else os.environ.get("ECHO_BOT_BASE_URL", "https://api.telegram.org/bot")
    poll_timeout = int(argv[3] if len(argv) > 3 else os.environ.get("ECHO_BOT_POLL_TIMEOUT", "10"))
    if not token:
        print(__doc__, file=sys.stderr)
        return 2
    app = ApplicationBuilder().token(token).base_url(base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=poll_timeout, allowed_updates=[Update.MESSAGE])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
