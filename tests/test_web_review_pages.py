"""The reviewers' and county admins' pages (web/review_pages.py) against a real store: the county's
reviewer sees a submitted draft and decides it, recorded exactly as the group's buttons record it; a
decision made in Telegram shows on the page; everyone else is refused every page and action."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from types import SimpleNamespace

import lxml.html
import pytest

from botkit import TODAY, ask, complete_report, make_config, running_bot, settled, texts
from nianbao.text import say
from nianbao.web.review_pages import (Refused, admin_chart, admin_export, admin_overview, decide, draft_state,
                                      draft_view, page_notice, render_admin, render_review_list, submitted_drafts)
from nianbao.workflow.access import identify
from nianbao.workflow.review import ALERT, GROUPS
from nianbao.workflow.services import Services
from nianbao.workflow.storage import AdminAction, ReviewAction, Role, Status, Store

TUOLI, YUMIN = "托里县", "裕民县"
ADMIN_A, ADMIN_B, REVIEWER_A, REVIEWER_B, OFFICIAL_A, OFFICIAL_B, STRANGER = 10, 20, 11, 21, 101, 201, 999
GROUP_A, GROUP_B = -1001, -1002
ORGAN_A, ORGAN_B = "托里县哈图镇人民政府", "裕民县吉也克镇人民政府"
REASON = "第二部分行政许可数字有误，应为3。"
NAMES = {ADMIN_A: "王管理", ADMIN_B: "赵管理", REVIEWER_A: "李审核", REVIEWER_B: "刘审核", OFFICIAL_A: "张三",
         OFFICIAL_B: "李四", STRANGER: "路人"}


def _config(url: str, **extra):
    fake = SimpleNamespace(token="1:abc", base_url="http://127.0.0.1:9/bot", base_file_url="http://127.0.0.1:9/file/bot")
    return make_config(fake, url, counties={TUOLI: {"admins": [ADMIN_A]}, YUMIN: {"admins": [ADMIN_B]}}, **extra)


@pytest.fixture
def svc(tmp_path):
    """Two counties, each with its admin (config), reviewer, group and an official's submitted draft."""
    url = f"sqlite:///{tmp_path / 'nb.sqlite'}"
    store = Store.open(url)
    services = Services(store, _config(url), lambda: TODAY)
    for person, name in NAMES.items():
        store.person_of("telegram", str(person), name, TODAY)
    for county, admin, reviewer, group, official, organ in ((TUOLI, ADMIN_A, REVIEWER_A, GROUP_A, OFFICIAL_A, ORGAN_A),
                                                            (YUMIN, ADMIN_B, REVIEWER_B, GROUP_B, OFFICIAL_B, ORGAN_B)):
        store.bind_review_group(county, group, by=admin, now=TODAY)
        store.grant(reviewer, county, Role.REVIEWER, by=admin, now=TODAY)
        code = store.create_invite(county, organ, by=admin, ttl=timedelta(hours=72), now=TODAY)
        store.redeem_invite(code, official, TODAY)
        submit(services, official, organ, county)
    yield services
    services.close()
    store.close()


def who(svc: Services, person: int):
    return identify(svc.store, svc.config, person, NAMES[person])


def submit(svc: Services, official: int, organ: str | None = None, county: str | None = None):
    """The official answers every question (in-process) and submits through the review's own path."""
    store = svc.store
    if store.active_report(official) is None:
        svc.drafting.new(who(svc, official), "")
        complete_report(SimpleNamespace(store=store, clock=lambda: TODAY), official, organ=organ, county=county)
    row = store.active_report(official)
    outs = svc.review.submit(who(svc, official), row.id, row.version)
    assert outs is not None and store.report(row.id).status is Status.SUBMITTED, outs
    return store.report(row.id)


def telegram_return(svc: Services, reviewer: int, group: int, row, reason: str = REASON):
    """「退回修改」 in the group, then the reply with the reason: Review.press and Review.reason as the
    router calls them (the sender records the question's message id on the submission's event)."""
    asked = svc.route_button(who(svc, reviewer), f"d{row.id}v{row.version}", "back", group, 500)
    [question] = asked
    svc.store.set_event_message(int(question.tag.removeprefix("event:")), group, 501)
    return svc.review.reason(who(svc, reviewer), group, 501, reason)


