"""The protocol package stands on its own: it never imports Home Assistant."""

from __future__ import annotations

import ast
from pathlib import Path
import subprocess
import sys

PACKAGE = Path(__file__).parents[2] / "custom_components" / "bseries_ipcam" / "protocol"


def test_no_module_imports_homeassistant() -> None:
    for path in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "homeassistant" for n in names), path.name


def test_imports_without_homeassistant_loaded() -> None:
    # The integration's own __init__ imports Home Assistant; load the protocol package without
    # it, as a library user would, and check that nothing pulls Home Assistant in.
    code = f"""
import importlib, sys, types
for name, path in (("custom_components", {str(PACKAGE.parents[1])!r}),
                   ("custom_components.bseries_ipcam", {str(PACKAGE.parent)!r})):
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module
importlib.import_module("custom_components.bseries_ipcam.protocol")
for sub in ("adpcm", "av", "client", "connection", "const", "control", "exceptions", "framing",
            "messages"):
    importlib.import_module("custom_components.bseries_ipcam.protocol." + sub)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("homeassistant", "aiohttp"))
print(loaded)
sys.exit(1 if loaded else 0)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_cgi_client_needs_aiohttp_but_not_homeassistant() -> None:
    code = f"""
import importlib, sys, types
for name, path in (("custom_components", {str(PACKAGE.parents[1])!r}),
                   ("custom_components.bseries_ipcam", {str(PACKAGE.parent)!r})):
    module = types.ModuleType(name)
    module.__path__ = [path]
    sys.modules[name] = module
importlib.import_module("custom_components.bseries_ipcam.protocol.cgi")
sys.exit(1 if any(m.split(".")[0] == "homeassistant" for m in sys.modules) else 0)
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
