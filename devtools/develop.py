"""`scripts/develop`: the camera simulator and a real Home Assistant with the integration.

Both run on 127.0.0.1 until Ctrl-C (or `quit`), which stops both. The first run onboards Home
Assistant with a development user and adds the simulated camera through the config flow; later
runs log in again and find everything as it was. Lines typed here go to the simulator (`motion`,
`stop`, `drop`, ... `help`).

Settings (environment variable, or the option of the same name):
BSERIES_HA_PORT (8123), BSERIES_SIM_PORT (8081), BSERIES_DEV_USER (dev),
BSERIES_DEV_PASSWORD (dev-password), BSERIES_SIM_USER (admin), BSERIES_SIM_PASSWORD (secret),
BSERIES_CONFIG_DIR (config/ of the repository), BSERIES_IPCAM_LOG_LEVEL (info; debug).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import signal
import sys
import threading
import time
from typing import IO, TYPE_CHECKING, Any, Final

import aiohttp

from .hass_server import (
    DISCOVERY_ADDRESS_ENV,
    REPO_CONFIG_DIR,
    RESTART_EXIT_CODE,
    HassApi,
    HassApiError,
    HassProcess,
)
from .media import ensure_sample_media
from .processes import LOOPBACK, ManagedProcessError, port_is_free
from .simulator import SIM_PASSWORD, SIM_USER, SimulatorProcess

if TYPE_CHECKING:
    from collections.abc import Awaitable, Sequence

DOMAIN: Final = "bseries_ipcam"
STATE_FILE: Final = ".devtools.json"
DEV_NAME: Final = "Developer"
QUIT: Final = frozenset({"quit", "exit"})
POLL: Final = 0.5


def say(text: str) -> None:
    """One message to the developer."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


class StoppedError(Exception):
    """Ctrl-C (or SIGTERM, SIGHUP) arrived."""


def build_parser() -> argparse.ArgumentParser:
    """Options, each defaulting to its environment variable."""
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--ha-port", type=int, default=int(env("BSERIES_HA_PORT", "8123")))
    add("--sim-port", type=int, default=int(env("BSERIES_SIM_PORT", "8081")))
    add("--dev-user", default=env("BSERIES_DEV_USER", "dev"))
    add("--dev-password", default=env("BSERIES_DEV_PASSWORD", "dev-password"))
    add("--sim-user", default=env("BSERIES_SIM_USER", SIM_USER))
    add("--sim-password", default=env("BSERIES_SIM_PASSWORD", SIM_PASSWORD))
    add("--config-dir", type=Path, default=Path(env("BSERIES_CONFIG_DIR", str(REPO_CONFIG_DIR))))
    return parser


def load_state(config_dir: Path) -> dict[str, Any]:
    """What earlier runs kept: the long-lived token and the camera's address."""
    try:
        state: dict[str, Any] = json.loads((config_dir / STATE_FILE).read_text())
    except FileNotFoundError, json.JSONDecodeError:
        return {}
    return state


def save_state(config_dir: Path, state: dict[str, Any]) -> None:
    """Keep the state for the next run (readable by this user only: it holds a token)."""
    path = config_dir / STATE_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(json.dumps(state, indent=2) + "\n")


async def until_stopped[T](awaitable: Awaitable[T], stop: asyncio.Event) -> T:
    """Await `awaitable` unless `stop` is set first (then `StoppedError`)."""
    task = asyncio.ensure_future(awaitable)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopper), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise StoppedError
    return task.result()


def echo_lines(stream: IO[bytes], prefix: str) -> None:
    """Print a child's output with a prefix until it ends (in a daemon thread)."""

    def run() -> None:
        for raw in stream:
            say(prefix + raw.decode(errors="replace").rstrip())

    threading.Thread(target=run, name=f"echo {prefix.strip()}", daemon=True).start()


