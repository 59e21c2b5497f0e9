"""GET /api/diagrams/, /api/diagrams/<id>/ and the SVG/PNG/node-list downloads."""

import pytest

from ranking.diagrams import nodelist
from tests.jobdata import make_diagram, make_done_job, make_job, rate

URL = "/api/diagrams/"


def ids(response):
    return [row["id"] for row in response.json()["results"]]


def test_the_list_holds_only_the_users_diagrams_newest_first(alice, bob, alice_client):
    _, older = make_done_job(alice, n=2)
    _, newer = make_done_job(alice, n=2)
    make_done_job(bob, n=2)
    response = alice_client.get(URL)
    assert response.status_code == 200
    assert ids(response) == [d.pk for d in newer + older]


def test_the_list_is_paginated(alice, alice_client):
    for _ in range(7):
        make_done_job(alice, n=3)
    body = alice_client.get(URL).json()
    assert (body["count"], len(body["results"])) == (21, 20)
    assert body["next"] is not None


def test_it_filters_rated_unrated_min_score_and_job(alice, alice_client):
    job, (first, second, third) = make_done_job(alice, n=3)  # final scores 4, 3, 2
    other_job, others = make_done_job(alice, n=1)
    rate(alice, second, 5)
    assert ids(alice_client.get(URL, {"rated": "true"})) == [second.pk]
    assert set(ids(alice_client.get(URL, {"rated": "false"}))) == {
        first.pk,
        third.pk,
        others[0].pk,
    }
    assert set(ids(alice_client.get(URL, {"min_score": "3", "job": job.pk}))) == {
        first.pk,
        second.pk,
    }
    assert ids(alice_client.get(URL, {"job": other_job.pk})) == [others[0].pk]


@pytest.mark.parametrize("query", [{"rated": "maybe"}, {"min_score": "abc"}, {"job": "x"}])
def test_unreadable_filters_are_a_400(alice_client, query):
    response = alice_client.get(URL, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_the_rated_filter_ignores_other_users_ratings(alice, bob, alice_client):
    _, (diagram, *_) = make_done_job(alice, n=1)
    _, (bobs,) = make_done_job(bob, n=1)
    rate(bob, bobs, 5)
    assert ids(alice_client.get(URL, {"rated": "true"})) == []


def test_anonymous_users_get_401(db, client):
    assert client.get(URL).status_code == 401


def test_the_owner_reads_one_diagram_and_others_get_404(alice, alice_client, bob_client, client):
    _, (diagram, *_) = make_done_job(alice)
    response = alice_client.get(f"{URL}{diagram.pk}/")
    assert response.status_code == 200
    assert response.json()["node_list"] == diagram.node_list
    assert response.json()["prompt"] == diagram.job.prompt
    assert bob_client.get(f"{URL}{diagram.pk}/").status_code == 404
    assert client.get(f"{URL}{diagram.pk}/").status_code == 401
    assert alice_client.get(f"{URL}{diagram.pk + 1000}/").status_code == 404


def test_a_diagram_carries_its_plan_and_structure_rank_read_only(alice, alice_client, bob_client):
    job = make_job(alice)
    plan = "flow\nreviews > <b>model</b> > report\nstyle: auto mixed arrow muted labels medium"
    diagram = make_diagram(job, plan=plan, structure_rank=1)
    body = alice_client.get(f"{URL}{diagram.pk}/").json()
    assert (body["plan"], body["structure_rank"]) == (plan, 1)
    assert alice_client.get(URL).json()["results"][0]["plan"] == plan
    assert make_diagram(job, rank=2).plan == ""
    response = alice_client.patch(
        f"{URL}{diagram.pk}/", {"plan": "net 1 1"}, content_type="application/json"
    )
    assert response.status_code == 405
    diagram.refresh_from_db()
    assert diagram.plan == plan
    assert bob_client.get(f"{URL}{diagram.pk}/").status_code == 404
    assert plan not in bob_client.get(URL).content.decode()


def test_svg_download_renders_the_stored_node_list(alice, alice_client):
    _, (diagram, *_) = make_done_job(alice)
    response = alice_client.get(f"{URL}{diagram.pk}/svg/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<")
    assert b"<svg" in response.content
    assert response["Content-Disposition"].startswith("inline")


def test_png_download_is_a_png(alice, alice_client):
    _, (diagram, *_) = make_done_job(alice)
    response = alice_client.get(f"{URL}{diagram.pk}/png/", {"download": "1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert response["Content-Disposition"] == f'attachment; filename="diagram-{diagram.pk}.png"'


def test_node_list_download_is_the_stored_text(alice, alice_client):
    job = make_job(alice)
    diagram = make_diagram(job)
    response = alice_client.get(f"{URL}{diagram.pk}/nodelist/")
    assert response.status_code == 200
    assert response.content.decode() == diagram.node_list
    assert nodelist.parse(response.content.decode()).ok


@pytest.mark.parametrize("kind", ["svg", "png", "nodelist"])
def test_downloads_of_another_users_diagram_are_a_404(alice, bob_client, client, kind):
    _, (diagram, *_) = make_done_job(alice)
    assert bob_client.get(f"{URL}{diagram.pk}/{kind}/").status_code == 404
    assert client.get(f"{URL}{diagram.pk}/{kind}/").status_code == 401


def test_a_malformed_stored_node_list_still_downloads(alice, alice_client):
    job = make_job(alice)
    diagram = make_diagram(job, node_list="[1, 100, 100, 'circle', 50, 50\nnot a node\n")
    assert alice_client.get(f"{URL}{diagram.pk}/svg/").status_code == 200
    assert alice_client.get(f"{URL}{diagram.pk}/png/").status_code == 200
