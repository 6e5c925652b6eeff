"""The whole review on phones, in a real browser (Debian's chromium driven by selenium, 390×844): an
official logs in with a code, answers a zero report, downloads the .docx and it is read back cell by
cell (against the reviewer's page: the same three tables); a reviewer signed in by a /web link returns
it with a reason; the official fixes one figure and resubmits; the reviewer approves; the reviewer's
draft page fits the phone's width (the wide tables scroll in their own boxes). Without chromium the
test fails in CI and is skipped elsewhere, saying why (test_web_browser._chrome)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import lxml.html
from docx import Document

from nianbao.workflow.storage import ReviewAction, Status, Store
from reviewkit import GROUP_A, REASON, county_people, login_link, two_counties
from test_web_browser import SCREENSHOTS, WIDTH, _chrome, _driver, _wait
from webkit import ZERO, RunningWeb


def html_grid(table) -> list[list[str]]:
    """An HTML table's cells by grid position (a cell spanning rows or columns fills each it covers)."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(table.xpath(".//tr")):
        c = 0
        for cell in tr.xpath("./th|./td"):
            while (r, c) in grid:
                c += 1
            for dr in range(int(cell.get("rowspan", 1))):
                for dc in range(int(cell.get("colspan", 1))):
                    grid[(r + dr, c + dc)] = cell.text_content().strip()
            c += int(cell.get("colspan", 1))
    rows = 1 + max(r for r, _ in grid)
    return [[grid[(r, c)] for c in range(1 + max(c for rr, c in grid if rr == r))] for r in range(rows)]


def docx_grid(table) -> list[list[str]]:
    """A .docx table's cells by grid position (python-docx repeats a merged cell in each it covers)."""
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


