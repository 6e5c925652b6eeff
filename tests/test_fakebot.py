"""The fake Telegram server, driven by python-telegram-bot itself over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import time

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, EndPointNotFound, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler

from fakebot import FakeTelegram
from fakebot.entities import command_entities, formatted_text

USER = 1001


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=data) for text, data in pairs]])


async def poll_started(server: FakeTelegram, count: int = 1) -> None:
    await server.wait_for(lambda: len(server.calls_to("getUpdates")) >= count)


# -- basics ------------------------------------------------------------------------------------------


async def test_get_me_answers_the_bot_user(tg_bot, fake_tg):
    me = await tg_bot.get_me()
    assert (me.id, me.is_bot, me.username, me.first_name) == (7000000001, True, "nianbao_test_bot", "年报助手")


async def test_wrong_token_is_unauthorized_and_unknown_method_not_found(fake_tg, tg_bot):
    with pytest.raises(InvalidToken, match="rejected"):
        async with Bot("7000000001:wrong-secret", base_url=fake_tg.base_url):
            pass
    assert (fake_tg.calls[-1].method, fake_tg.calls[-1].status, fake_tg.calls[-1].description) == (
        "getMe", 401, "Unauthorized")
    with pytest.raises(EndPointNotFound):
        await tg_bot.do_api_request("sendTelepathy", api_kwargs={"chat_id": USER})
    assert fake_tg.calls[-1].method == "sendTelepathy" and fake_tg.calls[-1].status == 404


async def test_raw_http_json_get_and_case_insensitive_method_names(fake_tg):
    fake_tg.user(USER)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake_tg.base_url}{fake_tg.token}/GETME") as response:
            assert (await response.json())["result"]["username"] == "nianbao_test_bot"
        async with http.post(f"{fake_tg.base_url}{fake_tg.token}/sendmessage",
                             json={"chat_id": USER, "text": "你好"}) as response:
            body = await response.json()
        async with http.post(f"{fake_tg.base_url}{fake_tg.token}/nosuchmethod") as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert body["ok"] is True and body["result"]["text"] == "你好"
    assert body["result"]["chat"] == {"id": USER, "type": "private", "first_name": "张三"}
    assert fake_tg.calls_to("sendMessage")[0].method == "sendMessage"


# -- updates -----------------------------------------------------------------------------------------


async def test_long_poll_returns_as_soon_as_a_user_sends(fake_tg, tg_bot):
    user = fake_tg.user(USER, first_name="李四", username="lisi")
    poll = asyncio.create_task(tg_bot.get_updates(timeout=5))
    await poll_started(fake_tg)
    started = time.monotonic()
    await user.send("/edit 3")
    [update] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1
    message = update.message
    assert (message.text, message.chat.id, message.chat.type, message.from_user.username) == (
        "/edit 3", USER, "private", "lisi")
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bot_command", 0, 5)]


async def test_offset_confirms_earlier_updates(fake_tg, tg_bot):
    user = fake_tg.user(USER)
    for text in ("一", "二", "三"):
        await user.send(text)
    first = await tg_bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["一", "二"]
    again = await tg_bot.get_updates()  # nothing confirmed yet: all three still there
    assert [u.message.text for u in again] == ["一", "二", "三"]
    rest = await tg_bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["三"]
    assert await tg_bot.get_updates(offset=rest[-1].update_id + 1, timeout=0) == ()
    assert fake_tg.pending_updates == []


async def test_allowed_updates_filters_and_is_remembered(fake_tg, tg_bot):
    asker, talker = fake_tg.user(USER), fake_tg.user(2002, first_name="赵六")
    sent = await tg_bot.send_message(USER, "选", reply_markup=keyboard(("好", "ok")))
    await talker.send("文字")
    await asker.press((USER, sent.message_id), "ok")
    only_callbacks = await tg_bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in only_callbacks] == ["ok"]
    await talker.send("又一条")
    assert await tg_bot.get_updates(offset=only_callbacks[-1].update_id + 1) == ()


async def test_a_newer_poll_ends_the_older_one_with_conflict(fake_tg, tg_bot):
    async with Bot(**fake_tg.bot_kwargs) as second_instance:
        older = asyncio.create_task(second_instance.get_updates(timeout=5))
        await poll_started(fake_tg)
        assert await tg_bot.get_updates(timeout=0) == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates"):
            await asyncio.wait_for(older, 2)


async def test_stop_releases_pending_long_polls_at_once():
    server = await FakeTelegram().start()
    async with Bot(**server.bot_kwargs) as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30))
        await poll_started(server)
        started = time.monotonic()
        await server.stop()
        assert await asyncio.wait_for(poll, 2) == ()
        assert time.monotonic() - started < 1


# -- sending and its limits --------------------------------------------------------------------------


async def test_send_message_is_recorded_with_markup_and_reply(fake_tg, tg_bot):
    user = fake_tg.user(USER)
    question = await user.send("帮我看看")
    sent = await tg_bot.send_message(USER, "<b>第一步</b>：填写<i>机关名称</i>", parse_mode="HTML",
                                     reply_markup=keyboard(("确认", "confirm")), reply_to_message_id=question["message_id"])
    assert sent.text == "第一步：填写机关名称"
    assert sent.reply_to_message.text == "帮我看看"
    [item] = fake_tg.sent(USER)
    assert (item.kind, item.text, item.source, item.message_id) == (
        "message", "第一步：填写机关名称", "<b>第一步</b>：填写<i>机关名称</i>", sent.message_id)
    assert item.buttons == [[("确认", "confirm")]] and item.reply_to_message_id == question["message_id"]
    assert [(e["type"], e["offset"], e["length"]) for e in item.entities] == [("bold", 0, 3), ("italic", 6, 4)]
    assert sent.message_id == question["message_id"] + 1  # message ids grow per chat, both sides


async def test_text_over_4096_after_parsing_is_refused(fake_tg, tg_bot):
    fake_tg.user(USER)
    await tg_bot.send_message(USER, "<b>" + "年" * 4096 + "</b>", parse_mode="HTML")  # markup does not count
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg_bot.send_message(USER, "年" * 4097)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await tg_bot.send_document(USER, b"x", filename="a.txt", caption="字" * 1025)
    assert len(fake_tg.sent(USER)) == 1


async def test_bad_markup_and_bad_targets_are_refused(fake_tg, tg_bot):
    fake_tg.user(USER)
    with pytest.raises(BadRequest, match='(?i)unsupported start tag "br" at byte offset 9'):
        await tg_bot.send_message(USER, "第一行<br>第二行", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await tg_bot.send_message(USER, "共 3.5 万元", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg_bot.send_message(999, "谁")
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await tg_bot.send_message(USER, "回", reply_to_message_id=77)


async def test_callback_data_over_64_bytes_is_refused(fake_tg, tg_bot):
    fake_tg.user(USER)
    await tg_bot.send_message(USER, "选", reply_markup=keyboard(("行", "x" * 64)))
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await tg_bot.send_message(USER, "选", reply_markup=keyboard(("行", "项" * 22)))  # 22 chars, 66 bytes


async def test_blocked_user_is_forbidden(fake_tg, tg_bot):
    fake_tg.user(USER).block()
    with pytest.raises(Forbidden, match="blocked by the user"):
        await tg_bot.send_message(USER, "在吗")


# -- edits, buttons, deletes -------------------------------------------------------------------------


async def test_edit_that_changes_nothing_is_refused(fake_tg, tg_bot):
    fake_tg.user(USER)
    sent = await tg_bot.send_message(USER, "进度 1/3", reply_markup=keyboard(("下一步", "next")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg_bot.edit_message_text("进度 1/3", USER, sent.message_id, reply_markup=keyboard(("下一步", "next")))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg_bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard(("下一步", "next")))
    edited = await tg_bot.edit_message_text("进度 1/3", USER, sent.message_id)  # dropping the keyboard is a change
    assert edited.reply_markup is None
    await tg_bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=keyboard(("完成", "done")))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg_bot.edit_message_text("新", USER, 999)
    kinds = [(i.kind, i.method, i.text, i.callback_data) for i in fake_tg.sent(USER)]
    assert kinds == [("message", "sendMessage", "进度 1/3", ["next"]), ("edit", "editMessageText", "进度 1/3", []),
                     ("edit", "editMessageReplyMarkup", "进度 1/3", ["done"])]
    assert fake_tg.sent(USER)[0].message["reply_markup"] is not None  # history is not rewritten by edits


async def test_press_answer_and_delete(fake_tg, tg_bot):
    user = fake_tg.user(USER)
    sent = await tg_bot.send_message(USER, "保存吗？", reply_markup=keyboard(("保存", "save"), ("取消", "cancel")))
    with pytest.raises(LookupError, match="no button 'delete'"):
        await user.press(fake_tg.sent(USER)[0], "delete")
    await user.press(fake_tg.sent(USER)[0], "取消")  # by text works too
    [update] = await tg_bot.get_updates()
    query = update.callback_query
    assert (query.data, query.from_user.id, query.message.message_id) == ("cancel", USER, sent.message_id)
    await tg_bot.answer_callback_query(query.id, text="已取消")
    with pytest.raises(BadRequest, match="Query is too old"):
        await tg_bot.answer_callback_query(query.id)
    assert [(a["data"], a["text"]) for a in fake_tg.answered_callbacks] == [("cancel", "已取消")]
    assert await tg_bot.delete_message(USER, sent.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await tg_bot.delete_message(USER, sent.message_id)
    with pytest.raises(LookupError, match="deleted"):
        await user.press(fake_tg.sent(USER)[0], "save")


async def test_commands_are_stored_per_scope(fake_tg, tg_bot):
    await tg_bot.set_my_commands([("start", "开始填报"), ("check", "检查报告")])
    assert [(c.command, c.description) for c in await tg_bot.get_my_commands()] == [
        ("start", "开始填报"), ("check", "检查报告")]
    assert fake_tg.commands() == [{"command": "start", "description": "开始填报"},
                                  {"command": "check", "description": "检查报告"}]
    assert fake_tg.calls_to("setMyCommands")[0].params["commands"][0]["description"] == "开始填报"
    with pytest.raises(BadRequest, match="(?i)bot_command_invalid"):
        await tg_bot.set_my_commands([("Start", "开始")])


async def test_group_messages_respect_privacy_mode(fake_tg, tg_bot):
    group = fake_tg.group(-100, "哈图镇政务公开群")
    reviewer = fake_tg.user(3003, first_name="王五")
    notice = await tg_bot.send_message(-100, "请审阅草稿")
    await reviewer.send_in_group(group, "大家好")                          # not for the bot: not delivered
    await reviewer.send_in_group(group, "第三节数字不对", reply_to=notice)  # a reply to the bot: delivered
    [update] = await tg_bot.get_updates()
    message = update.message
    assert (message.chat.id, message.chat.type, message.chat.title) == (-100, "group", "哈图镇政务公开群")
    assert (message.text, message.reply_to_message.message_id) == ("第三节数字不对", notice.message_id)
    assert [i.text for i in fake_tg.sent(-100)] == ["请审阅草稿"]


# -- files -------------------------------------------------------------------------------------------


async def test_send_document_keeps_bytes_filename_and_caption(fake_tg, tg_bot):
    fake_tg.user(USER)
    payload = bytes(range(256)) * 40 + "年报".encode()
    sent = await tg_bot.send_document(USER, payload, filename="哈图镇2024年报（草稿）.docx", caption="<b>草稿</b>",
                                      parse_mode="HTML")
    [item] = fake_tg.sent(USER)
    assert (item.kind, item.document, item.filename, item.caption) == (
        "document", payload, "哈图镇2024年报（草稿）.docx", "草稿")
    assert sent.document.file_size == len(payload) and sent.document.file_name == item.filename
    resent = await tg_bot.send_document(USER, sent.document.file_id)  # a file_id sent before works again
    assert fake_tg.sent(USER)[-1].document == payload and resent.document.file_id == sent.document.file_id


async def test_user_uploads_are_downloadable_with_get_file(fake_tg, tg_bot):
    user = fake_tg.user(USER)
    await user.send_document(b'{"year": 2024}', "去年.json", caption="去年的报告")
    [update] = await tg_bot.get_updates()
    document = update.message.document
    assert (document.file_name, document.mime_type, update.message.caption) == (
        "去年.json", "application/json", "去年的报告")
    file = await (await tg_bot.get_file(document.file_id)).download_as_bytearray()
    assert bytes(file) == b'{"year": 2024}'
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await tg_bot.get_file("nope")


# -- forced errors -----------------------------------------------------------------------------------


async def test_flood_raises_retry_after(fake_tg, tg_bot, monkeypatch):
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # read retry_after as a timedelta, without deprecation noise
    fake_tg.user(USER)
    fake_tg.flood(method="sendMessage", times=2, retry_after=1)
    for _ in range(2):
        with pytest.raises(RetryAfter) as raised:
            await tg_bot.send_message(USER, "快")
        assert raised.value.retry_after == dtm.timedelta(seconds=1)
    await tg_bot.send_message(USER, "好了")
    assert [c.status for c in fake_tg.calls_to("sendMessage")] == [429, 429, 200]
    assert [i.text for i in fake_tg.sent(USER)] == ["好了"]


async def test_injected_failures_happen_once(fake_tg, tg_bot):
    fake_tg.user(USER)
    fake_tg.fail("sendMessage", 400, "Bad Request: chat is deactivated")
    with pytest.raises(BadRequest, match="Chat is deactivated"):
        await tg_bot.send_message(USER, "一")
    fake_tg.fail("sendMessage", 502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await tg_bot.send_message(USER, "二")
    fake_tg.drop("SENDMESSAGE")
    with pytest.raises(NetworkError, match="disconnected"):
        await tg_bot.send_message(USER, "三")
    await tg_bot.send_message(USER, "四")
    assert [c.status for c in fake_tg.calls_to("sendMessage")] == [400, 502, 0, 200]


async def test_clients_bypass_environment_proxies(fake_tg, monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there
    async with Bot(**fake_tg.bot_kwargs) as bot:  # httpx honours NO_PROXY set by conftest
        assert (await bot.get_me()).username == "nianbao_test_bot"


# -- webhook -----------------------------------------------------------------------------------------


@pytest.fixture
async def webhook_receiver():
    """A tiny HTTP endpoint standing in for the bot's webhook; answers with the status in `status[0]`."""
    received: list[tuple[dict, str | None]] = []
    status = [200]

    async def receive(request: web.Request) -> web.Response:
        received.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(status=status[0])

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/hook", received, status
    await runner.cleanup()


