"""Generated HTML opens in headless Chromium with no console errors and every figure loaded.

Needs Debian's `chromium` and `chromium-driver` (CI installs them: see .ci/run).
"""

import shutil

import pytest

pytestmark = pytest.mark.browser

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and DRIVER):
        pytest.skip("headless Chromium not installed: apt-get install chromium chromium-driver (CI does)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chrome')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def open_page(browser, path, screenshot):
    browser.get(path.resolve().as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    images = browser.execute_script(
        "return Array.from(document.images).map(i => [i.alt, i.complete && i.naturalWidth > 0])")
    browser.save_screenshot(str(screenshot))
    return errors, images


def test_evaluation_report_renders(browser, model_dir, tmp_path, monkeypatch):
    from conftest import ROOT
    from inference.loader import load_classifier
    from training.evalsets import load_eval_set
    from training.evaluate import evaluate
    from training.report import write_reports

    monkeypatch.chdir(ROOT)
    result = evaluate(load_classifier(model_dir), load_eval_set("kursk:test"))
    _, page, _ = write_reports(result, tmp_path, "browser check")
    errors, images = open_page(browser, page, tmp_path / "report.png")
    assert errors == []
    assert sorted(alt for alt, ok in images if ok) == ["confusion", "reliability"]
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_scored_article_page_renders(browser, model_dir, tmp_path):
    from conftest import ROOT, stance

    result = stance("score", str(ROOT / "datasets/articles/sudzha-sample.txt"), "--model", str(model_dir), "--format", "html")
    assert result.returncode == 0, result.stderr
    page = tmp_path / "article.html"
    page.write_text(result.stdout)
    errors, images = open_page(browser, page, tmp_path / "article.png")
    assert errors == [] and images == []
    labels = browser.execute_script("return Array.from(document.querySelectorAll('span.s')).map(s => s.className)")
    assert len(labels) >= 10 and any("no-claim" in c for c in labels)
    assert browser.find_element("css selector", ".summary").is_displayed()
