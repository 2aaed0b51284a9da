"""The end-to-end tests' browser: Debian's chromium driven by card/tests/driver.mjs.

The driver acts in the page (one JSON command per line on its stdin, one JSON answer per line on
its stdout); the tests orchestrate it and check what reached Home Assistant and the simulator.
One driver (one Chromium) serves the whole run (conftest.py `browser`): `open` makes a fresh
browser context each time, so a test that needs a fresh page gets one without a new Chromium.
The answers are read in a thread, so the same driver serves tests of any event loop.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import select
import subprocess
import threading
from typing import Any, Final

REPO: Final = Path(__file__).parents[2]
DRIVER: Final = REPO / "card" / "tests" / "driver.mjs"
CARD: Final = "bseries-camera-card"
CLOSE_WAIT: Final = 20.0


class Browser:
    """The driver process: one JSON command per line, one JSON answer per line."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        """Talk to a started driver."""
        self._process = process
        self._lock = threading.Lock()
        self._broken = ""
        # What the tests opened last: a module that finds its page open reuses it.
        self.page: str | None = None

    def _roundtrip(self, command: dict[str, Any], timeout: float) -> dict[str, Any]:
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None
        assert stdout is not None
        with self._lock:
            assert not self._broken, f"the browser driver is out of step: {self._broken}"
            stdin.write((json.dumps(command) + "\n").encode())
            stdin.flush()
            ready, _, _ = select.select([stdout], [], [], timeout)
            if not ready:
                # Its late answer would be taken for the next command's: stop using it.
                self._broken = f"{command['cmd']} had no answer within {timeout:g} s"
                raise AssertionError(self._broken)
            line = stdout.readline()
        assert line, "the browser driver ended"
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def __call__(self, cmd: str, timeout: float = 60.0, **args: Any) -> dict[str, Any]:  # noqa: ASYNC109
        """Run one command; its answer (AssertionError when it failed)."""
        answer = await asyncio.to_thread(self._roundtrip, {"cmd": cmd, **args}, timeout)
        assert answer["ok"], f"{cmd}: {answer.get('error')}"
        return answer

    async def value(self, fn: str, selector: str | None = CARD, arg: Any = None) -> Any:
        """Evaluate `fn` on the first element matching `selector` (or the page)."""
        return (await self("eval", fn=fn, selector=selector, arg=arg))["value"]

    async def wait_for(
        self, fn: str, within: float = 20.0, selector: str | None = CARD, arg: Any = None
    ) -> Any:
        """Poll `fn` until it is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            value = await self.value(fn, selector, arg)
            if value:
                return value
            assert asyncio.get_running_loop().time() < deadline, f"never true: {fn}"
            await asyncio.sleep(0.25)

    async def console(self) -> list[str]:
        """The page's errors and warnings since the last call."""
        lines: list[str] = (await self("console"))["lines"]
        return lines

    @staticmethod
    def close(process: subprocess.Popen[bytes]) -> None:
        """End the driver (it closes Chromium when its input ends), killing it if it hangs."""
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(CLOSE_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
