"""A county text that passed the check but fails on some report (issue 10): the official gets the
shipped text, the county's admins are told once — across updates, officials and restarts — and saving
the text again re-arms the notice. End to end through the fake Bot API."""

from __future__ import annotations

import logging

import pytest

from botkit import RunningBot, ask, db_url, running_bot, settled, texts
from nianbao.workflow.storage import Role, Store
from nianbao.text import say

TUOLI = "托里县"
SUPER, ADMIN_A, ADMIN_C = 1, 10, 30
# Passes the check — the preview reports are of 2024 and 2025 — and divides by zero on a report of 2023.
BOMB_2023 = "请写联系地址和电话（{{ organ|length / (year - 2023) }}）"
SHIPPED_CONTACT = "报告开头要写公众咨询的地址和电话"
NOTICE = "在一份报告上出错"


def bot_on(fake_tg, tmp_path, **config):
    """A started bot on the database in ``tmp_path`` (a fresh store each time: a restart)."""
    return running_bot(fake_tg, tmp_path, **config)


def notices(fake_tg, chat_id: int) -> list[str]:
    return [item.text for item in fake_tg.world.outputs_to(chat_id) if NOTICE in (item.text or "")]


async def official_at_contact(bot: RunningBot, user_id: int, year: str):
    """An official who joined and answered the year: the next question is the contact's."""
    official = await bot.official(user_id, organ=f"托里县{user_id}镇人民政府", county=TUOLI)
    return official, texts(await ask(official, year))


COUNTIES = {TUOLI: {"admins": [ADMIN_A]}}


async def test_a_saved_prompt_failing_on_some_reports_falls_back_and_tells_each_admin_once(fake_tg, tmp_path):
    async with bot_on(fake_tg, tmp_path, admins={"super_admins": [SUPER]}, counties=COUNTIES) as bot:
        bot.store.grant(ADMIN_C, TUOLI, Role.ADMIN, by=SUPER)  # an admin from the store, beside the config's
        fake_tg.user(ADMIN_C, "李管理")  # who has a chat with the bot (Telegram: has pressed Start)
        admin = fake_tg.user(ADMIN_A, "王管理")
        preview = texts(await ask(admin, f"/set_prompt contact\n{BOMB_2023}"))
        assert "确认保存" in preview, preview  # the checker lets it through
        await ask(admin, "#save")

        # a report of 2024: the county's question
        _, shown = await official_at_contact(bot, 801, "2024")
        assert "请写联系地址和电话（" in shown and not notices(fake_tg, ADMIN_A)

        # a report of 2023: the shipped question; both admins told, in their private chats
        official, shown = await official_at_contact(bot, 802, "2023")
        assert SHIPPED_CONTACT in shown and "请写联系地址和电话（" not in shown
        [told] = notices(fake_tg, ADMIN_A)
        assert notices(fake_tg, ADMIN_C) == [told]
        assert "「/prompt contact」" in told and "默认版本" in told and "/set_prompt contact" in told
        assert "/reset_prompt contact" in told and say("admin.text_failed_zero_division") in told
        assert "802" not in told  # nothing of the official or the report

        # failing again — the same official, another one — tells nobody again
        assert SHIPPED_CONTACT in texts(await ask(official, "/status"))
        assert SHIPPED_CONTACT in texts(await ask(official, "返回")) + texts(await ask(official, "2023"))
        await official_at_contact(bot, 803, "2023")
        assert len(notices(fake_tg, ADMIN_A)) == len(notices(fake_tg, ADMIN_C)) == 1

    # after a restart (a new process, a new store): still told
    async with bot_on(fake_tg, tmp_path, admins={"super_admins": [SUPER]}, counties=COUNTIES) as bot:
        official = fake_tg.user(802)
        assert SHIPPED_CONTACT in texts(await ask(official, "/status"))
        await official_at_contact(bot, 804, "2023")
        assert len(notices(fake_tg, ADMIN_A)) == len(notices(fake_tg, ADMIN_C)) == 1

        # saving the text again re-arms the notice: one more, once
        admin = fake_tg.user(ADMIN_A, "王管理")
        await ask(admin, f"/set_prompt contact\n{BOMB_2023}")
        await ask(admin, "#save")
        await ask(official, "/status")
        await ask(official, "/status")
        assert len(notices(fake_tg, ADMIN_A)) == len(notices(fake_tg, ADMIN_C)) == 2


