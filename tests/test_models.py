"""Model rules: one active registration, job state changes, visibility, latents, ratings."""

import numpy as np
import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from ranking.models import Diagram, Job, LLMConfig, Rating, ScorerVersion
from ranking.seed import DEFAULT_LLM, DEFAULT_SCORER, FIRST_SCORER, activate_default_scorer
from tests.jobdata import make_diagram, make_done_job, make_job, rate


def test_a_fresh_database_has_the_default_models_active(db):
    assert LLMConfig.objects.active().name == DEFAULT_LLM["name"]
    assert ScorerVersion.objects.active().name == DEFAULT_SCORER["name"]


def test_seed_models_is_idempotent_and_keeps_the_active_choice(db):
    other = ScorerVersion.objects.create(name="v2", readability_path="a", autoencoder_path="b")
    other.activate()
    summary = call_command("seed_models")
    assert f"updated {DEFAULT_SCORER['name']}" in summary
    assert ScorerVersion.objects.active() == other
    assert LLMConfig.objects.count() == 1


def test_the_readability_v2_migration_replaces_the_first_scorer_only(db):
    ScorerVersion.objects.all().delete()
    first = ScorerVersion.objects.create(
        **{k: v for k, v in FIRST_SCORER.items() if k != "name"}, name=FIRST_SCORER["name"]
    )
    first.activate()
    assert "activated readability-v2" in activate_default_scorer(ScorerVersion)
    assert ScorerVersion.objects.active().readability_path == "scoring/readability-v2"
    custom = ScorerVersion.objects.create(
        name="staff's own", readability_path="a", autoencoder_path="b"
    )
    custom.activate()
    assert activate_default_scorer(ScorerVersion) == ["updated readability-v2"]
    assert ScorerVersion.objects.active() == custom


def test_a_second_active_llm_config_is_refused_by_the_database(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        LLMConfig.objects.create(name="second", is_active=True)
    assert LLMConfig.objects.filter(is_active=True).count() == 1


def test_activate_leaves_exactly_one_active(db):
    first = LLMConfig.objects.active()
    second = LLMConfig.objects.create(name="second")
    second.activate()
    first.refresh_from_db()
    assert LLMConfig.objects.active() == second
    assert not first.is_active
    assert LLMConfig.objects.filter(is_active=True).count() == 1


def test_relative_weight_paths_resolve_under_models_dir(db, settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    scorer = ScorerVersion(name="x", readability_path="cnn", autoencoder_path="/abs/ae.pt")
    assert scorer.readability_location() == tmp_path / "cnn"
    assert str(scorer.autoencoder_location()) == "/abs/ae.pt"


def test_mark_running_claims_a_queued_job_only_once(alice):
    job = make_job(alice, status=Job.Status.QUEUED)
    assert job.mark_running("worker-a")
    assert not Job.objects.get(pk=job.pk).mark_running("worker-b")
    job.refresh_from_db()
    assert (job.status, job.attempts, job.worker) == ("running", 1, "worker-a")
    assert job.started_at is not None and job.heartbeat_at is not None


def test_mark_done_and_mark_failed_record_the_outcome(alice):
    done = make_job(alice, status=Job.Status.QUEUED)
    done.mark_running()
    assert done.mark_done()
    assert (done.status, done.stage) == ("done", "done") and done.finished_at is not None
    failed = make_job(alice, status=Job.Status.QUEUED)
    assert failed.mark_failed("model files are missing")
    failed.refresh_from_db()
    assert (failed.status, failed.error) == ("failed", "model files are missing")
    assert not failed.mark_done()


def test_requeue_returns_a_running_job_to_the_queue(alice):
    job = make_job(alice, status=Job.Status.QUEUED)
    job.mark_running("w")
    assert job.requeue("worker w stopped")
    job.refresh_from_db()
    assert (job.status, job.stage, job.attempts) == ("queued", "queued", 1)
    assert job.progress["requeued"] == "worker w stopped"


def test_in_flight_and_for_user_select_the_right_jobs(alice, bob):
    queued = make_job(alice, status=Job.Status.QUEUED)
    running = make_job(alice, status=Job.Status.RUNNING)
    make_job(alice, status=Job.Status.DONE)
    make_job(bob, status=Job.Status.QUEUED)
    assert set(Job.objects.for_user(alice).in_flight()) == {queued, running}
    assert Job.objects.for_user(alice).count() == 3


def test_the_database_refuses_count_and_recommend_out_of_range(alice):
    for count, recommend in [(0, 1), (11, 3), (3, 4), (3, 0)]:
        with pytest.raises(IntegrityError), transaction.atomic():
            make_job(alice, count=count, recommend=recommend)
    assert Job.objects.count() == 0


def test_it_hides_other_users_diagrams(alice, bob):
    _, alices = make_done_job(alice)
    _, bobs = make_done_job(bob)
    assert set(Diagram.objects.visible_to(alice)) == set(alices)
    assert set(Diagram.objects.visible_to(bob)) == set(bobs)


def test_anonymous_users_see_nothing(alice):
    from django.contrib.auth.models import AnonymousUser

    make_done_job(alice)
    assert not Diagram.objects.visible_to(AnonymousUser()).exists()
    assert not Job.objects.for_user(AnonymousUser()).exists()


def test_latents_round_trip_as_float32(alice):
    job = make_job(alice)
    vector = np.linspace(-1, 1, 32)
    diagram = make_diagram(job, latent=vector)
    stored = Diagram.objects.get(pk=diagram.pk).latent_vector
    assert stored.dtype == np.float32
    np.testing.assert_allclose(stored, vector.astype(np.float32))


def test_rated_and_unrated_split_a_users_diagrams(alice):
    _, (first, second, third) = make_done_job(alice)
    rate(alice, second, 4)
    assert list(Diagram.objects.rated_by(alice)) == [second]
    assert set(Diagram.objects.unrated_by(alice)) == {first, third}


def test_a_user_rates_a_diagram_once_and_only_0_to_5(alice):
    _, (diagram, *_) = make_done_job(alice)
    rate(alice, diagram, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        rate(alice, diagram, 4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(diagram=diagram).update(score=6)
    assert Rating.objects.get(diagram=diagram).score == 3
