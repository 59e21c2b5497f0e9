"""The plan editor, lineage and export links on the pages, and the polish of issue 12."""

import json
import re

import pytest

from ranking import engines
from ranking.models import Correction, Diagram, Job
from tests.jobdata import make_diagram, make_done_job, make_job
from tests.tiny_scorer import register_tiny_scorer

PLAN = "flow\nraw logs > parser > events\nstyle: right box dashed blue labels medium"
EDITED = "flow\nraw logs > tokenizer > events\nstyle: right box dashed blue labels medium"


@pytest.fixture
def scorer(db, tmp_path):
    version = register_tiny_scorer(tmp_path / "scorer")
    yield version
    engines.clear_cache()


@pytest.fixture
def diagram(alice):
    job = make_job(alice, prompt="logs are parsed into events", count=1, recommend=1)
    return make_diagram(job, rank=1, plan=PLAN)


def counts():
    return Diagram.objects.count(), Correction.objects.count()


def test_the_diagram_page_has_the_plan_editor(alice_client, diagram):
    html = alice_client.get(f"/diagrams/{diagram.pk}/").content.decode()
    textarea = re.search(r'<textarea id="plan-input"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea.group(1) == PLAN.replace(">", "&gt;")
    assert 'aria-describedby="editor-help plan-errors"' in textarea.group(0)
    assert '<label for="plan-input">Plan</label>' in html
    # One labelled select per style key, showing the plan's current choice.
    for key, value in [("orient", "right"), ("shape", "box"), ("line", "dashed")]:
        assert f'<label for="style-{key}">' in html
        select = re.search(rf'<select id="style-{key}".*?</select>', html, re.S).group(0)
        assert f'<option value="{value}" selected>' in select
    urls = json.loads(re.search(r'id="editor-urls"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert urls == {
        "preview": "/api/preview/",
        "revisions": f"/api/diagrams/{diagram.pk}/revisions/",
    }
    assert html.count("js/editor.js") == 1


def test_a_node_list_diagram_has_nothing_to_edit(alice_client, alice):
    _, (diagram, *_) = make_done_job(alice, n=1)
    html = alice_client.get(f"/diagrams/{diagram.pk}/").content.decode()
    assert "plan-input" not in html and "nothing to edit" in html


def test_the_form_without_javascript_saves_a_revision(alice_client, diagram, scorer):
    response = alice_client.post(f"/diagrams/{diagram.pk}/revise/", {"plan": EDITED})
    revision = Diagram.objects.get(parent=diagram)
    assert response.status_code == 302 and response["Location"] == f"/diagrams/{revision.pk}/"
    page = alice_client.get(response["Location"]).content.decode()
    assert "Edited from" in page and f'href="/diagrams/{diagram.pk}/">#1</a>' in page
    original = alice_client.get(f"/diagrams/{diagram.pk}/").content.decode()
    assert f'Edited into <a href="/diagrams/{revision.pk}/">#2</a>' in original


def test_a_bad_plan_in_the_form_comes_back_with_its_error_and_saves_nothing(
    alice_client, diagram, scorer
):
    before = counts()
    bad = "flow\nraw logs > parser > events\nevents > x\nstyle: right"
    response = alice_client.post(f"/diagrams/{diagram.pk}/revise/", {"plan": bad})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html
    assert '<li data-line="3">line 3: a step needs' in html
    assert "events &gt; x" in html  # the user's text is kept to fix
    assert counts() == before


def test_someone_elses_diagram_cannot_be_edited_from_the_page(bob_client, diagram, scorer):
    before = counts()
    assert bob_client.get(f"/diagrams/{diagram.pk}/").status_code == 404
    assert bob_client.post(f"/diagrams/{diagram.pk}/revise/", {"plan": EDITED}).status_code == 404
    assert counts() == before


def test_history_and_the_job_page_show_edits_with_their_lineage(alice_client, diagram, scorer):
    alice_client.post(f"/diagrams/{diagram.pk}/revise/", {"plan": EDITED})
    revision = Diagram.objects.get(parent=diagram)
    history = alice_client.get("/history/").content.decode()
    assert f'Edited from <a href="/diagrams/{diagram.pk}/">#1</a>' in history
    assert f'Edited into <a href="/diagrams/{revision.pk}/">#2</a>' in history
    job_page = alice_client.get(f"/jobs/{diagram.job_id}/").content.decode()
    edits = job_page.split('id="edits-title"')[1]
    assert f'id="diagram-{revision.pk}"' in edits and f'id="diagram-{diagram.pk}"' not in edits


def test_every_card_links_mermaid_and_drawio_named_for_screen_readers(alice_client, alice):
    job, diagrams = make_done_job(alice, n=2)
    html = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    for d in diagrams:
        assert f'href="/api/diagrams/{d.pk}/mermaid/?download=1"' in html
        assert f'href="/api/diagrams/{d.pk}/drawio/"' in html
        assert f'SVG<span class="visually-hidden"> of diagram #{d.rank}</span>' in html
        assert f'Mermaid<span class="visually-hidden"> of diagram #{d.rank}</span>' in html


def test_shared_scripts_are_included_once_on_every_page(alice_client, alice):
    job, (diagram, *_) = make_done_job(alice, n=1)
    for path in ("/", "/history/", f"/jobs/{job.pk}/", f"/diagrams/{diagram.pk}/"):
        html = alice_client.get(path).content.decode()
        assert html.count("js/site.js") == 1 and html.count("js/rating.js") == 1, path


def test_the_job_page_takes_candidate_urls_from_the_server_and_speaks_stages_only(
    alice_client, alice
):
    job = make_job(alice, status=Job.Status.RUNNING, count=3)
    html = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    urls = json.loads(re.search(r'id="candidate-urls"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert urls == [f"/jobs/{job.pk}/candidates/{i}/svg/" for i in range(3)]
    assert "data-candidate-url" not in html
    assert f'data-api-url="/api/jobs/{job.pk}/"' in html
    stats = re.search(r'<div class="progress-stats"[^>]*>', html).group(0)
    assert "aria-live" not in stats
    assert re.search(r'id="stage-announcer" role="status" aria-live="polite"', html)


def test_field_errors_are_linked_to_their_inputs(alice_client):
    response = alice_client.post("/", {"prompt": "", "count": "99", "recommend": "1"})
    html = response.content.decode()
    for field in ("prompt", "count"):
        tag = re.search(rf'<(?:textarea|input)[^>]*name="{field}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in tag, field
        described = re.search(r'aria-describedby="([^"]+)"', tag).group(1).split()
        assert f"id_{field}_error" in described
        for ident in described:
            assert f'id="{ident}"' in html, ident
    assert 'id="prompt-counter" aria-live' not in html


def test_the_final_score_has_one_scale_and_says_what_it_is_made_of(alice_client, alice):
    job = make_job(alice, count=2, recommend=1)
    alone = make_diagram(job, rank=1, readability=3.0)  # final 3.0: readability alone
    mixed = make_diagram(job, rank=2, readability=4.0, user_score=3.0)  # final 7.0 of 10
    html = alice_client.get(f"/diagrams/{alone.pk}/").content.decode()
    assert '3.0<small>/5</small> <span class="made-of">readability only' in html
    html = alice_client.get(f"/diagrams/{mixed.pk}/").content.decode()
    assert '3.5<small>/5</small> <span class="made-of">average of the two above' in html
    assert "/10" not in html
    # The history filter reads the same scale: 3.5 passes "at least 3.5", not "at least 4".
    assert (
        f'id="diagram-{mixed.pk}"' in alice_client.get("/history/?min_score=3.5").content.decode()
    )
    assert (
        f'id="diagram-{mixed.pk}"' not in alice_client.get("/history/?min_score=4").content.decode()
    )


def test_sign_up_errors_are_linked_to_their_inputs(client, db):
    response = client.post(
        "/accounts/signup/",
        {"username": "", "email": "x@example.org", "password1": "a", "password2": "b"},
    )
    html = response.content.decode()
    tags = re.findall(r"<input[^>]*aria-invalid=\"true\"[^>]*>", html)
    assert tags
    for tag in tags:
        for ident in re.search(r'aria-describedby="([^"]+)"', tag).group(1).split():
            assert f'id="{ident}"' in html, ident
