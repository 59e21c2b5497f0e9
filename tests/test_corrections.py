"""Corrections in the admin (filters) and exported as JSONL for training (issue 12)."""

import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ranking.models import Correction
from tests.jobdata import make_diagram, make_job

MODEL = "flow\na > b > c\nstyle: auto mixed arrow muted labels medium"
RENAMED = "flow\na > b2 > c\nstyle: auto mixed arrow muted labels medium"
RESTYLED = "flow\na > b > c\nstyle: down box dashed warm labels medium"


def correction(user, saved, days_ago=0, prompt="a is turned into c by b"):
    job = make_job(user, prompt=prompt)
    source = make_diagram(job, rank=1, plan=MODEL)
    revision = make_diagram(job, rank=2, plan=saved, parent=source)
    row = Correction.objects.create(
        user=user,
        diagram=revision,
        source_diagram=source,
        prompt=prompt,
        model_plan=MODEL,
        saved_plan=saved,
        structure_changed=saved != RESTYLED,
    )
    Correction.objects.filter(pk=row.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    return row


@pytest.fixture
def rows(alice, bob):
    return {
        "alice_structure": correction(alice, RENAMED, days_ago=10, prompt="old prompt"),
        "alice_style": correction(alice, RESTYLED),
        "bob_structure": correction(bob, RENAMED),
    }


def listed(response):
    return {row.pk for row in response.context["cl"].result_list}


def test_staff_see_corrections_and_filter_them(admin_client, alice, rows):
    url = "/admin/ranking/correction/"
    response = admin_client.get(url)
    assert response.status_code == 200
    assert listed(response) == {row.pk for row in rows.values()}
    only_style = admin_client.get(url, {"structure_changed__exact": "0"})
    assert listed(only_style) == {rows["alice_style"].pk}
    alices = admin_client.get(url, {"user__id__exact": alice.pk})
    assert listed(alices) == {rows["alice_structure"].pk, rows["alice_style"].pk}
    since = (timezone.now() - timedelta(days=2)).isoformat()  # aware, as the date filter sends
    recent = admin_client.get(url, {"created_at__gte": since})
    assert listed(recent) == {rows["alice_style"].pk, rows["bob_structure"].pk}
    detail = admin_client.get(f"{url}{rows['alice_structure'].pk}/change/")
    assert detail.status_code == 200 and b"a &gt; b2 &gt; c" in detail.content


def test_non_staff_cannot_see_corrections(alice_client, rows):
    response = alice_client.get("/admin/ranking/correction/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_export_writes_one_json_line_per_correction_oldest_first(rows, tmp_path):
    out = tmp_path / "out" / "corrections.jsonl"
    call_command("export_corrections", str(out))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["id"] for line in lines] == [
        rows["alice_structure"].pk,
        rows["alice_style"].pk,
        rows["bob_structure"].pk,
    ]
    first = lines[0]
    assert first["user"] == "alice" and first["prompt"] == "old prompt"
    assert first["model_plan"] == MODEL and first["saved_plan"] == RENAMED
    assert first["structure_changed"] is True
    assert first["diagram"] == rows["alice_structure"].diagram_id
    assert first["source_diagram"] == rows["alice_structure"].source_diagram_id


def test_export_filters_by_user_change_and_date(rows, tmp_path):
    out = tmp_path / "c.jsonl"

    def exported(*args):
        call_command("export_corrections", str(out), *args)
        return {json.loads(line)["id"] for line in out.read_text().splitlines()}

    assert exported("--user", "bob") == {rows["bob_structure"].pk}
    assert exported("--changed", "style") == {rows["alice_style"].pk}
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert exported("--since", since, "--changed", "structure") == {rows["bob_structure"].pk}
    with pytest.raises(CommandError):
        call_command("export_corrections", str(out), "--since", "last week")


def test_an_empty_export_is_an_empty_file(db, tmp_path):
    out = tmp_path / "none.jsonl"
    call_command("export_corrections", str(out))
    assert out.read_text() == ""


def test_staff_find_revisions_in_the_diagram_admin(admin_client, rows):
    revisions = admin_client.get("/admin/ranking/diagram/", {"parent__isempty": "0"})
    assert listed(revisions) == {row.diagram_id for row in rows.values()}
    candidates = admin_client.get("/admin/ranking/diagram/", {"parent__isempty": "1"})
    assert listed(candidates) == {row.source_diagram_id for row in rows.values()}
