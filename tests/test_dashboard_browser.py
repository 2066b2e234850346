"""The budget dashboard as a planner sees it: Voila serves notebooks/03_budget_tuning.ipynb on
localhost and headless Chromium (Debian's /usr/bin/chromium, driven by Playwright; no browser is
downloaded) loads it, reads the outcome panel, moves a budget slider and waits for the panel to
change, with no error in the page or the browser console.

Needs Debian's chromium (`make browser-deps` installs it as root). Without it the test skips,
except where ``FUPIN_REQUIRE_BROWSER=1`` (``.ci/run``), where it fails.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # the dev extra is not installed
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_budget_tuning.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # no name leaves the machine
]
VOILA_STARTUP_S = 60  # until Voila listens
PAGE_LOAD_MS = 120_000  # until the panel shows numbers: kernel start, imports, first run of the outcomes
REFRESH_MS = 30_000  # until the panel changes after a slider move (the issue asks < 2 s; CI machines are shared)
SLIDER = "Industry"  # the slider moved: the industry budget, set to zero
LOCAL_HOST = "127.0.0.1"


def _unavailable(reason: str) -> None:
    if os.environ.get("FUPIN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (FUPIN_REQUIRE_BROWSER=1: the browser test must run; `make browser-deps` installs it)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def _wait_listening(process: subprocess.Popen, port: int, log: Path) -> None:
    deadline = time.monotonic() + VOILA_STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Voila exited with status {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with socket.create_connection((LOCAL_HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"Voila did not listen on port {port} within {VOILA_STARTUP_S} s:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen) -> int | None:
    """Stop Voila as Ctrl-C would (SIGTERM: it shuts its kernels down and exits with 0).

    Returns its exit status, or None when it had to be killed.
    """
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        return None


@pytest.fixture
def voila_url(tmp_path):
    """Voila serving the budget notebook on a free localhost port; stopped after the test."""
    if sync_playwright is None:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (Debian package chromium)")
    port = _free_port()
    log = tmp_path / "voila.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "voila",
                str(NOTEBOOK),
                "--no-browser",
                f"--port={port}",
                f"--Voila.ip={LOCAL_HOST}",
                "--Voila.port_retries=0",
                "--strip_sources=True",
            ],
            cwd=NOTEBOOK.parent,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, killed whole if it hangs
        )
    try:
        _wait_listening(process, port, log)
        yield f"http://{LOCAL_HOST}:{port}/"
    finally:
        status = _stop(process)
    assert status == 0, f"Voila did not stop cleanly (status {status}):\n{log.read_text(errors='replace')}"


def test_budget_dashboard_loads_and_a_slider_refreshes_the_outcome_panel(voila_url, tmp_path):
    errors: list[str] = []
    outside: list[tuple[str, str]] = []

    def route(request_route):
        request = request_route.request
        if request.url.startswith(voila_url):
            request_route.continue_()
            return
        # Nothing leaves the machine: Voila's page template links Font Awesome's CSS on a CDN (a
        # copy is in its bundle); answered here with an empty stylesheet.
        outside.append((request.resource_type, request.url))
        request_route.fulfill(status=200, body="", content_type="text/css")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh user-data dir
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        try:
            context.route("**/*", route)
            page = context.new_page()
            page.on("console", lambda message: message.type == "error" and errors.append(f"console: {message.text}"))
            page.on("pageerror", lambda error: errors.append(f"page error: {error}"))

            page.goto(voila_url, timeout=PAGE_LOAD_MS)
            panel = page.locator(".fupin-outcomes")
            panel.wait_for(state="visible", timeout=PAGE_LOAD_MS)
            page.wait_for_function(
                "selector => /\\d/.test(document.querySelector(selector).innerText)",
                arg=".fupin-outcomes",
                timeout=PAGE_LOAD_MS,
            )
            before = panel.inner_text()
            assert re.search(r"\d+\s*%", before), before  # target probabilities as percentages
            assert re.search(r"\d{1,3}(,\d{3})+", before), before  # yuan with thousands separators
            assert page.locator(".jp-CodeCell").count() > 0
            assert page.locator(".jp-CodeCell .jp-InputArea, .cm-editor").count() == 0  # no code visible

            slider = page.locator(".widget-slider", has_text=SLIDER)
            handle = slider.locator("[role=slider]")
            assert float(handle.get_attribute("aria-valuenow")) > 0
            handle.focus()
            moved_at = time.monotonic()
            page.keyboard.press("Home")  # the slider's minimum: no industry budget
            page.wait_for_function(
                "([selector, old]) => document.querySelector(selector).innerText !== old",
                arg=[".fupin-outcomes", before],
                timeout=REFRESH_MS,
            )
            refresh_s = time.monotonic() - moved_at
            after = panel.inner_text()

            assert float(handle.get_attribute("aria-valuenow")) == 0
            assert re.search(r"\d", after) and after != before
            assert page.locator("[data-mime-type='application/vnd.jupyter.stderr']").count() == 0
            assert "Traceback" not in page.locator("body").inner_text()
        finally:
            context.close()

    print(f"outcome panel refreshed {refresh_s:.2f} s after the slider moved")
    assert not errors, "\n".join(errors)
    assert all(kind in ("stylesheet", "font") for kind, _ in outside), outside