def record(event):
    """A review event as recorded, less what differs between any two of them (ids, the actor, the report)."""
    return (event.action, event.version, event.review_round, event.comment, event.at, event.group_chat_id,
            event.group_message_id)


def sent(outs):
    """What each Out says and where it goes (a render job by its caption), the report's names neutralised."""
    def text(out):
        said = out.job[1]["caption"] if out.job else out.text
        return said.replace(ORGAN_A, "机关").replace(ORGAN_B, "机关").replace("李审核", "审核人").replace("刘审核", "审核人")
    return [(text(out), out.job[0] if out.job else None, out.to is not None, out.tag) for out in outs]


# ---- the reviewer's pages -----------------------------------------------------------------------


def test_a_reviewer_sees_the_countys_submitted_draft_and_its_page(svc):
    reviewer = who(svc, REVIEWER_A)
    [draft] = submitted_drafts(svc, reviewer)
    row = svc.store.active_report(OFFICIAL_A)
    assert (draft.report_id, draft.version, draft.county, draft.organ, draft.year, draft.round) == \
        (row.id, row.version, TUOLI, ORGAN_A, 2024, 1)
    assert draft.official == "张三" and draft.submitted_at == TODAY and draft.submitted == "2025-01-10 17:00"
    listed = lxml.html.fragment_fromstring(str(render_review_list([draft])))
    [link] = listed.xpath("//a")
    assert link.get("href") == f"/review/{row.id}" and link.text_content() == f"{ORGAN_A}2024年"
    assert "张三" in listed.text_content() and "第 1 版" in listed.text_content()
    assert "没有等待审核" in str(render_review_list([]))
    # a county admin decides too; a super admin's list spans every county
    assert [d.report_id for d in submitted_drafts(svc, who(svc, ADMIN_A))] == [row.id]

    title, html = draft_view(svc, reviewer, row.id, csrf_token="tok<&>")
    assert title == f"{ORGAN_A}2024年政府信息公开工作年度报告"
    page = lxml.html.fragment_fromstring(str(html))
    forms = page.xpath("//form")
    assert len(forms) == 2 and all(f.get("method") == "post" and f.get("action") == f"/review/{row.id}"
                                   for f in forms)
    for form, decision in zip(forms, ("approve", "return"), strict=True):
        fields = {i.get("name"): i.get("value") for i in form.xpath(".//input")}
        assert fields == {"csrf": "tok<&>", "version": str(row.version), "decision": decision}
    [reason] = forms[1].xpath(".//textarea")
    assert reason.get("name") == "reason" and reason.get("required") is not None
    assert forms[1].xpath(".//label")[0].get("for") == reason.get("id")
    assert page.xpath("//article[@lang='zh-CN']//h1")[0].text_content() == title + "（草稿）"
    assert len(page.xpath("//article//table")) == 3
    assert "提交第 1 版" in page.text_content()  # the review record


def test_returning_on_the_page_records_what_the_groups_reply_records(svc):
    row_a, row_b = svc.store.active_report(OFFICIAL_A), svc.store.active_report(OFFICIAL_B)
    outs = decide(svc, who(svc, REVIEWER_A), row_a.id, row_a.version, "return", f"  {REASON}\n")
    by_telegram = telegram_return(svc, REVIEWER_B, GROUP_B, row_b)
    for row in (row_a, row_b):
        assert svc.store.report(row.id).status is Status.RETURNED
    web_event, tg_event = svc.store.history(row_a.id)[-1], svc.store.history(row_b.id)[-1]
    assert record(web_event) == record(tg_event)
    assert (web_event.action, web_event.comment, web_event.actor_id) == (ReviewAction.RETURN, REASON, REVIEWER_A)
    assert tg_event.actor_id == REVIEWER_B
    # the same messages: the group's to the county's group on Telegram, the official's to them; then the page's
    *delivered, notice = outs
    assert sent(delivered) == sent(by_telegram)
    assert [(o.chat_id, o.channel) for o in delivered if o.to is None] == [(GROUP_A, GROUPS)]
    assert [o.to for o in delivered if o.to is not None] == [OFFICIAL_A] and REASON in delivered[-1].text
    assert page_notice(outs) is notice and notice.tag is None and "已退回" in notice.text and "第 1 版" in notice.text
    assert not submitted_drafts(svc, who(svc, REVIEWER_A))
    assert draft_state(svc, who(svc, REVIEWER_A), row_a.id).status is Status.RETURNED


