"""FakeTelegram: a Bot API server on 127.0.0.1 for end-to-end tests of the bot, over real HTTP.

    async with FakeTelegram() as server:
        app = server.apply_to(ApplicationBuilder()).build()   # token, base_url, base_file_url
        user = server.user(1001, first_name="张三")
        await user.send("/start")
        [reply] = await user.wait_reply()

Start and stop it inside the test's event loop. Stopping answers pending long polls (empty result) first,
so a bot still polling shuts down at once. With a webhook set, updates wait until the test calls
`await server.push_to_webhook()` (getUpdates answers 409 meanwhile, as Telegram does).
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import time
from collections import defaultdict, deque
from http import HTTPStatus

import aiohttp
from aiohttp import web

from .botapi import MAX_UPLOAD_BYTES, BotApi
from .params import ApiError, read_request
from .people import FakeUser
from .records import ApiCall, Delivery, SentItem
from .world import Chat, World

DEFAULT_TOKEN = "7000000001:AAFakeTokenForNianbaoTests_0123456789"


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class _Fault:
    """An answer forced on the next call of a method: an error envelope, or a dropped connection."""

    error: ApiError | None = None
    drop: bool = False


class FakeTelegram:
    def __init__(self, token: str = DEFAULT_TOKEN, *, username: str = "nianbao_test_bot",
                 first_name: str = "年报助手", privacy_mode: bool = True):
        self.token = token
        self.privacy_mode = privacy_mode  # as BotFather's default: in groups the bot sees commands and replies only
        me = {"id": int(token.partition(":")[0]), "is_bot": True, "first_name": first_name, "username": username,
              "can_join_groups": True, "can_read_all_group_messages": not privacy_mode,
              "supports_inline_queries": False, "can_connect_to_business": False, "has_main_web_app": False}
        self.world = World(me)
        self.api = BotApi(self.world, me)
        self.calls: list[ApiCall] = []
        self.users: dict[int, FakeUser] = {}
        self.deliveries: list[Delivery] = []   # every webhook POST made
        self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
        self._holds: list[tuple[str, int | None, asyncio.Future]] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._push_lock = asyncio.Lock()
        self.url = ""

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        self.world.closing = False
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._serve_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._serve_file)
        # handler_cancellation: a poll whose client hung up ends with it, like a real server's.
        self._runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=2, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        # trust_env=False: webhook POSTs to loopback must never go through a proxy from the environment.
        self._session = aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=5))
        return self

    async def stop(self) -> None:
        if self._runner is None:
            return
        self.world.closing = True
        self.world.notify()  # pending long polls answer [] now
        await asyncio.sleep(0)
        await self._runner.cleanup()
        await self._session.close()
        self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # -- pointing a bot at it --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot_kwargs(self) -> dict:
        """For telegram.Bot(**server.bot_kwargs)."""
        return {"token": self.token, "base_url": self.base_url, "base_file_url": self.base_file_url}

    def apply_to(self, builder):
        """Point a python-telegram-bot ApplicationBuilder here; returns the builder."""
        return builder.token(self.token).base_url(self.base_url).base_file_url(self.base_file_url)

    @property
    def bot_user(self) -> dict:
        return self.api.bot_user

    # -- people and chats ------------------------------------------------------------------------

    def user(self, user_id: int, first_name: str = "张三", username: str | None = None, **profile) -> FakeUser:
        """A person with a private chat with the bot (chat id = user id); the same object for the same id."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(self, user_id, first_name, username, **profile)
        return self.users[user_id]

    def group(self, chat_id: int, title: str, type: str = "group") -> Chat:
        if chat_id >= 0 or type not in ("group", "supergroup"):
            raise ValueError("a group needs a negative chat id and type 'group' or 'supergroup'")
        return self.world.add_chat(Chat(chat_id, type, title=title))

    async def deliver(self, kind: str, payload: dict) -> dict:
        """Queue an update: getUpdates fetches it, or — with a webhook set — push_to_webhook() POSTs it."""
        return self.world.add_update(kind, payload)

    # -- what the bot did ------------------------------------------------------------------------

    def sent(self, chat_id: int) -> list[SentItem]:
        """Everything the bot sent to, edited or deleted in a chat, oldest first."""
        return self.world.outputs_to(chat_id)

    @property
    def answered_callbacks(self) -> list[dict]:
        return self.world.answered_callbacks

    @property
    def pending_updates(self) -> list[dict]:
        return self.world.pending

    @property
    def webhook(self) -> dict | None:
        """The webhook setWebhook set — {"url", "secret_token", "max_connections", "last_error_date",
        "last_error_message"} — or None when there is none."""
        hook = self.world.webhook
        return dataclasses.asdict(hook) if hook.url else None

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method.lower() == method.lower()]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict]:
        """The commands setMyCommands stored for a scope (default scope) and language."""
        return self.api.get_my_commands({"scope": scope, "language_code": language_code}, {})

    async def wait_for(self, predicate, timeout: float = 5.0):
        """Wait until predicate() (sync or async) is truthy and return its value; TimeoutError after timeout s."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if inspect.isawaitable(result):
                result = await result
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = ", ".join(f"{c.method}→{c.status}" for c in self.calls[-8:]) or "none"
                raise TimeoutError(f"condition not met within {timeout} s; last API calls: {recent}")
            await self.world.changed(min(remaining, 0.05))  # also re-check now and then: state may live elsewhere

    # -- forcing errors --------------------------------------------------------------------------

    def flood(self, method: str = "sendMessage", times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of method answer 429 Too Many Requests with retry_after."""
        error = ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})
        self._add_fault(method, _Fault(error=error), times)

    def fail(self, method: str, status: int = 400, description: str | None = None, times: int = 1) -> None:
        """The next `times` calls of method answer this error (default description: the HTTP reason)."""
        if description is None:
            description = "Bad Request: injected failure" if status == 400 else _reason(status)
        self._add_fault(method, _Fault(error=ApiError(status, description)), times)

    def hold(self, method: str, chat_id: int | None = None) -> asyncio.Future:
        """The next call of ``method`` (to ``chat_id``, if given) arrives and is never answered nor
        carried out: the returned future resolves with that ApiCall when it arrives — the moment a
        crash test kills the bot, its request in flight. Held calls end when the client goes away."""
        arrived = asyncio.get_running_loop().create_future()
        self._holds.append((method.lower(), chat_id, arrived))
        return arrived

    def _take_hold(self, call: ApiCall) -> asyncio.Future | None:
        for hold in self._holds:
            method, chat_id, arrived = hold
            if method == call.method.lower() and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id)):
                self._holds.remove(hold)
                return arrived
        return None

    def drop(self, method: str, times: int = 1) -> None:
        """The next `times` calls of method get their connection closed without an answer."""
        self._add_fault(method, _Fault(drop=True), times)

    def _add_fault(self, method: str, fault: _Fault, times: int) -> None:
        self._faults[method.lower()].extend([fault] * times)

    def _take_fault(self, method: str) -> _Fault | None:
        queue = self._faults.get(method.lower())
        return queue.popleft() if queue else None

    # -- webhook ---------------------------------------------------------------------------------

    async def push_to_webhook(self) -> list[Delivery]:
        """POST pending updates to the webhook in order, as Telegram would; stop at the first failure (that
        update stays pending, getWebhookInfo shows the error). Tests call this after users act: updates are
        not pushed on their own, so each test decides when the bot sees them."""
        made: list[Delivery] = []
        async with self._push_lock:
            while self.world.webhook.url and (batch := self.world.deliverable(1)):
                update = batch[0]
                delivery = await self._post_update(update)
                made.append(delivery)
                self.deliveries.append(delivery)
                if not delivery.ok:
                    self.world.webhook.last_error_date = int(time.time())
                    self.world.webhook.last_error_message = delivery.error
                    break
                self.world.pending = [u for u in self.world.pending if u is not update]
        self.world.notify()
        return made

    async def _post_update(self, update: dict) -> Delivery:
        hook = self.world.webhook
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        try:
            async with self._session.post(hook.url, data=_dumps(update).encode(), headers=headers) as response:
                await response.read()
                error = "" if response.status < 300 else (
                    f"Wrong response from the webhook: {response.status} {response.reason}")
                return Delivery(update["update_id"], response.status, error)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            return Delivery(update["update_id"], 0, f"Connection failed: {error!r}")

    # -- HTTP ------------------------------------------------------------------------------------

    async def _serve_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        call = ApiCall(self.api.names.get(method.lower(), method), {}, {}, status=None)
        self.calls.append(call)
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            call.params, call.files = await read_request(request)
            if (arrived := self._take_hold(call)) is not None:
                if not arrived.done():
                    arrived.set_result(call)
                await asyncio.Event().wait()  # never answered: cancelled when the client hangs up
            fault = self._take_fault(call.method)
            if fault and fault.drop:
                call.status, call.description = 0, "connection dropped"
                request.transport.close()
                raise web.HTTPInternalServerError()  # never reaches the client: the socket is gone
            if fault:
                raise fault.error
            result = await self._run(call)
            call.status = 200
        except ApiError as error:
            call.status, call.description = error.status, error.description
            return _envelope(error.body(), error.status)
        except Exception as error:  # a bug in the fake (or a dropped call): aiohttp answers 500 if it can
            if call.status is None:
                call.status, call.description = 500, repr(error)
            raise
        finally:
            if call.status is None:  # the client hung up mid-call (a cancelled poll)
                call.status, call.description = 0, "client went away"
            self.world.notify()
        return _envelope({"ok": True, "result": result}, 200)

    async def _run(self, call: ApiCall):
        handler = self.api.handlers.get(call.method)
        if handler is None:
            raise ApiError(404, "Not Found")
        result = handler(call.params, call.files)
        return await result if inspect.isawaitable(result) else result

    async def _serve_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.world.file_by_path(request.match_info["path"])
        if request.match_info["token"] != self.token or stored is None:
            return _envelope(ApiError(404, "Not Found").body(), 404)
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")


def _envelope(body: dict, status: int) -> web.Response:
    return web.json_response(body, status=status, dumps=_dumps)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Internal Server Error"
