"""A real Home Assistant (`python -m homeassistant -c DIR`) on 127.0.0.1, driven over its APIs.

`HassProcess` prepares a configuration folder and runs Home Assistant in it; `HassApi` talks to
it only through HTTP and the WebSocket API, as the frontend does: onboarding, login, long-lived
tokens, config flows, states, service calls and WebSocket commands.

The configuration is the repository's `config/configuration.yaml` (copied into other folders):
it takes its port, internal URL and media folder from `BSERIES_HA_PORT`, `BSERIES_HA_URL` and
`BSERIES_HA_MEDIA_DIR`, which `HassProcess` sets, and listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
import json
import os
from pathlib import Path
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any, Final, Self, cast

import aiohttp

from .processes import LOOPBACK, REPO_ROOT, ManagedProcess, ManagedProcessError, port_is_free

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from types import TracebackType

REPO_CONFIG_DIR: Final = REPO_ROOT / "config"
CONFIGURATION: Final = "configuration.yaml"
URL_ENV: Final = "BSERIES_HA_URL"
MEDIA_DIR_ENV: Final = "BSERIES_HA_MEDIA_DIR"
LOG_LEVEL_ENV: Final = "BSERIES_IPCAM_LOG_LEVEL"
DISCOVERY_ADDRESS_ENV: Final = "BSERIES_DISCOVERY_ADDRESS"

ONBOARDING_STEPS: Final = ("user", "core_config", "analytics", "integration")
# Same as homeassistant.components.http.config.STORAGE_VERSION and STORAGE_MINOR_VERSION.
HTTP_STORAGE_VERSION: Final = 2
HTTP_STORAGE_MINOR_VERSION: Final = 2
# Same as homeassistant.components.onboarding.STORAGE_VERSION.
ONBOARDING_STORAGE_VERSION: Final = 4

# The first start installs Home Assistant's own run-time requirements (frontend, voice) and
# compiles two of them: about a minute on two cores. Later starts take seconds.
START_TIMEOUT: Final = 600.0
STOP_TIMEOUT: Final = 60.0
REQUEST_TIMEOUT: Final = aiohttp.ClientTimeout(total=60)
RESTART_EXIT_CODE: Final = 100  # Home Assistant asks to be started again (restart from the UI)

# Config files the UI editors write to; configuration.yaml includes them.
_INCLUDED_FILES: Final = {"automations.yaml": "[]\n", "scripts.yaml": "", "scenes.yaml": "[]\n"}


def private_include_dir() -> Path | None:
    """The C headers of this interpreter's own root, when it is not the system's.

    scripts/setup may assemble Python from Debian packages in a private root; building a C
    extension there (Home Assistant installs some requirements at run time) needs
    `CPATH=<root>/usr/include`, because Debian's `pyconfig.h` includes a file below it.
    """
    include = Path(sys.base_prefix) / "include"
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    if include == Path("/usr/include") or not (include / version).is_dir():
        return None
    return include


def hass_environment(
    config_dir: Path, port: int, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The variables the configuration reads, and CPATH for the private Python root."""
    env = {
        URL_ENV: f"http://{LOOPBACK}:{port}",
        MEDIA_DIR_ENV: str(config_dir / "media"),
    }
    if (include := private_include_dir()) is not None:
        env["CPATH"] = os.pathsep.join(filter(None, [str(include), os.environ.get("CPATH")]))
    env.update(extra or {})
    return env


