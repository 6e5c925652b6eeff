"""Two-character county names (沛县、萧县、歙县) work everywhere: /grant_admin, /invite, /progress, the
county proposed from the organ's name and the official's report."""

from __future__ import annotations

import json

import pytest

from botkit import ask, running_bot, texts
from nianbao.workflow.admin import _COUNTY_WORD
from nianbao.text import say

SUPER = 1


@pytest.fixture
async def bot(fake_tg, tmp_path):
    async with running_bot(fake_tg, tmp_path, admins={"super_admins": [SUPER]}) as running:
        yield running


@pytest.mark.parametrize("county", ["沛县", "萧县", "歙县", "托里县", "克拉玛依市白碱滩区", "东城区", "正蓝旗"])
def test_a_county_word_may_have_two_characters(county):
    assert _COUNTY_WORD.match(county)


@pytest.mark.parametrize("word", ["县", "哈图镇人民政府", "龙固镇"])
def test_other_words_are_no_county(word):
    assert not _COUNTY_WORD.match(word)


async def test_grant_admin_with_a_two_character_county_end_to_end(bot, fake_tg):
    boss = fake_tg.user(SUPER, "省管理员")
    got = texts(await ask(boss, "/grant_admin 30 沛县"))
    assert got == say("admin.granted", person_id="30", county="沛县", role=say("admin.role_admin"), fresh=True)

    # the new admin of 沛县 invites a township; its official drafts with 沛县 as the county
    admin = fake_tg.user(30, "县管理员")
    invited = await ask(admin, "/invite 龙固镇人民政府")
    assert "沛县龙固镇人民政府" in invited[0].text
    official = fake_tg.user(3001, "李四")
    joined = texts(await ask(official, invited[1].text))
    assert say("bot.joined", county="沛县", organ="沛县龙固镇人民政府") in joined
    assert bot.store.organs_of(3001) == [("沛县", "沛县龙固镇人民政府")]
    draft = json.loads(bot.store.active_report(3001).interview_json)
    assert draft["county_hint"] == "沛县"

    # the super admin names the county in a command that acts on one
    progress = texts(await ask(boss, "/progress 2024 沛县"))
    assert "沛县龙固镇人民政府" in progress