async def test_webhook_delivery_carries_the_secret(fake_tg, tg_bot, webhook_receiver):
    url, received, status = webhook_receiver
    user = fake_tg.user(USER)
    await user.send("早")  # queued before the webhook exists
    await tg_bot.set_webhook(url, secret_token="s3cr3t-Token_1")
    assert fake_tg.webhook["url"] == url and fake_tg.webhook["secret_token"] == "s3cr3t-Token_1"
    with pytest.raises(Conflict, match="webhook is active"):
        await tg_bot.get_updates()
    await user.send("/start")
    assert received == []  # nothing is pushed until the test says so
    assert [d.ok for d in await fake_tg.push_to_webhook()] == [True, True]
    assert [(u["message"]["text"], secret) for u, secret in received] == [("早", "s3cr3t-Token_1"),
                                                                          ("/start", "s3cr3t-Token_1")]
    status[0] = 500
    await user.send("失败的")
    [failed] = await fake_tg.push_to_webhook()
    assert (failed.ok, failed.status) == (False, 500)
    info = await tg_bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (url, 1)
    assert "500" in info.last_error_message
    status[0] = 200
    assert [d.ok for d in await fake_tg.push_to_webhook()] == [True]  # the failed update goes again
    assert received[-1][0]["message"]["text"] == "失败的" and fake_tg.pending_updates == []
    await tg_bot.delete_webhook()
    assert (await tg_bot.get_webhook_info()).url == "" and fake_tg.webhook is None