async def test_a_configured_text_failing_at_run_time_is_told_once_with_the_config_fix(fake_tg, tmp_path):
    # Built directly (as load_config would refuse a text failing on the preview reports): what a text
    # that fails only on reports the previews do not cover does at run time.
    counties = {TUOLI: {"admins": [ADMIN_A], "prompts": {"contact": BOMB_2023}}}
    fake_tg.user(ADMIN_A, "王管理")
    async with bot_on(fake_tg, tmp_path, counties=counties) as bot:
        _, shown = await official_at_contact(bot, 901, "2023")
        assert SHIPPED_CONTACT in shown
        await official_at_contact(bot, 902, "2023")
        [told] = notices(fake_tg, ADMIN_A)
        assert "（配置文件中的版本）" in told and f'config.toml 中 [counties."{TUOLI}".prompts] 的 contact' in told
        assert "/set_prompt contact" in told
    async with bot_on(fake_tg, tmp_path, counties=counties) as bot:
        await official_at_contact(bot, 903, "2023")
        assert len(notices(fake_tg, ADMIN_A)) == 1  # the mark is a row: a restart does not repeat it
    # the config's text changed (and still fails): a new text, told again
    changed = {TUOLI: {"admins": [ADMIN_A], "prompts": {"contact": "新的：" + BOMB_2023}}}
    async with bot_on(fake_tg, tmp_path, counties=changed) as bot:
        await official_at_contact(bot, 904, "2023")
        assert len(notices(fake_tg, ADMIN_A)) == 2


async def test_a_notice_is_committed_with_the_update_or_not_at_all(fake_tg, tmp_path, monkeypatch):
    """A handler that fails after the text fell back: its writes are undone — the mark too — and no
    notice goes out; the next update that meets the failing text tells the admins."""
    counties = {TUOLI: {"admins": [ADMIN_A], "prompts": {"contact": BOMB_2023}}}
    fake_tg.user(ADMIN_A, "王管理")
    async with bot_on(fake_tg, tmp_path, counties=counties) as bot:
        official = await bot.official(951, organ="托里县951镇人民政府", county=TUOLI)
        drafting = bot.process.services.drafting
        real = drafting._outs

        calls = []

        def failing(*args, **kwargs):
            outs = real(*args, **kwargs)
            calls.append(1)
            if len(calls) == 1:  # the question was rendered (and fell back) — then the handler fails
                raise RuntimeError("boom")
            return outs  # the apology's current question

        monkeypatch.setattr(drafting, "_outs", failing)
        with pytest.MonkeyPatch.context() as quiet:
            quiet.setattr(logging.getLogger("nianbao.runtime.worker"), "disabled", True)
            got = await settled(fake_tg, official.send("2023"))
        assert say("bot.sorry") in texts(got) and not notices(fake_tg, ADMIN_A)
        monkeypatch.setattr(drafting, "_outs", real)
        await ask(official, "2023")
        assert len(notices(fake_tg, ADMIN_A)) == 1


# ---- the mark in the store, on both databases ----------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    return db_url(tmp_path) if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_the_notice_mark_is_once_per_text_survives_a_new_store_and_rolls_back_with_its_unit(store_url):
    store = Store.open(store_url)
    try:
        store.set_override(TUOLI, "prompts.contact", BOMB_2023, by=ADMIN_A)
        with pytest.raises(RuntimeError), store.unit_of_work():  # told, then the unit fails: not marked
            assert store.claim_failure_notice(TUOLI, "prompts.contact", BOMB_2023, configured=False)
            raise RuntimeError("rolled back")
        with store.unit_of_work():
            assert store.claim_failure_notice(TUOLI, "prompts.contact", BOMB_2023, configured=False)
            assert not store.claim_failure_notice(TUOLI, "prompts.contact", BOMB_2023, configured=False)
        # a config text: its mark is a row of its own, invisible as a county text
        assert store.claim_failure_notice(TUOLI, "narratives.assessment", "配置的", configured=True)
        assert not store.claim_failure_notice(TUOLI, "narratives.assessment", "配置的", configured=True)
        assert store.claim_failure_notice(TUOLI, "narratives.assessment", "改过的", configured=True)
        assert store.override(TUOLI, "narratives.assessment") is None
        assert [o.key for o in store.overrides(TUOLI)] == ["prompts.contact"]
        # a text no longer saved (another worker changed it meanwhile): not this one's to tell
        assert not store.claim_failure_notice(TUOLI, "prompts.contact", "别的文字", configured=False)
    finally:
        store.close()
    store = Store.open(store_url)  # a restart
    try:
        assert not store.claim_failure_notice(TUOLI, "prompts.contact", BOMB_2023, configured=False)
        assert not store.claim_failure_notice(TUOLI, "narratives.assessment", "改过的", configured=True)
        store.set_override(TUOLI, "prompts.contact", BOMB_2023, by=ADMIN_A)  # saved again: re-armed
        assert store.claim_failure_notice(TUOLI, "prompts.contact", BOMB_2023, configured=False)
    finally:
        store.close()
