"""A readability retraining run: the app's ratings in, a new inactive scorer version out."""

import pytest

from ranking.learning import runs
from ranking.learning.models import Kind
from ranking.models import ScorerVersion
from tests.jobdata import make_done_job, rate


@pytest.mark.slow
def test_a_scorer_run_registers_an_inactive_version_with_its_report(
    admin_user, alice, bob, settings, tmp_path
):
    settings.LEARNING_DIR = str(tmp_path)
    _, (a, b, _) = make_done_job(alice)
    rate(alice, a, 5)
    rate(bob, b, 0)  # a stray rating of someone else's diagram is no label
    active = ScorerVersion.objects.active()
    run = runs.create_run(
        admin_user, Kind.SCORER, "scorer-2", options={"folds": 2, "epochs": 1, "synth": 8}
    )
    run = runs.execute_run(run.pk)
    assert run.status == "done", run.error
    version = ScorerVersion.objects.get(name="scorer-2")
    assert not version.is_active and ScorerVersion.objects.active() == active
    assert run.scorer == version
    assert (version.readability_location() / "config.json").is_file()
    assert version.autoencoder_path == str(active.autoencoder_location())
    assert run.report["data"]["app_ratings"] == 1
    assert run.report["data"]["app_ratings_used"] is True
    assert run.report["cross_validation"]["after"]["app_labels"] == 1
    assert {"g", "all"} <= set(run.report["cross_validation"]["after"])
    assert run.report["settings"]["epochs"] == 1


def test_only_owners_ratings_become_labels(alice, bob):
    _, (a, b, _) = make_done_job(alice)
    rate(alice, a, 4)
    rate(bob, b, 1)
    labels = runs.app_rating_labels()
    assert [(row["id"], row["score"]) for row in labels] == [(f"a{a.pk}", 4)]


def test_app_ratings_are_trained_in_every_fold_and_never_validated():
    from ranking.scoring import train_readability

    label = {"id": "a7", "node_list": "[0, 500, 300, 'rectangle', 80, 40, 'solid arrow', "
             "(255, 255, 255), (0, 0, 0), []]", "score": 3}  # fmt: skip
    settings = train_readability.Settings(folds=2, synth=2, degradations_per_item=0)
    pool = train_readability.build_pool(settings, progress=False, extra_labels=[label])
    app = [i for i, kind in enumerate(pool.kind) if kind == "app"]
    assert [pool.ids[i] for i in app] == ["a7"]
    assert pool.fold[app[0]] == -1 and pool.score[app[0]] == 3.0
