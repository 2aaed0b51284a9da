"""The on-demand stream shape on its own: a kind whose source is a tiny ticking generator.

The kinds of the integration (video, audio) are tested against the simulator in their own
modules; here a kind of the shape as an encoder would be built (a source that is not a camera,
that fails to start, or ends by itself) proves the lifecycle without any camera.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, ClassVar, override

import pytest

from custom_components.bseries_ipcam.errors import FeedUnavailableError
from custom_components.bseries_ipcam.media.on_demand import OnDemandStream

if TYPE_CHECKING:
    from collections.abc import Callable


class Ticker:
    """A source that emits a counter every 10 ms while started; it can refuse or die."""

    def __init__(self) -> None:
        self.refuse: Exception | None = None
        self.starts = 0
        self.stops = 0
        self.running = False
        self._task: asyncio.Task[None] | None = None
        self.on_tick: Callable[[int], None] | None = None
        self.on_end: Callable[[Exception | None], None] | None = None

    async def start(self) -> None:
        await asyncio.sleep(0)
        if self.refuse is not None:
            raise self.refuse
        self.starts += 1
        self.running = True
        self._task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        count = 0
        while True:
            await asyncio.sleep(0.01)
            count += 1
            if self.on_tick is not None:
                self.on_tick(count)

    async def stop(self) -> None:
        self.stops += 1
        self._halt()
        await asyncio.sleep(0.02)  # a stop takes a while: a user may come meanwhile

    def die(self, error: Exception) -> None:
        self._halt()
        if self.on_end is not None:
            self.on_end(error)

    def _halt(self) -> None:
        self.running = False
        if self._task is not None:
            self._task.cancel()


class RefusedError(Exception):
    """The ticker's refusal."""


class GoneError(RefusedError):
    """A refusal that means never."""


class TickStream(OnDemandStream[int, Ticker]):
    """A kind made the way the class docstring says."""

    label: ClassVar[str] = "ticker"
    start_errors: ClassVar[tuple[type[Exception], ...]] = (RefusedError,)

    @override
    def _subscribe(self, source: Ticker) -> list[Callable[[], None]]:
        source.on_tick = self._emit
        source.on_end = self._ended

        def unsubscribe() -> None:
            source.on_tick = source.on_end = None

        return [unsubscribe]

    @override
    async def _begin(self, source: Ticker) -> None:
        await source.start()

    @override
    async def _finish(self, source: Ticker) -> None:
        await source.stop()

    @override
    def _start_failed(self, source: Ticker, err: Exception) -> bool:
        if isinstance(err, GoneError):
            self._give_up(str(err))
            return True
        return super()._start_failed(source, err)


async def _until(condition: Callable[[], bool]) -> None:
    """Let the loop run until `condition()` holds (5 s at the most)."""
    deadline = asyncio.get_running_loop().time() + 5.0
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met within 5 s"
        await asyncio.sleep(0.005)


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


async def test_shared_by_users_and_stopped_after_the_idle_period(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=0.2, name="test")
    items: list[int | None] = []
    stream.add_sink(items.append)
    async with stream.hold() as held:
        assert held is stream
        async with stream.hold():
            await _until(lambda: len(items) >= 3)
            assert stream.users == 2
    assert stream.streaming  # warm for the idle period
    assert ticker.stops == 0
    await _until(lambda: not stream.streaming)
    assert (ticker.starts, ticker.stops) == (1, 1)
    await stream.close()
    assert items[-1] is None


async def test_brief_users_stop_it_soon_lasting_ones_keep_their_period(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=30.0, brief_idle_timeout=0.05)
    loop = asyncio.get_running_loop()
    # Brief only: it stops after the brief period.
    async with stream.hold(brief=True):
        await _until(lambda: stream.streaming)
    await _until(lambda: not stream.streaming)
    assert ticker.stops == 1
    # A lasting user's period is not shortened by a brief user after it.
    async with stream.hold():
        await _until(lambda: stream.streaming)
    async with stream.hold(brief=True):
        pass
    await asyncio.sleep(0.2)
    assert stream.streaming
    assert stream._linger_until - loop.time() > 25
    await stream.close()
    assert not stream.streaming


