"""The speaker's beep finder, and the audio markers and talk arrival times a benchmark reads."""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING

import aiohttp

from bseries_sim.frames import ToneSource
from bseries_sim.recording import TalkArrival
from bseries_sim.speaker import MIN_LOUD, arrival_of, beep_onsets, talk_report
from custom_components.bseries_ipcam.protocol.adpcm import AdpcmDecoder, AdpcmEncoder
from custom_components.bseries_ipcam.protocol.messages import (
    AudioData,
    AudioStartReq,
    AudioStartResp,
    TalkData,
    TalkStartReq,
    TalkStartResp,
)

from .conftest import RawClient, login, open_av

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from bseries_sim import CameraSimulator


def beeps(starts: list[int], length: int, total: int, amplitude: int = 8000) -> list[int]:
    """Silence with 400 Hz beeps of `length` samples at `starts` (8 kHz)."""
    samples = [0] * total
    for start in starts:
        for n in range(length):
            samples[start + n] = round(amplitude * math.sin(2 * math.pi * 400 * n / 8000 + 0.3))
    return samples


def test_beep_onsets_finds_each_start() -> None:
    samples = beeps([400, 4400, 8400], 160, 12000)
    assert beep_onsets(samples) == [400, 4400, 8400]


def test_beep_onsets_ignores_zero_crossings_quiet_and_a_beep_under_way() -> None:
    # A beep at the very start is already under way: no onset. Its zero crossings are no onsets.
    samples = beeps([0, 2000], 400, 3000)
    assert beep_onsets(samples) == [2000]
    # A beep closer than `quiet` samples after the previous one is the same beep.
    assert beep_onsets(beeps([500, 700], 100, 1500)) == [500]
    assert beep_onsets(beeps([500, 700], 100, 1500), quiet=50) == [500, 700]
    # Hiss below the floor, or nothing at all, holds no beeps.
    assert beep_onsets([MIN_LOUD - 1, -(MIN_LOUD - 1)] * 500) == []
    assert beep_onsets([]) == []


def test_beep_onsets_quiet_is_relative_to_the_loudest() -> None:
    # A faint beep and a loud one: loud is a quarter of the loudest unless given.
    samples = beeps([400], 160, 2000, amplitude=1500) + beeps([400], 160, 2000, amplitude=12000)
    assert beep_onsets(samples) == [2400]
    # Given: the faint one counts too, from its first sample that loud (the third).
    assert beep_onsets(samples, loud=1000) == [402, 2400]


def test_beep_onsets_survive_the_camera_codec() -> None:
    samples = beeps([1000, 5000], 160, 8000)
    encoder, decoder = AdpcmEncoder(), AdpcmDecoder()
    decoded: list[int] = []
    for start in range(0, len(samples), 320):
        decoded += decoder.decode(encoder.encode(samples[start : start + 320]))
    found = beep_onsets(decoded)
    assert len(found) == 2
    # The 4-bit codec's step size needs a few samples to grow: the onset comes up to 1 ms late.
    assert all(0 <= a - b <= 8 for a, b in zip(found, [1000, 5000], strict=True))


def test_arrival_of_a_sample() -> None:
    arrivals = [TalkArrival(0, 320, 10.0), TalkArrival(320, 320, 10.5), TalkArrival(640, 100, 11)]
    assert arrival_of(0, arrivals) == 10.0
    assert arrival_of(319, arrivals) == 10.0
    assert arrival_of(320, arrivals) == 10.5
    assert arrival_of(739, arrivals) == 11
    assert arrival_of(740, arrivals) is None
    assert arrival_of(-1, arrivals) is None
    assert arrival_of(0, []) is None


def test_talk_report_from_a_position() -> None:
    samples = beeps([400, 4400], 160, 6400)
    arrivals = [TalkArrival(start, 320, 100.0 + start / 8000) for start in range(0, 6400, 320)]
    report = talk_report(samples, arrivals)
    assert report == {
        "rate": 8000,
        "samples": 6400,
        "onsets": [[400, 100.04], [4400, 100.52]],
    }
    assert talk_report(samples, arrivals, since=1000)["onsets"] == [[4400, 100.52]]


async def test_talk_arrivals_are_recorded(sim: CameraSimulator, clients: list[RawClient]) -> None:
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(TalkStartReq(1))
    response = await client.read_type(TalkStartResp)
    av = await open_av(sim, response.connection_id or 0)
    clients.append(av)
    await sim.wait_for(lambda: sim.sessions[0].av_connected)
    encoder = AdpcmEncoder()
    tone = ToneSource(400.0, 6000)
    before = time.time()
    for serial in range(3):
        await av.send(TalkData(serial=serial, data=encoder.encode(tone.pcm(serial))))
    await sim.wait_for(lambda: sim.stats.talk_packets_received == 3)
    arrivals = sim.talk_arrivals
    assert [(a.first_sample, a.samples) for a in arrivals] == [(0, 320), (320, 320), (640, 320)]
    assert all(before <= a.arrived_at <= time.time() for a in arrivals)
    assert arrivals == sorted(arrivals, key=lambda a: a.arrived_at)


async def test_audio_marker_is_silence_and_recorded(
    make_sim: Callable[..., Awaitable[CameraSimulator]], clients: list[RawClient]
) -> None:
    sim = await make_sim(control_endpoints=True)
    client, _, _ = await login(sim)
    clients.append(client)
    await client.send(AudioStartReq(1))
    response = await client.read_type(AudioStartResp)
    av = await open_av(sim, response.connection_id or 0)
    clients.append(av)
    decoder = AdpcmDecoder()
    packets = [await av.read_type(AudioData) for _ in range(3)]
    assert sim.run_command("mark") == "the next audio packet is a marker (silence)"
    for packet in packets:
        decoder.decode(packet.data)
    loudness: dict[int, float] = {}
    while len(loudness) < 6:
        packet = await av.read_type(AudioData)
        samples = decoder.decode(packet.data)
        loudness[packet.timestamp] = math.sqrt(sum(s * s for s in samples) / len(samples))
    events = {event.timestamp: event for event in sim.audio_events}
    marked = [timestamp for timestamp in loudness if events[timestamp].marked]
    assert len(marked) == 1
    tone = sorted(v for t, v in loudness.items() if t not in marked)
    assert loudness[marked[0]] < tone[0] / 10
    assert all(abs(e.sent_at - time.time()) < 5 for e in events.values())
    assert [e.serial for e in sim.audio_events] == list(
        range(packets[0].serial, packets[0].serial + len(sim.audio_events))
    )
    # The same records over HTTP, for a simulator in a process of its own.
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{sim.url}/sim/audio") as resp:
            sent = json.loads(await resp.text())["packets"]
        assert [p[3] for p in sent].count(True) == 1
        assert sent[0][:2] == [packets[0].timestamp, packets[0].serial]
        async with http.get(
            f"{sim.url}/sim/audio", params={"since": str(time.time() + 60)}
        ) as resp:
            assert json.loads(await resp.text()) == {"packets": []}
        async with http.get(f"{sim.url}/sim/talk") as resp:
            assert json.loads(await resp.text()) == {"rate": 8000, "samples": 0, "onsets": []}
        async with http.get(f"{sim.url}/sim/talk", params={"since": "x"}) as resp:
            assert resp.status == 400
