"""A throwaway PostgreSQL cluster on loopback: initdb into a temp dir, pg_ctl start, delete after.

Debian's `postgresql` package (scripts/system_packages.sh) puts the server
programs under /usr/lib/postgresql/<version>/bin, off PATH. PostgreSQL
refuses to run as root, so when the tests run as root the cluster belongs
to the `postgres` user (the package creates it) and initdb/pg_ctl run
through `runuser`. Clients connect over TCP on 127.0.0.1 with trust
authentication: the cluster lives only as long as the test session.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.loopback import free_port

SUPERUSER = "diagramsite"


def find_bindir() -> Path | None:
    """Return the newest PostgreSQL server bin directory, or None when none is installed."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if found:
        newest = max(found, key=lambda path: [int(n) for n in re.findall(r"\d+", path)])
        return Path(newest).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PostgresServer:
    """One cluster in a temp dir, listening on 127.0.0.1:<free port>; `stop()` deletes it."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        # Not pytest's tmp_path: its parents are private to root, and the
        # server may run as another user who must reach the data directory.
        self.root = Path(tempfile.mkdtemp(prefix="diagramsite-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.owner = None
        if os.geteuid() == 0:
            self.owner = "postgres" if _user_exists("postgres") else "nobody"
            entry = pwd.getpwnam(self.owner)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        done = subprocess.run(
            command, cwd=self.root, capture_output=True, text=True, timeout=120, env=_clean_env()
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({done.returncode}):\n{done.stdout}{done.stderr}{self.server_log()}"
            )

    def start(self) -> None:
        """Create the cluster and start the server; return when it accepts connections."""
        # --no-sync and fsync=off: a test cluster is thrown away, durability buys nothing.
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def stop(self) -> None:
        """Stop the server (if it runs) and delete the cluster."""
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str) -> str:
        """Return the DATABASE_URL of `database` on this server."""
        return f"postgres://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database `name`; return its DATABASE_URL."""
        self.execute(f'CREATE DATABASE "{name}"', autocommit=True)
        return self.url(name)

    def execute(self, sql: str, params=(), database: str = "postgres", autocommit=False) -> list:
        """Run one statement; return its rows ([] when it returns none)."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            dbname=database,
            autocommit=autocommit,
            connect_timeout=10,
        ) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _clean_env() -> dict:
    """Return the environment for server programs, without the test's PG* connection settings."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")} | {
        "LC_ALL": "C"
    }
