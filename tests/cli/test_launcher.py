"""The `bseries-ipcam` entry point runs without Home Assistant installed."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import subprocess
import sys
from typing import TYPE_CHECKING

from bseries_cli.launcher import load_protocol_alone
import custom_components.bseries_ipcam

from .conftest import PASSWORD, USER

if TYPE_CHECKING:
    from bseries_sim import CameraSimulator

REPOSITORY = Path(__file__).parents[2]


def _without_site_packages(*args: str) -> list[str]:
    """This interpreter with no site-packages (-S): the standard library and the repository only,
    as where nothing but this project's files are present."""
    return [sys.executable, "-S", *args]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPOSITORY)}


async def test_probe_without_home_assistant(sim: CameraSimulator) -> None:
    no_ha = await asyncio.create_subprocess_exec(
        *_without_site_packages("-c", "import homeassistant"),
        env=_environment(),
        stderr=subprocess.DEVNULL,
    )
    assert await no_ha.wait() == 1, "Home Assistant must not be importable in this setup"

    process = await asyncio.create_subprocess_exec(
        *_without_site_packages(
            "-m",
            "bseries_cli",
            "probe",
            f"{sim.host}:{sim.port}",
            "--user",
            USER,
            "--password",
            PASSWORD,
            "--json",
        ),
        env=_environment(),
        cwd=REPOSITORY,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(60):
        out, err = await process.communicate()
    assert (process.returncode, err) == (0, b"")
    assert b'"camera_id": "00626E4E72BF"' in out


def test_an_imported_integration_is_left_alone() -> None:
    integration = sys.modules["custom_components.bseries_ipcam"]
    load_protocol_alone()
    assert sys.modules["custom_components.bseries_ipcam"] is integration
    assert integration is custom_components.bseries_ipcam
    assert hasattr(integration, "async_setup_entry")
