"""The web front end in a real browser: Debian's chromium driven by selenium, as a phone (390×844).
An official logs in with an invite code, answers a zero report to the end, downloads the .docx (read
back here), and the page fits the phone's width. Without chromium the test fails in CI and is
skipped elsewhere, saying why."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from pathlib import Path

import pytest
from docx import Document

from nianbao.workflow.storage import Store
from webkit import ZERO, RunningWeb, web_config

WIDTH, HEIGHT = 390, 844
SCREENSHOTS = os.environ.get("NIANBAO_WEB_SCREENSHOTS")  # a folder to keep the screenshots in too


def _chrome():
    """(chromium, chromedriver) or a pytest outcome: fail in CI, skip elsewhere."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser and driver:
        try:
            import selenium  # noqa: F401
            return browser, driver
        except ImportError:
            missing = "the selenium package (pip install '.[test]')"
    else:
        missing = "Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver)"
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI needs {missing} for the browser test", pytrace=False)
    pytest.skip(f"no real browser: {missing} not installed")


def _driver(browser: str, driver: str, downloads: Path):
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must not fetch a browser or a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--lang=zh-CN", f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    options.add_experimental_option("mobileEmulation", {
        "deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 2.0, "touch": True},
        "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/126.0 Mobile Safari/537.36"})
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    chrome.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    chrome.set_page_load_timeout(30)
    return chrome


def _wait(condition, timeout: float = 15.0, what: str = "the page"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_an_official_answers_a_zero_report_on_a_phone(tmp_path):
    browser, driver = _chrome()
    from selenium.webdriver.common.by import By

    config = web_config(tmp_path)
    store = Store.open(config.database.url)
    web = await RunningWeb(config, store).start()
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    chrome = await asyncio.to_thread(_driver, browser, driver, downloads)
    root = str(web.server.make_url("/"))[:-1]
    run = asyncio.to_thread

    def shown_seq() -> int:
        seqs = chrome.execute_script("return [...document.querySelectorAll('.msg')].map(m => +m.dataset.seq)")
        return max(seqs, default=0)

    async def screenshot(name: str) -> Path:
        shot = tmp_path / f"{name}.png"
        await run(chrome.save_screenshot, str(shot))
        if SCREENSHOTS:
            shutil.copy(shot, Path(SCREENSHOTS) / shot.name)
        return shot

    async def overflow() -> int:
        return await run(chrome.execute_script, "return document.documentElement.scrollWidth")

    async def settle():
        """The pipeline done, and the page shows everything the bot put on it."""
        await web.settled()
        newest = store.last_web_message()
        await run(_wait, lambda: shown_seq() >= newest, 15, "the page to show the bot's replies")

    try:
        await run(chrome.get, f"{root}/login")
        assert chrome.title.startswith("登录")
        await screenshot("login-390x844")
        assert await overflow() <= WIDTH
        code = web.invite()

        def log_in():
            chrome.find_element(By.ID, "code").send_keys(code.lower())  # typed as people type it
            chrome.find_element(By.CSS_SELECTOR, "form.login button").click()
            _wait(lambda: chrome.current_url.endswith("/chat"), what="the chat page")
        await run(log_in)
        await settle()

        for i, line in enumerate(ZERO):
            if i == 2:
                await screenshot("question-390x844")  # a question with its buttons
            if line.startswith("#"):
                def press(wanted=line[1:]):
                    button = _wait(lambda: chrome.find_elements(
                        By.CSS_SELECTOR, f'.buttons:not(.spent) button[data-id$="|{wanted}"]'), what=line)[-1]
                    button.click()
                await run(press)
            else:
                def type_in(text=line):
                    box = chrome.find_element(By.ID, "answer")
                    box.send_keys(text)
                    chrome.find_element(By.CSS_SELECTOR, "#say button").click()
                await run(type_in)
            await settle()

        link = await run(_wait, lambda: chrome.find_elements(By.CSS_SELECTOR, "a.file"), 30, "the .docx link")
        name = link[-1].get_attribute("download")
        assert name.endswith("（草稿）.docx")
        await run(chrome.execute_script, "window.scrollTo(0, document.documentElement.scrollHeight)")
        await screenshot("chat-390x844")
        width = await overflow()
        assert width <= WIDTH, f"horizontal overflow: {width} px"
        # the narrowest phones the page is made for
        await run(chrome.execute_cdp_cmd, "Emulation.setDeviceMetricsOverride",
                  {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})
        await screenshot("chat-360x740")
        assert await overflow() <= 360
        await run(chrome.execute_cdp_cmd, "Emulation.setDeviceMetricsOverride",   # and a desktop's
                  {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        await screenshot("chat-1280x800")
        assert await overflow() <= 1280
        await run(chrome.execute_cdp_cmd, "Emulation.clearDeviceMetricsOverride", {})
        progress = await run(chrome.find_element(By.ID, "progress-text").get_attribute, "textContent")
        assert "/" in progress

        await run(chrome.execute_script, "arguments[0].scrollIntoView({block: 'center'})", link[-1])
        await run(link[-1].click)  # one tap
        saved = await run(_wait, lambda: [p for p in downloads.glob("*.docx")], 30, "the download")
        docx = Document(str(saved[0]))
        assert saved[0].name == name
        body = "\n".join(p.text for p in docx.paragraphs)
        assert "托里县哈图镇人民政府\n2024年政府信息公开工作年度报告" in body
        assert "全年，我镇主动公开政府信息4条。" in body
        cells = [cell.text for table in docx.tables for row in table.rows for cell in row.cells]
        assert cells.count("0") > 20  # a zero report: the national tables filled with 0
    finally:
        await run(chrome.quit)
        await web.stop()
        store.close()


def test_without_chromium_ci_fails_and_elsewhere_it_is_skipped_with_the_reason(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI needs Debian's chromium"):
        _chrome()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no real browser: Debian's chromium and chromium-driver"):
        _chrome()
