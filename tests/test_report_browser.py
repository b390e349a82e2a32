"""The report as a researcher uses it: opened from disk in headless Chromium.

Uses Debian's chromium and chromedriver (``.ci/run`` installs them); never a
downloaded browser. Missing browser = a failure with the fix in the message,
not a skip, so CI cannot pass without having looked at the page.
"""
import csv
import shutil
import tempfile
from pathlib import Path

import pytest

from pipeline.cli import main

from .conftest import CORPUS, ROOT

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000"]
SCREENSHOTS = ROOT / "outputs"
KNOWN = ("000_a94a2d5cae1ad98b", "595.92亿元", "59,592,000,000 CNY")


@pytest.fixture(scope="module")
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: install Debian's browser with "
                    "`apt-get update && apt-get install -y chromium chromium-driver` (.ci/run does this)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="newsfacts-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)  # the system driver: no download
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    assert main(["run", "--out", str(out)]) == 0  # the report is written by every run
    return out / "report"


def test_index_lists_every_article(browser, report):
    from selenium.webdriver.common.by import By

    browser.get((report / "index.html").as_uri())
    listed = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#articles tbody tr td:nth-child(2) a")]
    with (CORPUS / "manifest.csv").open(encoding="utf-8-sig") as f:
        expected = [row["doc_id"] for row in csv.DictReader(f)]
    assert sorted(listed) == sorted(expected)
    charts = browser.find_elements(By.CSS_SELECTOR, ".charts img")
    assert len(charts) == 3 and all(browser.execute_script("return arguments[0].naturalWidth", c) > 0 for c in charts)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "report_screenshot.png"))


def test_known_amount_is_highlighted_with_its_value(browser, report):
    from selenium.webdriver.common.by import By

    doc_id, text, value = KNOWN
    browser.get((report / "index.html").as_uri())
    browser.find_element(By.LINK_TEXT, doc_id).click()  # as a reader gets there
    marks = [m for m in browser.find_elements(By.CSS_SELECTOR, "#text mark.k-amount") if m.text.startswith(text)]
    assert marks, f"{text} is not highlighted as an amount"
    mark = marks[0]
    assert mark.get_attribute("data-v") == value
    shown = browser.execute_script("return getComputedStyle(arguments[0], '::after').content", mark)
    assert value in shown  # the value is drawn next to the number, not only stored
    assert mark.value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
    row = browser.find_element(By.CSS_SELECTOR, f'#mentions tr[data-ref="{mark.get_attribute("id")}"]')
    assert value in row.text
    SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "report_article_screenshot.png"))


def test_table_row_opens_its_mention(browser, report):
    from selenium.webdriver.common.by import By

    doc_id, text, _ = KNOWN
    browser.get((report / "tables" / "amounts.html").as_uri())
    box = browser.find_elements(By.CSS_SELECTOR, "tr.filters input")[3]  # the `text` column
    box.send_keys(text)
    visible = [r for r in browser.find_elements(By.CSS_SELECTOR, "#table tbody tr") if r.is_displayed()]
    assert visible and all(text in r.text for r in visible)
    visible[0].find_element(By.CSS_SELECTOR, "td.go a").click()
    target = browser.execute_script("return document.querySelector(':target')")
    assert target is not None and target.text.startswith(text)
    assert "targeted" in target.get_attribute("class")
