"""Security: login throttling, headers and CSP, cookies in production, staff-only actions."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

from ranking import checks
from ranking.models import LLMConfig, ScorerVersion
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[1]
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def log_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_ten_failed_logins_lock_that_username_from_that_address(alice, settings):
    client = Client()
    for _ in range(10):
        response = log_in(client, "alice", "wrong-password")
        assert response.status_code == 200  # the form again, with its error
    # Locked: even the right password gets 429 with a clear message, and no session.
    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address, or another username from this address, is not locked.
    assert log_in(Client(), "alice", PASSWORD, address="10.0.0.2").status_code == 302
    User.objects.create_user("bob", password=PASSWORD)
    assert log_in(Client(), "bob", PASSWORD).status_code == 302


class Clock:
    """The cache's clock, moved by the test (the window is 15 minutes)."""

    def __init__(self):
        self.offset = 0.0

    def time(self):
        return time.time() + self.offset


def test_the_lock_lifts_when_the_window_passes(alice, settings, monkeypatch):
    from django.core.cache.backends import locmem

    clock = Clock()
    monkeypatch.setattr(locmem, "time", clock)
    assert settings.LOGIN_FAILURE_WINDOW_SECONDS == 15 * 60
    client = Client()
    for _ in range(10):
        log_in(client, "Alice", "wrong-password")  # usernames count case-blind
    clock.offset = 14 * 60
    assert log_in(client, "alice", PASSWORD).status_code == 429
    clock.offset = 15 * 60 + 1
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_count(alice):
    client = Client()
    for _ in range(9):
        log_in(client, "alice", "wrong-password")
    assert log_in(client, "alice", PASSWORD).status_code == 302
    other = Client()
    for _ in range(9):
        log_in(other, "alice", "wrong-password")
    assert log_in(other, "alice", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(admin_user):
    client = Client()
    for _ in range(10):
        client.post(
            "/admin/login/", {"username": "admin", "password": "nope"}, REMOTE_ADDR="10.0.0.9"
        )
    client.post(
        "/admin/login/", {"username": "admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert "_auth_user_id" not in client.session


def test_ten_wrong_api_tokens_lock_that_address(alice):
    token = Token.objects.create(user=alice)
    for i in range(10):
        response = Client().get(
            "/api/jobs/", HTTP_AUTHORIZATION=f"Token wrong{i}", REMOTE_ADDR="10.0.0.3"
        )
        assert response.status_code == 401
    response = Client().get(
        "/api/jobs/", HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.json()["detail"]
    # The right token from another address still works.
    response = Client().get(
        "/api/jobs/", HTTP_AUTHORIZATION=f"Token {token.key}", REMOTE_ADDR="10.0.0.4"
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path", ["/", "/accounts/login/", "/api/jobs/", "/api/schema/", "/no-such-page/"]
)
def test_security_headers_are_on_every_response(alice_client, path):
    response = alice_client.get(path)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_static_files_carry_the_headers_too(client):
    response = client.get("/static/js/site.js")
    assert response.status_code == 200
    assert "script-src 'self'" in response["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler attribute"),
    (re.compile(r"<style", re.I), "<style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    # The CSP allows neither; an inline one would silently not run in browsers.
    found = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = template.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{template.relative_to(ROOT)}: {what}")
    assert found == []


def production_settings(*names) -> list[str]:
    script = (
        "from django.conf import settings; print("
        + ", ".join(f"settings.{name}" for name in names)
        + ")"
    )
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "example.org"}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_cookies_are_secure_and_http_only_when_debug_is_off():
    names = [
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_SECURE",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
    ]
    assert production_settings(*names) == ["True"] * len(names)


def test_the_test_generator_is_an_error_when_debug_is_off(settings):
    settings.JOB_GENERATOR_FACTORY = "tests.fake_generator.build"
    settings.DEBUG = True
    assert "ranking.E003" not in [p.id for p in checks.check_runtime()]
    settings.DEBUG = False
    problems = [p for p in checks.check_runtime() if p.id == "ranking.E003"]
    assert len(problems) == 1 and "tests.fake_generator.build" in problems[0].msg
    settings.JOB_GENERATOR_FACTORY = ""
    assert "ranking.E003" not in [p.id for p in checks.check_runtime()]


def activate_by_post(client, model, row):
    return client.post(
        f"/admin/ranking/{model}/", {"action": "activate", "_selected_action": [row.pk]}
    )


@pytest.mark.parametrize("model", [LLMConfig, ScorerVersion])
def test_non_staff_cannot_activate_a_model_by_direct_post(alice_client, model):
    active = model.objects.active()
    other = make_row(model)
    response = activate_by_post(alice_client, model._meta.model_name, other)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert model.objects.active() == active


@pytest.mark.parametrize("model", [LLMConfig, ScorerVersion])
def test_staff_who_may_only_view_cannot_activate(db, model):
    viewer = User.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename=f"view_{model._meta.model_name}"))
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/admin/ranking/{model._meta.model_name}/").status_code == 200
    active = model.objects.active()
    other = make_row(model)
    activate_by_post(client, model._meta.model_name, other)
    assert model.objects.active() == active


def test_staff_with_change_permission_can_activate(admin_client):
    other = make_row(LLMConfig)
    activate_by_post(admin_client, "llmconfig", other)
    assert LLMConfig.objects.active() == other


def make_row(model):
    if model is LLMConfig:
        return LLMConfig.objects.create(name="other-llm")
    return ScorerVersion.objects.create(name="other", readability_path="x", autoencoder_path="y")
