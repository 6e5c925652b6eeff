"""A county's roster in the chat (issue 12 item 2), real HTTP against the fake Bot API: a county admin
sends a 30-organ .xlsx and gets 30 codes, the printable sheet (.docx, read back) and the table (.xlsx);
sent again with 2 organs more it makes exactly 2 invites; a clerk joins with a code through the deep
link's /start CODE; /roster with lines does the same; strangers and other counties' admins are refused;
a zip bomb gets one line."""

from __future__ import annotations

import io
import re
import zipfile

import docx
import openpyxl
import pytest

from botkit import ask, running_bot, settled, texts
from nianbao.text import say
from nianbao.workflow.storage import AdminAction, Role

TUOLI, YUMIN = "托里县", "裕民县"
SUPER, ADMIN_A, ADMIN_B, REVIEWER_A, STRANGER, CLERK = 1, 10, 20, 11, 99, 501
BOT = "nianbao_test_bot"  # the fake server's getMe username
COUNTIES = {TUOLI: {"admins": [ADMIN_A]}, YUMIN: {"admins": [ADMIN_B]}}
TOWNSHIPS = ["哈图镇人民政府", "铁厂沟镇人民政府", "庙尔沟镇人民政府", "托里镇人民政府", "多拉特乡人民政府",
             "乌雪特乡人民政府", "库普乡人民政府", "阿克别里斗乡人民政府", "加尔巴斯乡人民政府", "巴音乡人民政府",
             "克孜勒乡人民政府", "萨尔乡人民政府"]
