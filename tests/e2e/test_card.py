"""The camera card in a real browser: Debian's chromium (playwright-core) against a real `hass`.

The browser (card/tests/driver.mjs) acts in the page; this test orchestrates it and checks what
reached Home Assistant and the simulator. Screenshots of the card in both themes at a phone and a
desktop width go to the artifacts folder (BSERIES_E2E_ARTIFACTS, else the test's temporary folder).
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import shutil
from typing import TYPE_CHECKING, Any, Final

import pytest

from tests.picture import view_shift

from .conftest import CAMERA_ID, DOMAIN, Entities, Stack, report_figure

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from devtools.hass_server import HassApi
    from devtools.simulator import SimulatorClient

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists() or shutil.which("node") is None,
        reason="needs chromium and node (scripts/setup installs them)",
    ),
]

REPO: Final = Path(__file__).parents[2]
DRIVER: Final = REPO / "card" / "tests" / "driver.mjs"
CARD: Final = "bseries-camera-card"
DASHBOARD: Final = "bseries-card"
DASHBOARD_PATH: Final = f"/{DASHBOARD}/0"


class Browser:
    """The driver process: one JSON command per line, one JSON answer per line."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        """Talk to a started driver."""
        self._process = process

    async def __call__(self, cmd: str, timeout: float = 60.0, **args: Any) -> dict[str, Any]:  # noqa: ASYNC109
        """Run one command; its answer (AssertionError when it failed)."""
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write((json.dumps({"cmd": cmd, **args}) + "\n").encode())
        await self._process.stdin.drain()
        async with asyncio.timeout(timeout):
            line = await self._process.stdout.readline()
        assert line, "the browser driver ended"
        answer: dict[str, Any] = json.loads(line)
        assert answer["ok"], f"{cmd}: {answer.get('error')}"
        return answer

    async def value(self, fn: str, selector: str | None = CARD, arg: Any = None) -> Any:
        """Evaluate `fn` on the first element matching `selector` (or the page)."""
        return (await self("eval", fn=fn, selector=selector, arg=arg))["value"]

    async def wait_for(self, fn: str, within: float = 20.0, selector: str | None = CARD) -> Any:
        """Poll `fn` until it is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            value = await self.value(fn, selector)
            if value:
                return value
            assert asyncio.get_running_loop().time() < deadline, f"never true: {fn}"
            await asyncio.sleep(0.25)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    folder = os.environ.get("BSERIES_E2E_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("card-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
async def browser(
    stack: Stack, api: HassApi, entities: Entities, artifacts: Path
) -> AsyncIterator[Browser]:
    """Chromium on a dashboard holding the card for the simulated camera."""
    dashboards = await api.ws_command("lovelace/dashboards/list")
    if not any(board["url_path"] == DASHBOARD for board in dashboards):
        await api.ws_command(
            "lovelace/dashboards/create", url_path=DASHBOARD, title="Camera card", mode="storage"
        )
    await api.ws_command(
        "lovelace/config/save",
        url_path=DASHBOARD,
        config={
            "views": [
                {
                    "title": "Camera",
                    "cards": [{"type": f"custom:{CARD}", "entity": entities.camera}],
                }
            ]
        },
    )
    process = await asyncio.create_subprocess_exec(
        "node",
        str(DRIVER),
        cwd=DRIVER.parents[1],
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    driver = Browser(process)
    try:
        await driver("open", url=stack.hass.url, token=stack.token, path=DASHBOARD_PATH)
        try:
            try:
                await driver("wait", selector=f"{CARD} .controls", wait_ms=30000, timeout=60)
            except AssertionError:
                # A cold first load on a busy machine: the module came after the frontend gave
                # up waiting for the element (its "Custom element doesn't exist" card). Once more.
                defined = await driver.value(
                    "() => customElements.get('bseries-camera-card') !== undefined", None
                )
                report_figure(f"card: first load needed a reload (element defined: {defined})")
                await driver("reload")
                await driver("wait", selector=f"{CARD} .controls", wait_ms=60000, timeout=90)
        except AssertionError:
            await driver("screenshot", path=str(artifacts / "card-failed-to-load.png"))
            errors = await driver.value(
                "() => performance.getEntriesByType('resource').map((e) => e.name)"
                ".filter((n) => n.includes('bseries'))",
                None,
            )
            detail = await driver(
                "eval",
                selector="hui-error-card",
                fn="(el) => JSON.stringify(el._config || el.config || el.error || null)",
            )
            console = (await driver("console"))["lines"]
            raise AssertionError(f"the card did not load: {detail} {console} {errors}") from None
        yield driver
        errors = (await driver("console"))["lines"]
        assert not [line for line in errors if "bseries" in line], errors
    finally:
        if process.returncode is None:
            assert process.stdin is not None
            process.stdin.close()
            try:
                async with asyncio.timeout(20):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def snapshot(api: HassApi, camera: str) -> bytes:
    """A still of the camera through Home Assistant."""
    status, _, body = await api.get_bytes(f"/api/camera_proxy/{camera}")
    assert status == 200
    return body


async def test_card_in_the_picker_with_its_editor(browser: Browser, entities: Entities) -> None:
    """Registered by the integration: listed in window.customCards, an editor for the entity."""
    cards = await browser.value("() => window.customCards.map((card) => card.type)", None)
    assert CARD in cards
    editor = await browser.value("(el) => el.constructor.getConfigElement().localName", CARD)
    assert editor == f"{CARD}-editor"
    stub = await browser.value("(el) => el.constructor.getStubConfig(el.hass)", CARD)
    assert stub == {"type": f"custom:{CARD}", "entity": entities.camera}


async def test_live_picture_and_texts(browser: Browser) -> None:
    """HA's own camera stream element shows frames; the texts come from the translations."""
    width = await browser.wait_for(
        "(el) => { const s = el.shadowRoot.querySelector('ha-camera-stream');"
        " const img = s && s.shadowRoot && s.shadowRoot.querySelector('img');"
        " return img && img.complete ? img.naturalWidth : 0; }",
        within=30,
    )
    assert width == 640
    listen = await browser.value(
        "(el) => el.shadowRoot.querySelector('button.listen').textContent.trim()"
    )
    assert listen == "Listen"


async def test_pad_moves_the_view_also_flipped(
    browser: Browser, api: HassApi, entities: Entities
) -> None:
    """Press and hold moves the picture's way, release stops; flipped, "up" stays up."""
    await browser("click", selector=f"{CARD} button[data-direction=center]")
    await asyncio.sleep(1.0)
    before = await snapshot(api, entities.camera)
    await browser("hold", selector=f"{CARD} button[data-direction=left]", ms=300)
    await asyncio.sleep(0.5)
    after = await snapshot(api, entities.camera)
    dx, _ = view_shift(before, after)
    assert dx < -5, dx
    await asyncio.sleep(0.5)
    assert view_shift(after, await snapshot(api, entities.camera)) == (0, 0)  # stopped
    flip = (await api.entity_ids(DOMAIN))[f"{CAMERA_ID}_flip"]
    await api.call_service("switch", "turn_on", {"entity_id": flip})
    await asyncio.sleep(1.0)
    before = await snapshot(api, entities.camera)
    await browser("key", selector=f"{CARD} .picture", key="ArrowUp", ms=300)
    await asyncio.sleep(0.5)
    _, dy = view_shift(before, await snapshot(api, entities.camera))
    assert dy < -5, dy
    await api.call_service("switch", "turn_off", {"entity_id": flip})
    await browser("click", selector=f"{CARD} button[data-direction=center]")


async def test_presets_by_name_survive_a_restart(
    browser: Browser, api: HassApi, entities: Entities, stack: Stack
) -> None:
    """Saved in the card under a name, recalled by name, still there after HA restarts."""
    await browser("fill", selector=f"{CARD} .save input", text="Porch")
    await browser("click", selector=f"{CARD} button.save-here")
    await browser.wait_for(
        "(el) => [...el.shadowRoot.querySelectorAll('.preset .go')]"
        ".some((b) => b.textContent.trim() === 'Porch')"
    )
    await browser("click", selector=f"{CARD} button[data-direction=center]")
    await browser("click", selector=f"{CARD} .preset .go")
    select = (await api.entity_ids(DOMAIN))[f"{CAMERA_ID}_ptz_preset"]
    await api.wait_for_state(select, "Porch", within=10)
    stack.hass.stop()
    stack.hass.start()
    await api.wait_for_http(onboarded=True, alive=lambda: stack.hass.running)
    await api.wait_until_running()
    await api.wait_for_state(entities.connectivity, "on", within=60)
    state = await api.get_state(select)
    assert state is not None
    assert state["state"] == "Porch"
    assert state["attributes"]["options"] == ["Porch"]


async def test_listen_plays_the_tone(browser: Browser, sim_client: SimulatorClient) -> None:
    """Listen subscribes and plays packets; the scheduling delay stays under half a second."""
    sent = (await sim_client.status())["audio_packets_sent"]
    await browser("click", selector=f"{CARD} button.listen")
    await browser.wait_for("(el) => el._listener && el._listener.played > 50", within=20)
    latency = await browser.value("(el) => el._listener.lastLatency")
    skipped = await browser.value("(el) => el._listener.skipped")
    assert (await sim_client.status())["audio_packets_sent"] > sent
    assert latency < 0.5
    report_figure(
        f"card listen: playback scheduled {latency * 1000:.0f} ms ahead, {skipped} skipped"
    )
    await browser("click", selector=f"{CARD} button.listen")


async def test_talk_with_the_fake_microphone_reaches_the_speaker(
    browser: Browser, sim_client: SimulatorClient
) -> None:
    """Push-to-talk with Chromium's fake microphone: talk packets reach the simulator."""
    before = (await sim_client.status())["talk_packets_received"]
    await browser("hold", selector=f"{CARD} button.talk", ms=2500)
    await asyncio.sleep(2.0)
    received = (await sim_client.status())["talk_packets_received"] - before
    assert received > 20, received  # 2.5 s of speech; ~40 ms packets
    report_figure(f"card talk: {received} talk packets for a 2.5 s press")


async def test_record_shows_the_last_clip(browser: Browser) -> None:
    """Record makes a clip through the record action; the card names it and can play it."""
    await browser("click", selector=f"{CARD} button.record")
    clip = await browser.wait_for(
        "(el) => { const c = el.shadowRoot.querySelector('.clip span');"
        " return c && c.textContent.trim(); }",
        within=40,
    )
    assert clip.endswith(".mp4")


async def test_ir_greys_the_picture(browser: Browser, api: HassApi, entities: Entities) -> None:
    """IR on: the simulator's picture turns grey (its night mode), seen through the card's IR."""
    await browser("click", selector=f"{CARD} button.ir")
    await browser.wait_for(
        "(el) => el.shadowRoot.querySelector('button.ir').getAttribute('aria-pressed') === 'true'"
    )
    await asyncio.sleep(1.0)
    from io import BytesIO

    from PIL import Image, ImageStat

    with Image.open(BytesIO(await snapshot(api, entities.camera))) as image:
        saturation = ImageStat.Stat(image.convert("HSV").getchannel("S")).mean[0]
    assert saturation < 8, saturation
    await browser("click", selector=f"{CARD} button.ir")


async def test_screenshots_in_both_themes_at_two_widths(browser: Browser, artifacts: Path) -> None:
    """The card at a phone and a desktop width, light and dark, for people to look at."""
    for width, height in ((390, 844), (1280, 900)):
        for dark in (False, True):
            await browser("view", width=width, height=height, dark=dark)
            await asyncio.sleep(1.0)
            path = artifacts / f"card-{width}-{'dark' if dark else 'light'}.png"
            await browser("screenshot", path=str(path), selector=CARD)
            assert path.stat().st_size > 10_000


async def test_another_integrations_camera_gets_a_message(browser: Browser, api: HassApi) -> None:
    """A camera entity that is not this integration's: the card says so instead of failing."""
    text = await browser.value(
        "async (el, arg) => { const c = document.createElement(el.localName);"
        " c.setConfig({type: 'custom:' + el.localName, entity: arg}); c.hass = el.hass;"
        " document.body.appendChild(c); await new Promise((r) => setTimeout(r, 1500));"
        " const t = c.shadowRoot.querySelector('.message').textContent.trim(); c.remove(); return t; }",
        CARD,
        arg="camera.not_a_bseries_camera",
    )
    assert "is not a camera of the B-Series" in text


async def test_media_browser_live_audio_starts_within_3_s(
    browser: Browser, api: HassApi, stack: Stack
) -> None:
    """The media browser's "Live audio" (MP3 for media players) starts playing in Chromium quickly."""
    (entry,) = await api.config_entries(DOMAIN)
    resolved = await api.ws_command(
        "media_source/resolve_media",
        media_content_id=f"media-source://{DOMAIN}/{entry['entry_id']}/live_audio",
    )
    seconds = await browser.value(
        "async (url) => { const a = new Audio(); const t0 = performance.now();"
        " const t = await new Promise((resolve) => {"
        " a.addEventListener('playing', () => resolve((performance.now() - t0) / 1000));"
        " setTimeout(() => resolve(60), 30000); a.src = url; a.play().catch(() => resolve(-1)); });"
        " a.pause(); a.src = ''; return t; }",
        None,
        arg=f"{stack.hass.url}{resolved['url']}",
    )
    report_figure(f"media browser live audio: Chromium playing after {seconds:.1f} s")
    assert 0 < seconds < 3, seconds
