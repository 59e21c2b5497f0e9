"""The staff "Learn from users" page: staff only, one run at a time, activation and roll back."""

import pytest
from django.urls import reverse

from ranking.learning import runs
from ranking.learning.models import Activation, TrainingRun
from ranking.models import LLMConfig, ScorerVersion
from tests.jobdata import rate
from tests.test_preference_pairs import job_with_plans
from tests.tiny_scorer import register_tiny_scorer

PAGE = "/admin/learn/"


@pytest.fixture
def fake_jobs(settings, tmp_path, monkeypatch):
    """Jobs run with the stand-in generator and the tiny scorer; events go nowhere."""
    from ranking import engines, events

    settings.JOB_GENERATOR_FACTORY = "tests.fake_generator.build"
    register_tiny_scorer(tmp_path / "scorer")
    monkeypatch.setattr(events, "publish", lambda job_id, event: None)
    engines.clear_cache()
    yield
    engines.clear_cache()


def run_job_for(user):
    """Submit and run one job for `user`; return it as stored."""
    from ranking import runner
    from ranking.services import submit_job

    job = submit_job(user, "DL model with 3 inputs and 2 outputs", count=2, recommend=1)
    assert runner.run_job(job.pk) == "done"
    job.refresh_from_db()
    return job


def finished_run(name, started_from=None):
    """Store a run as the worker leaves it, with the LLM version it registered."""
    version = LLMConfig.objects.create(name=name, adapter_path="generator")
    return TrainingRun.objects.create(
        name=name,
        method="orpo",
        steps=10,
        status=TrainingRun.Status.DONE,
        llm_config=version,
        started_from_llm=started_from,
        report={
            "started_from": "smollm2-135m-plan",
            "data": {"pairs": 12, "by_source": {"correction": 2, "rating": 10, "readability": 0}},
            "training": {"steps": 10, "loss_curve": [[1, 2.5], [10, 1.25]]},
            "preference_accuracy": {
                "before": {"accuracy": 0.5, "mean_margin": -0.2},
                "after": {"accuracy": 0.75, "mean_margin": 1.5},
            },
            "evaluation": {
                "before": {"held-out": {"prompts": 5, "structure": 0.8, "by_task": {}}},
                "after": {"held-out": {"prompts": 5, "structure": 0.9, "by_task": {}}},
                "regressions": [],
                "top_readability": {"before": 4.1, "after": 4.2},
            },
        },
    )


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", PAGE),
        ("get", PAGE + "status/"),
        ("post", PAGE + "start/llm/"),
        ("post", PAGE + "rollback/llm/"),
    ],
)
def test_it_refuses_non_staff(alice_client, client, db, method, path):
    for visitor in (alice_client, client):
        response = getattr(visitor, method)(path, {"name": "x", "method": "orpo", "steps": 5})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not TrainingRun.objects.exists()


def test_a_non_staff_user_cannot_activate_a_version(alice_client, db):
    done = finished_run("tuned")
    response = alice_client.post(f"{PAGE}runs/{done.pk}/activate/")
    assert response.status_code == 302
    done.llm_config.refresh_from_db()
    assert not done.llm_config.is_active


def test_staff_see_what_there_is_to_learn(admin_client, alice):
    _, (a, b, _) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(alice, b, 1)
    response = admin_client.get(PAGE)
    assert response.status_code == 200
    counts = response.context["llm_counts"]
    assert counts["ratings"] == 2 and counts["pairs"]["rating"] == 1
    assert b"Start LLM run" in response.content


def test_staff_start_one_run_at_a_time(admin_client, admin_user):
    form = {"name": "tuned", "method": "orpo", "steps": 20, "eval_limit": 5, "threads": 2}
    response = admin_client.post(PAGE + "start/llm/", form)
    assert response.status_code == 302
    queued = TrainingRun.objects.get()
    assert (queued.status, queued.method, queued.steps) == ("queued", "orpo", 20)
    assert queued.requested_by == admin_user and queued.options["eval_limit"] == 5
    assert queued.options["threads"] == 2
    response = admin_client.post(PAGE + "start/llm/", {**form, "name": "another"}, follow=True)
    assert "one run at a time" in response.content.decode()
    assert TrainingRun.objects.count() == 1
    status = admin_client.get(PAGE + "status/").json()["run"]
    assert status["name"] == "tuned" and status["status"] == "queued"
    assert b"run-progress" in admin_client.get(PAGE).content


def test_a_scorer_run_can_be_queued_too(admin_client):
    admin_client.post(PAGE + "start/scorer/", {"name": "scorer-2", "epochs": 2})
    queued = TrainingRun.objects.get()
    assert (queued.kind, queued.options) == ("scorer", {"epochs": 2})
    assert queued.started_from_scorer == ScorerVersion.objects.active()


def test_the_comparison_shows_both_versions_figures(admin_client):
    done = finished_run("tuned")
    response = admin_client.get(PAGE, {"compare": done.pk})
    rows = {r.label: (r.active, r.candidate) for r in response.context["comparison"]["rows"]}
    assert rows["preference accuracy (held-out pairs)"] == ("0.500", "0.750")
    assert rows["structure, held-out (5 prompts)"] == ("0.800", "0.900")
    assert rows["top-candidate readability"] == ("4.100", "4.200")


def test_activation_switches_the_next_jobs_model_and_roll_back_restores_it(
    admin_client, alice, fake_jobs
):
    shipped = LLMConfig.objects.active()
    job = run_job_for(alice)
    assert job.llm_config == shipped
    done = finished_run("tuned", started_from=shipped)
    admin_client.post(f"{PAGE}runs/{done.pk}/activate/")
    assert LLMConfig.objects.active() == done.llm_config
    activation = Activation.objects.get()
    assert (activation.previous_llm, activation.llm_config) == (shipped, done.llm_config)
    job = run_job_for(alice)
    assert job.llm_config == done.llm_config
    admin_client.post(PAGE + "rollback/llm/")
    assert LLMConfig.objects.active() == shipped
    job = run_job_for(alice)
    assert job.llm_config == shipped


def test_a_silent_running_run_is_failed_so_a_new_one_can_start(admin_user):
    from datetime import timedelta

    from django.utils import timezone

    stuck = TrainingRun.objects.create(name="stuck", method="orpo", steps=5, status="running")
    TrainingRun.objects.filter(pk=stuck.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=runs.RUN_STALE_SECONDS + 1)
    )
    fresh = runs.create_run(admin_user, "llm", "fresh", steps=5)
    stuck.refresh_from_db()
    assert stuck.status == "failed" and "resume" in stuck.error
    assert fresh.status == "queued"