# -- a real Application ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_application_in_webhook_mode_gets_updates_with_its_secret(fake_tg):
    async def start(update, context):
        await update.message.reply_text("欢迎")

    port = free_port()
    app = fake_tg.apply_to(ApplicationBuilder()).build()
    app.add_handler(CommandHandler("start", start))
    user = fake_tg.user(USER)
    async with app:
        await app.start()
        await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="tg", secret_token="abc123",
                                        webhook_url=f"http://127.0.0.1:{port}/tg")
        try:
            assert fake_tg.webhook["url"] == f"http://127.0.0.1:{port}/tg"
            await user.send("/start")
            [delivery] = await fake_tg.push_to_webhook()
            assert delivery.status == 200  # PTB answers 403 to a POST without the right secret
            [reply] = await user.wait_reply()
            assert reply.text == "欢迎"
        finally:
            await app.updater.stop()
            await app.stop()



async def test_application_polling_answers_commands_and_buttons(fake_tg):
    async def echo(update, context):
        await update.message.reply_text("收到：" + " ".join(context.args), reply_markup=keyboard(("好", "ok")))

    async def pressed(update, context):
        await update.callback_query.answer("已确认")
        await update.callback_query.edit_message_text("已确认")

    app = fake_tg.apply_to(ApplicationBuilder()).build()
    app.add_handler(CommandHandler("echo", echo))
    app.add_handler(CallbackQueryHandler(pressed))
    user = fake_tg.user(USER)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await user.send("/echo 你好")
            [reply] = await user.wait_reply()
            assert (reply.text, reply.callback_data) == ("收到：你好", ["ok"])
            await user.press(reply, "ok")
            [edit] = await user.wait_reply()
            assert (edit.kind, edit.text) == ("edit", "已确认")
        finally:
            await app.updater.stop()
            await app.stop()
    assert fake_tg.pending_updates == []  # the last poll confirmed everything
    assert [a["text"] for a in fake_tg.answered_callbacks] == ["已确认"]


