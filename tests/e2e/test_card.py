"""The camera card in a real browser: Debian's chromium (playwright-core) against a real `hass`.

The browser (card/tests/driver.mjs, one for the whole run) acts in the page; these tests
orchestrate it and check what reached Home Assistant and the simulator. The tests share one page
on a dashboard holding the card (opened by the first, kept open, also across Home Assistant's
restart); the last ones open fresh browser contexts. Screenshots of the card in both themes at a
phone and a desktop width go to the artifacts folder (BSERIES_E2E_ARTIFACTS, else the test's
temporary folder).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import time
from typing import TYPE_CHECKING, Final

import aiohttp
import pytest

from tests.picture import view_shift

from .browser import CARD, Browser
from .conftest import CAMERA_ID, DOMAIN, Entities, Stack, report_figure

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from devtools.hass_server import HassApi
    from devtools.simulator import SimulatorClient

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

DASHBOARD: Final = "bseries-card"
DASHBOARD_PATH: Final = f"/{DASHBOARD}/0"
CARD_MODULE: Final = f"/{DOMAIN}/{CARD}.js"  # frontend.CARD_URL
FIRST_LOADS: Final = 3
# The card's texts (strings.json, selector.card.options) that these tests look for.
OFFLINE_TEXT: Final = "The camera is offline or refuses the connection."
MIC_DENIED_TEXT: Final = "The browser may not use the microphone"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    folder = os.environ.get("BSERIES_E2E_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("card-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


async def save_dashboard(api: HassApi, entities: Entities) -> None:
    """A dashboard holding the card for the simulated camera (made once, kept up to date)."""
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


async def open_dashboard(
    browser: Browser, stack: Stack, artifacts: Path, microphone: str | None = None
) -> None:
    """A fresh browser context on the dashboard; returns once the card shows its controls."""
    browser.page = None
    await browser(
        "open",
        timeout=120,
        url=stack.hass.url,
        token=stack.token,
        path=DASHBOARD_PATH,
        microphone=microphone,
    )
    try:
        await browser("wait", selector=f"{CARD} .controls", wait_ms=60000, timeout=90)
    except AssertionError:
        await browser("screenshot", path=str(artifacts / "card-failed-to-load.png"))
        loaded = await browser.value(
            "() => performance.getEntriesByType('resource').map((e) => e.name)"
            ".filter((n) => n.includes('bseries'))",
            None,
        )
        detail = await browser(
            "eval",
            selector="hui-error-card",
            fn="(el) => JSON.stringify(el._config || el.config || el.error || null)",
        )
        imported = await browser.value(
            "async (urls) => { const out = [];"
            " for (const u of urls) { try { await import(u); out.push('ok'); }"
            " catch (e) { out.push(String(e && e.stack || e)); } }"
            " return [out, customElements.get('bseries-camera-card') !== undefined]; }",
            None,
            arg=loaded,
        )
        raise AssertionError(
            f"the card did not load: {detail} {await browser.console()} {loaded} {imported}"
        ) from None
    browser.page = DASHBOARD_PATH


@pytest.fixture
async def card(
    browser: Browser, stack: Stack, api: HassApi, entities: Entities, artifacts: Path
) -> AsyncIterator[Browser]:
    """The browser on the dashboard with the card (the page of the previous test, if it was)."""
    if browser.page != DASHBOARD_PATH:
        await save_dashboard(api, entities)
        await open_dashboard(browser, stack, artifacts)
    yield browser
    errors = await browser.console()
    assert not [line for line in errors if "bseries" in line], errors


async def snapshot(api: HassApi, camera: str) -> bytes:
    """A still of the camera through Home Assistant."""
    status, _, body = await api.get_bytes(f"/api/camera_proxy/{camera}")
    assert status == 200
    return body


async def test_card_in_the_picker_with_its_editor(card: Browser, entities: Entities) -> None:
    """Registered by the integration: listed in window.customCards, an editor for the entity."""
    cards = await card.value("() => window.customCards.map((card) => card.type)", None)
    assert CARD in cards
    editor = await card.value("(el) => el.constructor.getConfigElement().localName", CARD)
    assert editor == f"{CARD}-editor"
    stub = await card.value("(el) => el.constructor.getStubConfig(el.hass)", CARD)
    assert stub == {"type": f"custom:{CARD}", "entity": entities.camera}


async def test_live_picture_and_texts(card: Browser) -> None:
    """HA's own camera stream element shows frames; the texts come from the translations."""
    width = await card.wait_for(
        "(el) => { const s = el.shadowRoot.querySelector('ha-camera-stream');"
        " const img = s && s.shadowRoot && s.shadowRoot.querySelector('img');"
        " return img && img.complete ? img.naturalWidth : 0; }",
        within=30,
    )
    assert width == 640
    listen = await card.value(
        "(el) => el.shadowRoot.querySelector('button.listen').textContent.trim()"
    )
    assert listen == "Listen"


