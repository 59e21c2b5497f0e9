"""The app on a real PostgreSQL server (DATABASE_URL), not only on the SQLite default.

A throwaway cluster on loopback (the `postgresql_server` fixture,
tests/pgserver.py) serves these tests. The database-heavy test files run
again in a child pytest with DATABASE_URL pointing at it: migrations, the
conditional UPDATEs that claim and finish jobs, `select_for_update` under
the in-flight limit, JSON progress, whole jobs and ratings changing the
next ranking. tests/test_scaleout.py runs its separate processes on
PostgreSQL too. Both are slow: a server and a second Django start.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.prerequisites import need
from tests.test_checks import deploy_check

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow

# The files whose tests depend on what the database does (not on pages or models).
DATABASE_TESTS = [
    "tests/test_models.py",
    "tests/test_worker.py",
    "tests/test_api_jobs.py",
    "tests/test_api_ratings.py",
    "tests/test_api_diagrams.py",
    "tests/test_faults.py",
]
# Tests that skip on SQLite and must have run (and passed) here.
POSTGRES_ONLY = ["tests/test_faults.py::test_the_in_flight_limit_holds_for_simultaneous_submits"]


def manage(database_url: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.timeout(500)
def test_the_database_tests_pass_on_postgresql(postgresql_server):
    env = {**os.environ, "DATABASE_URL": postgresql_server.url("diagramsite")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "-m", "not slow"]
        + ["--reuse-db", *DATABASE_TESTS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=450,
    )
    output = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, output
    summary = done.stdout.strip().splitlines()[-1]
    assert " passed" in summary and "failed" not in summary and "error" not in summary, summary
    for test in POSTGRES_ONLY:
        assert f"PASSED {test}" in done.stdout, output
    # They ran on this server: pytest-django's test database (kept by --reuse-db) is migrated.
    migrated = postgresql_server.execute(
        "SELECT count(*) FROM django_migrations WHERE app = 'ranking'", database="test_diagramsite"
    )
    assert migrated[0][0] > 0


def test_migrate_and_check_deploy_are_clean_on_postgresql(postgresql_server, tmp_path):
    from ranking.generation.basemodel import is_cached

    need(is_cached(), "the base model is not cached here (scripts/setup.sh fetches it)")
    url = postgresql_server.create_database("deploycheck")
    manage(url, "migrate", "--noinput", "-v", "0")
    # The seeded registrations are read from PostgreSQL by the ranking checks.
    active = postgresql_server.execute(
        "SELECT count(*) FROM ranking_llmconfig WHERE is_active", database="deploycheck"
    )
    assert active == [(1,)]
    # --database default also runs the checks that need a connection.
    code, output = deploy_check(
        tmp_path, "--database", "default", DATABASE_URL=url, REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert code == 0, output
    assert "no issues" in output
