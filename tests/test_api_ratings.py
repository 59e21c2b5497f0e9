"""GET/PUT/DELETE /api/diagrams/<id>/rating/: owner, other user, anonymous, bad input."""

import json

import pytest

from ranking.models import Rating
from tests.jobdata import make_done_job, rate


def url(diagram):
    return f"/api/diagrams/{diagram.pk}/rating/"


def put(client, diagram, body):
    return client.put(url(diagram), json.dumps(body), content_type="application/json")


@pytest.fixture
def diagram(alice):
    return make_done_job(alice, n=1)[1][0]


def test_the_owner_rates_a_diagram(alice, alice_client, diagram):
    response = put(alice_client, diagram, {"score": 4})
    assert response.status_code == 200
    assert response.json()["score"] == 4
    assert Rating.objects.get(user=alice, diagram=diagram).score == 4


def test_rating_again_changes_the_one_rating(alice, alice_client, diagram):
    put(alice_client, diagram, {"score": 1})
    assert put(alice_client, diagram, {"score": 0}).status_code == 200
    assert list(Rating.objects.values_list("score", flat=True)) == [0]
    assert alice_client.get(url(diagram)).json()["score"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"score": 6},
        {"score": -1},
        {"score": "abc"},
        {"score": 2.5},
        {"score": True},
        {"score": None},
        {},
    ],
)
def test_bad_scores_are_a_400_and_the_rating_is_unchanged(alice, alice_client, diagram, body):
    rate(alice, diagram, 3)
    response = put(alice_client, diagram, body)
    assert response.status_code == 400
    assert "score" in response.json()
    rating = Rating.objects.get(diagram=diagram)
    rating.refresh_from_db()
    assert rating.score == 3


def test_a_new_diagram_is_not_rated_yet(alice_client, diagram):
    assert alice_client.get(url(diagram)).status_code == 404


def test_another_user_cannot_read_set_or_clear_the_rating(alice, bob, bob_client, diagram):
    rate(alice, diagram, 2)
    assert bob_client.get(url(diagram)).status_code == 404
    assert put(bob_client, diagram, {"score": 5}).status_code == 404
    assert bob_client.delete(url(diagram)).status_code == 404
    assert list(Rating.objects.values_list("user__username", "score")) == [("alice", 2)]


def test_anonymous_users_get_401_and_nothing_changes(alice, client, diagram):
    rate(alice, diagram, 2)
    assert put(client, diagram, {"score": 5}).status_code == 401
    assert client.delete(url(diagram)).status_code == 401
    assert Rating.objects.get().score == 2


def test_delete_clears_the_rating(alice, alice_client, diagram):
    rate(alice, diagram, 2)
    assert alice_client.delete(url(diagram)).status_code == 204
    assert not Rating.objects.exists()
    assert alice_client.delete(url(diagram)).status_code == 204


def test_a_rating_shows_on_the_diagram(alice, alice_client, diagram):
    put(alice_client, diagram, {"score": 5})
    assert alice_client.get(f"/api/diagrams/{diagram.pk}/").json()["rating"] == 5