async def test_subscribe_holds_until_its_one_remover(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=0.05)
    items: list[int | None] = []
    unsubscribe = stream.subscribe(items.append)
    await _until(lambda: len(items) >= 2)
    unsubscribe()
    unsubscribe()  # a second call changes nothing
    assert stream.users == 0
    await _until(lambda: not stream.streaming)
    count = len(items)
    await asyncio.sleep(0.05)
    assert len(items) == count
    await stream.close()


async def test_a_user_during_the_stop_starts_it_again(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=0.0)
    stream.acquire()
    await _until(lambda: stream.streaming)
    stream.release()
    await _until(lambda: ticker.stops == 1)
    # The stop task may still run (it holds the lock): a new user must not be forgotten.
    stream.acquire()
    await _until(lambda: stream.streaming and ticker.starts == 2)
    stream.release()
    await stream.close()


async def test_ended_by_itself_starts_again_while_users_remain(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=0.05)
    async with stream.hold():
        await _until(lambda: stream.streaming)
        ticker.die(RefusedError("process exited"))
        assert not stream.streaming
        await _until(lambda: stream.streaming and ticker.starts == 2)
    await _until(lambda: not stream.streaming)
    # Ended with nobody holding it: it stays stopped.
    async with stream.hold():
        await _until(lambda: stream.streaming)
    ticker.die(RefusedError("process exited"))
    await asyncio.sleep(0.05)
    assert not stream.streaming
    assert ticker.starts == 3
    await stream.close()


async def test_failed_starts_are_faults_retried_with_backoff(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=0.05, restart_delays=(0.02, 0.05))
    changes: list[Exception | None] = []
    stream.add_listener(lambda: changes.append(stream.fault))
    ticker.refuse = RefusedError("busy")
    async with stream.hold():
        await _until(lambda: stream._backing_off)
        assert isinstance(stream.fault, RefusedError)
        ticker.refuse = None
        await _until(lambda: stream.streaming)
    assert isinstance(changes[0], RefusedError)
    await stream.close()


async def test_a_source_that_says_never_makes_it_unavailable(ticker: Ticker) -> None:
    stream = TickStream(lambda: ticker, idle_timeout=0.05, name="test")
    items: list[int | None] = []
    stream.add_sink(items.append)
    ticker.refuse = GoneError("no such thing")
    stream.acquire()
    await _until(lambda: stream.unavailable_reason is not None)
    stream.release()
    assert items == [None]
    with pytest.raises(FeedUnavailableError, match="no ticker from the test: no such thing"):
        stream.acquire()
    await stream.close()


async def test_waits_for_a_source_and_refuses_users_once_closed() -> None:
    current: list[Ticker | None] = [None]
    stream = TickStream(lambda: current[0], idle_timeout=0.05, restart_delays=(0.01, 0.02))
    stream.acquire()
    await asyncio.sleep(0.05)
    assert not stream.streaming
    current[0] = Ticker()
    await _until(lambda: stream.streaming)
    stream.release()
    await stream.close()
    assert not stream.streaming
    with pytest.raises(FeedUnavailableError, match="closed"):
        stream.acquire()
    with contextlib.suppress(FeedUnavailableError):
        stream.subscribe(lambda item: None)
    assert stream.users == 0


class CrashingStream(TickStream):
    """A kind whose runs may crash, as an encoder's process may."""

    backoff_after_end: ClassVar[bool] = True


async def test_a_kind_may_wait_the_backoff_after_a_crash(ticker: Ticker) -> None:
    stream = CrashingStream(lambda: ticker, idle_timeout=0.05, restart_delays=(0.1, 0.4))
    loop = asyncio.get_running_loop()
    async with stream.hold():
        await _until(lambda: stream.streaming)
        crashes: list[float] = []
        for _ in range(3):
            crashes.append(loop.time())
            ticker.die(RefusedError("exited with 1"))
            await _until(lambda: stream.streaming)
            crashes[-1] = loop.time() - crashes[-1]
        # 0.1, 0.2, 0.4 s: the delays grow while it keeps crashing.
        assert crashes[0] >= 0.1
        assert crashes[2] >= 0.4
        assert stream._backoff.delay == 0.4
        # A run that lasted longer than the longest delay was no crash loop: from the start again.
        stream._started_at -= 1.0
        ticker.die(RefusedError("exited with 1"))
        assert stream._backoff.delay == 0.2
        await _until(lambda: stream.streaming)
    await stream.close()
