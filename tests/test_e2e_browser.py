"""End to end in a real browser: Debian's Chromium, driven by Playwright, against daphne.

Signs up, submits a prompt, watches the live progress reach done, sees the
ranked diagrams, rates one, opens the history and a diagram page, saving a
screenshot of each page to docs/screenshots/. The app runs the real pipeline
(base model cache under var/models, weights under models/) in its embedded
in-process worker, on a temporary SQLite database.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.loopback import free_port
from tests.prerequisites import need

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Loading the base model and the first generation take a while on a 2-core CPU.
JOB_TIMEOUT_MS = 300_000
PASSWORD = "a-long-test-password-42"


def server_env(tmp_path: Path) -> dict[str, str]:
    """Return the environment of the app under test: embedded defaults, a temporary database."""
    env = dict(os.environ)
    env.update(
        DEBUG="1",
        SQLITE_PATH=str(tmp_path / "e2e.sqlite3"),
        WORKER_MODE="thread",
        REDIS_URL="",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    return env


def start_server(tmp_path: Path, app: str = "diagramsite.asgi:application"):
    """Migrate a fresh database and serve `app` with daphne; return (process, base URL, log)."""
    env = server_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    port = free_port()
    log_path = tmp_path / "daphne.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed by stop_server
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), app],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + "/accounts/login/", timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(process, log)
            raise RuntimeError("daphne did not start:\n" + log_path.read_text()[-4000:])
        time.sleep(0.3)
    return process, base, log


def stop_server(process, log) -> None:
    """Stop the daphne process started by start_server."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
    log.close()


def pipeline_missing() -> str:
    """Return why the real pipeline cannot run here, or "" when it can."""
    for module in ("ranking.generation.pipeline", "ranking.scoring.ranker"):
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:  # its package is missing too
            found = False
        if not found:
            return f"{module} has not landed yet"
    from django.conf import settings

    from ranking.models import resolve_model_path
    from ranking.seed import DEFAULT_LLM, DEFAULT_SCORER

    if not (Path(settings.MODEL_CACHE_DIR) / "config.json").exists():
        return "no base model cache: run `python manage.py fetch_base_model`"
    # The seeded registrations are what a fresh database runs; their weights are committed.
    for path in (
        DEFAULT_LLM["adapter_path"],
        DEFAULT_SCORER["readability_path"],
        DEFAULT_SCORER["autoencoder_path"],
    ):
        if not resolve_model_path(path).exists():
            return f"models/{path} has not landed yet"
    return ""


@pytest.fixture
def app_url(tmp_path):
    """Serve the app with daphne on a free loopback port for one test."""
    reason = pipeline_missing()
    need(not reason, reason)
    process, base, log = start_server(tmp_path)
    yield base
    stop_server(process, log)


