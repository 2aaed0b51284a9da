"""Where the real camera captures are (../shared/captures), read in place and never copied here.

A test that needs one skips, saying why, where the folder is absent. CI sets
`BSERIES_REQUIRE_CAPTURES` when the folder is beside its checkout: then a missing capture fails
instead of skipping, so the conformance tests can never pass by not running.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CAPTURES = Path(__file__).parents[2] / "shared" / "captures"
REQUIRED = bool(os.environ.get("BSERIES_REQUIRE_CAPTURES"))
ABSENT = (
    "is absent: the real camera captures live in the shared folder beside the checkout "
    "and are deliberately not copied into this repository"
)


def missing(path: Path) -> str:
    """Why a test cannot run without `path`; a failure instead when CI requires the captures."""
    reason = f"{path} {ABSENT}"
    if REQUIRED:
        pytest.fail(f"{reason}, yet BSERIES_REQUIRE_CAPTURES is set", pytrace=False)
    return reason


def capture(relative: str) -> Path:
    """A file of ../shared/captures, or a skip (a failure in CI) saying why it is absent."""
    path = CAPTURES / relative
    if not path.is_file():
        pytest.skip(missing(path))
    return path
