"""Pages: new diagram, job progress and results, history, diagram detail, rating fallback."""

import re

import pytest

from ranking.models import Diagram, Job, Rating

NODE_LIST = (
    "[1, 200, 150, 'circle', 60, 60, 'solid arrow', (230, 240, 255), (20, 40, 90), [2]]\n"
    "[2, 500, 150, 'rectangle', 120, 60, 'solid arrow', (255, 255, 255), (0, 0, 0), []]\n"
)


@pytest.fixture(autouse=True)
def no_worker(settings):
    # Pages only store jobs here; running them is the worker's tests' business.
    settings.WORKER_MODE = "off"


def make_job(user, status=Job.Status.DONE, count=5, recommend=3, prompt="DL model of 2, 3, 1"):
    """Store a job; a done one gets `count` ranked diagrams (scores fall with rank)."""
    stage = {"done": "done", "failed": "failed", "queued": "queued"}.get(status, "generating")
    job = Job.objects.create(
        user=user, prompt=prompt, count=count, recommend=recommend, status=status, stage=stage
    )
    if status == Job.Status.DONE:
        for rank in range(1, count + 1):
            Diagram.objects.create(
                job=job,
                user=user,
                rank=rank,
                recommended=rank <= recommend,
                node_list=NODE_LIST,
                readability=5.0 - rank * 0.4,
                final_score=5.0 - rank * 0.4,
                latent=Diagram.pack_latent([float(rank)] * 4),
            )
    return job


# A plan as stored with a diagram; its names are the user's words, markup included.
PLAN = "flow\nreviews > <b>Bold</b> & co > report\nstyle: auto mixed arrow muted labels medium"


def card_ids(html: str) -> list[int]:
    """Return the diagram ids of the cards in page order."""
    return [int(i) for i in re.findall(r'id="diagram-(\d+)"', html)]


# New diagram page


def test_the_new_diagram_page_offers_examples_and_defaults(alice_client):
    response = alice_client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "DL model consist of 6 input size" in html
    assert "Langchain process" in html
    assert re.search(r'name="count"[^>]*value="5"', html)
    assert re.search(r'name="recommend"[^>]*value="3"', html)


def test_an_example_link_fills_the_prompt_box(alice_client):
    response = alice_client.get("/?example=2")
    assert response.status_code == 200
    assert re.search(r"<textarea[^>]*>\s*Langchain process", response.content.decode())


def test_edit_prompt_prefills_from_one_of_my_jobs_only(alice_client, bob_client, alice):
    job = make_job(alice, count=7, recommend=2, prompt="NN with 4 inputs and 2 outputs")
    html = alice_client.get(f"/?from={job.pk}").content.decode()
    assert "NN with 4 inputs and 2 outputs" in html
    assert re.search(r'name="count"[^>]*value="7"', html)
    assert bob_client.get(f"/?from={job.pk}").status_code == 404