async def test_a_draft_returned_fixed_and_approved_on_phones(tmp_path):
    browser, driver = _chrome()
    from selenium.webdriver.common.by import By

    config = two_counties(tmp_path)
    store = Store.open(config.database.url)
    web = await RunningWeb(config, store).start()
    people = county_people(web)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    run = asyncio.to_thread
    official = await run(_driver, browser, driver, downloads)
    reviewer = await run(_driver, browser, driver, tmp_path)
    root = str(web.server.make_url("/"))[:-1]

    async def screenshot(chrome, name: str) -> Path:
        shot = tmp_path / f"{name}.png"
        await run(chrome.save_screenshot, str(shot))
        if SCREENSHOTS:
            shutil.copy(shot, Path(SCREENSHOTS) / shot.name)
        return shot

    async def width(chrome) -> int:
        return await run(chrome.execute_script, "return document.documentElement.scrollWidth")

    def shown_seq() -> int:
        seqs = official.execute_script("return [...document.querySelectorAll('.msg')].map(m => +m.dataset.seq)")
        return max(seqs, default=0)

    async def settle():
        await web.settled()
        newest = store.last_web_message()
        await run(_wait, lambda: shown_seq() >= newest, 15, "the official's page to show the bot's replies")

    async def official_does(line: str):
        """Type ``line`` into the official's page, or press its newest button 「#id」; then wait for the replies."""
        if line.startswith("#"):
            def press(wanted=line[1:]):
                _wait(lambda: official.find_elements(
                    By.CSS_SELECTOR, f'.buttons:not(.spent) button[data-id$="|{wanted}"]'), what=line)[-1].click()
            await run(press)
        else:
            def type_in():
                official.find_element(By.ID, "answer").send_keys(line)
                official.find_element(By.CSS_SELECTOR, "#say button").click()
            await run(type_in)
        await settle()

    async def download(link_count: int) -> Path:
        """Tap the newest .docx link on the official's page; the file saved."""
        links = await run(_wait, lambda: (found := official.find_elements(By.CSS_SELECTOR, "a.file"))
                          and len(found) >= link_count and found, 30, "the .docx link")
        name = links[-1].get_attribute("download")
        await run(official.execute_script, "arguments[0].scrollIntoView({block: 'center'})", links[-1])
        await run(links[-1].click)
        return (await run(_wait, lambda: [p for p in downloads.glob("*.docx") if p.name == name], 30,
                          "the download"))[0]

    def reviewer_page():
        return lxml.html.document_fromstring(reviewer.page_source)

    try:
        # ---- the official: a code, a zero report, the draft downloaded ----
        await run(official.get, f"{root}/login")
        code = web.invite()

        def log_in():
            official.find_element(By.ID, "code").send_keys(code)
            official.find_element(By.CSS_SELECTOR, "form.login button").click()
            _wait(lambda: official.current_url.endswith("/chat"), what="the chat page")
        await run(log_in)
        await settle()
        for line in ZERO:
            await official_does(line)
        draft = await download(1)
        assert draft.name.endswith("（草稿）.docx")
        await official_does("/submit")
        await official_does("#go")
        row = next(r for r in store.reports_in_county("托里县") if r.status is Status.SUBMITTED)

        # ---- the reviewer: a /web link, the list, the draft, returned with a reason ----
        await run(reviewer.get, root + login_link(web, people.reviewer_a, "李审核"))

        def use_link():
            reviewer.find_element(By.CSS_SELECTOR, "form.login button").click()
            _wait(lambda: reviewer.current_url.endswith("/review"), what="the reviewer's list")
        await run(use_link)
        await screenshot(reviewer, "review-list-390x844")
        assert await width(reviewer) <= WIDTH
        await run(lambda: reviewer.find_element(By.CSS_SELECTOR, f'main a[href="/review/{row.id}"]').click())
        await run(_wait, lambda: reviewer.current_url.endswith(f"/review/{row.id}"), 15, "the draft's page")
        await screenshot(reviewer, "review-draft-390x844")
        assert (shown := await width(reviewer)) <= WIDTH, f"horizontal overflow: {shown} px"
        boxes = await run(reviewer.execute_script, """return [...document.querySelectorAll('.nb-table-wrap')]
            .map(b => [b.clientWidth, b.scrollWidth])""")
        assert len(boxes) == 3 and all(client <= WIDTH for client, _ in boxes)
        assert any(scroll > client for client, scroll in boxes)   # the wide tables scroll in their own box

        # the .docx read back cell by cell: the same cells as the reviewer's page shows
        page_tables = [html_grid(t) for t in reviewer_page().xpath("//article//table")]
        document = Document(str(draft))
        assert [docx_grid(t) for t in document.tables] == page_tables
        values = [cell for table in page_tables for r in table for cell in r if cell.isdigit()]
        assert values and set(values) == {"0"}                     # a zero report: every figure 0
        assert "全年，我镇主动公开政府信息4条。" in "\n".join(p.text for p in document.paragraphs)

        # table 三 under its heading (clear of the sticky header), then scrolled sideways in its box
        await run(reviewer.execute_script, """const h = document.querySelector('.nb-table-applications')
            .closest('.nb-section').querySelector('h2');
            window.scrollTo(0, h.getBoundingClientRect().top + window.scrollY - 70);""")
        await screenshot(reviewer, "review-table-390x844")
        await run(reviewer.execute_script, """const box = document.querySelector('.nb-table-applications')
            .closest('.nb-table-wrap'); box.scrollLeft = box.scrollWidth;""")
        await screenshot(reviewer, "review-table-scrolled-390x844")
        assert await width(reviewer) <= WIDTH

        def return_it():
            box = reviewer.find_element(By.ID, "nb-reason")
            reviewer.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.send_keys(REASON)
            box.find_element(By.XPATH, "./ancestor::form//button[@type='submit']").click()
            _wait(lambda: "已退回" in reviewer.page_source, what="the page's notice")
        await run(return_it)
        await screenshot(reviewer, "review-returned-390x844")
        assert await width(reviewer) <= WIDTH
        await settle()
        said = await run(lambda: official.find_element(By.ID, "log").text)
        assert "被退回修改" in said and REASON in said

        # ---- the official fixes one figure (行政许可 0 → 3) and resubmits ----
        for line in ("/edit 8", "3", "#gen"):
            await official_does(line)
        await download(2)
        for line in ("/submit", "#go"):
            await official_does(line)
        assert store.report(row.id).status is Status.SUBMITTED and store.report(row.id).review_round == 2

        # ---- the reviewer approves ----
        await run(reviewer.get, f"{root}/review/{row.id}")

        def approve():
            button = reviewer.find_element(By.XPATH, "//form[.//input[@value='approve']]//button")
            reviewer.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
            button.click()
            _wait(lambda: "已通过" in reviewer.page_source, what="the page's notice")
        await run(approve)
        await screenshot(reviewer, "review-approved-390x844")
        assert await width(reviewer) <= WIDTH
        await settle()
        final = await download(3)
        assert "草稿" not in final.name
        fixed = Document(str(final))
        cells = [docx_grid(t) for t in fixed.tables]
        values = [cell for table in cells for r in table for cell in r if cell.isdigit()]
        assert "3" in values and set(values) <= {"0", "3"}
        assert [e.action for e in store.history(row.id)] == [
            ReviewAction.SUBMIT, ReviewAction.RETURN, ReviewAction.SUBMIT, ReviewAction.APPROVE]
        assert any(kind == "file" and chat == str(GROUP_A) and "草稿" not in name   # the group's final copy
                   for kind, chat, name in web.telegram.sent)
        await screenshot(official, "official-approved-390x844")
        assert await width(official) <= WIDTH

        # ---- the same phone: 退出, then the county's admin by their own link ----
        def log_out():
            reviewer.find_element(By.CSS_SELECTOR, "form.logout button").click()
            _wait(lambda: reviewer.current_url.endswith("/login"), what="the login page")
        await run(log_out)
        await run(reviewer.get, root + login_link(web, people.admin_a, "王管理"))

        def admin_in():
            reviewer.find_element(By.CSS_SELECTOR, "form.login button").click()
            _wait(lambda: "/admin/" in reviewer.current_url, what="the county's page")
            _wait(lambda: reviewer.execute_script("return document.querySelector('img.nb-chart').complete"),
                  what="the chart")
        await run(admin_in)
        await screenshot(reviewer, "admin-390x844")
        assert await width(reviewer) <= WIDTH
        assert await run(reviewer.execute_script, "return document.querySelector('img.nb-chart').naturalWidth") == 800
    finally:
        await run(official.quit)
        await run(reviewer.quit)
        await web.stop()
        store.close()
