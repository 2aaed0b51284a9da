"""The development media folder's sample audio, made at start."""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING
import wave

import pytest

from devtools.media import DOORBELL, HELLO, ensure_sample_media

if TYPE_CHECKING:
    from pathlib import Path


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="scripts/setup installs ffmpeg")
def test_doorbell_is_made_once(tmp_path: Path) -> None:
    media = tmp_path / "media"
    names = ensure_sample_media(media)
    assert DOORBELL in names
    with wave.open(str(media / DOORBELL)) as sound:
        assert sound.getnchannels() == 1
        assert 0.8 < sound.getnframes() / sound.getframerate() < 1.2
    made = (media / DOORBELL).stat().st_mtime_ns
    assert ensure_sample_media(media) == names
    assert (media / DOORBELL).stat().st_mtime_ns == made  # kept, not made again
    assert (HELLO in names) == (shutil.which("espeak-ng") is not None)


def test_nothing_is_made_without_the_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    assert ensure_sample_media(tmp_path) == []


def test_a_failing_tool_is_no_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: str(tmp_path / "missing-tool"))
    assert ensure_sample_media(tmp_path) == []
