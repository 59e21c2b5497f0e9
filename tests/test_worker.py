"""Job runtime: claiming, failures, the reaper, the embedded worker thread."""

import threading
import unittest.mock

import numpy as np
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ranking import dispatch, drawrank, engines, events, runner
from ranking import worker as worker_module
from ranking.diagrams import nodelist
from ranking.generation.plan import parse_plan
from ranking.models import Diagram, Job, LLMConfig, Rating, ScorerVersion
from ranking.services import JobLimitExceeded, submit_job
from ranking.worker import EmbeddedWorker
from tests.jobdata import make_job, rate
from tests.prerequisites import need
from tests.tiny_scorer import register_tiny_scorer, write_tiny_scorer

PROMPT = "DL model with 4 inputs, 8 and 6 hidden nodes, and 2 outputs"


@pytest.fixture
def published(monkeypatch):
    """Collect the events jobs publish (the channel layer is I/O: replaced in this one place)."""
    sent = []
    monkeypatch.setattr(events, "publish", lambda job_id, event: sent.append((job_id, event)))
    return sent


def running_job(user, attempts=1, silent_for=None):
    job = make_job(user, status=Job.Status.QUEUED)
    job.mark_running("host:123:worker")
    Job.objects.filter(pk=job.pk).update(attempts=attempts)
    if silent_for is not None:
        Job.objects.filter(pk=job.pk).update(
            heartbeat_at=timezone.now() - timezone.timedelta(seconds=silent_for)
        )
    job.refresh_from_db()
    return job


def test_submit_stores_the_prompt_before_anything_runs(alice):
    job = submit_job(alice, f"  {PROMPT}  ", count=4, recommend=2)
    job.refresh_from_db()
    assert (job.status, job.prompt, job.attempts) == ("queued", PROMPT, 0)


def test_a_third_job_in_flight_is_refused(alice, settings):
    settings.MAX_JOBS_IN_FLIGHT = 2
    submit_job(alice, PROMPT)
    submit_job(alice, PROMPT)
    with pytest.raises(JobLimitExceeded, match="2 diagram jobs"):
        submit_job(alice, PROMPT)
    assert Job.objects.count() == 2


def test_run_job_skips_a_job_that_is_not_queued(alice, published):
    job = make_job(alice, status=Job.Status.DONE)
    assert runner.run_job(job.pk) == "skipped"
    assert runner.run_job(987654) == "skipped"
    assert published == []


def test_a_job_without_an_active_llm_fails_with_a_clear_reason(alice, published):
    LLMConfig.objects.update(is_active=False)
    job = make_job(alice, status=Job.Status.QUEUED)
    assert runner.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at is not None
    assert "No LLM configuration is active" in job.error
    assert published[-1] == (job.pk, {"type": "error", "status": "failed", "error": job.error})


def test_a_job_without_an_active_scorer_fails_with_a_clear_reason(alice, published):
    ScorerVersion.objects.update(is_active=False)
    job = make_job(alice, status=Job.Status.QUEUED)
    runner.run_job(job.pk)
    job.refresh_from_db()
    assert "No scorer version is active" in job.error


def test_the_reaper_requeues_a_silent_job_once_then_fails_it(alice, settings, published):
    settings.WORKER_MODE = "off"
    job = running_job(alice, attempts=1, silent_for=120)
    report = runner.requeue_stale_jobs(stale_after=60, max_attempts=2)
    assert report["requeued"] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("queued", 1)
    assert "stopped" in job.progress["requeued"]

    # Its second run dies too: now it fails, with the reason.
    job.mark_running("host:456:worker")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    report = runner.requeue_stale_jobs(stale_after=60, max_attempts=2)
    assert report["failed"] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("failed", 2)
    assert "stopped 2 times" in job.error
    assert published[-1][1]["type"] == "error"


