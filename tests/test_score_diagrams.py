"""manage.py score_diagrams: readability per node list, bad lines reported, the run goes on."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ranking.diagrams.data import load_readability_labels


def run(tmp_path, lines, *extra):
    source, target = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = call_command(
        "score_diagrams", "--input", str(source), "--output", str(target), *extra
    )
    return summary, [json.loads(line) for line in target.read_text().splitlines()]


@pytest.mark.django_db
def test_it_scores_good_lines_and_reports_bad_ones(tmp_path):
    rows = load_readability_labels()
    good = [r for r in rows if r["id"].startswith("b")][:2] + [
        r for r in rows if r["id"].startswith("g")
    ][:1]
    lines = [json.dumps({"id": r["id"], "node_list": r["node_list"]}) for r in good]
    lines.insert(1, "{this is not json")
    lines.append(json.dumps({"id": "empty", "node_list": ""}))
    lines.append(json.dumps({"id": "nonsense", "node_list": "hello world"}))
    summary, out = run(tmp_path, lines)

    assert [o["id"] for o in out] == [
        good[0]["id"],
        "line-2",
        good[1]["id"],
        good[2]["id"],
        "empty",
        "nonsense",
    ]
    scored = [o for o in out if "readability" in o]
    assert len(scored) == 3
    for record in scored:
        assert 0.0 <= record["readability"] <= 5.0
        assert {"overlaps", "off_canvas", "crossings", "nodes"} <= set(record)
        assert 1 <= len(record["reasons"]) <= 3
        assert all(isinstance(reason, str) and reason for reason in record["reasons"])
    assert "invalid JSON" in out[1]["error"]
    assert "node_list" in out[4]["error"] and "no readable shape" in out[5]["error"]
    assert summary.startswith("scored 3 of 6 diagrams (3 errors)")


@pytest.mark.django_db
def test_broken_weights_stop_the_run_with_the_file_named(tmp_path):
    line = json.dumps({"id": "x", "node_list": load_readability_labels()[0]["node_list"]})
    (tmp_path / "weights").mkdir()
    with pytest.raises(CommandError, match="config.json"):
        run(tmp_path, [line], "--readability", str(tmp_path / "weights"))
