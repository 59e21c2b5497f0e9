"""Editing a diagram's plan: live preview, scored revisions, corrections, lineage (issue 12)."""

import pytest

from ranking import engines, revisions
from ranking.diagrams import nodelist
from ranking.models import Correction, Diagram, Rating
from tests.jobdata import make_diagram, make_job, rate
from tests.tiny_scorer import register_tiny_scorer

MODEL_PLAN = (
    "flow\n"
    "raw logs > parser > events\n"
    "events > aggregator > daily report\n"
    "style: right box arrow blue labels medium"
)
# The user fixes a wrong edge (the report comes from the events via a new
# "dashboard" step) and renames "aggregator" to "rollup job".
FIXED_PLAN = (
    "flow\n"
    "raw logs > parser > events\n"
    "events > rollup job > daily report\n"
    "daily report > dashboard > -\n"
    "style: right box arrow blue labels medium"
)
RESTYLED_PLAN = MODEL_PLAN.replace("right box arrow blue", "down round dashed warm")


@pytest.fixture
def scorer(db, tmp_path):
    version = register_tiny_scorer(tmp_path / "scorer")
    yield version
    engines.clear_cache()


@pytest.fixture
def candidate(alice):
    job = make_job(alice, prompt="Logs are parsed into events, aggregated into a daily report")
    return make_diagram(job, rank=1, plan=MODEL_PLAN)


def counts():
    return Diagram.objects.count(), Correction.objects.count(), Rating.objects.count()


def post(client, url, plan):
    return client.post(url, {"plan": plan}, content_type="application/json")


# --- preview -----------------------------------------------------------------


def test_preview_lays_out_and_draws_a_plan_and_stores_nothing(alice_client, candidate):
    before = counts()
    response = post(alice_client, "/api/preview/", FIXED_PLAN)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"node_list", "svg"}
    drawn = nodelist.parse(body["node_list"]).diagram
    labels = {node.label for node in drawn.nodes}
    assert {"rollup job", "dashboard"} <= labels and "aggregator" not in labels
    assert len(drawn.edges()) == 5
    assert body["svg"].startswith("<svg") and "rollup job" in body["svg"]
    assert counts() == before


@pytest.mark.parametrize(
    ("plan", "line", "words"),
    [
        ("flow\na > b > c\nd > e\nstyle: auto", 3, "inputs > processor > outputs"),
        ("flow\na > b > c\n\nstyle: auto sparkly", 4, "unknown style word 'sparkly'"),
        ("net 3 x 2\nstyle: auto", 1, "layer size"),
        ("flow\na > b > c", 2, "the last line is the style line"),
        ("flow", 1, "structure line and a style line"),
        ("layers\ninput 28x28x1\nwarp 3\ndense 10\nstyle: auto", 3, "unknown layer type 'warp'"),
    ],
)
def test_a_bad_plan_is_a_400_pointing_at_its_line(alice_client, plan, line, words):
    response = post(alice_client, "/api/preview/", plan)
    assert response.status_code == 400
    (error,) = response.json()["plan"]
    assert error["line"] == line
    assert error["message"].startswith(f"line {line}: ") and words in error["message"]


def test_a_plan_over_the_prompt_limit_is_a_400(alice_client, settings):
    settings.MAX_PROMPT_LENGTH = 100
    response = post(alice_client, "/api/preview/", MODEL_PLAN + "\n" + " " * 200)
    assert response.status_code == 400
    assert "under 100 characters" in response.json()["plan"][0]["message"]


def test_preview_needs_a_signed_in_user(client, db):
    assert post(client, "/api/preview/", MODEL_PLAN).status_code in (401, 403)


# --- revisions ---------------------------------------------------------------


def test_saving_an_edit_makes_a_scored_revision_and_keeps_the_original(
    alice, alice_client, candidate, scorer
):
    original = Diagram.objects.values().get(pk=candidate.pk)
    response = post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", FIXED_PLAN)
    assert response.status_code == 201, response.content
    body = response.json()
    revision = Diagram.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/diagrams/{revision.pk}/"
    # The same shape as GET /api/diagrams/<id>/, with the parent.
    assert body == alice_client.get(f"/api/diagrams/{revision.pk}/").json()
    assert body["parent"] == candidate.pk and body["job"] == candidate.job_id
    assert body["prompt"] == candidate.job.prompt
    assert body["mermaid_url"] == f"/api/diagrams/{revision.pk}/mermaid/"
    assert body["drawio_url"] == f"/api/diagrams/{revision.pk}/drawio/"
    assert revision.user == alice and revision.rank == 2 and not revision.recommended
    assert "rollup job" in revision.plan and "dashboard" in revision.node_list
    # Scored by the active scorer like a candidate: readability alone before any rating.
    assert 0 <= revision.readability <= 5 and revision.user_score is None
    assert revision.final_score == pytest.approx(revision.readability)
    assert revision.latent_scorer == scorer and len(revision.latent_vector) == 8
    assert Diagram.objects.values().get(pk=candidate.pk) == original