def test_approving_on_the_page_records_what_the_groups_button_records(svc):
    row_a, row_b = svc.store.active_report(OFFICIAL_A), svc.store.active_report(OFFICIAL_B)
    outs = decide(svc, who(svc, REVIEWER_A), row_a.id, row_a.version, "approve", None)
    by_telegram = svc.route_button(who(svc, REVIEWER_B), f"d{row_b.id}v{row_b.version}", "ok", GROUP_B, 500)
    assert record(svc.store.history(row_a.id)[-1]) == record(svc.store.history(row_b.id)[-1])
    assert svc.store.history(row_a.id)[-1].action is ReviewAction.APPROVE
    assert svc.store.report(row_a.id).status is Status.APPROVED
    *delivered, notice = outs
    assert sent(delivered) == sent(by_telegram)
    assert [o.job[0] for o in delivered] == ["render", "render"]
    assert all(o.job[1]["draft"] is False for o in delivered)  # the final document, no 草稿 marker
    assert [(o.chat_id, o.channel, o.to) for o in delivered] == [(GROUP_A, GROUPS, None), (None, None, OFFICIAL_A)]
    assert "已通过" in notice.text and notice.tag is None

    # the form of the old version decides nothing more: the page says why
    again = decide(svc, who(svc, REVIEWER_A), row_a.id, row_a.version, "return", REASON)
    assert [o.tag for o in again] == [ALERT] and "已经处理过" in again[0].text
    assert len(svc.store.history(row_a.id)) == 2 and svc.store.report(row_a.id).status is Status.APPROVED
    _, html = draft_view(svc, who(svc, REVIEWER_A), row_a.id, notice=again[0])
    page = lxml.html.fragment_fromstring(str(html))
    assert not page.xpath("//form") and page.xpath("//p[contains(@class, 'nb-error')]")
    assert "草稿" not in page.xpath("//article//h1")[0].text_content()


def test_a_return_needs_a_reason_and_a_decision_must_be_one(svc):
    row = svc.store.active_report(OFFICIAL_A)
    for reason in (None, "", " 好 ", "很" * 1001):
        outs = decide(svc, who(svc, REVIEWER_A), row.id, row.version, "return", reason)
        assert [o.tag for o in outs] == [ALERT] and "退回原因" in outs[0].text
    with pytest.raises(Refused) as refused:
        decide(svc, who(svc, REVIEWER_A), row.id, row.version, "delete", REASON)
    assert refused.value.status == 400
    assert svc.store.report(row.id).status is Status.SUBMITTED and len(svc.store.history(row.id)) == 1


