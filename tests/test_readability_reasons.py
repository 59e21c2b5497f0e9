"""Reasons behind a readability score: in the API and on the cards and diagram page."""

from ranking.diagrams import nodelist
from ranking.diagrams.model import Diagram, Node
from tests.jobdata import make_diagram, make_job


def overlapping_node_list() -> str:
    """Return three shapes piled on each other."""
    nodes = [Node(i, 500 + 5 * i, 300, "rectangle", 120, 80, targets=[i + 1]) for i in range(2)]
    nodes.append(Node(2, 510, 300, "rectangle", 120, 80))
    return nodelist.dumps(Diagram(nodes))


def test_the_api_gives_the_costliest_defects_in_words(alice, alice_client):
    diagram = make_diagram(make_job(alice), node_list=overlapping_node_list(), readability=0.5)
    body = alice_client.get(f"/api/diagrams/{diagram.pk}/").json()
    assert body["readability_reasons"][0] == "3 shapes overlap"
    assert len(body["readability_reasons"]) <= 3


def test_a_clean_diagram_says_so(alice, alice_client):
    diagram = make_diagram(make_job(alice))  # a tidy chain of shapes
    body = alice_client.get(f"/api/diagrams/{diagram.pk}/").json()
    assert body["readability_reasons"] == [
        "clean layout: no crossings, overlaps, cut-off shapes or tiny text"
    ]


def test_the_job_detail_carries_reasons_for_every_diagram(alice, alice_client):
    job = make_job(alice)
    make_diagram(job, rank=1)
    make_diagram(job, rank=2, node_list=overlapping_node_list())
    diagrams = alice_client.get(f"/api/jobs/{job.pk}/").json()["diagrams"]
    assert [d["readability_reasons"][0] for d in diagrams][1] == "3 shapes overlap"


def test_the_card_and_the_diagram_page_show_the_reasons(alice, alice_client):
    job = make_job(alice)
    diagram = make_diagram(job, node_list=overlapping_node_list())
    for url in (diagram.get_absolute_url(), f"/jobs/{job.pk}/"):
        page = alice_client.get(url).content.decode()
        assert 'class="reasons"' in page, url
        assert "3 shapes overlap" in page, url
