"""The chat page's JSON API: its messages (long poll), what the person says or presses, its files.

GET /api/messages?after=SEQ&wait=1 answers at once when the page has anything after SEQ, else when
something arrives, or after LONG_POLL_S with nothing. One long poll per open page holds a connection
and no database query (hub.py); short polling every second would be 200 queries a second for 200 open
pages. POSTs put an Incoming into the inbox and return 202 — the reply comes by the poll.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote, unquote

from aiohttp import web

from ..workflow.storage.web import WebMessageRow
from ..text import say as say_text
from .channel import UPLOADED
from .guard import api, refusal
from .hub import wait
from .sessions import Session

LONG_POLL_S = 20.0
MAX_TEXT = 30_000          # a pasted report (Telegram cuts at 4,096; the page need not)
MAX_LABEL = 200
_CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{8,32}")
_TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          ".json": "application/json", ".png": "image/png", ".zip": "application/zip", ".csv": "text/csv"}


def as_json(row: WebMessageRow, base: str) -> dict:
    item = {"seq": row.seq, "kind": row.kind, "text": row.text,
            "buttons": [{"data": data, "label": label} for data, label in row.buttons]}
    if row.kind == "file":
        item["file"] = {"url": f"{base}/files/{row.seq}", "name": row.filename}
    return item


@api
async def messages(request: web.Request, front, session: Session) -> web.Response:
    try:
        after = max(0, int(request.query.get("after", "0")))
    except ValueError:
        return refusal(400, "web.bad_request")
    identity = session.identity
    event = front.hub.listen(identity)  # before looking: what is stored meanwhile wakes us
    try:
        rows = await front.call(front.store.web_messages, identity, after)
        deadline = asyncio.get_running_loop().time() + LONG_POLL_S
        while not rows and request.query.get("wait") == "1":
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0 or not await wait(event, left) or front.hub.closed:
                break
            event.clear()
            rows = await front.call(front.store.web_messages, identity, after)
    finally:
        front.hub.forget(identity, event)
    return web.json_response({"messages": [as_json(row, front.base) for row in rows]})


async def _body(request: web.Request) -> dict | None:
    try:
        body = await request.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    client_id = body.get("id")
    if not isinstance(client_id, str) or not _CLIENT_ID.fullmatch(client_id):
        return None
    return body


@api
async def say(request: web.Request, front, session: Session) -> web.Response:
    body = await _body(request)
    text = body.get("text") if body else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return refusal(400, "web.bad_request")
    await front.put(session.identity, text=text.strip(), client_id=body["id"], shown=text.strip())
    return web.json_response({"ok": True}, status=202)


@api
async def press(request: web.Request, front, session: Session) -> web.Response:
    body = await _body(request)
    button, label, under = (body.get("button"), body.get("label"), body.get("under")) if body else (None, None, None)
    if not isinstance(button, str) or not 0 < len(button) <= 64 or not isinstance(label, str) \
            or len(label) > MAX_LABEL or not (under is None or isinstance(under, int)):
        return refusal(400, "web.bad_request")
    await front.put(session.identity, button=button, under=under, client_id=body["id"], shown=label or None)
    return web.json_response({"ok": True}, status=202)


MAX_UPLOAD = 20_000_000  # as the Bot API's: a county's zip of last year's reports fits


@api
async def upload(request: web.Request, front, session: Session) -> web.Response:
    """A file the person sends from the page (last year's report, a county's zip or roster): stored,
    then an Incoming with it as the attachment — the same path as a file sent in Telegram."""
    if not request.content_type.startswith("multipart/"):
        return refusal(400, "web.bad_request")
    reader = await request.multipart()
    part = await reader.next()
    client_id = request.headers.get("X-Client-Id", "")
    if part is None or part.name != "file" or not part.filename or not _CLIENT_ID.fullmatch(client_id):
        return refusal(400, "web.bad_request")
    data = bytearray()
    while chunk := await part.read_chunk(65_536):
        data += chunk
        if len(data) > MAX_UPLOAD:
            return refusal(413, "web.file_too_big")
    if not data:
        return refusal(400, "web.bad_request")
    name = unquote(part.filename)[-200:]  # (browsers send UTF-8 as it is; some clients percent-encode it)
    seq = await front.call(lambda: front.store.add_web_message(session.identity, UPLOADED, "", filename=name,
                                                                document=bytes(data), now=front.now()))
    await front.put(session.identity, client_id=client_id, shown=say_text("web.file_sent", name=name),
                    upload=(seq, name, len(data)))
    return web.json_response({"ok": True}, status=202)


@api
async def resume(request: web.Request, front, session: Session) -> web.Response:
    """The page was (re)loaded: the official's progress and current question, as 「进度」 shows them."""
    body = await _body(request)
    if body is None:
        return refusal(400, "web.bad_request")
    who = await front.call(front.who, session.identity)
    if who is not None and who.may_draft:
        await front.put(session.identity, text="/status", client_id=body["id"])
    return web.json_response({"ok": True, "drafting": bool(who and who.may_draft)}, status=202)


@api
async def signed_in(request: web.Request, front, session: Session) -> web.Response:
    """The login page asks this: a browser that came by a link from another site (a chat app) sent
    no SameSite=Strict cookie with that first request, but sends it with this one."""
    return web.json_response({"signed_in": True})


@api
async def file(request: web.Request, front, session: Session) -> web.Response:
    try:
        seq = int(request.match_info["seq"])
    except ValueError:
        raise web.HTTPNotFound() from None
    found = await front.call(front.store.web_document, seq, session.identity)  # only the owner's
    if found is None:
        raise web.HTTPNotFound()
    filename, data = found
    suffix = filename[filename.rfind("."):].lower() if "." in filename else ""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename.encode("ascii", "ignore").decode()).strip("_.") or "file"
    return web.Response(body=data, content_type=_TYPES.get(suffix, "application/octet-stream"), headers={
        "Content-Disposition": f"attachment; filename=\"{ascii_name}{'' if ascii_name.endswith(suffix) else suffix}\"; "
                               f"filename*=UTF-8''{quote(filename)}"})