# -- text parsing (no HTTP) --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "mode", "plain", "entities"), [
    ("<b>粗</b>&lt;x&gt; &amp;&#20013;", "HTML", "粗<x> &中", [("bold", 0, 1)]),
    ('<a href="https://example.org/?a=1&amp;b=2">链接</a>', "HTML", "链接", [("text_link", 0, 2)]),
    ('<pre><code class="language-python">x = 1</code></pre>', "HTML", "x = 1", [("pre", 0, 5)]),
    ("😀<i>a</i>", "HTML", "😀a", [("italic", 2, 1)]),  # offsets count UTF-16 units
    ("*粗* _斜_ __下__ ~删~ ||隐|| `码` 3\\.5", "MarkdownV2", "粗 斜 下 删 隐 码 3.5",
     [("bold", 0, 1), ("italic", 2, 1), ("underline", 4, 1), ("strikethrough", 6, 1), ("spoiler", 8, 1),
      ("code", 10, 1)]),
    ("[文档](https://example.org/a\\)b)", "MarkdownV2", "文档", [("text_link", 0, 2)]),
    ("*粗* _斜_ [链](http://x.cn)", "Markdown", "粗 斜 链", [("bold", 0, 1), ("italic", 2, 1), ("text_link", 4, 1)]),
    ("  \n 前后空白会去掉 \n", None, "前后空白会去掉", []),
])
def test_formatted_text(text, mode, plain, entities):
    got_plain, got_entities = formatted_text(text, mode)
    assert got_plain == plain
    assert [(e["type"], e["offset"], e["length"]) for e in got_entities] == entities


