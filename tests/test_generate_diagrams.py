"""manage.py generate_diagrams: JSONL prompts in, ranked candidates out."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ranking.models import LLMConfig, ScorerVersion
from tests.jobdata import make_done_job, rate
from tests.prerequisites import need


def shipped_models_present() -> bool:
    llm, scorer = LLMConfig.objects.active(), ScorerVersion.objects.active()
    return bool(
        llm
        and scorer
        and llm.adapter_location()
        and llm.adapter_location().exists()
        and scorer.readability_location().exists()
        and scorer.autoencoder_location().exists()
    )


def write_input(tmp_path, lines):
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("generate_diagrams", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "0"], "--count"),
        (["--count", "11"], "--count"),
        (["--count", "3", "--recommend", "4"], "--recommend"),
        (["--user", "nobody"], "no user named"),
    ],
)
def test_it_rejects_bad_options_before_loading_any_model(tmp_path, db, args, message):
    source = write_input(tmp_path, ['{"id": "a", "prompt": "a 2-3-1 MLP"}'])
    with pytest.raises(CommandError, match=message):
        run("--input", str(source), "--output", str(tmp_path / "out.jsonl"), *args)
    assert not (tmp_path / "out.jsonl").exists()


def test_it_reports_a_missing_input_file(tmp_path, db):
    with pytest.raises(CommandError, match="cannot read --input"):
        run("--input", str(tmp_path / "nope.jsonl"), "--output", str(tmp_path / "o.jsonl"))


@pytest.mark.slow
def test_it_ranks_candidates_of_the_real_model_and_goes_on_after_a_bad_line(tmp_path, alice):
    need(shipped_models_present(), "shipped adapter or scorer weights missing from models/")
    # Alice rated one of her diagrams: her ratings personalise the ranking.
    _, diagrams = make_done_job(alice, n=2)
    rate(alice, diagrams[0], 5)
    rate(alice, diagrams[1], 1)
    source = write_input(
        tmp_path,
        [
            '{"id": "mlp", "prompt": "DL model with 4 input size, 5 nodes in intermediate layers, and 2 output elements"}',
            "{not json",
            '{"id": "empty", "prompt": "  "}',
            '{"id": "flow", "prompt": "process that contains,\\n- inputs table, and outputs graph and process them with python code"}',
        ],
    )
    output = tmp_path / "out.jsonl"
    summary, errors = run(
        "--input",
        str(source),
        "--output",
        str(output),
        "--count",
        "3",
        "--recommend",
        "2",
        "--user",
        "alice",
        "--seed",
        "7",
    )
    assert "4 prompts, 2 ok, 2 failed" in summary
    assert "invalid JSON" in errors
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["mlp", "line-2", "empty", "flow"]
    assert "error" in rows[1] and "error" in rows[2]
    for row in (rows[0], rows[3]):
        candidates = row["candidates"]
        assert len(candidates) == 3
        assert [c["rank"] for c in candidates] == [1, 2, 3]
        assert [c["recommended"] for c in candidates] == [True, True, False]
        finals = [c["final_score"] for c in candidates]
        assert finals == sorted(finals, reverse=True)
        for c in candidates:
            assert 0 <= c["readability"] <= 5
            assert 1 <= len(c["readability_reasons"]) <= 3
            assert c["user_score"] is not None and 0 <= c["user_score"] <= 5
            assert c["final_score"] == pytest.approx(c["readability"] + c["user_score"], abs=1e-3)
        assert len({c["node_list"] for c in candidates}) == 3
    # The MLP's structure is the prompt's: 4 + 5 + 2 circles, 4*5 + 5*2 edges.
    top = rows[0]["candidates"][0]["node_list"].strip().splitlines()
    assert len(top) == 11