def test_other_counties_and_strangers_are_refused_every_page_and_action(svc):
    row = svc.store.active_report(OFFICIAL_A)
    other, stranger, official = who(svc, REVIEWER_B), who(svc, STRANGER), who(svc, OFFICIAL_A)
    assert [d.county for d in submitted_drafts(svc, other)] == [YUMIN]  # its own county's only
    for person in (stranger, official):
        with pytest.raises(Refused) as refused:
            submitted_drafts(svc, person)
        assert refused.value.status == 403
    for person in (other, stranger, official):
        for call in (lambda: draft_view(svc, person, row.id), lambda: draft_state(svc, person, row.id),
                     lambda: decide(svc, person, row.id, row.version, "approve", None),
                     lambda: decide(svc, person, row.id, row.version, "return", REASON)):
            with pytest.raises(Refused) as refused:
                call()
            assert refused.value.status == 404 and refused.value.text == say("web_review.not_found")
    with pytest.raises(Refused) as missing:  # a report that does not exist is refused alike
        draft_view(svc, who(svc, REVIEWER_A), 123456)
    assert missing.value.text == say("web_review.not_found")
    # a reviewer is no admin; another county's admin is none of this county's
    for person in (who(svc, REVIEWER_A), who(svc, ADMIN_B), stranger, official):
        for call in (admin_overview, admin_chart, admin_export):
            with pytest.raises(Refused) as refused:
                call(svc, person, TUOLI)
            assert refused.value.status == 403
    assert svc.store.report(row.id).status is Status.SUBMITTED and len(svc.store.history(row.id)) == 1
    assert not svc.store.admin_events(TUOLI)


def test_a_decision_in_the_group_shows_on_the_page(svc):
    row = svc.store.active_report(OFFICIAL_A)
    assert [d.report_id for d in submitted_drafts(svc, who(svc, REVIEWER_A))] == [row.id]
    telegram_return(svc, REVIEWER_A, GROUP_A, row)
    assert not submitted_drafts(svc, who(svc, REVIEWER_A))
    _, html = draft_view(svc, who(svc, REVIEWER_A), row.id)
    assert REASON in lxml.html.fragment_fromstring(str(html)).text_content()
    resubmitted = submit(svc, OFFICIAL_A)
    [draft] = submitted_drafts(svc, who(svc, REVIEWER_A))
    assert (draft.round, draft.version) == (2, resubmitted.version)


# ---- the county admin's page ----------------------------------------------------------------------


def test_the_admins_overview_progress_chart_people_and_exports(svc):
    store, admin = svc.store, who(svc, ADMIN_A)
    for n in range(35):
        store.create_invite(TUOLI, f"托里县第{n:02d}镇人民政府", by=ADMIN_A, ttl=timedelta(hours=2), now=TODAY)
    o = admin_overview(svc, admin, TUOLI)
    assert (o.county, o.year, o.total, o.page, o.pages) == (TUOLI, 2024, 36, 1, 2)
    assert dict((key, count) for key, _, count in o.counts) == {
        "not_started": 35, "draft": 0, "submitted": 1, "returned": 0, "approved": 0}
    assert o.chart.startswith(b"\x89PNG") and "待审核 1" in o.legend
    assert admin_chart(svc, admin, TUOLI).startswith(b"\x89PNG")
    row = store.active_report(OFFICIAL_A)
    [hatu] = [line for line in o.organs if line.organ == ORGAN_A]
    assert (hatu.state, hatu.report_id) == ("submitted", row.id) and "待审核" in hatu.detail
    assert any("李审核" in name for name in o.reviewers) and any(str(ADMIN_A) in name for name in o.admins)
    assert o.joined == 1 and o.invited == 35
    assert o.exports == [(say("web_review.export_zip", county=TUOLI, year=2024),
                          "/admin/%E6%89%98%E9%87%8C%E5%8E%BF/export.zip?year=2024")]

    page = lxml.html.fragment_fromstring(str(render_admin(o)))
    [img] = page.xpath("//img")
    assert img.get("src") == "/admin/%E6%89%98%E9%87%8C%E5%8E%BF/chart.png?year=2024" and img.get("alt") == o.legend
    assert f"/review/{row.id}" in [a.get("href") for a in page.xpath("//a")]
    assert page.xpath("//nav//a")[0].get("href").endswith("?year=2024&page=2")
    second = admin_overview(svc, admin, TUOLI, page=2)
    assert second.start == 30 and len(second.organs) == 6 and second.page == 2
    with pytest.raises(Refused):
        admin_overview(svc, admin, TUOLI, year=1999)
    # open codes were shown: audited as /people is
    assert [e.action for e in store.admin_events(TUOLI)] == [AdminAction.ROLES] * 2

    made = admin_export(svc, admin, TUOLI)
    names = zipfile.ZipFile(io.BytesIO(made.archive)).namelist()
    assert made.filename == f"{TUOLI}2024年年报.zip" and made.documents == 1 and made.drafts == 1
    assert any(name.endswith(".docx") and "哈图镇" in name for name in names) and any("进度" in n for n in names)
    assert store.admin_events(TUOLI)[-1].action is AdminAction.EXPORT and '"via": "web"' in store.admin_events(TUOLI)[-1].detail