class HassProcess(ManagedProcess):
    """Home Assistant on 127.0.0.1:`port` with `config_dir` as its configuration folder.

    `prepare` (called by `start`) makes the folder usable: a configuration.yaml (the
    repository's, when there is none), the files and the media folder it names,
    `custom_components` as a link to the repository's, and, on a folder that was never
    onboarded, the onboarding step `core_config` marked done. Besides marking itself done, that
    step only makes Home Assistant set up radio_browser, google_translate, met and shopping_list
    for a new user: radio_browser would contact radio-browser.info at once, and nothing here may
    leave this machine.
    """

    def __init__(
        self,
        config_dir: Path,
        port: int,
        *,
        env: Mapping[str, str] | None = None,
        extra_args: Sequence[str] = (),
    ) -> None:
        """Describe the server; nothing runs until `start`."""
        self.config_dir = config_dir.absolute()
        self.port = port
        args = [
            sys.executable,
            "-m",
            "homeassistant",
            "--config",
            str(self.config_dir),
            "--log-no-color",
            *extra_args,
        ]
        super().__init__(
            "Home Assistant",
            args,
            log_path=self.config_dir / "hass.console.log",
            append_log=False,
            env=hass_environment(self.config_dir, port, env),
        )
        self._started = False

    @property
    def url(self) -> str:
        """The base URL of Home Assistant."""
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def media_dir(self) -> Path:
        """The local media folder (`media-source://media_source/local/...`); talk may read it."""
        return self.config_dir / "media"

    @property
    def log_file(self) -> Path:
        """Home Assistant's own log file."""
        return self.config_dir / "home-assistant.log"

    @property
    def earlier_log_file(self) -> Path:
        """What this server's earlier runs logged (Home Assistant rolls its log over at start)."""
        return self.config_dir / "home-assistant.earlier.log"

    def prepare(self) -> None:
        """Make the configuration folder ready to run (see the class)."""
        config_dir = self.config_dir
        config_dir.mkdir(parents=True, exist_ok=True)
        configuration = config_dir / CONFIGURATION
        if not configuration.exists():
            shutil.copyfile(REPO_CONFIG_DIR / CONFIGURATION, configuration)
        if "\nhttp:" in "\n" + configuration.read_text():
            raise ManagedProcessError(
                f"{configuration} must not configure http: devtools pins it to {LOOPBACK} in"
                f" Home Assistant's storage (see {REPO_CONFIG_DIR / CONFIGURATION})"
            )
        if "\nbseries_ipcam:" not in "\n" + configuration.read_text():
            raise ManagedProcessError(
                f"{configuration} must direct the integration's network search at {LOOPBACK}"
                f" (bseries_ipcam: discovery_addresses, see {REPO_CONFIG_DIR / CONFIGURATION}):"
                " nothing run from here may broadcast"
            )
        pin_http_config(config_dir, self.port)
        self.media_dir.mkdir(exist_ok=True)
        for name, content in _INCLUDED_FILES.items():
            if not (config_dir / name).exists():
                (config_dir / name).write_text(content)
        link_custom_components(config_dir)
        seed_onboarding(config_dir)

    def start(self) -> None:
        """Prepare the folder and start Home Assistant (it is not ready yet: see `HassApi`)."""
        if not port_is_free(self.port):
            raise ManagedProcessError(f"port {self.port} on {LOOPBACK} is already in use")
        self.prepare()
        if not self._started:
            self.earlier_log_file.unlink(missing_ok=True)  # another server's
        elif self.log_file.exists():
            # A restart: keep the last run's log, so that `log_lines` spans every run.
            with self.earlier_log_file.open("ab") as earlier:
                earlier.write(self.log_file.read_bytes())
            self.log_file.write_bytes(b"")
        self._started = True
        super().start()

    def stop(self, timeout: float = STOP_TIMEOUT) -> int | None:
        """Stop Home Assistant as on SIGTERM (it saves its state), killing it after `timeout` s."""
        return super().stop(timeout)

    def onboarded(self) -> bool:
        """Whether every onboarding step is done, from Home Assistant's storage."""
        return set(onboarding_done(self.config_dir)) >= set(ONBOARDING_STEPS)

    def _log_text_lines(self) -> list[str]:
        """Every line this server logged, over all its runs (see `start`)."""
        lines: list[str] = []
        for path in (self.earlier_log_file, self.log_file):
            if path.exists():
                lines += path.read_text(errors="replace").splitlines()
        return lines

    def log_mark(self) -> int:
        """A mark of how far the log is now: `log_lines(..., since=mark)` gives what came later."""
        return len(self._log_text_lines())

    def log_lines(self, *levels: str, since: int = 0) -> list[str]:
        """Lines of Home Assistant's log at these levels (e.g. "ERROR"), with their tracebacks.

        `since`: only what was logged after that `log_mark`.
        """
        wanted = tuple(f" {level} (" for level in levels)
        lines: list[str] = []
        keep = False
        for line in self._log_text_lines()[since:]:
            if line[:4].isdigit():  # a new record starts with its date
                keep = any(marker in line for marker in wanted)
            if keep:
                lines.append(line)
        return lines


def link_custom_components(config_dir: Path) -> None:
    """`config_dir/custom_components` as a link to the repository's custom_components."""
    link = config_dir / "custom_components"
    target = REPO_ROOT / "custom_components"
    if link.is_symlink():
        if link.resolve() == target.resolve():
            return
        link.unlink()
    elif link.exists():
        raise ManagedProcessError(f"{link} exists and is not a link to {target}")
    # Relative in the repository's config/ (it survives moving the clone), absolute elsewhere.
    if config_dir.resolve().parent == REPO_ROOT.resolve():
        link.symlink_to(Path("..") / "custom_components", target_is_directory=True)
    else:
        link.symlink_to(target, target_is_directory=True)