def test_a_revision_is_scored_with_the_users_own_ratings(alice, alice_client, candidate, scorer):
    rate(alice, candidate, 5)
    response = post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", FIXED_PLAN)
    revision = Diagram.objects.get(pk=response.json()["id"])
    # One rated diagram: the k-NN predicts its rating for anything.
    assert revision.user_score == pytest.approx(5.0)
    assert revision.final_score == pytest.approx(revision.readability + 5.0)


def test_every_save_is_kept_as_a_correction(alice, alice_client, candidate, scorer):
    first = post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", FIXED_PLAN).json()
    correction = Correction.objects.get()
    assert correction.user == alice
    assert correction.diagram_id == first["id"] and correction.source_diagram == candidate
    assert correction.prompt == candidate.job.prompt
    assert correction.model_plan == MODEL_PLAN and correction.saved_plan == first["plan"]
    assert correction.structure_changed
    # A revision of the revision that only restyles it still remembers the model's plan.
    restyled = FIXED_PLAN.replace("right box arrow blue", "down round dashed warm")
    second = post(alice_client, f"/api/diagrams/{first['id']}/revisions/", restyled).json()
    assert second["parent"] == first["id"] and second["rank"] == 3
    latest = Correction.objects.get(diagram_id=second["id"])
    assert latest.model_plan == MODEL_PLAN and latest.source_diagram_id == first["id"]
    assert latest.structure_changed  # still not the model's structure


def test_a_style_only_edit_is_marked_as_such(alice_client, candidate, scorer):
    post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", RESTYLED_PLAN)
    assert Correction.objects.get().structure_changed is False


@pytest.mark.parametrize(
    "plan",
    [
        "flow\na > b\nstyle: auto",  # does not parse
        MODEL_PLAN,  # nothing changed
        "",
        None,
    ],
)
def test_a_bad_or_unchanged_plan_saves_nothing(alice_client, candidate, scorer, plan):
    before = counts()
    response = post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", plan)
    assert response.status_code == 400
    assert response.json()["plan"][0]["message"]
    assert counts() == before


def test_a_huge_plan_saves_nothing(alice_client, candidate, scorer, settings):
    before = counts()
    huge = FIXED_PLAN + "\n" * (settings.MAX_PROMPT_LENGTH + 1)
    response = post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", huge)
    assert response.status_code == 400
    assert counts() == before


def test_someone_elses_diagram_is_a_404_and_nothing_changes(bob_client, candidate, scorer):
    before = counts()
    url = f"/api/diagrams/{candidate.pk}/"
    assert post(bob_client, url + "revisions/", FIXED_PLAN).status_code == 404
    assert bob_client.get(url + "mermaid/").status_code == 404
    assert bob_client.get(url + "drawio/").status_code == 404
    assert counts() == before


def test_without_an_active_scorer_a_save_is_refused_and_nothing_is_stored(alice_client, candidate):
    from ranking.models import ScorerVersion

    ScorerVersion.objects.update(is_active=False)
    before = counts()
    response = post(alice_client, f"/api/diagrams/{candidate.pk}/revisions/", FIXED_PLAN)
    assert response.status_code == 503
    assert counts() == before


def test_the_service_refuses_another_users_diagram(bob, candidate, scorer):
    with pytest.raises(PermissionError):
        revisions.create_revision(bob, candidate, FIXED_PLAN)


def test_lineage_and_place_in_the_job(alice, candidate, scorer):
    first = revisions.create_revision(alice, candidate, FIXED_PLAN)
    second = revisions.create_revision(alice, first, RESTYLED_PLAN)
    assert revisions.ancestors(second) == [first, candidate]
    assert list(candidate.revisions.all()) == [first]
    place, total = revisions.place_in_job(second)
    assert total == 3 and 1 <= place <= 3


def test_the_diagram_api_says_parent_and_export_urls(alice_client, candidate):
    body = alice_client.get(f"/api/diagrams/{candidate.pk}/").json()
    assert body["parent"] is None
    assert body["mermaid_url"] == f"/api/diagrams/{candidate.pk}/mermaid/"
    assert body["drawio_url"] == f"/api/diagrams/{candidate.pk}/drawio/"


def test_the_place_in_the_job_compares_on_one_scale(alice):
    job = make_job(alice, count=2, recommend=1)
    make_diagram(job, rank=1, readability=4.0)  # 4.0 of 5
    make_diagram(job, rank=2, readability=2.0)  # 2.0 of 5
    # Scored after ratings: final 7.0 of 10 is 3.5 of 5, between the two.
    edited = make_diagram(job, rank=3, readability=3.0, user_score=4.0)
    assert revisions.place_in_job(edited) == (2, 3)