async def test_pad_moves_the_view_also_flipped(
    card: Browser, api: HassApi, entities: Entities
) -> None:
    """Press and hold moves the picture's way, release stops; flipped, "up" stays up."""
    await card("click", selector=f"{CARD} button[data-direction=center]")
    await asyncio.sleep(1.0)
    before = await snapshot(api, entities.camera)
    await card("hold", selector=f"{CARD} button[data-direction=left]", ms=300)
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
    await card("key", selector=f"{CARD} .picture", key="ArrowUp", ms=300)
    await asyncio.sleep(0.5)
    _, dy = view_shift(before, await snapshot(api, entities.camera))
    assert dy < -5, dy
    await api.call_service("switch", "turn_off", {"entity_id": flip})
    await card("click", selector=f"{CARD} button[data-direction=center]")


async def _index_served_without_the_card(api: HassApi, stack: Stack) -> float:
    """Seconds between the first page the frontend serves and the first that loads the card."""
    first: float | None = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and stack.hass.running:
        try:
            async with api.session.get(
                f"{api.url}/{DASHBOARD}/0", timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                page = await resp.text() if resp.status == 200 else ""
        except aiohttp.ClientError, TimeoutError:
            page = ""
        if page:
            now = time.monotonic()
            first = now if first is None else first
            if CARD_MODULE in page:
                return now - first
        await asyncio.sleep(0.05)
    raise AssertionError("the frontend never named the card's module")


async def test_presets_by_name_survive_a_restart(
    card: Browser, api: HassApi, entities: Entities, stack: Stack
) -> None:
    """Saved in the card under a name, recalled by name, still there after HA restarts."""
    await card("fill", selector=f"{CARD} .save input", text="Porch")
    await card("click", selector=f"{CARD} button.save-here")
    await card.wait_for(
        "(el) => [...el.shadowRoot.querySelectorAll('.preset .go')]"
        ".some((b) => b.textContent.trim() === 'Porch')"
    )
    await card("click", selector=f"{CARD} button[data-direction=center]")
    await card("click", selector=f"{CARD} .preset .go")
    select = (await api.entity_ids(DOMAIN))[f"{CAMERA_ID}_ptz_preset"]
    await api.wait_for_state(select, "Porch", within=10)
    stack.hass.stop()
    stack.hass.start()
    without = await _index_served_without_the_card(api, stack)
    report_figure(
        f"restart: the frontend's page was served {without:.1f} s before it named the card's"
        " module (Home Assistant serves its frontend before it sets up custom integrations)"
    )
    await api.wait_for_http(onboarded=True, alive=lambda: stack.hass.running)
    await api.wait_until_running()
    await api.wait_for_state(entities.connectivity, "on", within=60)
    state = await api.get_state(select)
    assert state is not None
    assert state["state"] == "Porch"
    assert state["attributes"]["options"] == ["Porch"]
    # The page stayed open through the restart: the frontend reconnected, the card read the
    # camera again and offers the preset, its controls on.
    await card.wait_for(
        "(el) => el.shadowRoot.querySelector('button.listen') !== null"
        " && !el.shadowRoot.querySelector('button.listen').disabled"
        " && [...el.shadowRoot.querySelectorAll('.preset .go')]"
        ".some((b) => b.textContent.trim() === 'Porch')",
        within=60,
    )


async def test_listen_plays_the_tone(card: Browser, sim_client: SimulatorClient) -> None:
    """Listen subscribes and plays packets; the scheduling delay stays under half a second."""
    sent = (await sim_client.status())["audio_packets_sent"]
    await card("click", selector=f"{CARD} button.listen")
    await card.wait_for("(el) => el._listener && el._listener.played > 50", within=20)
    latency = await card.value("(el) => el._listener.lastLatency")
    skipped = await card.value("(el) => el._listener.skipped")
    assert (await sim_client.status())["audio_packets_sent"] > sent
    assert latency < 0.5
    report_figure(
        f"card listen: playback scheduled {latency * 1000:.0f} ms ahead, {skipped} skipped"
    )
    await card("click", selector=f"{CARD} button.listen")


async def test_talk_with_the_fake_microphone_reaches_the_speaker(
    card: Browser, sim_client: SimulatorClient
) -> None:
    """Push-to-talk with Chromium's fake microphone: talk packets reach the simulator."""
    before = (await sim_client.status())["talk_packets_received"]
    await card("hold", selector=f"{CARD} button.talk", ms=2500)
    await asyncio.sleep(2.0)
    received = (await sim_client.status())["talk_packets_received"] - before
    assert received > 20, received  # 2.5 s of speech; ~40 ms packets
    report_figure(f"card talk: {received} talk packets for a 2.5 s press")


async def test_record_shows_the_last_clip(card: Browser) -> None:
    """Record makes a clip through the record action; the card names it and can play it."""
    await card("click", selector=f"{CARD} button.record")
    clip = await card.wait_for(
        "(el) => { const c = el.shadowRoot.querySelector('.clip span');"
        " return c && c.textContent.trim(); }",
        within=40,
    )
    assert clip.endswith(".mp4")


async def test_ir_greys_the_picture(card: Browser, api: HassApi, entities: Entities) -> None:
    """IR on: the simulator's picture turns grey (its night mode), seen through the card's IR."""
    await card("click", selector=f"{CARD} button.ir")
    await card.wait_for(
        "(el) => el.shadowRoot.querySelector('button.ir').getAttribute('aria-pressed') === 'true'"
    )
    await asyncio.sleep(1.0)
    from io import BytesIO

    from PIL import Image, ImageStat

    with Image.open(BytesIO(await snapshot(api, entities.camera))) as image:
        saturation = ImageStat.Stat(image.convert("HSV").getchannel("S")).mean[0]
    assert saturation < 8, saturation
    await card("click", selector=f"{CARD} button.ir")


async def test_screenshots_in_both_themes_at_two_widths(card: Browser, artifacts: Path) -> None:
    """The card at a phone and a desktop width, light and dark, for people to look at."""
    for width, height in ((390, 844), (1280, 900)):
        for dark in (False, True):
            await card("view", width=width, height=height, dark=dark)
            await asyncio.sleep(1.0)
            path = artifacts / f"card-{width}-{'dark' if dark else 'light'}.png"
            await card("screenshot", path=str(path), selector=CARD)
            assert path.stat().st_size > 10_000


async def test_another_integrations_camera_gets_a_message(card: Browser, api: HassApi) -> None:
    """A camera entity that is not this integration's: the card says so instead of failing."""
    text = await card.value(
        "async (el, arg) => { const c = document.createElement(el.localName);"
        " c.setConfig({type: 'custom:' + el.localName, entity: arg}); c.hass = el.hass;"
        " document.body.appendChild(c); await new Promise((r) => setTimeout(r, 1500));"
        " const t = c.shadowRoot.querySelector('.message').textContent.trim(); c.remove(); return t; }",
        CARD,
        arg="camera.not_a_bseries_camera",
    )
    assert "is not a camera of the B-Series" in text


async def test_media_browser_live_audio_starts_within_3_s(
    card: Browser, api: HassApi, stack: Stack
) -> None:
    """The media browser's "Live audio" (MP3 for media players) starts playing in Chromium quickly."""
    (entry,) = await api.config_entries(DOMAIN)
    resolved = await api.ws_command(
        "media_source/resolve_media",
        media_content_id=f"media-source://{DOMAIN}/{entry['entry_id']}/live_audio",
    )
    seconds = await card.value(
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


async def test_websocket_drop_reconnects_states_and_listen(
    card: Browser, api: HassApi, entities: Entities
) -> None:
    """The page's WebSocket closes under it while Listen plays: the frontend reconnects, the card
    gets states on the new connection and Listen goes on playing over it without a press."""
    await card("click", selector=f"{CARD} button.listen")
    await card.wait_for("(el) => el._listener && el._listener.played > 25", within=20)
    await card.value(
        "(el) => { window.__e2eOldSocket = el.hass.connection.socket;"
        " el.hass.connection.socket.close(); return true; }"
    )
    await card.wait_for(
        "(el) => el.hass.connection.connected"
        " && el.hass.connection.socket !== window.__e2eOldSocket",
        within=30,
    )
    ir = (await api.entity_ids(DOMAIN))[f"{CAMERA_ID}_infrared"]
    await api.call_service("switch", "turn_on", {"entity_id": ir})
    try:
        # The frontend fetches every state again after the reconnect: wait for them.
        await card.wait_for(
            "(el) => { const b = el.shadowRoot.querySelector('button.ir');"
            " return b !== null && b.getAttribute('aria-pressed') === 'true'; }",
            within=30,
        )
    finally:
        await api.call_service("switch", "turn_off", {"entity_id": ir})
    played = await card.value("(el) => el._listener && el._listener.played")
    assert played, "Listen stopped with the drop"
    await card.wait_for(f"(el) => el._listener && el._listener.played > {played + 25}", within=20)
    await card("click", selector=f"{CARD} button.listen")
    await card.wait_for(
        "(el) => { const b = el.shadowRoot.querySelector('button.ir');"
        " return el._listener === null && b !== null"
        " && b.getAttribute('aria-pressed') === 'false'; }"
    )


async def test_offline_camera_shows_why_and_turns_the_controls_off(
    card: Browser, api: HassApi, entities: Entities, stack: Stack
) -> None:
    """The camera dies: the card says so instead of a broken picture, every control is off."""
    stack.sim.kill()
    try:
        await api.wait_for_state(entities.camera, "unavailable", within=30)
        text = await card.wait_for(
            "(el) => { const m = el.shadowRoot.querySelector('.no-video');"
            " return m && m.textContent.trim(); }"
        )
        assert OFFLINE_TEXT in text, text
        assert await card.value("(el) => el.shadowRoot.querySelector('.pad') === null")
        controls = await card.value(
            "(el) => [...el.shadowRoot.querySelectorAll("
            "'.controls button, .save-here, .patrol button, .preset .go')]"
            ".map((b) => [b.className, b.disabled])"
        )
        assert {name for name, _ in controls} >= {"listen", "talk", "record", "ir", "save-here"}
        assert all(disabled for _, disabled in controls), controls
    finally:
        stack.sim.start()
    await api.wait_for_state(entities.connectivity, "on", within=60)
    await card.wait_for(
        "(el) => !el.shadowRoot.querySelector('button.record').disabled"
        " && el.shadowRoot.querySelector('.pad') !== null",
        within=60,
    )


async def test_card_opened_before_the_camera_is_set_up_comes_by_itself(
    browser: Browser, api: HassApi, entities: Entities, stack: Stack, artifacts: Path
) -> None:
    """A page that comes while the camera's entry is not set up (HA starting, the camera away)
    says why, and shows the camera once it is set up, without a reload."""
    (entry,) = await api.config_entries(DOMAIN)
    stack.sim.kill()
    try:
        await api.wait_for_state(entities.camera, "unavailable", within=30)
        await api.request("POST", f"/api/config/config_entries/entry/{entry['entry_id']}/reload")
        deadline = time.monotonic() + 60
        while (await api.config_entries(DOMAIN))[0]["state"] != "setup_retry":
            assert time.monotonic() < deadline, "the entry did not wait for its camera"
            await asyncio.sleep(0.5)
        browser.page = None
        await browser(
            "open", timeout=120, url=stack.hass.url, token=stack.token, path=DASHBOARD_PATH
        )
        message = await browser.wait_for(
            "(el) => { const m = el.shadowRoot && el.shadowRoot.querySelector('.message.error');"
            " return m && m.textContent.trim(); }",
            within=60,
        )
        assert await browser.value("(el) => el.shadowRoot.querySelector('.controls') === null")
    finally:
        stack.sim.start()
    await api.wait_for_state(entities.connectivity, "on", within=120)
    await browser("wait", selector=f"{CARD} .controls", wait_ms=60000, timeout=90)
    browser.page = DASHBOARD_PATH
    report_figure(f"card before the camera was set up said: {message!r}")


async def test_microphone_refused_is_told_in_the_card(
    browser: Browser, stack: Stack, api: HassApi, entities: Entities, artifacts: Path
) -> None:
    """A browser whose user blocked the microphone: Talk says so, nothing reaches the camera."""
    await save_dashboard(api, entities)
    await open_dashboard(browser, stack, artifacts, microphone="denied")
    browser.page = None  # not the shared page: the next test opens its own
    await browser("hold", selector=f"{CARD} button.talk", ms=500)
    notice = await browser.wait_for(
        "(el) => { const m = el.shadowRoot.querySelector('.message.notice');"
        " return m && m.textContent.trim(); }"
    )
    assert MIC_DENIED_TEXT in notice, notice
    assert await browser.value("(el) => el._talker === null")


async def test_first_load_has_the_card_at_once(
    browser: Browser, stack: Stack, api: HassApi, entities: Entities, artifacts: Path
) -> None:
    """A fresh browser (no cache) loads the dashboard: the card, never an error card first."""
    await save_dashboard(api, entities)
    defined: list[int] = []
    for attempt in range(int(os.environ.get("BSERIES_E2E_FIRST_LOADS", FIRST_LOADS))):
        await open_dashboard(browser, stack, artifacts)
        browser.page = None
        times = await browser.value(
            "() => ({errors: window.__e2eErrorCards, defined: window.__e2eCardDefined})", None
        )
        defined.append(times["defined"])
        assert times["errors"] == [], f"load {attempt + 1}: error cards at {times} ms"
    report_figure(f"card first loads: module defined {defined} ms after navigation")