STREETS = ["城区街道办事处", "东城街道办事处", "西城街道办事处", "北城街道办事处"]
DEPARTMENTS = ["自然资源局", "教育局", "财政局", "卫生健康委员会", "发展和改革委员会", "公安局", "民政局", "司法局",
               "人力资源和社会保障局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "文化体育广播电视和旅游局"]
CODE = re.compile(r"：([A-HJ-NP-Z2-9]{8})")


def roster_rows() -> list[list]:
    """30 organs, 乡镇 / 街道 / 县直部门 mixed (as a county's list is: not sorted by type)."""
    typed = [(name, "乡镇") for name in TOWNSHIPS] + [(name, "街道") for name in STREETS] + \
            [(name, "县直部门") for name in DEPARTMENTS]
    mixed = [typed[(i * 7) % 30] for i in range(30)]  # 7 and 30 are coprime: every organ once
    assert len({name for name, _ in mixed}) == 30
    return [[name, kind, f"联系人{n}", f"0901-65{n:05d}" if n % 3 else None] for n, (name, kind) in enumerate(mixed)]


def xlsx(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["机关全称", "类型", "联系人", "电话"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def docx_text(data: bytes) -> tuple[str, int]:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts += [p.text for p in cell.paragraphs]
    return "\n".join(parts), len(document.inline_shapes)


async def send_roster(fake, user, data: bytes, filename: str = "托里县机关名单.xlsx", caption: str | None = None):
    """Send the file and wait until the bot has done everything it caused (the job included)."""
    got = await settled(fake, user.send_document(data, filename, caption=caption), timeout=60)
    return [item for item in got if item.chat_id == user.id]


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with running_bot(fake_tg, tmp_path, counties=COUNTIES, admins={"super_admins": [SUPER]}) as running:
        running.store.grant(REVIEWER_A, TUOLI, Role.REVIEWER, by=ADMIN_A)
        yield running


async def test_thirty_organs_from_an_xlsx_get_thirty_codes_a_sheet_and_a_table_and_again_only_the_new(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    rows = roster_rows()
    got = await send_roster(fake_tg, admin, xlsx(rows))
    messages = [item for item in got if item.kind == "message"]
    documents = {item.filename: item.document for item in got if item.kind == "document"}
    assert messages[0].text == say("roster.reading", file="托里县机关名单.xlsx")
    assert "托里县名单共 30 个机关：新生成邀请码 30 个" in messages[1].text

    invites = {invite.organ: invite.code for invite in bot.store.open_invites(TUOLI, bot.clock())}
    assert set(invites) == {TUOLI + row[0] for row in rows}
    listed = CODE.findall(texts(messages))
    assert sorted(listed) == sorted(invites.values())  # every code in the chat, once
    for organ, code in invites.items():
        assert f"{organ.removeprefix(TUOLI)}" in texts(messages) and code in texts(messages)

    # the printable sheet: every code and its deep link, a QR code per card
    sheet, pictures = docx_text(documents["托里县邀请码.docx"])
    assert pictures == 30
    for organ, code in invites.items():
        assert organ in sheet and code in sheet and f"https://t.me/{BOT}?start={code}" in sheet
    # the table: one row per organ with its code and link
    table = openpyxl.load_workbook(io.BytesIO(documents["托里县邀请码.xlsx"])).active
    body = [[cell.value for cell in row] for row in table.iter_rows(min_row=2)]
    assert {(row[0], row[2]) for row in body} == set(invites.items())
    assert all(row[3] == f"https://t.me/{BOT}?start={row[2]}" for row in body)

    # the type decides the level; the phone is kept as the organ's
    store = bot.store
    assert store.organ_profile(TUOLI, TUOLI + "城区街道办事处").level == "street"
    assert store.organ_profile(TUOLI, TUOLI + "教育局").level == "county_department"
    assert store.organ_profile(TUOLI, TUOLI + "多拉特乡人民政府").level == "township"
    assert store.organ_profile(TUOLI, TUOLI + "哈图镇人民政府").level == "town"
    phoned = [row for row in rows if row[3]]
    assert store.organ_profile(TUOLI, TUOLI + phoned[0][0]).phone == phoned[0][3]
    contacts = store.organ_contacts(TUOLI)  # the 联系人 too: /people lists them beside who has not joined
    assert len(contacts) == 30 and contacts[TUOLI + rows[0][0]] == (rows[0][2], rows[0][3])
    events = [e for e in store.admin_events(TUOLI) if e.action is AdminAction.INVITE]
    assert len(events) == 30 and {e.actor_id for e in events} == {ADMIN_A}
    assert not any(code in (e.subject + (e.detail or "")) for e in store.admin_events(TUOLI) for code in invites.values())

    # a clerk opens the deep link: Telegram sends /start CODE
    clerk = fake_tg.user(CLERK, "张三")
    joined = texts(await ask(clerk, f"/start {invites[TUOLI + '哈图镇人民政府']}"))
    assert say("bot.joined", county=TUOLI, organ=TUOLI + "哈图镇人民政府") in joined

    # the same roster again with two organs more: exactly two invites more, nothing else touched
    more = rows + [["统计局", "县直部门", "李四", None], ["南城街道办事处", "街道", None, None]]
    got = await send_roster(fake_tg, admin, xlsx(more))
    again = texts(item for item in got if item.kind == "message")
    assert "托里县名单共 32 个机关：新生成邀请码 2 个，之前的邀请码仍有效 29 个，已有填报人 1 个" in again
    assert "哈图镇人民政府：已有填报人 张三，未改动" in again
    after = {invite.organ: invite.code for invite in store.open_invites(TUOLI, bot.clock())}
    assert len(after) == 31 and set(after) - set(invites) == {TUOLI + "统计局", TUOLI + "南城街道办事处"}
    assert all(after[organ] == code for organ, code in invites.items() if organ in after)  # old codes kept
    assert len([e for e in store.admin_events(TUOLI) if e.action is AdminAction.INVITE]) == 32
    sheet, pictures = docx_text(next(item.document for item in got if item.filename == "托里县邀请码.docx"))
    assert pictures == 31 and after[TUOLI + "统计局"] in sheet  # every open code on the roster, printed


async def test_roster_lines_in_chat_and_the_lines_problems(bot, fake_tg):
    admin = fake_tg.user(ADMIN_A, "王管理")
    assert texts(await ask(admin, "/roster")) == say("roster.usage")
    got = await settled(fake_tg, admin.send("/roster\n哈图镇人民政府 乡镇 张三 13912345678\n自然资源局 县直部门\n"
                                            "hello\n自然资源局"), timeout=30)
    said = texts(item for item in got if item.chat_id == ADMIN_A)
    assert say("roster.reading_text") in said and "新生成邀请码 2 个" in said
    assert "第3行" in said and "第4行" in said  # not an organ's name; the same organ twice
    codes = {invite.organ: invite.code for invite in bot.store.open_invites(TUOLI, bot.clock())}
    assert set(codes) == {TUOLI + "哈图镇人民政府", TUOLI + "自然资源局"}
    assert sum(item.kind == "document" for item in got) == 2
    # /invite with several names, one per line, still makes one code each
    got = texts(await ask(admin, "/invite 库普乡人民政府\n托里县财政局 县直部门"))
    assert got.count("/join ") == 2


async def test_strangers_and_other_counties_admins_get_no_roster(bot, fake_tg):
    data = xlsx(roster_rows()[:3])
    stranger = fake_tg.user(STRANGER, "路人")
    got = await send_roster(fake_tg, stranger, data)
    assert texts(got) == say("bot.stranger", id=STRANGER)
    assert texts(await ask(stranger, "/roster\n哈图镇人民政府")) == say("bot.stranger", id=STRANGER)
    other = fake_tg.user(ADMIN_B, "裕民管理")
    refused = say("admin.not_your_county", county=TUOLI, counties=[YUMIN])
    assert texts(await send_roster(fake_tg, other, data, caption=TUOLI)) == refused
    assert texts(await ask(other, f"/roster {TUOLI}\n哈图镇人民政府")) == refused
    reviewer = fake_tg.user(REVIEWER_A, "审核员")
    assert texts(await ask(reviewer, "/roster\n哈图镇人民政府")) == say("admin.admins_only")
    assert bot.store.organs_in_county(TUOLI) == []
    # a super admin names the county in the file's caption
    boss = fake_tg.user(SUPER, "超管")
    assert texts(await send_roster(fake_tg, boss, data)) == say("admin.name_county", example=say("roster.example_caption"))
    got = await send_roster(fake_tg, boss, data, caption=TUOLI)
    assert "新生成邀请码 3 个" in texts(got) and len(bot.store.organs_in_county(TUOLI)) == 3


def _zip_bomb() -> bytes:
    """A real workbook whose sheet's central-directory entry declares 3 GB unpacked."""
    from test_roster import declared_huge

    return declared_huge(xlsx([["托里县财政局", "县直部门", None, None]]))


async def test_a_zip_bomb_gets_one_clear_line_and_no_invite(bot, fake_tg, caplog):
    admin = fake_tg.user(ADMIN_A, "王管理")
    got = await send_roster(fake_tg, admin, _zip_bomb(), "名单.xlsx")
    assert [item.text for item in got] == [say("roster.reading", file="名单.xlsx"), say("roster.bomb", limit=32)]
    # a file that is no workbook at all, named .xlsx: one line too
    junk = io.BytesIO()
    with zipfile.ZipFile(junk, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    got = await send_roster(fake_tg, admin, junk.getvalue(), "名单.xlsx")
    assert [item.text for item in got][1:] == [say("roster.not_xlsx")]
    assert bot.store.organs_in_county(TUOLI) == [] and "Traceback" not in caplog.text
