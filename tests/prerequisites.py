"""What some tests need from the set-up: the base-model cache, shipped weights, servers.

`scripts/test.sh` runs the set-up first and exports TESTS_REQUIRE_ALL=1, so
there (and in CI) a missing piece fails the test; a developer running
pytest by hand before the set-up gets a skip that says what to run.
"""

import os

import pytest


def need(present: bool, reason: str) -> None:
    """Fail (under scripts/test.sh) or skip (by hand) when a prerequisite is missing."""
    if present:
        return
    if os.environ.get("TESTS_REQUIRE_ALL") == "1":
        pytest.fail(f"prerequisite missing: {reason}", pytrace=False)
    pytest.skip(reason)
