"""End to end in a real browser: fix a diagram's plan, save it, rate it, export it (issue 12).

Signs up, generates diagrams for a flowchart prompt, opens the best one,
fixes a wrong edge and a name in the plan editor (watching the live preview
follow, and an error point at its line while the last good preview stays),
restyles it with a form control, saves it, finds the revision scored and
rateable on its page and in the history, rates it, downloads it as Mermaid
and draw.io, and renders the Mermaid export with the real `mermaid` package
(npm, test-only: tests/npm) in Chromium, checking its node and edge counts.
Screenshots go to docs/screenshots/.

The generator is the stand-in from tests/fake_generator.py (the plans are
not the subject here); layout, rendering and scoring are the real ones with
the shipped scorer weights.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ranking.diagrams import nodelist
from ranking.examples import EXAMPLES
from tests.fake_generator import FakeGenerator
from tests.prerequisites import need
from tests.test_e2e_browser import (  # noqa: F401 - `browser` is a fixture
    PASSWORD,
    ROOT,
    browser,
    load_all_images,
    shot,
    start_server,
    stop_server,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MERMAID_JS = ROOT / "tests" / "npm" / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"
NEW_NAME = "python script"


def flow_prompt() -> str:
    """Return an example prompt the stand-in generator answers with a flowchart."""
    fake = FakeGenerator(delay=0)
    return next(e.prompt for e in EXAMPLES if fake.structure(e.prompt).startswith("flow\n"))


def fixed_plan(plan: str) -> tuple[str, str, str]:
    """Return (plan with a wrong edge and a name fixed, old name, new edge target).

    The last step's processor is renamed everywhere it appears, and its
    output (a wrong edge) is pointed at the first step's output instead.
    """
    lines = plan.strip().splitlines()
    steps = [i for i, line in enumerate(lines) if line.count(">") == 2]
    first, last = lines[steps[0]].split(" > "), lines[steps[-1]].split(" > ")
    old_name = last[1]
    target = first[2] if first[2] != "-" else first[0]
    lines[steps[-1]] = " > ".join([last[0], old_name, target])
    renamed = [
        " > ".join(
            ", ".join(NEW_NAME if item.strip() == old_name else item for item in part.split(", "))
            for part in line.split(" > ")
        )
        for line in lines
    ]
    return "\n".join(renamed), old_name, target


@pytest.fixture
def editor_app(tmp_path, monkeypatch):
    """The app with the stand-in generator: a job is done in seconds."""
    monkeypatch.setenv("JOB_GENERATOR_FACTORY", "tests.fake_generator.build")
    process, base, log = start_server(tmp_path)
    yield base
    stop_server(process, log)


def render_mermaid(browser_, text: str) -> dict:  # noqa: F811
    """Render Mermaid text with the npm package in a blank page; return counts and a screenshot."""
    page = browser_.new_page(viewport={"width": 1000, "height": 600})
    page.set_content("<!doctype html><html><body><div id='out'></div></body></html>")
    page.add_script_tag(path=str(MERMAID_JS))
    counts = page.evaluate(
        """async (text) => {
            mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });
            const { svg } = await mermaid.render("exported", text);
            const out = document.getElementById("out");
            out.innerHTML = svg;
            return {
                nodes: out.querySelectorAll("g.node").length,
                edges: out.querySelectorAll("path.flowchart-link").length,
                labels: [...out.querySelectorAll("g.node")].map((n) => n.textContent.trim()),
            };
        }""",
        text,
    )
    shot(page, "export-mermaid-rendered")
    page.close()
    return counts


def test_a_user_fixes_saves_rates_and_exports_a_diagram_in_a_real_browser(
    editor_app,
    browser,  # noqa: F811
    tmp_path,
):
    need(MERMAID_JS.exists(), "tests/npm has no mermaid: run scripts/test_packages.sh")
    from playwright.sync_api import expect

    base = editor_app
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)

    # Sign up and generate diagrams for a flowchart prompt.
    page.goto(base + "/accounts/signup/")
    page.get_by_label("Username").fill("fern")
    page.get_by_label("Email").fill("fern@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="New diagram")).to_be_visible()
    page.get_by_label("Describe your model or process").fill(flow_prompt())
    page.get_by_role("button", name="Generate diagrams").click()
    page.wait_for_url(re.compile(r"/jobs/\d+/$"))
    expect(page.locator("#results")).to_be_visible(timeout=120_000)

    # Open the best one: its plan is in the editor, its picture in the preview.
    best = page.locator("#results .grid.large .diagram-card").first
    source_id = int(best.get_attribute("data-diagram-id"))
    best.get_by_role("link", name=re.compile("^Details")).click()
    page.wait_for_url(f"{base}/diagrams/{source_id}/")
    editor = page.get_by_label("Plan", exact=True)
    model_plan = editor.input_value()
    assert model_plan.startswith("flow\n") and "\nstyle: " in model_plan
    new_plan, old_name, target = fixed_plan(model_plan)
    preview = page.locator("#plan-preview")

    # A wrong line points at itself; the last good preview stays.
    broken = model_plan.replace("\nstyle:", "\nevents > nowhere\nstyle:")
    editor.fill(broken)
    bad_line = broken.splitlines().index("events > nowhere") + 1
    errors = page.locator("#plan-errors")
    expect(errors).to_contain_text(f"line {bad_line}: a step needs 'inputs > processor > outputs'")
    expect(editor).to_have_attribute("aria-invalid", "true")
    expect(preview).to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#plan-gutter .bad")).to_have_text(str(bad_line))
    shot(page, "editor-error", full_page=True)

    # Fix the edge and the name: the preview follows.
    editor.fill(new_plan)
    expect(preview.locator("svg")).to_contain_text(NEW_NAME)
    expect(preview).not_to_have_class(re.compile(r"\bstale\b"))
    expect(errors).to_be_empty()
    assert old_name not in preview.locator("svg").text_content()

    # A style control rewrites the style line (keyboard: focus the select, pick with keys).
    palette = page.get_by_label("Palette")
    palette.focus()
    palette.select_option("warm")
    expect(editor).to_have_value(re.compile(r"\nstyle: \w+ \w+ \w+ warm \w+ \w+$"))
    expect(preview.locator("svg")).to_contain_text(NEW_NAME)
    load_all_images(page, ".detail")
    shot(page, "editor", full_page=True)

    # Save with the keyboard (a new diagram, edited from the source, scored and rateable): Tab from the plan reaches Save, Enter presses it.
    editor.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save as a new diagram")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(
        lambda url: re.search(r"/diagrams/\d+/$", url) and f"/diagrams/{source_id}/" not in url
    )
    revision_id = int(re.search(r"/diagrams/(\d+)/$", page.url).group(1))
    expect(page.locator(".page-head .lineage")).to_contain_text("Edited from")
    api = page.request.get(f"{base}/api/diagrams/{revision_id}/").json()
    assert api["parent"] == source_id
    assert NEW_NAME in api["plan"] and "warm" in api["plan"]
    assert 0 <= api["readability"] <= 5 and api["final_score"] >= api["readability"]
    page.locator(f"label[for='rate-{revision_id}-4']").click()
    expect(page.locator(".rating-status")).to_have_text("Saved: 4/5")
    load_all_images(page, ".detail")
    shot(page, "revision", full_page=True)

    # History shows the lineage both ways.
    page.get_by_role("link", name="History").click()
    revision_card = page.locator(f"#diagram-{revision_id}")
    expect(revision_card.locator(".lineage")).to_contain_text("Edited from")
    expect(page.locator(f"#diagram-{source_id} .lineage")).to_contain_text("Edited into")
    load_all_images(page)
    shot(page, "history-edits", full_page=True)

    # Downloads: Mermaid and draw.io, from the revision's card.
    with page.expect_download() as mermaid_download:
        revision_card.get_by_role("link", name=re.compile("^Mermaid")).click()
    mermaid_text = Path(mermaid_download.value.path()).read_text()
    with page.expect_download() as drawio_download:
        revision_card.get_by_role("link", name=re.compile("^draw.io")).click()
    assert drawio_download.value.suggested_filename == f"diagram-{revision_id}.drawio"
    drawio = ET.parse(drawio_download.value.path()).getroot()

    # The exports carry the saved diagram: same nodes, same edges.
    saved = nodelist.parse(api["node_list"]).diagram
    n_nodes, n_edges = len(saved.nodes), len([e for e in saved.edges() if e[0] is not e[1]])
    cells = drawio.find("diagram/mxGraphModel/root").findall("mxCell")
    assert len([c for c in cells if c.get("vertex") == "1"]) == n_nodes
    assert len([c for c in cells if c.get("edge") == "1"]) == n_edges
    rendered = render_mermaid(browser, mermaid_text)
    assert (rendered["nodes"], rendered["edges"]) == (n_nodes, n_edges)
    assert NEW_NAME in rendered["labels"] and old_name not in rendered["labels"]

    # The editor on a phone: controls and preview stack, nothing overflows sideways.
    phone = browser.new_page(viewport={"width": 390, "height": 844})
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/diagrams/{revision_id}/")
    expect(phone.get_by_label("Plan", exact=True)).to_be_visible()
    wide = phone.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
        ".slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' '"
        " + Math.round(e.getBoundingClientRect().right))"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, wide
    phone.locator("#editor").scroll_into_view_if_needed()
    shot(phone, "editor-phone", full_page=True)