def read_stdin(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Hand each typed line to `queue`; None at end of input (in a daemon thread).

    A thread, not the event loop: the terminal must stay in blocking mode for the shell.
    """

    def run() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(queue.put_nowait, line.strip())
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=run, name="stdin", daemon=True).start()


async def sign_in(api: HassApi, hass: HassProcess, args: argparse.Namespace) -> dict[str, Any]:
    """Onboard or log in, and make sure a working long-lived token is kept; the state."""
    state = load_state(hass.config_dir)
    api.token = state.get("token")
    if api.token is None or not await api.token_works():
        try:
            created = await api.sign_in(
                name=DEV_NAME, username=args.dev_user, password=args.dev_password
            )
        except HassApiError as err:
            raise RuntimeError(
                f"{err}\nSet BSERIES_DEV_USER/BSERIES_DEV_PASSWORD to a user of this Home"
                f" Assistant, or delete {hass.config_dir / '.storage'} to start over."
            ) from err
        if created:
            say(f"Onboarded Home Assistant with the user {args.dev_user!r}")
        api.token = await api.create_long_lived_token("scripts/develop")
        state["token"] = api.token
        save_state(hass.config_dir, state)
    return state


async def ensure_camera(
    api: HassApi, sim: SimulatorProcess, state: dict[str, Any], config_dir: Path
) -> None:
    """Add the simulated camera through the config flow, or move its entry to the simulator."""
    address = f"{LOOPBACK}:{sim.port}"
    entries = await api.config_entries(DOMAIN)
    if not entries:
        flow = await api.start_flow(DOMAIN)
        result = await api.flow_step(
            flow["flow_id"],
            {"host": LOOPBACK, "port": sim.port, "username": sim.user, "password": sim.password},
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"adding the simulated camera failed: {result}")
        say(f"Added the simulated camera at {address} ({result['title']})")
    elif state.get("camera") != address:
        flow = await api.start_flow(DOMAIN, entry_id=entries[0]["entry_id"])
        result = await api.flow_step(flow["flow_id"], {"host": LOOPBACK, "port": sim.port})
        say(f"Pointed {entries[0]['title']} at {address}: {result.get('reason', result)}")
    state["camera"] = address
    save_state(config_dir, state)


def banner(
    args: argparse.Namespace, hass: HassProcess, sim: SimulatorProcess, media: Sequence[str] = ()
) -> str:
    """How to use what runs."""
    config = hass.config_dir
    return f"""
Home Assistant  {hass.url}   user {args.dev_user!r}, password {args.dev_password!r}
Camera          {LOOPBACK}:{sim.port} (simulated), user {sim.user!r}, password {sim.password!r}
Alarms          type `motion` (or input, sound) and then `stop` here, or from another shell:
                curl '{sim.url}/sim/alarm?type=motion'; curl '{sim.url}/sim/alarm?type=stopped'
Faults          drop, stall, resume, ... (type `help`); status: curl {sim.url}/sim/status
Sample audio    {", ".join(media) or "none (ffmpeg missing)"} in {hass.media_dir}: talk with
                media-source://media_source/local/<name>
Second camera   .venv/bin/bseries-ipcam simulate --port {sim.port + 1} --camera-id 00626E000002
                then add it in the UI: host 127.0.0.1, port {sim.port + 1}, {sim.user!r}/{sim.password!r}
Logs            {config / "home-assistant.log"}
REST API token  in {config / STATE_FILE} ("token")
Ctrl-C or `quit` stops both.
"""


async def supervise(hass: HassProcess, sim: SimulatorProcess, stop: asyncio.Event) -> int:
    """Forward typed lines to the simulator until stopped; restart Home Assistant on request."""
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    read_stdin(asyncio.get_running_loop(), queue)
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            line = await asyncio.wait_for(queue.get(), POLL)
            if line is not None and line.lower() in QUIT:
                return 0
            if line:
                try:
                    sim.send_line(line)
                except ManagedProcessError as err:
                    say(str(err))
        if not sim.running:
            say(f"The camera simulator ended (status {sim.returncode}); stopping.")
            return 1
        if not hass.running:
            if hass.returncode == RESTART_EXIT_CODE:
                say("Home Assistant asked for a restart: starting it again.")
                hass.start()
                continue
            say(f"Home Assistant ended (status {hass.returncode}); see {hass.log_file}.")
            return 1
    return 0


async def run(args: argparse.Namespace) -> int:
    """Start both, set them up, and supervise them until stopped; always stop both."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    config_dir = args.config_dir.absolute()
    sim = SimulatorProcess(
        args.sim_port, user=args.sim_user, password=args.sim_password, pipe_stdout=True
    )
    hass = HassProcess(config_dir, args.ha_port, env={DISCOVERY_ADDRESS_ENV: sim.discovery_address})
    try:
        if not port_is_free(args.sim_port):
            say(f"Port {args.sim_port} is in use: set BSERIES_SIM_PORT to another one.")
            return 1
        if not port_is_free(args.ha_port):
            say(f"Port {args.ha_port} is in use: set BSERIES_HA_PORT to another one.")
            return 1
        sim.start()
        if sim.stdout is not None:
            echo_lines(sim.stdout, "camera | ")
        first = not hass.onboarded()
        say(
            f"Starting Home Assistant on {hass.url} with {config_dir}"
            + (
                " (the first start installs its frontend and voice packages: about a minute)"
                if first
                else ""
            )
        )
        started = time.monotonic()
        hass.start()
        media = ensure_sample_media(hass.media_dir)
        async with HassApi(hass.url) as api:
            await until_stopped(
                api.wait_for_http(onboarded=not first, alive=lambda: hass.running), stop
            )
            state = await until_stopped(sign_in(api, hass, args), stop)
            await until_stopped(api.wait_until_running(), stop)
            say(f"Home Assistant is up ({time.monotonic() - started:.1f} s)")
            await until_stopped(ensure_camera(api, sim, state, config_dir), stop)
            entities = await api.entity_ids(DOMAIN)
        say(banner(args, hass, sim, media))
        if entities:
            say("Entities        " + ", ".join(sorted(entities.values())) + "\n")
        return await supervise(hass, sim, stop)
    except StoppedError:
        return 130
    except (ManagedProcessError, TimeoutError, RuntimeError, aiohttp.ClientError) as err:
        say(f"error: {err}")
        return 1
    finally:
        say("Stopping Home Assistant and the camera simulator ...")
        hass.stop()
        sim.stop(timeout=10.0)
        say("Stopped.")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python -m devtools.develop`."""
    return asyncio.run(run(build_parser().parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
