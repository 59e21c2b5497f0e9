"""Shared fixtures: named users as in healthchecks' BaseTestCase, and a PostgreSQL server."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def alice(db):
    """The owner of the data under test."""
    return User.objects.create_user("alice", "alice@example.org", PASSWORD)


@pytest.fixture
def bob(db):
    """Another user, who must never see alice's data."""
    return User.objects.create_user("bob", "bob@example.org", PASSWORD)


@pytest.fixture
def admin_user(db):
    """A staff superuser."""
    return User.objects.create_superuser("admin", "admin@example.org", PASSWORD)


def _client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return _client_for(alice)


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def admin_client(admin_user):
    return _client_for(admin_user)


@pytest.fixture(autouse=True)
def _jobs_stay_queued(settings):
    """No background worker in tests: a test that wants a job run runs it itself."""
    settings.WORKER_MODE = "off"


@pytest.fixture(scope="session")
def postgresql_server():
    """A throwaway PostgreSQL cluster on a free loopback port, for the whole session.

    Started only when a test asks for it, stopped and deleted at the end.
    Missing PostgreSQL skips the test by hand and fails it under scripts/test.sh.
    """
    from tests.pgserver import PostgresServer, find_bindir
    from tests.prerequisites import need

    bindir = find_bindir()
    need(bindir is not None, "PostgreSQL is missing (scripts/system_packages.sh installs it)")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
