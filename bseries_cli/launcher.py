"""The `bseries-ipcam` command's entry point: the protocol package without Home Assistant.

The protocol package lives inside the integration (`custom_components/bseries_ipcam/protocol/`),
and the integration's `__init__` imports Home Assistant: imported the usual way, the protocol
needs Home Assistant installed and takes about two seconds to load. The command registers the
two enclosing packages as bare packages first, so that only the protocol's own modules run: it
works where Home Assistant is not installed (someone probing a camera before installing
anything), and it starts at once.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
import types

_INTEGRATIONS = "custom_components"
_INTEGRATION = "custom_components.bseries_ipcam"


def load_protocol_alone() -> None:
    """Make the integration's package importable without running its `__init__`.

    Does nothing once the integration has been imported (inside Home Assistant, or in tests).
    """
    if _INTEGRATION in sys.modules:
        return
    spec = importlib.util.find_spec(_INTEGRATIONS)
    if spec is None or not spec.submodule_search_locations:
        return  # the ordinary import will say what is missing
    locations = list(spec.submodule_search_locations)
    for name, paths in (
        (_INTEGRATIONS, locations),
        (_INTEGRATION, [str(Path(location) / "bseries_ipcam") for location in locations]),
    ):
        if name not in sys.modules:
            package = types.ModuleType(name)
            package.__path__ = paths
            sys.modules[name] = package


def main() -> int:
    """Run the command line; returns the exit code."""
    load_protocol_alone()
    from bseries_cli.main import main as run  # noqa: PLC0415 - after the packages are set up

    return run()
