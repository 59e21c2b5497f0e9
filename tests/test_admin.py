"""Admin: staff only, activate exactly one model, jobs read-only."""

import pytest

from ranking.models import Job, LLMConfig, ScorerVersion
from tests.jobdata import make_done_job, make_job, rate

PAGES = [
    "/admin/ranking/llmconfig/",
    "/admin/ranking/scorerversion/",
    "/admin/ranking/job/",
    "/admin/ranking/diagram/",
    "/admin/ranking/rating/",
    "/admin/auth/user/",
]


@pytest.mark.parametrize("page", PAGES)
def test_staff_see_every_admin_list(admin_client, alice, page):
    job, diagrams = make_done_job(alice)
    rate(alice, diagrams[0], 4)
    assert admin_client.get(page).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_non_staff_users_are_sent_to_the_admin_login(alice_client, page):
    response = alice_client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def activate(admin_client, model, rows):
    return admin_client.post(
        f"/admin/ranking/{model}/",
        {"action": "activate", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def test_the_activate_action_leaves_exactly_one_llm_active(admin_client):
    old = LLMConfig.objects.active()
    new = LLMConfig.objects.create(name="deepseek-node-list", output_format="node_list")
    response = activate(admin_client, "llmconfig", [new])
    assert response.status_code == 200
    assert LLMConfig.objects.active() == new
    old.refresh_from_db()
    assert not old.is_active


def test_activating_two_at_once_is_refused(admin_client):
    old = ScorerVersion.objects.active()
    a = ScorerVersion.objects.create(name="a", readability_path="x", autoencoder_path="y")
    b = ScorerVersion.objects.create(name="b", readability_path="x", autoencoder_path="y")
    response = activate(admin_client, "scorerversion", [a, b])
    assert "exactly one" in response.content.decode()
    assert ScorerVersion.objects.active() == old


def test_staff_register_an_llm_configuration(admin_client):
    response = admin_client.post(
        "/admin/ranking/llmconfig/add/",
        {
            "name": "gpu-deepseek",
            "base_model": "/srv/models/deepseek-coder-1.3b-instruct",
            "adapter_path": "llm/deepseek-lora",
            "output_format": "node_list",
            "generation_settings": '{"max_new_tokens": 900}',
            "device": "cuda",
        },
    )
    assert response.status_code == 302
    config = LLMConfig.objects.get(name="gpu-deepseek")
    assert config.generation_settings == {"max_new_tokens": 900}
    assert not config.is_active


def test_jobs_are_read_only_with_status_timings_and_errors(admin_client, alice):
    job = make_job(alice, status=Job.Status.QUEUED)
    job.mark_failed("The adapter file is corrupt")
    listing = admin_client.get("/admin/ranking/job/").content.decode()
    assert "The adapter file is corrupt" in listing
    page = admin_client.get(f"/admin/ranking/job/{job.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    admin_client.post(f"/admin/ranking/job/{job.pk}/change/", {"prompt": "changed"})
    job.refresh_from_db()
    assert job.prompt != "changed"
    assert admin_client.get("/admin/ranking/job/add/").status_code == 403


def test_a_diagram_page_shows_the_picture(admin_client, alice):
    _, (diagram, *_) = make_done_job(alice)
    page = admin_client.get(f"/admin/ranking/diagram/{diagram.pk}/change/").content.decode()
    assert "data:image/svg+xml;base64," in page