@pytest.fixture
def browser():
    """Launch Debian's Chromium through Playwright (never a downloaded browser)."""
    need(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run scripts/system_packages.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def shot(page, name: str, full_page: bool = False) -> None:
    """Save a screenshot of the page to docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def load_all_images(page, scope: str = "body") -> None:
    """Scroll through the page so lazy images load, and wait until all in `scope` are drawn."""
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        "scope => [...document.querySelectorAll(scope + ' img')]"
        ".every(img => img.complete && img.naturalWidth > 0)",
        arg=scope,
    )
    page.evaluate("window.scrollTo(0, 0)")


def frame_type(frame) -> str:
    """Return a websocket frame's message type ("" for a frame without one)."""
    match = re.search(r'"type": ?"(\w+)"', frame if isinstance(frame, str) else "")
    return match.group(1) if match else ""


def run_user_journey(page, base: str) -> dict:
    """Drive the whole product as a new user; return what it saw along the way."""
    from playwright.sync_api import expect

    seen = {"frames": []}
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda payload: seen["frames"].append(payload)),
    )

    # Keep a handle on every websocket the page opens, to drop one on purpose.
    page.add_init_script(
        "const Native = window.WebSocket; window.__sockets = [];"
        "window.WebSocket = function (...args) {"
        " const socket = new Native(...args); window.__sockets.push(socket); return socket; };"
        "window.WebSocket.prototype = Native.prototype;"
    )

    # Sign up.
    page.goto(base + "/accounts/signup/")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    shot(page, "signup")
    page.get_by_label("Username").fill("erin")
    page.get_by_label("Email").fill("erin@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()

    # New diagram: one click on an example fills the prompt.
    expect(page.get_by_role("heading", name="New diagram")).to_be_visible()
    chip = page.locator(".suggestions [data-prompt]").first
    prompt = seen["prompt"] = chip.get_attribute("data-prompt")
    chip.click()
    expect(page.get_by_label("Describe your model or process")).to_have_value(prompt)
    expect(page.get_by_label("Candidates to draw")).to_have_value("5")
    expect(page.get_by_label("Recommend the top")).to_have_value("3")
    shot(page, "new-diagram")
    page.get_by_role("button", name="Generate diagrams").click()

    # Live progress over the websocket.
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    job_url = page.url
    progress = page.locator("#progress")
    results = page.locator("#results")
    page.wait_for_function(
        "() => document.querySelector('#conn-status').textContent.trim() === 'Live'"
        " || document.querySelector('#results')",
        timeout=30_000,
    )
    # A dropped connection is retried with backoff and the state comes back
    # on the new socket; the job's later events keep arriving on it. The
    # socket is dropped as soon as it is live, while the first job still
    # loads the model: later the job can end within a second of its first
    # candidate, leaving nothing to reconnect to.
    assert not results.is_visible(), "the job ended before its socket could be dropped"
    frames_before = len(seen["frames"])
    page.evaluate("() => window.__sockets.at(-1).close()")
    page.wait_for_function(
        "() => window.__sockets.length >= 2"
        " && document.querySelector('#conn-status').textContent.trim() === 'Live'",
        timeout=30_000,
    )
    seen["sockets_opened"] = page.evaluate("() => window.__sockets.length")
    # Catch it mid-job: the first candidate is drawn before the last one
    # (five candidates of the real model on a CPU), so this wait must see it.
    if progress.is_visible():
        shot(page, "progress")
    page.wait_for_selector("#live-candidates .diagram-card", timeout=JOB_TIMEOUT_MS)
    seen["mid_job"] = {
        "progress_visible": progress.is_visible(),
        "results_visible": results.is_visible(),
        "stage": page.locator("#stage-label").inner_text(),
        "cards": page.locator("#live-candidates .diagram-card").count(),
    }
    shot(page, "progress")
    seen["after_reconnect"] = [frame_type(f) for f in seen["frames"][frames_before:]]
    # A reload mid-job shows the same state again (the websocket's state message).
    before = page.locator("#live-candidates .diagram-card").count()
    page.reload()
    page.wait_for_function(
        f"() => document.querySelectorAll('#live-candidates .diagram-card').length >= {before}"
        " || document.querySelector('#results')",
        timeout=30_000,
    )
    expect(results).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(progress).to_be_hidden()
    expect(page.locator("#job-status")).to_have_text("Done")

    # Ranked results: the top 3 large and first, the other 2 below.
    recommended = page.locator("#results .grid.large .diagram-card")
    others = page.locator("#results .grid.small .diagram-card")
    seen["recommended"] = recommended.count()
    seen["others"] = others.count()
    load_all_images(page, "#results")
    shot(page, "results", full_page=True)

    # Rate the best one 4 stars, in place.
    first = recommended.first
    diagram_id = first.get_attribute("data-diagram-id")
    first.locator("label[for$='-4']").click()
    expect(first.locator(".rating-status")).to_have_text("Saved: 4/5")
    api = page.request.get(f"{base}/api/diagrams/{diagram_id}/").json()
    seen["api_rating"] = api["rating"]
    page.reload()
    expect(page.locator(f"#rate-{diagram_id}-4")).to_be_checked()

    # History: the prompt with its diagrams; the rated filter finds the rated one.
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    seen["history_cards"] = page.locator(".diagram-card").count()
    seen["history_prompt"] = page.locator(".history-group header .prompt").first.inner_text()
    load_all_images(page)
    shot(page, "history", full_page=True)
    page.get_by_label("Show").select_option("rated")
    page.get_by_role("button", name="Apply").click()
    seen["history_rated_cards"] = page.locator(".diagram-card").count()

    # One diagram, large.
    page.locator(f"#diagram-{diagram_id} a", has_text="Details").click()
    page.wait_for_url(f"{base}/diagrams/{diagram_id}/")
    expect(page.locator(".rating-status")).to_have_text("Saved: 4/5")
    expect(page.locator(f'a[href="{job_url.removeprefix(base)}"]')).to_be_visible()
    load_all_images(page, ".detail")
    shot(page, "diagram-detail", full_page=True)
    return seen


def test_a_new_user_generates_rates_and_finds_diagrams_in_a_real_browser(app_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    seen = run_user_journey(page, app_url)
    prompt = seen["prompt"]
    types = [frame_type(f) for f in seen["frames"]]
    assert types[0] == "state"
    assert "progress" in types
    # Progress was on screen mid-job, with a candidate drawn before the results.
    mid = seen["mid_job"]
    assert mid["progress_visible"] and not mid["results_visible"] and mid["cards"] >= 1
    assert mid["stage"].strip()
    # The reconnect resumed: a second socket got the state, then the job's next events.
    assert seen["sockets_opened"] >= 2
    after = seen["after_reconnect"]
    assert "state" in after
    later = after[after.index("state") + 1 :]
    assert {"candidate", "progress", "done"} & set(later), after
    assert seen["recommended"] == 3
    assert seen["others"] == 2
    assert seen["api_rating"] == 4
    assert seen["history_cards"] == 5
    assert seen["history_prompt"].split()[:5] == prompt.split()[:5]
    assert seen["history_rated_cards"] == 1
