"""Hostile input: every case is a clear 4xx and leaves the database as it was.

Each test counts the rows of every table a request could touch, before and
after, so "rejected" also means "stored nothing".
"""

import json

import pytest
from channels.db import database_sync_to_async
from django.contrib.auth.models import User

from ranking.models import Diagram, Job, Rating
from tests.jobdata import make_done_job, make_job
from tests.sockets import job_socket

JOBS = "/api/jobs/"
PROMPT = "DL model with 3 inputs and 2 outputs"


def counts() -> dict:
    return {
        "jobs": Job.objects.count(),
        "diagrams": Diagram.objects.count(),
        "ratings": Rating.objects.count(),
        "users": User.objects.count(),
    }


@pytest.fixture
def unchanged(db):
    """Assert at the end of the test that no table changed."""
    before = counts()
    yield
    assert counts() == before


@pytest.fixture
def diagram(alice):
    return make_done_job(alice, n=2)[1][0]


def post_raw(client, body: bytes | str, content_type="application/json"):
    return client.generic("POST", JOBS, body, content_type=content_type)


@pytest.mark.parametrize(
    "body",
    [
        b"prompt=a model",  # not JSON at all
        b'{"prompt": "DL model with 3 inputs", "count": 3',  # truncated
        b"\xff\xfe{}",  # not UTF-8
        b"",  # empty
        b"null",
        b'["prompt", "DL model with 3 inputs"]',  # a list, not an object
        b'"DL model with 3 inputs"',
        b'{"prompt": {"text": "DL model"}}',
    ],
)
def test_unreadable_job_bodies_are_400(alice_client, unchanged, body):
    response = post_raw(alice_client, body)
    assert response.status_code == 400, response.content
    assert response.json()  # a JSON error body that says what is wrong


def test_a_wrong_content_type_is_415(alice_client, unchanged):
    response = post_raw(alice_client, json.dumps({"prompt": PROMPT}), content_type="text/plain")
    assert response.status_code == 415
    assert "text/plain" in response.json()["detail"]


def test_a_body_over_1_mb_is_413_before_anything_reads_it(alice_client, unchanged, settings):
    assert settings.MAX_REQUEST_BODY_BYTES == 1024 * 1024
    body = json.dumps({"prompt": "x" * (1024 * 1024)})
    response = post_raw(alice_client, body)
    assert response.status_code == 413
    assert "larger than 1048576 bytes" in response.json()["detail"]


def test_a_prompt_of_exactly_the_limit_is_accepted_and_one_more_is_400(
    alice, alice_client, settings
):
    limit = settings.MAX_PROMPT_LENGTH
    at_limit = ("DL model " * limit)[:limit]
    response = alice_client.post(JOBS, {"prompt": at_limit}, content_type="application/json")
    assert response.status_code == 201
    assert Job.objects.get().prompt == at_limit
    before = counts()
    over = at_limit + "x"
    response = alice_client.post(JOBS, {"prompt": over}, content_type="application/json")
    assert response.status_code == 400
    assert f"{limit + 1})" in response.json()["prompt"][0]
    assert counts() == before


@pytest.mark.parametrize("bad", ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85"])
def test_control_characters_in_a_prompt_are_400(alice_client, unchanged, bad):
    response = alice_client.post(
        JOBS, {"prompt": f"DL model {bad}with 3 inputs"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "prompt" in response.json()


def test_four_byte_unicode_is_kept_and_counted_as_characters(alice, alice_client, settings):
    prompt = "DL model 🧠 with 3 inputs 𝔁 and 2 outputs 🙂"  # 4-byte characters
    settings.MAX_PROMPT_LENGTH = len(prompt)  # the limit counts characters, not bytes
    assert len(prompt.encode()) > len(prompt) + 8
    response = alice_client.post(JOBS, {"prompt": prompt}, content_type="application/json")
    assert response.status_code == 201
    assert Job.objects.get(pk=response.json()["id"]).prompt == prompt
    # Tabs and line breaks are text, not control characters to refuse.
    response = alice_client.post(
        JOBS, {"prompt": "steps:\n\tload\n\tclean"}, content_type="application/json"
    )
    assert response.status_code == 201


@pytest.mark.parametrize("score", ["3", "three", 2.5, 3.0, True, False, None, [3], {"v": 3}, 6, -1])
def test_ratings_that_are_not_whole_numbers_0_to_5_are_400(alice_client, diagram, unchanged, score):
    response = alice_client.put(
        f"/api/diagrams/{diagram.pk}/rating/",
        json.dumps({"score": score}),
        content_type="application/json",
    )
    assert response.status_code == 400, (score, response.content)
    assert "score" in response.json()


def test_a_rating_body_that_is_a_list_is_400(alice_client, diagram, unchanged):
    response = alice_client.put(
        f"/api/diagrams/{diagram.pk}/rating/", "[4]", content_type="application/json"
    )
    assert response.status_code == 400


def test_someone_elses_diagram_cannot_be_rated_read_or_cleared(alice, bob, bob_client, diagram):
    Rating.objects.create(user=alice, diagram=diagram, score=2)
    before = counts()
    url = f"/api/diagrams/{diagram.pk}/rating/"
    assert bob_client.put(url, {"score": 5}, content_type="application/json").status_code == 404
    assert bob_client.get(url).status_code == 404
    assert bob_client.delete(url).status_code == 404
    assert bob_client.get(f"/api/diagrams/{diagram.pk}/").status_code == 404
    assert counts() == before
    assert Rating.objects.get().score == 2


@pytest.mark.parametrize("page", ["99999999", "9" * 40, "-1", "0", "abc", "1e9"])
def test_a_page_beyond_the_end_or_unreadable_is_404(alice_client, diagram, unchanged, page):
    for path in (JOBS, "/api/diagrams/"):
        response = alice_client.get(path, {"page": page})
        assert response.status_code == 404, (path, page, response.content)
        assert "detail" in response.json()


@pytest.mark.parametrize(
    "path", [JOBS, "/api/diagrams/", "/api/jobs/{job}/", "/api/diagrams/{diagram}/"]
)
def test_unknown_query_parameters_are_400_naming_them(alice_client, diagram, unchanged, path):
    url = path.format(job=diagram.job_id, diagram=diagram.pk)
    response = alice_client.get(url, {"min_scor": "4", "debug": "1"})
    assert response.status_code == 400
    assert set(response.json()) == {"min_scor", "debug"}
    assert alice_client.get(url, {"format": "json"}).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "message",
    [
        {"text_data": json.dumps({"type": "cancel"})},
        {"text_data": json.dumps({"type": "done", "status": "done"})},
        {"text_data": json.dumps(["ping"])},
        {"text_data": "not json"},
        {"bytes_data": b"\x00\x01"},
    ],
)
async def test_a_websocket_message_other_than_ping_closes_with_4400(alice, alice_client, message):
    job = await database_sync_to_async(make_job)(alice, status=Job.Status.RUNNING)
    before = await database_sync_to_async(counts)()
    communicator = job_socket(job.pk, alice_client)
    assert (await communicator.connect())[0]
    await communicator.receive_json_from()
    await communicator.send_to(**message)
    reply = await communicator.receive_json_from()
    assert reply["type"] == "error" and "ping" in reply["error"]
    assert await communicator.receive_output() == {"type": "websocket.close", "code": 4400}
    assert await database_sync_to_async(counts)() == before
    refreshed = await database_sync_to_async(Job.objects.get)(pk=job.pk)
    assert (refreshed.status, refreshed.progress) == ("running", job.progress)
