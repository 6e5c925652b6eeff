"""The Bot API methods the fake serves: typed params in, Telegram's result out, or Telegram's error raised.

Each method checks what Telegram checks and answers with Telegram's wording, so a bot that passes here
does not meet a new 400 in production. HTTP, error injection and recording live in server.py.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time

from .entities import EntityError, formatted_text
from .markup import check_reply_markup, inline_part
from .params import ApiError, Upload, bad_request
from .records import SentItem, StoredFile
from .world import DEFAULT_UPDATE_KINDS, Chat, Webhook, World

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_ANSWER = 200
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are exactly the same "
                "as a current content and reply markup of the message")
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note"}
_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class BotApi:
    def __init__(self, world: World, me: dict):
        self.world = world
        self.me = me  # getMe's answer; its id/is_bot/first_name/username make the bot's User
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope, language_code) → commands
        self._answered: set[str] = set()
        self.handlers = {
            "getMe": self.get_me, "getUpdates": self.get_updates, "sendMessage": self.send_message,
            "sendDocument": self.send_document, "editMessageText": self.edit_message_text,
            "editMessageReplyMarkup": self.edit_message_reply_markup, "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query, "setMyCommands": self.set_my_commands,
            "getMyCommands": self.get_my_commands, "deleteMyCommands": self.delete_my_commands,
            "setWebhook": self.set_webhook, "deleteWebhook": self.delete_webhook,
            "getWebhookInfo": self.get_webhook_info, "getFile": self.get_file, "sendChatAction": self.send_chat_action,
        }
        self.names = {name.lower(): name for name in self.handlers}  # Telegram ignores case

    @property
    def bot_user(self) -> dict:
        return {key: self.me[key] for key in ("id", "is_bot", "first_name", "username")}

    # -- updates ---------------------------------------------------------------------------------

    def get_me(self, p: dict, files: dict) -> dict:
        return dict(self.me)

    async def get_updates(self, p: dict, files: dict) -> list[dict]:
        world = self.world
        self._refuse_polling_under_webhook()
        if "allowed_updates" in p:  # remembered until changed, as in Telegram
            world.allowed_updates = frozenset(p["allowed_updates"] or DEFAULT_UPDATE_KINDS)
        world.confirm(p.get("offset"))
        limit = min(max(p.get("limit") or 100, 1), 100)
        world.poll_generation += 1
        generation = world.poll_generation
        world.notify()  # an older poll still waiting now learns it was superseded
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(p.get("timeout") or 0, 0)
        while True:
            if generation != world.poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            self._refuse_polling_under_webhook()
            batch = world.deliverable(limit)
            remaining = deadline - loop.time()
            if batch or remaining <= 0 or world.closing:
                return copy.deepcopy(batch)
            await world.changed(remaining)

    def _refuse_polling_under_webhook(self) -> None:
        if self.world.webhook.url:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")

    def set_webhook(self, p: dict, files: dict) -> bool:
        url = p.get("url") or ""
        if not url:
            return self.delete_webhook(p, files)
        if not re.match(r"https?://[^/\s]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.get("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if "allowed_updates" in p:
            self.world.allowed_updates = frozenset(p["allowed_updates"] or DEFAULT_UPDATE_KINDS)
        if p.get("drop_pending_updates"):
            self.world.pending.clear()
        self.world.webhook = Webhook(url=url, secret_token=secret, max_connections=max_connections)
        self.world.notify()
        return True

    def delete_webhook(self, p: dict, files: dict) -> bool:
        if p.get("drop_pending_updates"):
            self.world.pending.clear()
        self.world.webhook = Webhook()
        return True

    def get_webhook_info(self, p: dict, files: dict) -> dict:
        hook = self.world.webhook
        info = {"url": hook.url, "has_custom_certificate": False, "pending_update_count": len(self.world.pending)}
        if hook.url:
            info.update(max_connections=hook.max_connections, ip_address="127.0.0.1",
                        allowed_updates=sorted(self.world.allowed_updates))
        if hook.last_error_date:
            info.update(last_error_date=hook.last_error_date, last_error_message=hook.last_error_message)
        return info

    # -- sending ---------------------------------------------------------------------------------

    def send_message(self, p: dict, files: dict) -> dict:
        chat = self._chat(p)
        text, entities = self._text(p, "text", "entities", MAX_TEXT, "message is too long", "message text is empty")
        markup = check_reply_markup(p.get("reply_markup"))
        reply_to = self._reply_to(chat, p)
        message = self.world.new_message(chat, self.bot_user, text=text, entities=entities,
                                         reply_markup=inline_part(markup), reply_to_message=reply_to)
        self._record(SentItem("message", "sendMessage", chat.id, message["message_id"], text=text, source=p["text"],
                              parse_mode=p.get("parse_mode"), entities=entities, reply_markup=markup,
                              reply_to_message_id=reply_to and reply_to["message_id"], message=message))
        return message

    def send_document(self, p: dict, files: dict) -> dict:
        chat = self._chat(p)
        stored = self._document(p, files)
        caption, entities = self._text(p, "caption", "caption_entities", MAX_CAPTION, "message caption is too long")
        markup = check_reply_markup(p.get("reply_markup"))
        reply_to = self._reply_to(chat, p)
        message = self.world.new_message(chat, self.bot_user, document=stored.as_document(), caption=caption or None,
                                         caption_entities=entities, reply_markup=inline_part(markup),
                                         reply_to_message=reply_to)
        self._record(SentItem("document", "sendDocument", chat.id, message["message_id"], source=p.get("caption"),
                              parse_mode=p.get("parse_mode"), entities=entities, reply_markup=markup,
                              reply_to_message_id=reply_to and reply_to["message_id"], document=stored.data,
                              filename=stored.filename, mime_type=stored.mime_type, caption=caption or None,
                              message=message))
        return message

    def _document(self, p: dict, files: dict[str, Upload]) -> StoredFile:
        """The file of a sendDocument: an upload (direct or attach://name) or a file_id sent before."""
        value = p.get("document")
        upload = files.get("document")
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value[len("attach://"):])
        if upload is None:
            if value is None:
                raise bad_request("there is no document in the request")
            if value in self.world.files:
                return self.world.files[value]
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not upload.data:
            raise bad_request("file must be non-empty")
        if len(upload.data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        return self.world.store_file(upload.data, upload.filename, upload.content_type)

    def send_chat_action(self, p: dict, files: dict) -> bool:
        self._chat(p)
        if p.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    # -- changing sent messages ------------------------------------------------------------------

    def edit_message_text(self, p: dict, files: dict) -> dict:
        chat, message = self._own_message(p)
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(p, "text", "entities", MAX_TEXT, "message is too long", "message text is empty")
        markup = check_reply_markup(p.get("reply_markup"))
        new = {"text": text, "entities": entities, "reply_markup": inline_part(markup)}
        self._apply_edit(message, new)
        self._record(SentItem("edit", "editMessageText", chat.id, message["message_id"], text=text, source=p["text"],
                              parse_mode=p.get("parse_mode"), entities=entities, reply_markup=markup, message=message))
        return message

    def edit_message_reply_markup(self, p: dict, files: dict) -> dict:
        chat, message = self._own_message(p)
        markup = check_reply_markup(p.get("reply_markup"))
        self._apply_edit(message, {"reply_markup": inline_part(markup)})
        self._record(SentItem("edit", "editMessageReplyMarkup", chat.id, message["message_id"],
                              text=message.get("text"), entities=message.get("entities", []), reply_markup=markup,
                              message=message))
        return message

    def _apply_edit(self, message: dict, new: dict) -> None:
        """Change a message in place; refuse, as Telegram does, an edit that changes nothing."""
        if all(message.get(key) == (value or None) for key, value in new.items()):
            raise bad_request(NOT_MODIFIED)
        for key, value in new.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(time.time())

    def delete_message(self, p: dict, files: dict) -> bool:
        chat = self._chat(p)
        message_id = self._message_id(p)
        if chat.messages.pop(message_id, None) is None:
            raise bad_request("message to delete not found")
        self._record(SentItem("delete", "deleteMessage", chat.id, message_id))
        return True

    def answer_callback_query(self, p: dict, files: dict) -> bool:
        query_id = str(p.get("callback_query_id") or "")
        query = self.world.callback_queries.get(query_id)
        if query is None or query_id in self._answered:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = p.get("text") or None
        if text and len(text) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        self._answered.add(query_id)
        self.world.answered_callbacks.append({
            "callback_query_id": query_id, "data": query.get("data"), "user_id": query["from"]["id"],
            "text": text, "show_alert": bool(p.get("show_alert")), "url": p.get("url"),
            "cache_time": p.get("cache_time") or 0,
        })
        self.world.notify()
        return True

    # -- commands and files ----------------------------------------------------------------------

    def set_my_commands(self, p: dict, files: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope(p)] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def get_my_commands(self, p: dict, files: dict) -> list[dict]:
        return self.commands.get(self._scope(p), [])

    def delete_my_commands(self, p: dict, files: dict) -> bool:
        self.commands.pop(self._scope(p), None)
        return True

    @staticmethod
    def _scope(p: dict) -> tuple[str, str]:
        return json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True), p.get("language_code") or ""

    def get_file(self, p: dict, files: dict) -> dict:
        stored = self.world.files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.data), "file_path": stored.file_path}

    # -- shared checks ---------------------------------------------------------------------------

    def _chat(self, p: dict) -> Chat:
        if p.get("chat_id") in (None, ""):
            raise bad_request("chat_id is empty")
        chat = self.world.chats.get(p["chat_id"])
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    @staticmethod
    def _message_id(p: dict) -> int:
        if p.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        return p["message_id"]

    def _own_message(self, p: dict) -> tuple[Chat, dict]:
        """The bot's own message an edit names; inline messages are not simulated."""
        if "inline_message_id" in p:
            raise bad_request("message to edit not found")
        chat = self._chat(p)
        message = chat.messages.get(self._message_id(p))
        if message is None:
            raise bad_request("message to edit not found")
        if message["from"]["id"] != self.me["id"]:
            raise bad_request("message can't be edited")
        return chat, message

    @staticmethod
    def _text(p: dict, key: str, entities_key: str, limit: int, too_long: str,
              empty: str | None = None) -> tuple[str, list[dict]]:
        """A text or caption as the recipient will see it, refused as Telegram would."""
        raw = p.get(key)
        if raw in (None, "") and empty is None:
            return "", []
        try:
            text, entities = formatted_text(str(raw or ""), p.get("parse_mode"), p.get(entities_key))
        except EntityError as error:
            raise bad_request(f"can't parse entities: {error}") from None
        except ValueError:
            raise bad_request("unsupported parse_mode") from None
        if not text and empty is not None:
            raise bad_request(empty)
        if len(text) > limit:
            raise bad_request(too_long)
        return text, entities

    def _reply_to(self, chat: Chat, p: dict) -> dict | None:
        parameters = p.get("reply_parameters") or {}
        message_id = p.get("reply_to_message_id") or parameters.get("message_id")
        if message_id is None:
            return None
        replied = chat.messages.get(message_id)
        if replied is None:
            if p.get("allow_sending_without_reply") or parameters.get("allow_sending_without_reply"):
                return None
            raise bad_request("message to be replied not found")
        return {key: value for key, value in copy.deepcopy(replied).items() if key != "reply_to_message"}

    def _record(self, item: SentItem) -> None:
        item.message = copy.deepcopy(item.message)  # later edits must not rewrite history
        self.world.record(item)
