"""POST/GET /api/jobs/ and GET /api/jobs/<id>/: owner, other user, anonymous, bad input."""

import json

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token

from ranking.models import Job
from tests.jobdata import make_diagram, make_done_job, make_job, rate

URL = "/api/jobs/"
PROMPT = (
    "DL model consist of 6 input size, 3, 4 nodes in intermediate layers, and 2 output elements"
)


def post(client, body, **extra):
    return client.post(URL, json.dumps(body), content_type="application/json", **extra)


def test_it_queues_a_job_and_returns_201(alice, alice_client):
    response = post(alice_client, {"prompt": PROMPT, "count": 4, "recommend": 2})
    assert response.status_code == 201
    body = response.json()
    job = Job.objects.get(pk=body["id"])
    assert (job.user, job.prompt, job.count, job.recommend) == (alice, PROMPT, 4, 2)
    assert body["status"] == job.status == "queued"
    assert body["diagrams"] == []
    assert response["Location"] == f"/api/jobs/{job.pk}/"


def test_count_and_recommend_default_to_5_and_3(alice_client):
    response = post(alice_client, {"prompt": PROMPT})
    assert response.status_code == 201
    assert (response.json()["count"], response.json()["recommend"]) == (5, 3)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"prompt": "", "count": 5, "recommend": 3}, "prompt"),
        ({"prompt": "   ", "count": 5, "recommend": 3}, "prompt"),
        ({"prompt": "x" * 5000, "count": 5, "recommend": 3}, "prompt"),
        ({"count": 5, "recommend": 3}, "prompt"),
        ({"prompt": PROMPT, "count": 0, "recommend": 1}, "count"),
        ({"prompt": PROMPT, "count": 11, "recommend": 3}, "count"),
        ({"prompt": PROMPT, "count": "abc", "recommend": 3}, "count"),
        ({"prompt": PROMPT, "count": 3, "recommend": 4}, "recommend"),
        ({"prompt": PROMPT, "count": 3, "recommend": 0}, "recommend"),
    ],
)
def test_it_rejects_bad_input_with_a_field_error_and_stores_nothing(alice_client, body, field):
    response = post(alice_client, body)
    assert response.status_code == 400
    assert field in response.json()
    assert Job.objects.count() == 0


def test_a_third_job_in_flight_gets_429_with_a_clear_message(alice, alice_client, settings):
    settings.MAX_JOBS_IN_FLIGHT = 2
    assert post(alice_client, {"prompt": PROMPT}).status_code == 201
    make_job(alice, status=Job.Status.RUNNING)
    response = post(alice_client, {"prompt": PROMPT})
    assert response.status_code == 429
    assert "2 diagram jobs in progress" in response.json()["detail"]
    assert Job.objects.filter(user=alice).count() == 2


def test_finished_jobs_do_not_count_against_the_limit(alice, alice_client):
    make_job(alice, status=Job.Status.DONE)
    make_job(alice, status=Job.Status.FAILED)
    make_job(alice, status=Job.Status.QUEUED)
    assert post(alice_client, {"prompt": PROMPT}).status_code == 201


def test_another_users_limit_is_their_own(alice, bob_client):
    make_job(alice, status=Job.Status.QUEUED)
    make_job(alice, status=Job.Status.QUEUED)
    assert post(bob_client, {"prompt": PROMPT}).status_code == 201


def test_generate_again_is_a_post_with_the_same_prompt(alice, alice_client):
    job, _ = make_done_job(alice, prompt=PROMPT)
    response = post(alice_client, {"prompt": job.prompt, "count": job.count})
    assert response.status_code == 201
    assert Job.objects.filter(prompt=PROMPT).count() == 2


def test_anonymous_users_get_401_and_nothing_is_stored(db, client):
    assert post(client, {"prompt": PROMPT}).status_code == 401
    assert client.get(URL).status_code == 401
    assert Job.objects.count() == 0


def test_a_session_post_without_csrf_token_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert post(client, {"prompt": PROMPT}).status_code == 403
    assert Job.objects.count() == 0


def test_token_auth_works_without_csrf(alice):
    call_command("drf_create_token", "alice")
    token = Token.objects.get(user=alice)
    client = Client(enforce_csrf_checks=True)
    response = post(client, {"prompt": PROMPT}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 201
    assert Job.objects.get().user == alice


def test_the_list_holds_only_the_users_jobs_newest_first(alice, bob, alice_client):
    older = make_job(alice)
    newer = make_job(alice)
    make_job(bob)
    body = alice_client.get(URL).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [newer.pk, older.pk]


def test_the_list_is_paginated(alice, alice_client):
    for _ in range(25):
        make_job(alice)
    body = alice_client.get(URL).json()
    assert (body["count"], len(body["results"])) == (25, 20)
    assert len(alice_client.get(body["next"]).json()["results"]) == 5


def test_the_owner_sees_status_progress_and_ranked_diagrams(alice, alice_client):
    job, diagrams = make_done_job(alice, n=3, recommend=2)
    rate(alice, diagrams[1], 4)
    response = alice_client.get(f"{URL}{job.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["status"], body["stage"]) == (job.pk, "done", "done")
    assert "progress" in body
    rows = body["diagrams"]
    assert [row["rank"] for row in rows] == [1, 2, 3]
    assert [row["recommended"] for row in rows] == [True, True, False]
    assert [row["rating"] for row in rows] == [None, 4, None]
    first = rows[0]
    for key in (
        "id",
        "readability",
        "user_score",
        "final_score",
        "svg_url",
        "png_url",
        "node_list",
    ):
        assert key in first
    assert first["svg_url"] == f"/api/diagrams/{diagrams[0].pk}/svg/"
    assert first["png_url"] == f"/api/diagrams/{diagrams[0].pk}/png/"


def test_another_users_job_is_a_404(alice, bob_client):
    job = make_job(alice, status=Job.Status.QUEUED)
    make_diagram(job)
    assert bob_client.get(f"{URL}{job.pk}/").status_code == 404
    job.refresh_from_db()
    assert job.status == "queued"


def test_a_missing_job_is_a_404(alice_client):
    assert alice_client.get(f"{URL}987654/").status_code == 404
    assert alice_client.get(f"{URL}99999999999999999999999/").status_code == 404


def test_anonymous_users_cannot_read_a_job(alice, client):
    job = make_job(alice)
    assert client.get(f"{URL}{job.pk}/").status_code == 401


def test_jobs_cannot_be_changed_or_deleted_through_the_api(alice, alice_client):
    job = make_job(alice)
    assert alice_client.delete(f"{URL}{job.pk}/").status_code == 405
    assert (
        alice_client.put(f"{URL}{job.pk}/", {}, content_type="application/json").status_code == 405
    )
    assert Job.objects.filter(pk=job.pk).exists()


def test_the_openapi_schema_describes_the_endpoints(db, client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in (
        "/api/jobs/",
        "/api/jobs/{id}/",
        "/api/diagrams/",
        "/api/diagrams/{id}/rating/",
        "/api/diagrams/{id}/svg/",
    ):
        assert path in paths