@pytest.mark.parametrize(("text", "mode", "reason"), [
    ("<b>未闭合", "HTML", "Can't find end tag corresponding to start tag \"b\""),
    ("<b>交错<i>的</b></i>", "HTML", "Unmatched end tag at byte offset 15, expected \"</i>\", found \"</b>\""),
    ("多余</b>", "HTML", "Unexpected end tag at byte offset 6"),
    ('<span class="x">藏</span>', "HTML", 'Tag "span" must have class "tg-spoiler"'),
    ("a < b", "HTML", 'Unsupported start tag "" at byte offset 2'),
    ("*没结束", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
    ("第1-3项", "MarkdownV2", "Character '-' is reserved"),
    ("_没结束", "Markdown", "Can't find end of the entity starting at byte offset 0"),
])
def test_formatted_text_refusals(text, mode, reason):
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace("*", r"\*")):
        formatted_text(text, mode)


def test_command_entities_mark_commands_like_telegram():
    assert command_entities("/edit 3") == [{"type": "bot_command", "offset": 0, "length": 5}]
    assert command_entities("/start@nianbao_test_bot") == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert command_entities("请用 /check 检查") == [{"type": "bot_command", "offset": 3, "length": 6}]
    assert command_entities("a/b 1/2 /") == []