def test_the_reaper_leaves_live_and_finished_jobs_alone(alice):
    live = running_job(alice, silent_for=5)
    done = make_job(alice, status=Job.Status.DONE)
    report = runner.requeue_stale_jobs(stale_after=60, max_attempts=2)
    assert report == {"requeued": [], "failed": [], "redispatched": []}
    live.refresh_from_db()
    done.refresh_from_db()
    assert (live.status, done.status) == ("running", "done")


def test_the_reaper_redispatches_a_queued_job_whose_message_was_lost(alice):
    job = make_job(alice, status=Job.Status.QUEUED)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timezone.timedelta(hours=1))
    assert dispatch.reap(stale_after=60)["redispatched"] == [job.pk]
    job.refresh_from_db()
    assert job.heartbeat_at > timezone.now() - timezone.timedelta(seconds=10)


def test_progress_is_written_to_the_row_and_published(alice, published):
    job = running_job(alice)
    reporter = runner.ProgressReporter(job)
    reporter.set_stage("generating")
    reporter.tokens([5, 7, 0])
    reporter.candidate(1, "[1, 10, 10, 'circle', 5, 5]", plan="net 3 2")
    job.refresh_from_db()
    assert job.stage == "generating"
    assert job.progress["tokens"] == [5, 7, 0]
    assert job.progress["candidates"][0]["index"] == 1
    # The candidate event carries the progress; no progress event of its own follows.
    assert [event["type"] for _, event in published] == ["progress", "candidate"]
    candidate = published[-1][1]
    assert candidate["progress"]["tokens"] == [5, 7, 0]
    assert candidate["progress"]["finished"] == 1
    assert "candidates" not in candidate["progress"]


def test_progress_of_a_job_taken_back_is_not_written(alice, published):
    job = running_job(alice)
    reporter = runner.ProgressReporter(job)
    job.requeue("worker stopped")
    # The run stops at its next write instead of working on for nothing.
    with pytest.raises(runner.JobTakenBack):
        reporter.set_stage("scoring")
    job.refresh_from_db()
    assert (job.status, job.stage) == ("queued", "queued")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_keeps_a_running_job_fresh(alice):
    job = running_job(alice, silent_for=600)
    with runner.Heartbeat(job.pk, interval=0.05):
        threading.Event().wait(0.3)
    job.refresh_from_db()
    assert job.heartbeat_at > timezone.now() - timezone.timedelta(seconds=5)


def _wait_until_finished(job, also=lambda: True, tries=100):
    """Poll the job (and `also`) every 0.1 s until it is finished, at most `tries` times."""
    for _ in range(tries):
        job.refresh_from_db()
        if job.is_finished and also():
            return
        threading.Event().wait(0.1)


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_thread_runs_a_submitted_job(alice, settings):
    # No active LLM: the quickest real outcome of a run is a clean failure.
    LLMConfig.objects.update(is_active=False)
    settings.WORKER_MODE = "thread"
    worker = EmbeddedWorker()
    job = make_job(alice, status=Job.Status.QUEUED)
    worker.wake()
    try:
        _wait_until_finished(job)
    finally:
        worker.stop()
    assert job.status == "failed"
    assert "No LLM configuration is active" in job.error
    assert not worker.running


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_empties_the_debug_query_log_after_each_job(
    alice, settings, monkeypatch
):
    # With DEBUG on, Django logs every query and empties the log per request;
    # the worker thread sees no request, so it must empty its own.
    LLMConfig.objects.update(is_active=False)
    settings.WORKER_MODE = "thread"
    settings.DEBUG = True
    logged = []
    real_close = worker_module.close_old_connections

    def close_and_count():
        logged.append(len(connection.queries_log))  # the worker thread's connection
        real_close()

    monkeypatch.setattr(worker_module, "close_old_connections", close_and_count)
    worker = EmbeddedWorker()
    job = make_job(alice, status=Job.Status.QUEUED)
    worker.wake()
    try:
        _wait_until_finished(job, also=lambda: bool(logged))
    finally:
        worker.stop()
    assert job.status == "failed"
    assert logged and set(logged) == {0}


