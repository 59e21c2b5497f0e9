"""manage.py train_preferences on a tiny model: a new, inactive LLM version with its adapter."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ranking.learning.models import TrainingRun
from ranking.models import LLMConfig
from tests.jobdata import rate
from tests.test_preference_pairs import correct, job_with_plans
from tests.tiny_scorer import register_tiny_scorer
from tests.tinylm import build_tiny_model, save_noop_adapter


@pytest.fixture
def tiny_llm(db, tmp_path, settings):
    """The active LLM is a tiny random model with a no-op adapter; versions go under tmp_path."""
    settings.LEARNING_DIR = str(tmp_path / "learning")
    base = build_tiny_model(tmp_path / "base")
    adapter = save_noop_adapter(base, tmp_path / "adapter")
    config = LLMConfig.objects.create(
        name="tiny",
        base_model=str(base),
        adapter_path=str(adapter),
        device="cpu",
        generation_settings={"max_new_tokens": 24, "constrained": False, "structures": 1},
    )
    config.activate()
    register_tiny_scorer(tmp_path / "scorer")
    return config


def some_pairs(user, jobs=3):
    for i in range(jobs):
        _, (a, b, c) = job_with_plans(user, prompt=f"a small net number {i}")
        rate(user, a, 5)
        rate(user, b, 1)
    correct(user, c, saved_plan="net 2 3 1\nstyle: right box solid muted labels medium")


def test_it_registers_an_inactive_version_with_its_adapter_and_report(alice, tiny_llm):
    some_pairs(alice)
    summary = call_command(
        "train_preferences",
        "--steps",
        "3",
        "--name",
        "tuned",
        "--eval-limit",
        "0",
        "--no-progress",
    )
    version = LLMConfig.objects.get(name="tuned")
    assert not version.is_active
    assert LLMConfig.objects.active() == tiny_llm
    adapter = Path(version.adapter_path)
    assert (adapter / "adapter_model.safetensors").is_file()
    assert (adapter / "adapter_config.json").is_file()
    run = TrainingRun.objects.get(name="tuned")
    assert run.status == "done" and run.llm_config == version
    assert run.started_from_llm == tiny_llm
    report = run.report
    assert report["data"]["by_source"] == {"correction": 1, "rating": 3, "readability": 0}
    assert report["data"]["train"] + report["data"]["held_out"] == 4
    assert [step for step, _ in report["training"]["loss_curve"]] == [1, 2, 3]
    assert set(report["preference_accuracy"]) == {"before", "after"}
    assert json.loads((adapter / "report.json").read_text()) == report
    assert "registered tuned (inactive)" in summary


def test_it_evaluates_structure_and_readability_before_and_after(alice, tiny_llm):
    some_pairs(alice, jobs=2)
    call_command(
        "train_preferences",
        "--method",
        "dpo",
        "--steps",
        "1",
        "--name",
        "tuned-dpo",
        "--eval-limit",
        "1",
        "--no-progress",
    )
    evaluation = TrainingRun.objects.get(name="tuned-dpo").report["evaluation"]
    assert set(evaluation["before"]) == {"held-out", "networks", "blind6"}
    assert evaluation["after"]["held-out"]["prompts"] == 1
    assert "top_readability" in evaluation and isinstance(evaluation["regressions"], list)


def test_it_refuses_a_taken_name_and_an_empty_database(alice, tiny_llm):
    with pytest.raises(CommandError, match="exists already"):
        call_command("train_preferences", "--steps", "1", "--name", "tiny")
    with pytest.raises(CommandError, match="no preference pairs"):
        call_command(
            "train_preferences",
            "--steps",
            "1",
            "--name",
            "new",
            "--eval-limit",
            "0",
            "--no-progress",
        )
    assert not LLMConfig.objects.filter(name="new").exists()
    assert TrainingRun.objects.get(name="new").status == "failed"


def test_the_evaluation_sets_cover_networks_and_processes():
    from ranking.learning.evaluate import DEFAULT_SETS, set_rows

    tasks = {name: {row["task"] for row in set_rows(name, 3)} for name in DEFAULT_SETS}
    assert tasks == {"held-out": {"flowchart"}, "networks": {"dl_model"}, "blind6": {"flowchart"}}
