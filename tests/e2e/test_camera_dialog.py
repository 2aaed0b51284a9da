"""The camera's own dialog (more-info) in Chromium, with the "H.264 stream" option on.

Home Assistant's frontend plays the camera's HLS (H.264 + AAC from the integration's one encoder,
through HA's own `stream`) with sound: the video element decodes frames and sound. When ffmpeg
fails (Home Assistant's ffmpeg made to fail, see conftest.py), the dialog falls back to the
camera's MJPEG, and a repair issue and one log line say why, however often the encoder retries.
Screenshots of both go to the artifacts folder (BSERIES_E2E_ARTIFACTS, else a temporary folder).
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
import time
from typing import TYPE_CHECKING, Any, Final

import pytest

from .conftest import DOMAIN, diagnostics, report_figure, set_h264_stream

if TYPE_CHECKING:
    from devtools.hass_server import HassApi

    from .browser import Browser
    from .conftest import Entities, Stack

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.timeout(600),
    pytest.mark.usefixtures("module_log_mark"),
]

PAGE: Final = "/profile/general"  # any page of the frontend: the dialog opens over it
CAMERA_STREAM: Final = "ha-more-info-dialog ha-camera-stream"
HLS_PLAYER: Final = "ha-more-info-dialog ha-hls-player"
FAILURE_LINE: Final = "The H.264 stream of the"
# What the broken ffmpeg says (conftest.FFMPEG_WRAPPER): the reason the log and repair give.
FFMPEG_SAYS: Final = "this installation is broken"
# A small picture of the <img>'s current frame: two differ when frames keep coming.
PICTURE_SUM: Final = (
    "(el) => { const img = el.shadowRoot.querySelector('img');"
    " if (!img || !img.complete || img.naturalWidth === 0) return null;"
    " const c = document.createElement('canvas'); c.width = 64; c.height = 48;"
    " const g = c.getContext('2d'); g.drawImage(img, 0, 0, 64, 48);"
    " const d = g.getImageData(0, 0, 64, 48).data; let s = 0;"
    " for (let i = 0; i < d.length; i += 1) s = (s * 31 + d[i]) % 1000000007;"
    " return {width: img.naturalWidth, sum: s}; }"
)
# The dialog's video element: decoded frames and sound, once it plays.
PLAYING: Final = (
    "(el) => { const v = el.shadowRoot.querySelector('video');"
    " if (!v) return null; const q = v.getVideoPlaybackQuality();"
    " return q.totalVideoFrames > 30 && v.webkitAudioDecodedByteCount > 0 && !v.paused"
    " ? {frames: q.totalVideoFrames, dropped: q.droppedVideoFrames,"
    " audio: v.webkitAudioDecodedByteCount, video: v.webkitVideoDecodedByteCount,"
    " muted: v.muted, width: v.videoWidth, height: v.videoHeight, time: v.currentTime}"
    " : null; }"
)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    folder = os.environ.get("BSERIES_E2E_ARTIFACTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("dialog-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


async def open_dialog(browser: Browser, stack: Stack, camera: str) -> None:
    """A fresh browser context on a frontend page, then the camera's dialog over it."""
    browser.page = None
    await browser("open", timeout=120, url=stack.hass.url, token=stack.token, path=PAGE)
    await browser.wait_for(
        "(camera) => { const ha = document.querySelector('home-assistant');"
        " return Boolean(ha && ha.hass && ha.hass.states && ha.hass.states[camera]); }",
        within=60,
        selector=None,
        arg=camera,
    )
    await browser.value(
        "(entityId) => { document.querySelector('home-assistant').dispatchEvent("
        "new CustomEvent('hass-more-info', {detail: {entityId}, bubbles: true, composed: true}));"
        " return true; }",
        None,
        arg=camera,
    )
    await browser("wait", selector=CAMERA_STREAM, wait_ms=30000, timeout=60)


async def _h264_issues(api: HassApi) -> list[dict[str, Any]]:
    result = await api.ws_command("repairs/list_issues")
    return [
        issue
        for issue in result["issues"]
        if issue["domain"] == DOMAIN and issue["translation_key"] == "h264_stream_failed"
    ]


async def test_failing_ffmpeg_falls_back_to_mjpeg_and_says_why_once(
    browser: Browser,
    api: HassApi,
    entities: Entities,
    stack: Stack,
    artifacts: Path,
    *,
    module_log_mark: int,
) -> None:
    """ffmpeg fails at every start: the dialog shows MJPEG, one warning, a repair issue."""
    with stack.failing_ffmpeg():
        await set_h264_stream(api, entities, on=True)
        try:
            capabilities = await api.ws_command("camera/capabilities", entity_id=entities.camera)
            assert "hls" in capabilities["frontend_stream_types"]  # the dialog tries HLS first
            opened = time.monotonic()
            await open_dialog(browser, stack, entities.camera)
            first = await browser.wait_for(PICTURE_SUM, within=120, selector=CAMERA_STREAM)
            fell_back = time.monotonic() - opened
            assert first["width"] == 640
            await asyncio.sleep(1.0)
            later = await browser.value(PICTURE_SUM, CAMERA_STREAM)
            assert later is not None
            assert later["sum"] != first["sum"], "the MJPEG picture does not change"
            await browser("screenshot", path=str(artifacts / "dialog-mjpeg-fallback.png"))
            # The encoder retries with a growing delay while HA's stream waits for it.
            deadline = time.monotonic() + 60
            while (await diagnostics(api))["stream"]["encoder"]["restarts"] < 2:
                assert time.monotonic() < deadline, "the encoder did not retry"
                await asyncio.sleep(0.5)
            encoder = (await diagnostics(api))["stream"]["encoder"]
            (issue,) = await _h264_issues(api)
            assert FFMPEG_SAYS in issue["translation_placeholders"]["error"]
            lines = [
                line
                for line in stack.log_lines("WARNING", since=module_log_mark)
                if FAILURE_LINE in line
            ]
            assert len(lines) == 1, lines
            assert FFMPEG_SAYS in lines[0]
            report_figure(
                f"dialog with a failing ffmpeg: MJPEG shown {fell_back:.1f} s after opening;"
                f" {encoder['restarts']} encoder restarts, 1 warning, 1 repair issue"
            )
        finally:
            await set_h264_stream(api, entities, on=False)
    assert await _h264_issues(api) == []  # gone with the option


async def test_dialog_plays_hls_with_sound(
    browser: Browser, api: HassApi, entities: Entities, stack: Stack, artifacts: Path
) -> None:
    """A working ffmpeg: the dialog plays HLS (H.264 + AAC), decoding frames and sound."""
    await set_h264_stream(api, entities, on=True)
    try:
        opened = time.monotonic()
        await open_dialog(browser, stack, entities.camera)
        playing = await browser.wait_for(PLAYING, within=120, selector=HLS_PLAYER)
        took = time.monotonic() - opened
        assert not playing["muted"]
        assert (playing["width"], playing["height"]) == (640, 480)
        await browser("screenshot", path=str(artifacts / "dialog-hls.png"))
        encoder = (await diagnostics(api))["stream"]["encoder"]
        assert encoder["running"]
        assert encoder["audio"]
        report_figure(
            f"dialog HLS: playing with sound {took:.1f} s after opening ({playing['frames']}"
            f" frames, {playing['dropped']} dropped, {playing['audio']} bytes of sound decoded;"
            f" encoder {encoder['codec']})"
        )
    finally:
        await set_h264_stream(api, entities, on=False)
