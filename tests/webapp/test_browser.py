"""End to end in a real headless Chromium against the portal served by waitress."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.webapp.conftest import PASSWORD, Portal

CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMEDRIVER).exists(),
                                reason="chromium-driver is not installed (make test installs it)")


@pytest.fixture
def base_url(portal: Portal) -> Iterator[str]:
    from waitress.server import create_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(portal.app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()
    thread.join(timeout=5)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,1400", f"--user-data-dir={tmp_path / 'chrome'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _wait_for(driver, text: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(driver, 15).until(lambda d: text in d.page_source)
    except Exception:
        _shot(driver, "unexpected-page")
        raise AssertionError(f"page never showed {text!r}; it shows: {driver.find_element('tag name', 'main').text[:500]}") from None


def _log_in(driver, base_url: str, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    """Log in through the form and wait for the page the role lands on (it shows ``landing``)."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    _wait_for(driver, landing)


def _shot(driver, name: str) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_supplier_submits_consumer_verifies_tampering_fails(portal: Portal, base_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    d = browser
    _log_in(d, base_url, "tea", "Records of hangzhou-spring-tea")

    d.get(f"{base_url}/supplier/submit/shipment")
    values = {"shipment_id": "SH-E2E-1", "order_id": "ORD-E2E-1", "consignee_country": "DE",
              "product.gtin": "06901234567892", "product.description": "Longjing green tea, 250 g tin",
              "product.quantity": "3", "product.mass_kg": "0.31", "mass_kg": "1.2", "origin.name": "Hangzhou",
              "origin.unlocode": "CNHGH", "destination.name": "Berlin", "destination.unlocode": "DEBER"}
    for name, value in values.items():
        d.find_element(By.ID, name).send_keys(value)
    _shot(d, "supplier-form")
    d.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    _wait_for(d, "Shipment recorded at position")
    assert "SH-E2E-1" in d.find_element(By.ID, "records").text
    _shot(d, "supplier-records")

    d.get(base_url)
    d.find_element(By.ID, "q").send_keys("ORD-E2E-1")
    d.find_element(By.CSS_SELECTOR, "form.search button").click()
    _wait_for(d, "Order ORD-E2E-1")
    badge = d.find_element(By.ID, "badge")  # signed and unchanged, not anchored yet: not green
    assert badge.get_attribute("data-state") == "pending" and "pending" in badge.get_attribute("class")
    assert "Pending." in badge.text and "not anchored on chain yet" in badge.text
    _shot(d, "consumer-pending")
    order_url = d.current_url

    portal.anchor()  # the worker's next checkpoint
    d.get(f"{base_url}/supplier/")
    assert "anchored" in d.find_element(By.ID, "records").text
    d.get(order_url)
    badge = d.find_element(By.ID, "badge")
    assert badge.get_attribute("data-state") == "verified" and "ok" in badge.get_attribute("class")
    assert "Verified." in badge.text and "signed by parties entitled to write them" in badge.text
    assert "anchored in a checkpoint the chain holds" in badge.text
    assert "key held by the portal for them" in d.find_element(By.CSS_SELECTOR, "table.verification").text
    assert "verified on chain" in d.find_element(By.CSS_SELECTOR, "table.verification").text
    qr_loaded = d.execute_script("const i = document.querySelector('.qr img'); return i.complete && i.naturalWidth")
    assert qr_loaded and qr_loaded > 50
    _shot(d, "consumer-verified")

    stored = portal.ledger.records_by_ref("shipment_id", "SH-E2E-1")[0]
    portal.ledger.revoke_key(stored.key_id, "portal key exposed", compromised_since=stored.received_at)
    d.get(order_url)
    badge = d.find_element(By.ID, "badge")
    assert badge.get_attribute("data-state") == "warning" and "warning" in badge.get_attribute("class")
    assert "Warning." in badge.text and "reported compromised since" in badge.text
    _shot(d, "consumer-warning")

    seq = stored.seq
    with portal.ledger.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER records_no_update"))
        env = conn.execute(text("SELECT envelope FROM records WHERE seq = :s"), {"s": seq}).scalar_one()
        conn.execute(text("UPDATE records SET envelope = :e WHERE seq = :s"),
                     {"e": bytes(env).replace(b'"quantity":3', b'"quantity":30'), "s": seq})
    d.get(order_url)
    badge = d.find_element(By.ID, "badge")
    assert badge.get_attribute("data-state") == "failed" and "failed" in badge.get_attribute("class")
    assert "Failed." in badge.text and "fail verification" in badge.text
    row = d.find_element(By.CSS_SELECTOR, f'tr[data-seq="{seq}"]')
    assert "FAILED" in row.text
    _shot(d, "consumer-failed")


def test_auditor_runs_a_report_and_downloads_the_pdf(portal: Portal, base_url: str, browser) -> None:  # type: ignore[no-untyped-def]
    import re
    import urllib.request

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = browser
    _log_in(d, base_url, "audit", "Run an audit")
    Select(d.find_element(By.ID, "participant_id")).select_by_value("hangzhou-spring-tea")
    d.find_element(By.ID, "order_ids").send_keys("ORD-ELEC-2001 ORD-TEA-1002")
    _shot(d, "auditor-scope")
    d.find_element(By.CSS_SELECTOR, "#scope-form button[type=submit]").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(d, 30).until(lambda drv: drv.find_element(By.ID, "job-done").is_displayed())
    progress = d.find_element(By.ID, "job-progress")
    assert int(progress.get_attribute("value")) == int(progress.get_attribute("max")) > 1
    _shot(d, "auditor-job-done")
    d.find_element(By.ID, "result-link").click()
    _wait_for(d, "This report is ledger record")
    assert "verified just now" in d.find_element(By.ID, "proof").text
    assert "No findings" in d.find_element(By.ID, "verdict").text
    assert d.find_elements(By.CSS_SELECTOR, "#chart-supplier .bar")
    _shot(d, "auditor-report")

    pdf_url = d.find_element(By.ID, "pdf-link").get_attribute("href")
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in d.get_cookies())
    with urllib.request.urlopen(urllib.request.Request(pdf_url, headers={"Cookie": cookies}), timeout=30) as resp:
        assert resp.headers["Content-Type"] == "application/pdf"
        data = resp.read()
    assert data.startswith(b"%PDF-") and re.search(rb"/Type\s*/Page\b(?!s)", data)
    report_id = d.current_url.rsplit("/", 1)[1]
    assert report_id in resp.headers["Content-Disposition"]