def pin_http_config(config_dir: Path, port: int) -> None:
    """Make 127.0.0.1:`port` Home Assistant's confirmed HTTP configuration.

    Since 2026.10 Home Assistant keeps its HTTP settings in storage. YAML is migrated once, as a
    *pending* configuration that reverts, five minutes later and with a restart, to the stored
    *stable* one unless someone confirms it in the UI; the stable default listens on every
    interface. Writing the stable configuration before every start keeps the server on loopback
    and on the port asked for, with nothing to confirm and nothing to revert.
    """
    store = config_dir / ".storage" / "http"
    store.parent.mkdir(parents=True, exist_ok=True)
    stable = {
        "server_host": [LOOPBACK],
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    data = {
        "version": HTTP_STORAGE_VERSION,
        "minor_version": HTTP_STORAGE_MINOR_VERSION,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    store.write_text(json.dumps(data, indent=2) + "\n")


def _onboarding_store(config_dir: Path) -> Path:
    return config_dir / ".storage" / "onboarding"


def onboarding_done(config_dir: Path) -> list[str]:
    """The onboarding steps done, as stored by Home Assistant."""
    try:
        data = json.loads(_onboarding_store(config_dir).read_text())
    except FileNotFoundError:
        return []
    return list(data["data"]["done"])


def seed_onboarding(config_dir: Path) -> None:
    """Mark `core_config` done in a folder that has no onboarding state yet (see HassProcess)."""
    store = _onboarding_store(config_dir)
    if store.exists():
        return
    store.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "version": ONBOARDING_STORAGE_VERSION,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": ["core_config"]},
    }
    store.write_text(json.dumps(data, indent=2) + "\n")


class HassApiError(RuntimeError):
    """Home Assistant answered a request with an error status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        """Keep the status and body."""
        super().__init__(f"{method} {path}: {status} {body[:500]}")
        self.status = status
        self.body = body


class HassApi:
    """A client of one Home Assistant's HTTP and WebSocket APIs (use `async with`).

    `token` is set by `sign_in` (a 30-minute access token) or given (a long-lived one).
    """

    def __init__(self, url: str, token: str | None = None) -> None:
        """`url` is Home Assistant's base URL, e.g. `HassProcess.url`."""
        self.url = url.rstrip("/")
        self.token = token
        self.client_id = f"{self.url}/"
        self.redirect_uri = f"{self.url}/?auth_callback=1"
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ws_id = 0
        self._ws_lock = asyncio.Lock()

    @property
    def session(self) -> aiohttp.ClientSession:
        """The HTTP session (inside `async with`)."""
        if self._session is None:
            raise RuntimeError("use HassApi in `async with`")
        return self._session

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header for the current token."""
        if self.token is None:
            raise RuntimeError("not signed in: call sign_in or give a token")
        return {"Authorization": f"Bearer {self.token}"}

    async def __aenter__(self) -> Self:
        """Open the HTTP session."""
        self._session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the WebSocket and the HTTP session."""
        await self.close()

    async def close(self) -> None:
        """Close the WebSocket and the HTTP session."""
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- plain requests ------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json_data: Any = None,
        form: Mapping[str, str] | None = None,
        auth: bool = True,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """Send a request; the decoded JSON answer (or text), `HassApiError` on an error status."""
        headers = self.headers if auth else {}
        async with self.session.request(
            method,
            f"{self.url}{path}",
            json=json_data,
            data=form,
            headers=headers,
            params=params,
        ) as resp:
            body = await resp.text()
            if resp.status >= 400:
                raise HassApiError(method, path, resp.status, body)
            if resp.content_type == "application/json":
                return json.loads(body)
            return body

    async def get_bytes(self, path: str) -> tuple[int, str, bytes]:
        """GET with the token: status, content type and the whole body."""
        async with self.session.get(f"{self.url}{path}", headers=self.headers) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), await resp.read()

    # --- start-up ------------------------------------------------------------------------------

    async def wait_for_http(
        self,
        *,
        onboarded: bool,
        within: float = START_TIMEOUT,
        alive: Callable[[], bool] | None = None,
    ) -> None:
        """Wait until sign-in can work: the onboarding API, or (`onboarded`) the login flow.

        `alive` tells whether the server process still runs: waiting ends at once when not.
        """
        path = "/auth/providers" if onboarded else "/api/onboarding"
        deadline = time.monotonic() + within
        while True:
            if alive is not None and not alive():
                raise ManagedProcessError("Home Assistant ended while starting")
            try:
                async with self.session.get(
                    f"{self.url}{path}", timeout=aiohttp.ClientTimeout(total=5)
                ) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError, TimeoutError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Home Assistant did not serve {path} in {within:g} s")
            await asyncio.sleep(0.25)

    async def wait_until_running(self, within: float = START_TIMEOUT) -> dict[str, Any]:
        """Wait until Home Assistant has started (every integration set up); its config."""
        deadline = time.monotonic() + within
        while True:
            config = cast("dict[str, Any]", await self.request("GET", "/api/config"))
            if config.get("state") == "RUNNING":
                return config
            if time.monotonic() > deadline:
                raise TimeoutError(f"Home Assistant still {config.get('state')} after {within:g} s")
            await asyncio.sleep(0.25)

    # --- onboarding and login ------------------------------------------------------------------

    async def onboarding_status(self) -> dict[str, bool]:
        """Which onboarding steps are done ({} once onboarding is over: its API is gone)."""
        try:
            steps = await self.request("GET", "/api/onboarding", auth=False)
        except HassApiError as err:
            if err.status == 404:
                return {}
            raise
        return {step["step"]: step["done"] for step in steps}

    async def sign_in(
        self, *, name: str, username: str, password: str, language: str = "en"
    ) -> bool:
        """Finish onboarding with this owner, or log in as them; True if this onboarded.

        Idempotent: each onboarding step not yet done is done; an onboarded server gets a
        login through the login flow.
        """
        status = await self.onboarding_status()
        created = bool(status) and not status.get("user", True)
        if created:
            answer = await self.request(
                "POST",
                "/api/onboarding/users",
                auth=False,
                json_data={
                    "client_id": self.client_id,
                    "name": name,
                    "username": username,
                    "password": password,
                    "language": language,
                },
            )
            code = answer["auth_code"]
        else:
            code = await self.login_code(username, password)
        await self.exchange_code(code)
        if not status.get("core_config", True):
            await self.request("POST", "/api/onboarding/core_config", json_data={})
        if not status.get("analytics", True):
            await self.request("POST", "/api/onboarding/analytics", json_data={})
        if not status.get("integration", True):
            await self.request(
                "POST",
                "/api/onboarding/integration",
                json_data={"client_id": self.client_id, "redirect_uri": self.redirect_uri},
            )
        return created

    async def login_code(self, username: str, password: str) -> str:
        """An authorization code from the login flow of Home Assistant's own users."""
        flow = await self.request(
            "POST",
            "/auth/login_flow",
            auth=False,
            json_data={
                "client_id": self.client_id,
                "handler": ["homeassistant", None],
                "redirect_uri": self.redirect_uri,
            },
        )
        result = await self.request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            auth=False,
            json_data={"client_id": self.client_id, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            why = result.get("errors") or result.get("reason") or result
            raise HassApiError("POST", "/auth/login_flow", 400, f"login of {username}: {why}")
        return str(result["result"])

    async def exchange_code(self, code: str) -> None:
        """Trade an authorization code for an access token, which becomes `token`."""
        tokens = await self.request(
            "POST",
            "/auth/token",
            auth=False,
            form={"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
        )
        self.token = str(tokens["access_token"])

    async def create_long_lived_token(self, client_name: str, lifespan_days: int = 3650) -> str:
        """A new long-lived access token of the signed-in user (WebSocket command)."""
        token = await self.ws_command(
            "auth/long_lived_access_token", client_name=client_name, lifespan=lifespan_days
        )
        return str(token)

    async def token_works(self) -> bool:
        """Whether the current token is accepted."""
        try:
            await self.request("GET", "/api/")
        except HassApiError as err:
            if err.status == 401:
                return False
            raise
        return True

    # --- WebSocket -----------------------------------------------------------------------------

    async def ws_command(self, command_type: str, **data: Any) -> Any:
        """Run one WebSocket command on the shared connection; its result."""
        async with self._ws_lock:
            ws = await self._websocket()
            self._ws_id += 1
            message_id = self._ws_id
            try:
                await ws.send_json({"id": message_id, "type": command_type, **data})
            except aiohttp.ClientConnectionResetError:
                # Home Assistant closed the idle connection (nobody read its close frame).
                await ws.close()
                ws = await self._websocket()
                self._ws_id += 1
                message_id = self._ws_id
                await ws.send_json({"id": message_id, "type": command_type, **data})
            while True:
                message = await ws.receive_json(timeout=REQUEST_TIMEOUT.total)
                if message.get("id") != message_id or message.get("type") != "result":
                    continue  # events of other subscriptions
                if not message.get("success"):
                    raise HassApiError("WS", command_type, 400, json.dumps(message.get("error")))
                return message.get("result")

    async def _websocket(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is not None and not self._ws.closed:
            return self._ws
        ws = await self.session.ws_connect(f"{self.url}/api/websocket")
        try:
            await self._ws_authenticate(ws)
        except BaseException:
            await ws.close()
            raise
        self._ws = ws
        self._ws_id = 0
        return ws

    async def _ws_authenticate(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        hello = await ws.receive_json(timeout=30)
        if hello.get("type") != "auth_required":
            raise HassApiError("WS", "auth", 400, json.dumps(hello))
        await ws.send_json({"type": "auth", "access_token": self.headers["Authorization"][7:]})
        answer = await ws.receive_json(timeout=30)
        if answer.get("type") != "auth_ok":
            raise HassApiError("WS", "auth", 401, json.dumps(answer))

    # --- config entries and flows --------------------------------------------------------------

    async def config_entries(self, domain: str) -> list[dict[str, Any]]:
        """The config entries of `domain` (entry_id, title, state, ...)."""
        entries = await self.request(
            "GET", "/api/config/config_entries/entry", params={"domain": domain}
        )
        return cast("list[dict[str, Any]]", entries)

    async def start_flow(self, handler: str, entry_id: str | None = None) -> dict[str, Any]:
        """Start a config flow (with `entry_id`: its reconfigure flow); its first step."""
        data: dict[str, Any] = {"handler": handler, "show_advanced_options": False}
        if entry_id is not None:
            data["entry_id"] = entry_id
        return cast(
            "dict[str, Any]",
            await self.request("POST", "/api/config/config_entries/flow", json_data=data),
        )

    async def flow_step(self, flow_id: str, user_input: Mapping[str, Any]) -> dict[str, Any]:
        """Submit a config flow's form; the next step (a form, create_entry or abort)."""
        return cast(
            "dict[str, Any]",
            await self.request(
                "POST", f"/api/config/config_entries/flow/{flow_id}", json_data=dict(user_input)
            ),
        )

    async def add_camera(self, port: int, username: str, password: str) -> str:
        """Add the camera on 127.0.0.1:`port` through the integration's config flow; its entry id."""
        flow = await self.start_flow("bseries_ipcam")
        result = await self.flow_step(
            flow["flow_id"],
            {"host": LOOPBACK, "port": port, "username": username, "password": password},
        )
        if result.get("type") != "create_entry":
            raise RuntimeError(f"the config flow did not create an entry: {result}")
        entry_id: str = result["result"]["entry_id"]
        return entry_id

    async def delete_entry(self, entry_id: str) -> None:
        """Remove a config entry."""
        await self.request("DELETE", f"/api/config/config_entries/entry/{entry_id}")

    async def entity_ids(self, platform: str) -> dict[str, str]:
        """The registered entities of an integration: unique id -> entity id."""
        entries = await self.ws_command("config/entity_registry/list")
        return {e["unique_id"]: e["entity_id"] for e in entries if e["platform"] == platform}

    # --- states and services -------------------------------------------------------------------

    async def get_state(self, entity_id: str) -> dict[str, Any] | None:
        """The state object of an entity, or None if it has none."""
        try:
            return cast("dict[str, Any]", await self.request("GET", f"/api/states/{entity_id}"))
        except HassApiError as err:
            if err.status == 404:
                return None
            raise

    async def wait_for_state(
        self,
        entity_id: str,
        expected: str | Callable[[str | None], bool],
        within: float = 30.0,
        interval: float = 0.1,
    ) -> dict[str, Any] | None:
        """Poll until the entity's state is `expected` (or satisfies it); the state object."""
        check = expected if callable(expected) else (lambda state: state == expected)
        deadline = time.monotonic() + within
        while True:
            state = await self.get_state(entity_id)
            if check(state["state"] if state else None):
                return state
            if time.monotonic() > deadline:
                got = state["state"] if state else None
                raise TimeoutError(f"{entity_id} is {got!r}, not {expected!r}, after {within:g} s")
            await asyncio.sleep(interval)

    async def call_service(
        self,
        domain: str,
        service: str,
        data: Mapping[str, Any] | None = None,
        *,
        return_response: bool = False,
    ) -> Any:
        """Call a service action over HTTP; the changed states (or its response)."""
        params = {"return_response": ""} if return_response else None
        return await self.request(
            "POST", f"/api/services/{domain}/{service}", json_data=dict(data or {}), params=params
        )