# ---------------------------------------------------------------- whole jobs


@pytest.fixture
def fake_llm(settings, tmp_path):
    """Jobs generate with the small stand-in LLM and rank with the small fixed scorer.

    Everything between them (plan parsing, layout, rendering, scoring code,
    k-NN, storing) is the real pipeline.
    """
    settings.JOB_GENERATOR_FACTORY = "tests.fake_generator.build"
    register_tiny_scorer(tmp_path / "scorer")
    engines.clear_cache()
    yield
    engines.clear_cache()


def run(user, prompt=PROMPT, count=4, recommend=2):
    """Submit and run a job for `user`; return it with its diagrams best first."""
    job = submit_job(user, prompt, count=count, recommend=recommend)
    assert runner.run_job(job.pk) == "done", Job.objects.get(pk=job.pk).error
    job.refresh_from_db()
    return job, list(job.diagrams.order_by("rank"))


def test_a_job_runs_to_done_with_ranked_stored_diagrams(alice, fake_llm, published):
    job, diagrams = run(alice, count=4, recommend=2)
    assert (job.status, job.stage, job.attempts, job.error) == ("done", "done", 1, "")
    assert job.started_at <= job.finished_at
    assert job.llm_config == LLMConfig.objects.active()
    assert job.scorer == ScorerVersion.objects.active()
    assert [d.rank for d in diagrams] == [1, 2, 3, 4]
    assert [d.recommended for d in diagrams] == [True, True, False, False]
    finals = [d.final_score for d in diagrams]
    assert finals == sorted(finals, reverse=True)
    for diagram in diagrams:
        assert 0 <= diagram.readability <= 5
        # Cold start: no ratings yet, so readability alone ranks.
        assert diagram.user_score is None and diagram.final_score == diagram.readability
        assert diagram.latent_vector.size > 0 and diagram.latent_scorer == job.scorer
        assert nodelist.parse(diagram.node_list).ok
    # A finished job's progress keeps counts and facts; the diagrams are rows now.
    assert job.progress == {
        "count": 4,
        "finished": 4,
        "tokens_total": job.progress["tokens_total"],
        "personalised": False,
        "rated_count": 0,
    }
    assert job.progress["tokens_total"] > 0
    kinds = [event["type"] for job_id, event in published if job_id == job.pk]
    assert kinds.count("candidate") == 4 and "progress" in kinds
    assert kinds[-1] == "done"
    # The done event says done; the page fetches the results.
    assert published[-1][1] == {"type": "done", "status": "done"}
    # No rendered SVG travels in events: previews come from the candidate route.
    assert not any("svg" in event for _, event in published)


def test_each_candidates_plan_and_reading_are_sent_and_stored(
    alice, fake_llm, published, monkeypatch
):
    from ranking.generation import pipeline
    from tests import fake_generator

    real = pipeline.generate_candidates

    def odd_ones_alternative(prompt, count, *, on_progress, **options):
        # The pipeline marks a candidate drawn from its second reading of the prompt.
        def mark(event):
            if event.get("candidate") is not None:
                event["candidate"].structure_rank = event["candidate_finished"] % 2
            on_progress(event)

        return real(prompt, count, on_progress=mark, **options)

    monkeypatch.setattr(pipeline, "generate_candidates", odd_ones_alternative)
    job, diagrams = run(alice, count=4, recommend=2)
    live = [event for _, event in published if event["type"] == "candidate"]
    assert [(e["index"], e["structure_rank"]) for e in live] == [(0, 0), (1, 1), (2, 0), (3, 1)]
    structure = fake_generator.FakeGenerator().structure(PROMPT)
    assert all(e["plan"].startswith(f"{structure}\nstyle: ") for e in live)
    by_plan = {e["plan"]: e["structure_rank"] for e in live}
    assert {d.plan: d.structure_rank for d in diagrams} == by_plan
    assert all(d.plan_structure == structure for d in diagrams)
    # The model's best reading ranks ahead of the alternative, whatever the scores say.
    ranked = sorted(diagrams, key=lambda d: d.rank)
    assert [d.structure_rank for d in ranked] == [0, 0, 1, 1]
    assert [d.recommended for d in ranked] == [True, True, False, False]