def test_supplier_uploads_a_csv_and_follows_its_job(portal: Portal, base_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.records_factory import shipment
    from tests.webapp.test_record_upload import csv_file

    good = tmp_path / "shipments.csv"
    good.write_text(csv_file([shipment(f"SH-E2E-UP-{i}", order_id="ORD-E2E-UP", shipper="hangzhou-spring-tea")
                              for i in range(2000)]))  # big enough that the page finds the job running
    refused = tmp_path / "refused.csv"
    refused.write_text(csv_file([shipment(f"SH-E2E-UP-X{i}", shipper="hangzhou-spring-tea") for i in range(2000)]
                                + [shipment("SH-E2E-UP-Y", shipper="shenzhen-voltcraft")]))
    d = browser
    _log_in(d, base_url, "tea", "Records of hangzhou-spring-tea")

    def upload(path: Path) -> None:
        d.get(f"{base_url}/supplier/upload")
        d.find_element(By.CSS_SELECTOR, "#upload-form input[type=file]").send_keys(str(path))
        d.find_element(By.CSS_SELECTOR, "#upload-form button[type=submit]").click()
        WebDriverWait(d, 30).until(lambda drv: "/supplier/upload/records/" in drv.current_url)
        WebDriverWait(d, 60).until(lambda drv: drv.find_element(By.ID, "job").get_attribute("data-state") != "running")

    upload(good)
    assert d.find_element(By.ID, "job-done").is_displayed()
    assert d.find_element(By.ID, "job-message").text == "All 2000 rows accepted (2000 new, 0 already recorded)."
    progress = d.find_element(By.ID, "job-progress")
    assert int(progress.get_attribute("value")) == int(progress.get_attribute("max")) == 2000
    _shot(d, "supplier-upload-done")
    d.find_element(By.ID, "result-link").click()
    _wait_for(d, "SH-E2E-UP-1999")
    assert len(portal.ledger.records_by_ref("order_id", "ORD-E2E-UP")) == 2000

    upload(refused)
    assert d.find_element(By.ID, "job-error").is_displayed() and not d.find_element(By.ID, "job-done").is_displayed()
    assert d.find_element(By.ID, "job-error-text").text == "Nothing was stored: 1 of 2001 rows were rejected."
    assert [li.text for li in d.find_elements(By.CSS_SELECTOR, "#job-problems li")] == [
        "row 2002, field shipper: shipper 'shenzhen-voltcraft' is not the signer 'hangzhou-spring-tea'"]
    _shot(d, "supplier-upload-failed")
    assert portal.ledger.records_by_ref("shipment_id", "SH-E2E-UP-X0") == []