# ---- through the running bot ----------------------------------------------------------------------


async def test_decisions_in_telegram_and_on_the_page_see_each_other(fake_tg, tmp_path):
    """The real bot over the fake Telegram server and the pages on its store: the group returns the
    draft, the page sees it; the official resubmits in chat, the page approves, the chat sees it."""
    async with running_bot(fake_tg, tmp_path, counties={TUOLI: {"admins": [ADMIN_A]}}) as bot:
        group, admin = fake_tg.group(GROUP_A, "托里县审核群"), fake_tg.user(ADMIN_A, "王管理")
        await settled(fake_tg, admin.send_in_group(group, "/bind_review_group"))
        await ask(admin, f"/grant_reviewer {REVIEWER_A}")
        reviewer = fake_tg.user(REVIEWER_A, "李审核")
        official = await bot.official(OFFICIAL_A, organ=ORGAN_A, county=TUOLI, name="张三")
        complete_report(bot, OFFICIAL_A)
        offer = await ask(official, "/submit")
        await settled(fake_tg, official.press(offer[-1], offer[-1].callback_data[0]))
        pages = Services(bot.store, bot.config, bot.clock)
        try:
            page_reviewer = identify(bot.store, bot.config, REVIEWER_A, "李审核")
            [draft] = submitted_drafts(pages, page_reviewer)
            assert draft.organ == ORGAN_A and draft.round == 1

            post = next(i for i in reversed(fake_tg.sent(GROUP_A)) if i.buttons)
            asked = await settled(fake_tg, reviewer.press(post, f"d{draft.report_id}v{draft.version}|back"))
            [question] = [i for i in asked if i.chat_id == GROUP_A]
            await settled(fake_tg, reviewer.send_in_group(group, REASON, reply_to=question))
            assert not submitted_drafts(pages, page_reviewer)
            state = draft_state(pages, page_reviewer, draft.report_id)
            assert state.status is Status.RETURNED and any(REASON in line for line in state.history)

            await ask(official, "/edit 8")
            await ask(official, "3")
            offer = await ask(official, "/submit")
            await settled(fake_tg, official.press(offer[-1], offer[-1].callback_data[0]))
            [draft] = submitted_drafts(pages, page_reviewer)
            assert draft.round == 2
            with bot.store.unit_of_work():
                outs = decide(pages, page_reviewer, draft.report_id, draft.version, "approve", None)
            assert "已通过" in page_notice(outs).text
            assert texts(await ask(official, "/submit")) == say("review.already_approved", title=f"{ORGAN_A}2024年")
            assert "通过第 2 版" in texts(await ask(official, "/history"))
            # the group's old buttons are dead now
            old = next(i for i in reversed(fake_tg.sent(GROUP_A)) if i.buttons)
            await settled(fake_tg, reviewer.press(old, old.callback_data[0]))
            assert bot.store.report(draft.report_id).status is Status.APPROVED
            assert [e.action for e in bot.store.history(draft.report_id)] == [
                ReviewAction.SUBMIT, ReviewAction.RETURN, ReviewAction.SUBMIT, ReviewAction.APPROVE]
        finally:
            pages.close()


def test_an_unbound_group_is_not_written_to(svc):
    """A county whose group was unbound meanwhile: the page's decision tells the official only."""
    row = svc.store.active_report(OFFICIAL_A)
    assert svc.store.unbind_review_group(GROUP_A)
    outs = decide(svc, who(svc, REVIEWER_A), row.id, row.version, "return", REASON)
    assert [(o.to, o.chat_id) for o in outs] == [(OFFICIAL_A, None), (None, None)]
    assert "审核群" not in outs[-1].text
