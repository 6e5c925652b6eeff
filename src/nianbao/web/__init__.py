"""The browser front end: officials answer the same interview in a web page, served by the bot's own
process (``nianbao web``, ``nianbao run --web``). A channel like Telegram's: pages and the JSON API
put each message into the inbox; the worker routes it; the sender stores what the bot says on the
identity's page (``web_messages``), where the page fetches it. Nothing here is imported by the workflow.
"""
