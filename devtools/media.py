"""Sample audio in the development media folder, made at start (no binaries in the repository).

`doorbell.wav` (the README's talk example) is a two-tone chime made by ffmpeg; `hello.wav` is
speech made by espeak-ng when it is installed (Debian: `apt-get install espeak-ng`). Both play
through the camera with `bseries_ipcam.talk` or the speaker entity
(`media-source://media_source/local/doorbell.wav`).
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pathlib import Path

DOORBELL: Final = "doorbell.wav"
HELLO: Final = "hello.wav"
HELLO_TEXT: Final = "Hello. This is Home Assistant, speaking through the camera."
TIMEOUT: Final = 30.0
CHIME: Final = (
    "[0][1]concat=n=2:v=0:a=1,afade=t=out:st=0.75:d=0.2,volume=0.5"  # ding (G5), dong (E5)
)


def _run(args: list[str]) -> bool:
    try:
        subprocess.run(args, check=True, capture_output=True, timeout=TIMEOUT)  # noqa: S603
    except OSError, subprocess.SubprocessError:
        return False
    return True


def ensure_sample_media(media_dir: Path) -> list[str]:
    """Write the samples that are missing; the names of those now in `media_dir`."""
    media_dir.mkdir(parents=True, exist_ok=True)
    present: list[str] = []
    doorbell = media_dir / DOORBELL
    ffmpeg = shutil.which("ffmpeg")
    if not doorbell.exists() and ffmpeg is not None:
        _run(
            [
                ffmpeg,
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=784:duration=0.35",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=659:duration=0.6",
                "-filter_complex",
                CHIME,
                "-ar",
                "16000",
                "-ac",
                "1",
                str(doorbell),
            ]
        )
    hello = media_dir / HELLO
    espeak = shutil.which("espeak-ng")
    if not hello.exists() and espeak is not None:
        _run([espeak, "-w", str(hello), HELLO_TEXT])
    present.extend(name for name in (DOORBELL, HELLO) if (media_dir / name).exists())
    return present