def test_it_submits_a_job_and_goes_to_its_page(alice_client, alice):
    response = alice_client.post(
        "/", {"prompt": "  DL model of 3, 4, 2  ", "count": 4, "recommend": 2}
    )
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    assert (job.user, job.prompt, job.count, job.recommend) == (alice, "DL model of 3, 4, 2", 4, 2)
    assert job.status == Job.Status.QUEUED


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"prompt": "", "count": 5, "recommend": 3}, "prompt", "Describe the model"),
        ({"prompt": "x" * 5000, "count": 5, "recommend": 3}, "prompt", "under 4000 characters"),
        ({"prompt": "DL model", "count": 0, "recommend": 1}, "count", "between 1 and 10"),
        ({"prompt": "DL model", "count": 11, "recommend": 3}, "count", "between 1 and 10"),
        ({"prompt": "DL model", "count": 2, "recommend": 3}, "recommend", "more than the 2"),
        ({"prompt": "DL model", "count": "abc", "recommend": 3}, "count", "whole number"),
        ({"prompt": "DL model", "count": 5, "recommend": 0}, "recommend", "at least 1"),
    ],
)
def test_bad_form_input_shows_errors_and_stores_nothing(alice_client, data, field, message):
    response = alice_client.post("/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    assert Job.objects.count() == 0


def test_a_third_job_in_flight_gets_a_429_and_keeps_the_prompt(alice_client, alice):
    make_job(alice, status=Job.Status.QUEUED)
    make_job(alice, status=Job.Status.RUNNING)
    response = alice_client.post("/", {"prompt": "CNN of 28 x 28", "count": 5, "recommend": 3})
    assert response.status_code == 429
    html = response.content.decode()
    assert "You already have 2 jobs running" in html
    assert "CNN of 28 x 28" in html
    assert Job.objects.count() == 2


def test_another_users_jobs_do_not_count_against_my_limit(alice_client, bob):
    make_job(bob, status=Job.Status.QUEUED)
    make_job(bob, status=Job.Status.RUNNING)
    response = alice_client.post("/", {"prompt": "CNN of 28 x 28", "count": 5, "recommend": 3})
    assert response.status_code == 302


def test_recent_jobs_list_only_my_own(alice_client, alice, bob):
    make_job(alice, prompt="alice's network")
    make_job(bob, prompt="bob's pipeline")
    html = alice_client.get("/").content.decode()
    assert "alice&#x27;s network" in html
    assert "bob&#x27;s pipeline" not in html


# Job page


def test_a_running_job_shows_its_progress_and_finished_candidates(alice_client, alice):
    job = make_job(alice, status=Job.Status.RUNNING, count=4)
    job.stage = Job.Stage.LAYING_OUT
    job.progress = {
        "tokens": [40, 35, 0, 0],
        "finished": 2,
        "candidates": [
            {"index": 0, "node_list": NODE_LIST},
            {"index": 1, "node_list": NODE_LIST},
        ],
    }
    job.save()
    response = alice_client.get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-live="polite"' in html
    assert '<b id="stage-label">Laying out</b>' in html
    assert '<b id="tokens">75</b>' in html
    assert '<b id="candidates-done">2</b> / 4' in html
    assert html.count(f"/jobs/{job.pk}/candidates/") >= 2
    assert response.context["progress"]["percent"] == 82  # halfway through laying out (75..88)


def test_a_running_job_shows_each_candidates_plan_escaped(alice_client, alice):
    job = make_job(alice, status=Job.Status.RUNNING, count=2, recommend=1)
    job.progress = {
        "candidates": [
            {"index": 0, "node_list": NODE_LIST, "plan": PLAN},
            {"index": 1, "node_list": NODE_LIST, "plan": PLAN, "structure_rank": 1},
        ]
    }
    job.save()
    html = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    shown = '<pre class="plan-text">flow\nreviews &gt; &lt;b&gt;Bold&lt;/b&gt; &amp; co &gt; report</pre>'
    assert html.count(shown) == 2
    assert "<b>Bold</b>" not in html
    assert "style: auto" not in html
    live = html.split('<template id="candidate-template">')[0]
    assert live.count('<span class="badge alternative">Alternative reading</span>') == 1
    assert live.count('<span class="badge alternative" hidden>') == 1
    # job.js fills the template's hidden plan block for candidates that arrive live.
    template = html.split('<template id="candidate-template">')[1].split("</template>")[0]
    assert '<details class="plan" hidden>' in template
    assert '<pre class="plan-text"></pre>' in template


def test_a_candidate_preview_is_an_svg_for_its_owner_only(alice_client, bob_client, alice):
    job = make_job(alice, status=Job.Status.RUNNING)
    job.progress = {"candidates": [{"index": 0, "node_list": NODE_LIST}]}
    job.save()
    response = alice_client.get(f"/jobs/{job.pk}/candidates/0/svg/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b"<svg")
    assert alice_client.get(f"/jobs/{job.pk}/candidates/1/svg/").status_code == 404
    assert bob_client.get(f"/jobs/{job.pk}/candidates/0/svg/").status_code == 404


def test_a_done_job_shows_recommended_diagrams_first_with_scores(alice_client, alice):
    job = make_job(alice, count=5, recommend=2)
    response = alice_client.get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    by_rank = list(job.diagrams.order_by("rank").values_list("pk", flat=True))
    assert card_ids(html) == by_rank
    recommended_part, others_part = html.split("Other candidates")
    assert card_ids(recommended_part) == by_rank[:2]
    assert card_ids(others_part) == by_rank[2:]
    assert "rate a few diagrams to personalise" in html
    assert "Readability" in html and "Final score" in html
    assert f"/api/diagrams/{by_rank[0]}/png/" in html
    assert "Generate again" in html


def test_a_done_job_shows_each_diagrams_plan_without_its_style_line(alice_client, alice):
    job = make_job(alice, count=3, recommend=1)
    job.diagrams.filter(rank=1).update(plan=PLAN)
    job.diagrams.filter(rank=2).update(plan=PLAN, structure_rank=1)
    html = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    results = html.split('<div id="results-slot">')[1]
    assert results.count("<summary>Plan</summary>") == 2  # rank 3 has no plan: no empty block
    assert "reviews &gt; &lt;b&gt;Bold&lt;/b&gt; &amp; co &gt; report" in html
    assert "<b>Bold</b>" not in html
    assert "style: auto" not in html
    assert results.count("Alternative reading</span>") == 1
    fragment = alice_client.get(f"/jobs/{job.pk}/results/").content.decode()
    assert fragment.count("<summary>Plan</summary>") == 2


def test_history_and_the_diagram_page_show_the_plan(alice_client, alice, bob_client):
    job = make_job(alice, count=1, recommend=1)
    diagram = job.diagrams.get()
    Diagram.objects.filter(pk=diagram.pk).update(plan=PLAN, structure_rank=1)
    for path in ("/history/", f"/diagrams/{diagram.pk}/"):
        html = alice_client.get(path).content.decode()
        assert "reviews &gt; &lt;b&gt;Bold&lt;/b&gt; &amp; co &gt; report" in html, path
        assert "<b>Bold</b>" not in html, path
        # The style line is shown only where it can be edited: the diagram page's plan editor.
        editor = re.search(r'<textarea id="plan-input"[^>]*>(.*?)</textarea>', html, re.S)
        outside = html.replace(editor.group(0), "") if editor else html
        assert "style: auto" not in outside, path
        assert bool(editor) == path.startswith("/diagrams/"), path
        if editor:
            assert editor.group(1).endswith("style: auto mixed arrow muted labels medium")
        assert "Alternative reading</span>" in html, path
    assert bob_client.get(f"/diagrams/{diagram.pk}/").status_code == 404
    assert "Bold" not in bob_client.get("/history/").content.decode()


def test_a_personalised_ranking_shows_the_predicted_rating(alice_client, alice):
    job = make_job(alice, count=2, recommend=1)
    job.diagrams.update(user_score=3.7)
    html = alice_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "3.7" in html
    assert "Ranked by readability alone" not in html


def test_a_failed_job_shows_its_reason(alice_client, alice):
    job = make_job(alice, status=Job.Status.FAILED)
    Job.objects.filter(pk=job.pk).update(error="Model files are missing: models/llm")
    response = alice_client.get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    assert "This job failed" in response.content.decode()
    assert "Model files are missing: models/llm" in response.content.decode()


def test_the_results_fragment_waits_until_the_job_is_done(alice_client, alice):
    running = make_job(alice, status=Job.Status.RUNNING)
    assert alice_client.get(f"/jobs/{running.pk}/results/").status_code == 204
    done = make_job(alice)
    response = alice_client.get(f"/jobs/{done.pk}/results/")
    assert response.status_code == 200
    assert len(card_ids(response.content.decode())) == 5


# History


def test_history_lists_my_diagrams_newest_prompt_first(alice_client, alice, bob):
    old = make_job(alice, count=2, recommend=1, prompt="the older prompt")
    new = make_job(alice, count=2, recommend=1, prompt="the newer prompt")
    make_job(bob, count=2, recommend=1, prompt="bob's prompt")
    response = alice_client.get("/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("the newer prompt") < html.index("the older prompt")
    assert "bob&#x27;s prompt" not in html
    expected = list(new.diagrams.order_by("rank").values_list("pk", flat=True)) + list(
        old.diagrams.order_by("rank").values_list("pk", flat=True)
    )
    assert card_ids(html) == expected


def test_history_is_paginated(alice_client, alice):
    for i in range(6):
        make_job(alice, count=5, recommend=1, prompt=f"prompt {i}")
    first = alice_client.get("/history/")
    second = alice_client.get("/history/?page=2")
    assert len(card_ids(first.content.decode())) == 24
    assert len(card_ids(second.content.decode())) == 6
    assert "Page 2 of 2" in second.content.decode()
    assert set(card_ids(first.content.decode())).isdisjoint(card_ids(second.content.decode()))


def test_history_filters_rated_unrated_and_minimum_score(alice_client, alice):
    job = make_job(alice, count=5, recommend=1)
    diagrams = list(job.diagrams.order_by("rank"))
    Rating.objects.create(user=alice, diagram=diagrams[3], score=4)
    rated = card_ids(alice_client.get("/history/?rated=rated").content.decode())
    unrated = card_ids(alice_client.get("/history/?rated=unrated").content.decode())
    assert rated == [diagrams[3].pk]
    assert unrated == [d.pk for d in diagrams if d.pk != diagrams[3].pk]
    # final scores are 4.6, 4.2, 3.8, 3.4, 3.0
    high = card_ids(alice_client.get("/history/?min_score=4").content.decode())
    assert high == [diagrams[0].pk, diagrams[1].pk]
    assert card_ids(alice_client.get("/history/?min_score=5").content.decode()) == []
    some = card_ids(alice_client.get("/history/?min_score=3&rated=unrated").content.decode())
    assert some == [d.pk for d in diagrams if d.pk != diagrams[3].pk]
    page2 = alice_client.get("/history/?rated=rated&page=1").content.decode()
    assert "Clear filters" in page2


def test_history_ignores_a_nonsense_filter(alice_client, alice):
    make_job(alice, count=2, recommend=1)
    response = alice_client.get("/history/?min_score=lots&rated=maybe")
    assert response.status_code == 200
    assert len(card_ids(response.content.decode())) == 2


def test_history_shows_my_saved_rating(alice_client, alice):
    job = make_job(alice, count=1, recommend=1)
    Rating.objects.create(user=alice, diagram=job.diagrams.get(), score=2)
    html = alice_client.get("/history/").content.decode()
    assert re.search(r'value="2" checked', html)
    assert "Saved: 2/5" in html


# Diagram detail and the rating fallback


def test_a_diagram_page_shows_it_with_its_prompt_scores_and_job(alice_client, alice):
    job = make_job(alice, count=2, recommend=1, prompt="DL model of 6, 3, 2")
    diagram = job.diagrams.get(rank=1)
    response = alice_client.get(f"/diagrams/{diagram.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "DL model of 6, 3, 2" in html
    assert f'href="/jobs/{job.pk}/"' in html
    assert "4.6" in html
    assert "Node list (2 shapes)" in html
    assert f"/api/diagrams/{diagram.pk}/svg/" in html


def test_the_rating_form_saves_changes_and_clears_a_rating(alice_client, alice):
    diagram = make_job(alice, count=1, recommend=1).diagrams.get()
    response = alice_client.post(
        f"/diagrams/{diagram.pk}/rate/", {"score": "4", "next": "/history/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/history/"
    assert Rating.objects.get(user=alice, diagram=diagram).score == 4
    alice_client.post(f"/diagrams/{diagram.pk}/rate/", {"score": "1"})
    assert Rating.objects.get(user=alice, diagram=diagram).score == 1
    alice_client.post(f"/diagrams/{diagram.pk}/rate/", {"clear": "1"})
    assert not Rating.objects.filter(diagram=diagram).exists()


@pytest.mark.parametrize("score", ["6", "abc", "-1", ""])
def test_the_rating_form_rejects_a_bad_score_and_keeps_the_old_one(alice_client, alice, score):
    diagram = make_job(alice, count=1, recommend=1).diagrams.get()
    Rating.objects.create(user=alice, diagram=diagram, score=3)
    response = alice_client.post(f"/diagrams/{diagram.pk}/rate/", {"score": score})
    assert response.status_code == 400
    assert Rating.objects.get(diagram=diagram).score == 3


def test_the_rating_form_does_not_redirect_off_site(alice_client, alice):
    diagram = make_job(alice, count=1, recommend=1).diagrams.get()
    response = alice_client.post(
        f"/diagrams/{diagram.pk}/rate/", {"score": "2", "next": "https://evil.example/"}
    )
    assert response["Location"] == f"/diagrams/{diagram.pk}/"


# Ownership and login on every page


def alices_paths(alice):
    job = make_job(alice, count=1, recommend=1)
    running = make_job(alice, status=Job.Status.RUNNING)
    running.progress = {"candidates": [{"index": 0, "node_list": NODE_LIST}]}
    running.save()
    diagram = job.diagrams.get()
    return [
        f"/jobs/{job.pk}/",
        f"/jobs/{job.pk}/results/",
        f"/jobs/{running.pk}/",
        f"/jobs/{running.pk}/candidates/0/svg/",
        f"/diagrams/{diagram.pk}/",
        f"/?from={job.pk}",
    ], diagram


def test_another_users_job_or_diagram_is_a_404_on_every_page(bob_client, alice):
    paths, diagram = alices_paths(alice)
    for path in paths:
        assert bob_client.get(path).status_code == 404, path
    response = bob_client.post(f"/diagrams/{diagram.pk}/rate/", {"score": "5"})
    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_the_owner_gets_every_page(alice_client, alice):
    paths, _ = alices_paths(alice)
    for path in paths:
        assert alice_client.get(path).status_code == 200, path


def test_missing_ids_are_a_404(alice_client):
    for path in ["/jobs/999999/", "/diagrams/999999/", "/jobs/999999/results/"]:
        assert alice_client.get(path).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, alice):
    paths, diagram = alices_paths(alice)
    for path in [*paths, "/", "/history/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path
    response = client.post(f"/diagrams/{diagram.pk}/rate/", {"score": "5"})
    assert response.status_code == 302
    response = client.post("/", {"prompt": "DL model", "count": 5, "recommend": 3})
    assert response.status_code == 302
    assert not Rating.objects.exists()
    assert Job.objects.count() == 2
