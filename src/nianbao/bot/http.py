"""The Bot API transport: python-telegram-bot's request interface over aiohttp.

PTB's default transport is httpx. Under load (every answer is one sendMessage) httpx/httpcore cost
about a third of the bot's CPU — the pool is scanned on every request, anyio and sniffio are
consulted per call — while aiohttp's C-accelerated client does the same requests for a fraction.
PTB supports exactly this: a ``BaseRequest`` subclass given to ``ApplicationBuilder.request``.
Proxies from the environment (HTTPS_PROXY, NO_PROXY) are honoured as with httpx — looked up once per
host: aiohttp's own ``trust_env`` does it, and reads ~/.netrc, on every request, two thread hops each
(a tenth of the bot's CPU under load, bench/bot.py).
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

USER_AGENT = "nianbao (python-telegram-bot; aiohttp)"


class AiohttpRequest(BaseRequest):
    __slots__ = ("_connect_timeout", "_pool_size", "_proxies", "_read_timeout", "_session", "_write_timeout")

    def __init__(self, *, connection_pool_size: int = 16, read_timeout: float = 5.0,
                 write_timeout: float = 20.0, connect_timeout: float = 5.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, tuple[URL | None, aiohttp.BasicAuth | None]] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout=BaseRequest.DEFAULT_NONE, write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("AiohttpRequest is not initialized")
        read = self._read_timeout if read_timeout is BaseRequest.DEFAULT_NONE else read_timeout
        connect = self._connect_timeout if connect_timeout is BaseRequest.DEFAULT_NONE else connect_timeout
        write = self._write_timeout if write_timeout is BaseRequest.DEFAULT_NONE else write_timeout
        # aiohttp has no separate write timeout: a request may take its write and read time in all.
        total = None if read is None or write is None else read + write + (connect or 0)
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        proxy, proxy_auth = self._proxy_for(url)
        try:
            async with self._session.request(method, url, data=_body(request_data), timeout=timeout,
                                             proxy=proxy, proxy_auth=proxy_auth) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err

    def _proxy_for(self, url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
        """The environment's proxy for the URL's host (None: go direct), decided once per host."""
        parsed = URL(url)
        key = f"{parsed.scheme}://{parsed.host}"
        if key not in self._proxies:
            try:
                self._proxies[key] = get_env_proxy_for_url(parsed)
            except LookupError:
                self._proxies[key] = (None, None)
        return self._proxies[key]


def _body(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """Form fields as PTB prepares them (JSON-encoded values); multipart when files go along."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        if not isinstance(content, bytes):
            content = content.read()  # a file handle (PTB ≥ 21.5 may pass one)
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
