"""Loopback helpers shared by the tests that start servers (PostgreSQL, Redis, daphne)."""

import socket


def free_port() -> int:
    """Return a loopback TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
