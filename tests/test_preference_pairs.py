"""The preference-pair builder on hand-made ratings and corrections."""

import json

import pytest
from django.core.management import call_command

from ranking.learning import pairs
from ranking.models import Correction
from tests.jobdata import make_diagram, make_job, rate

PLANS = [
    "net 3 4 2\nstyle: right box solid muted labels medium",
    "net 3 4 2\nstyle: down circle dashed bright nolabels small",
    "net 3 4 2\nstyle: left ellipse solid blue labels large",
]


def job_with_plans(user, prompt="a 3-4-2 MLP", plans=PLANS):
    job = make_job(user, prompt=prompt, count=len(plans), recommend=1)
    return job, [
        make_diagram(job, rank=i + 1, readability=4.0 - i, plan=plan)
        for i, plan in enumerate(plans)
    ]


def correct(user, source, saved_plan, model_plan=None, prompt="a 3-4-2 MLP"):
    rank = 10 + Correction.objects.filter(source_diagram__job=source.job).count()
    revision = make_diagram(source.job, rank=rank, plan=saved_plan, parent=source)
    revision.user = user
    revision.save()
    return Correction.objects.create(
        user=user,
        diagram=revision,
        source_diagram=source,
        prompt=prompt,
        model_plan=source.plan if model_plan is None else model_plan,
        saved_plan=saved_plan,
        structure_changed=False,
    )


@pytest.mark.django_db
def test_ratings_two_points_apart_make_a_pair_and_closer_ones_do_not(alice):
    _, (a, b, c) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(alice, b, 3)  # 2 below a: a pair
    rate(alice, c, 4)  # 1 from a and b: no pair
    found = pairs.build_pairs()
    assert [(p.chosen, p.rejected, p.source) for p in found] == [(a.plan, b.plan, "rating")]
    assert found[0].prompt == "a 3-4-2 MLP" and found[0].weight == 1.0


@pytest.mark.django_db
def test_a_larger_gap_threshold_drops_the_pair(alice):
    _, (a, b, _) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(alice, b, 3)
    assert pairs.build_pairs(min_rating_gap=3) == []


@pytest.mark.django_db
def test_diagrams_of_different_jobs_never_pair(alice):
    _, (a, _, _) = job_with_plans(alice)
    _, (_, other, _) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(alice, other, 0)
    assert pairs.build_pairs() == []


@pytest.mark.django_db
def test_a_rating_of_someone_elses_diagram_teaches_nothing(alice, bob):
    _, (a, b, _) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(bob, b, 0)  # a stray row: bob cannot see alice's diagram
    assert pairs.build_pairs() == []


@pytest.mark.django_db
def test_the_same_pair_from_two_jobs_is_kept_once(alice, bob):
    for user in (alice, bob):
        _, (a, b, _) = job_with_plans(user)
        rate(user, a, 5)
        rate(user, b, 1)
    found = pairs.build_pairs()
    assert len(found) == 1 and found[0].chosen == PLANS[0]


@pytest.mark.django_db
def test_contradicting_pairs_both_go(alice, bob):
    _, (a, b, _) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(alice, b, 1)
    _, (a2, b2, _) = job_with_plans(bob)
    rate(bob, a2, 0)
    rate(bob, b2, 4)
    assert pairs.build_pairs() == []


@pytest.mark.django_db
def test_a_correction_prefers_the_saved_plan_and_wins_over_a_rating(alice):
    _, (a, b, _) = job_with_plans(alice)
    correct(alice, b, saved_plan=a.plan)
    rate(alice, a, 5)
    rate(alice, b, 2)  # the same pair as the correction
    found = pairs.build_pairs()
    assert [(p.chosen, p.rejected, p.source) for p in found] == [(a.plan, b.plan, "correction")]


@pytest.mark.django_db
def test_a_correction_that_changed_nothing_or_lacks_the_models_plan_is_skipped(alice):
    _, (a, b, _) = job_with_plans(alice)
    correct(alice, a, saved_plan=a.plan)
    correct(alice, b, saved_plan=PLANS[2], model_plan="")
    assert pairs.build_pairs() == []


@pytest.mark.django_db
def test_a_correction_of_another_users_diagram_is_ignored(alice, bob):
    _, (a, _, _) = job_with_plans(alice)
    correct(bob, a, saved_plan="flow\na > b\nstyle: right box solid muted labels medium")
    assert pairs.build_pairs() == []


@pytest.mark.django_db
def test_readability_pairs_come_only_from_unrated_jobs_and_only_when_asked(alice):
    _, (a, _, c) = job_with_plans(alice, prompt="unrated job")
    _, (r1, _, _) = job_with_plans(alice, prompt="rated job")
    rate(alice, r1, 3)
    assert pairs.build_pairs() == []
    found = pairs.build_pairs(include_readability=True)
    assert [(p.prompt, p.chosen, p.rejected, p.source) for p in found] == [
        ("unrated job", a.plan, c.plan, "readability")
    ]
    assert found[0].weight < 1.0


@pytest.mark.django_db
def test_since_keeps_only_newer_judgements(alice):
    _, (a, b, _) = job_with_plans(alice)
    rate(alice, a, 5)
    old = rate(alice, b, 1)
    assert pairs.build_pairs(since=old.updated_at) == []
    old.score = 0  # the rating changes later: the pair is new again
    old.save()
    assert len(pairs.build_pairs(since=old.created_at)) == 1


@pytest.mark.django_db
def test_the_command_writes_jsonl_and_prints_counts_by_source(alice, tmp_path):
    _, (a, b, c) = job_with_plans(alice)
    rate(alice, a, 5)
    rate(alice, b, 1)
    correct(alice, c, saved_plan=PLANS[0] + " ")
    out = tmp_path / "pairs.jsonl"
    summary = call_command("build_preferences", "--output", str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["source"] for r in rows} == {"rating", "correction"}
    assert {"prompt", "chosen", "rejected", "source", "weight"} <= set(rows[0])
    assert "2 pairs" in summary and "correction 1" in summary and "rating 1" in summary
    assert pairs.read_jsonl(out) == pairs.build_pairs()