def test_reading_first_keeps_the_scores_order_inside_each_reading():
    assert drawrank.reading_first([3, 1, 0, 4, 2], [0, 1, 0, 1, 0]) == [0, 4, 2, 3, 1]
    assert drawrank.reading_first([2, 0, 1], [0, 0, 0]) == [2, 0, 1]


class FakeClock:
    """The reporter's clock, moved by the test: throttling is asserted in counts, not timings."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(runner, "time", clock)
    return clock


def job_row_writes(queries) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "ranking_job"')
    ]


def test_token_progress_is_sent_4_times_a_second_and_stored_once_a_second(alice, published, clock):
    job = running_job(alice)
    reporter = runner.ProgressReporter(job)
    reporter.set_stage("generating")
    published.clear()
    with CaptureQueriesContext(connection) as queries:
        # 4 seconds of decoding, a token every 1/256 s (exact in binary floating point).
        for step in range(1, 4 * 256 + 1):
            clock.now += 1 / 256
            reporter.tokens([step, step, step - 1])
    assert len(job_row_writes(queries)) == 4
    assert [event["type"] for _, event in published] == ["progress"] * 16
    assert published[-1][1]["progress"]["tokens"] == [1024, 1024, 1023]
    job.refresh_from_db()
    assert job.progress["tokens"] == [1024, 1024, 1023]
    assert job.progress["tokens_total"] == 3071


def test_a_job_writes_its_row_per_stage_and_candidate_never_per_token(
    alice, fake_llm, published, clock, monkeypatch
):
    token_reports = []
    tokens = runner.ProgressReporter.tokens
    monkeypatch.setattr(
        runner.ProgressReporter,
        "tokens",
        lambda self, *args, **kwargs: token_reports.append(args) or tokens(self, *args, **kwargs),
    )
    job = submit_job(alice, PROMPT, count=5, recommend=2)
    with CaptureQueriesContext(connection) as queries:
        assert runner.run_job(job.pk) == "done"
    progress = [event for _, event in published if event["type"] == "progress"]
    stages = [event["stage"] for event in progress]
    stage_changes = [s for i, s in enumerate(stages) if i == 0 or s != stages[i - 1]]
    assert stage_changes == ["loading_model", "generating", "laying_out", "scoring"]
    assert len(token_reports) > 40  # the fake LLM reports every token, like the real one
    # The clock never moves: tokens alone send and store nothing. The row is
    # written by the claim, the registrations, each stage change, each
    # candidate (once), the personalisation note and the finish.
    assert len(job_row_writes(queries)) == 2 + len(stage_changes) + 5 + 1 + 1
    # One progress event per stage change; each candidate event carries the
    # count so far, so no progress event follows it.
    assert len(progress) == len(stage_changes)
    candidates = [event for _, event in published if event["type"] == "candidate"]
    assert all("tokens" in event["progress"] for event in candidates)
    assert candidates[-1]["progress"]["finished"] == 5


def test_ratings_change_the_next_ranking_for_that_user_only(alice, bob, fake_llm, published):
    _, alices = run(alice)
    _, bobs = run(bob)
    # Same prompt, same candidates, nobody rated anything: the same order.
    assert [d.node_list for d in alices] == [d.node_list for d in bobs]

    # Alice loves her last diagram and dislikes her first; Bob rates the opposite.
    rate(alice, alices[-1], 5)
    rate(alice, alices[0], 0)
    rate(bob, bobs[-1], 0)
    rate(bob, bobs[0], 5)

    job, again = run(alice)
    assert job.progress["personalised"] is True
    liked = next(d for d in again if d.node_list == alices[-1].node_list)
    disliked = next(d for d in again if d.node_list == alices[0].node_list)
    assert liked.user_score == pytest.approx(5, abs=0.5)
    assert disliked.user_score == pytest.approx(0, abs=0.5)
    assert liked.rank < disliked.rank
    assert [d.node_list for d in again] != [d.node_list for d in alices]

    # Carol never rated: Alice's and Bob's ratings do not touch her ranking.
    from django.contrib.auth.models import User

    carol = User.objects.create_user("carol", password="x-long-password-1")
    _, carols = run(carol)
    assert [d.node_list for d in carols] == [d.node_list for d in alices]
    assert all(d.user_score is None for d in carols)


def test_a_newly_activated_llm_is_used_without_a_restart(alice, fake_llm, published):
    run(alice)
    newer = LLMConfig.objects.create(name="newer", adapter_path="generator")
    newer.activate()
    job, _ = run(alice)
    assert job.llm_config == newer
    assert engines.generator_for(newer).config == newer


def test_the_models_are_loaded_once_for_many_jobs(alice, bob, fake_llm, published, monkeypatch):
    from ranking.scoring.ranker import Scorer
    from tests import fake_generator

    generators, scorers = [], []
    build, load = fake_generator.build, Scorer.load
    monkeypatch.setattr(fake_generator, "build", lambda c: generators.append(c) or build(c))
    monkeypatch.setattr(Scorer, "load", lambda *paths: scorers.append(paths) or load(*paths))
    run(alice)
    run(bob)
    run(alice)
    assert (len(generators), len(scorers)) == (1, 1)


def test_unreadable_model_files_fail_the_job_with_the_reason(alice, settings, published):
    settings.JOB_GENERATOR_FACTORY = "tests.fake_generator.broken"
    engines.clear_cache()
    job = submit_job(alice, PROMPT)
    assert runner.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert "lacks adapter_config.json" in job.error
    assert not job.diagrams.exists()
    assert published[-1][1]["type"] == "error"


@pytest.mark.slow
def test_a_job_runs_end_to_end_with_the_real_llm(alice, settings, published):
    from ranking.generation.basemodel import is_cached

    scorer = ScorerVersion.objects.active()
    weights = [
        LLMConfig.objects.active().adapter_location(),
        scorer.readability_location(),
        scorer.autoencoder_location(),
    ]
    need(
        is_cached() and all(path.exists() for path in weights),
        "the base model or shipped weights are missing (scripts/setup.sh, models/)",
    )
    settings.JOB_GENERATOR_FACTORY = ""
    engines.clear_cache()
    job, diagrams = run(alice, PROMPT, count=3, recommend=2)
    # Every candidate asked for is stored, ranked, and draws what the prompt says:
    # a network of 4 inputs, hidden layers of 8 and 6, and 2 outputs.
    assert [d.rank for d in diagrams] == [1, 2, 3]
    assert [d.recommended for d in diagrams] == [True, True, False]
    assert all(nodelist.parse(d.node_list).ok for d in diagrams)
    # (An "alternative reading" candidate, structure_rank 1, may differ on purpose.)
    best_readings = [d for d in diagrams if d.structure_rank == 0]
    assert best_readings
    for diagram in best_readings:
        plan = parse_plan(diagram.plan)
        assert plan.family == "net", diagram.plan
        assert [layer.size for layer in plan.layers] == [4, 8, 6, 2], diagram.plan
    assert job.progress["tokens_total"] > 0


def test_run_jobs_once_drains_the_queue(alice, bob, fake_llm, published):
    first = submit_job(alice, PROMPT, count=2, recommend=1)
    second = submit_job(bob, PROMPT, count=2, recommend=1)
    summary = call_command("run_jobs", "--once")
    assert summary == "ran 2 job(s); took back 0 from dead workers"
    for job in (first, second):
        job.refresh_from_db()
        assert job.status == "done" and job.diagrams.count() == 2


# ------------------------------------------------- scorer versions and ratings


def second_scorer(tmp_path, **fields) -> ScorerVersion:
    """Register (not activate) another version of the small scorer, from its own files."""
    readability, autoencoder = write_tiny_scorer(tmp_path / "scorer-v2")
    return ScorerVersion.objects.create(
        name="tiny-test-scorer-v2",
        readability_path=str(readability),
        autoencoder_path=str(autoencoder),
        **fields,
    )


def rate_alternately(user, diagrams):
    """Rate `diagrams` 5, 0, 5, 0, ...; return {node_list: score}."""
    scores = {}
    for i, diagram in enumerate(diagrams):
        scores[diagram.node_list] = 5 if i % 2 == 0 else 0
        rate(user, diagram, scores[diagram.node_list])
    return scores


def test_each_scorer_version_predicts_with_its_own_knn_k(alice, fake_llm, published):
    _, first = run(alice, count=4)
    scores = rate_alternately(alice, first)
    scorer = ScorerVersion.objects.active()

    scorer.knn_k = 1
    scorer.save()
    _, nearest_only = run(alice, count=4)
    # The same candidates again: with K=1 each one's prediction is its own rating.
    assert {d.node_list: d.user_score for d in nearest_only} == pytest.approx(scores)

    scorer.knn_k = 4
    scorer.save()
    _, all_four = run(alice, count=4)
    mixed = {d.node_list: d.user_score for d in all_four}
    # With K=4 the other three ratings pull every prediction off its own rating.
    assert all(0 < mixed[text] < 5 for text in scores)


def test_a_new_scorer_version_re_encodes_rated_latents_once(alice, fake_llm, published, tmp_path):
    _, first = run(alice, count=3)
    scores = rate_alternately(alice, first)
    old = ScorerVersion.objects.active()
    # Latents of another version live in another space: make that visible.
    Diagram.objects.filter(pk__in=[d.pk for d in first]).update(
        latent=Diagram.pack_latent(np.zeros_like(first[0].latent_vector))
    )
    new = second_scorer(tmp_path, knn_k=1)
    new.activate()
    job, again = run(alice, count=3)
    assert job.scorer == new and old != new
    loaded = engines.scorer_for(new)
    for diagram in first:
        diagram.refresh_from_db()
        assert diagram.latent_scorer == new
        expected = drawrank.encode(loaded, [diagram.node_list])[0]
        assert diagram.latent_vector == pytest.approx(expected, abs=1e-3)  # batch vs one
    # The re-encoded latents drive the prediction (zeros would give every
    # candidate the same nearest neighbour).
    assert {d.node_list: d.user_score for d in again} == pytest.approx(scores)

    # Stored: the next job re-encodes nothing.
    calls = []
    real_encode = drawrank.encode

    def counting_encode(scorer, texts):
        calls.append(texts)
        return real_encode(scorer, texts)

    with unittest.mock.patch.object(drawrank, "encode", counting_encode):
        run(alice, count=3)
    assert calls == []


def test_activating_a_scorer_version_is_used_by_the_next_job(
    alice, admin_client, fake_llm, published, tmp_path
):
    before, _ = run(alice, count=2, recommend=1)
    new = second_scorer(tmp_path)
    assert before.scorer != new
    response = admin_client.post(
        "/admin/ranking/scorerversion/",
        {"action": "activate", "_selected_action": [new.pk]},
    )
    assert response.status_code == 302
    job, diagrams = run(alice, count=2, recommend=1)
    assert job.scorer == new
    assert {d.latent_scorer for d in diagrams} == {new}


def test_alice_cannot_rate_bobs_diagram(alice, bob, fake_llm, published):
    from ranking.services import rate_diagram

    _, bobs = run(bob, count=2, recommend=1)
    with pytest.raises(PermissionError):
        rate_diagram(alice, bobs[0], 4)
    assert not Rating.objects.exists()
