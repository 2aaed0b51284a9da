"""The one shape of every stream that starts on its first user, is shared, and stops when idle.

The video feed, the audio feed and the encoders built on them are kinds of `OnDemandStream`; the
lifecycle lives here once, and each kind says only how it starts and stops on its source (the
camera, or other streams it feeds on) and what it hands to its sinks. Like the protocol package,
this uses nothing of Home Assistant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import TYPE_CHECKING, ClassVar, Final, Self, override

from ..backoff import Backoff
from ..errors import FeedUnavailableError
from ..protocol import BSeriesError, CameraClient
from ..protocol.listeners import Listeners

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

_LOGGER = logging.getLogger(__name__)

RESTART_MIN_DELAY: Final = 1.0
RESTART_MAX_DELAY: Final = 10.0


class OnDemandStream[ItemT, SourceT]:
    """A stream started by its first user, shared by all, stopped after an idle period.

    Demand: `acquire`/`release` (or `async with hold()`) count users. A *brief* user (a still, a
    probe: one item, then gone) lets the stream stop `brief_idle_timeout` after it; a lasting user
    (a live viewer, a recording, the pre-roll, the restream, an encoder) keeps it `idle_timeout`
    after it leaves. `subscribe(sink)` is acquire + sink in one, with one remover: what a WebSocket
    subscription's unsubscribe callback needs.

    Lifecycle: starting and stopping run under one lock; a start that fails is retried with a
    backoff while users remain (`start_errors` are the failures it expects; `_start_failed` may
    give up for good, setting `unavailable_reason`); when the stream ends by itself (the camera's
    AV connection closed, a process exited: the kind calls `_ended`) it starts again while users
    remain. `fault` says why the stream cannot be had now (listeners hear when it changes, not at
    the on-demand starts and stops); items go to sinks as they come, and None at close.

    A new kind subclasses this with its item and source types and implements:

    - `_subscribe(source)`: register its callbacks on the source (which call `_emit(item)` and,
      when the source ends, `_ended(error)`); returns their removers;
    - `async _begin(source)`: start on the source (raising one of `start_errors` if it cannot);
    - `async _finish(source)`: stop on it;

    and may override `_started`, `_detached`, `_start_failed`, `_closed_now`. The source comes
    from `get_source` (None while there is none: the camera is offline), so a new session is
    picked up by itself. A stream of the camera's AV connection subclasses `CameraStream` instead
    (two lines: `camera_calls` and `_listen`). A stream fed by other streams (an encoder fed by
    the video and audio feeds) takes them as its source: `_begin` acquires them (or
    `subscribe`s to them) and starts its process, `_finish` stops it and releases them, and the
    process's exit calls `_ended(error)`, so it starts again while readers remain (set
    `backoff_after_end` so that it waits the backoff first); add the process's failures to
    `start_errors`.
    """

    #: What the stream is called in messages ("feed", "audio feed", "H.264 encoder").
    label: ClassVar[str] = "stream"
    #: What a failed start may raise; anything else is a bug and propagates.
    start_errors: ClassVar[tuple[type[Exception], ...]] = (BSeriesError,)
    #: Whether a run that ends by itself with an error waits the backoff before the next start
    #: (a process that crashes at once is not restarted in a loop). The camera's streams start
    #: again at once: their AV connection was dropped, the camera is fine.
    backoff_after_end: ClassVar[bool] = False

    def __init__(
        self,
        get_source: Callable[[], SourceT | None],
        *,
        idle_timeout: float,
        brief_idle_timeout: float | None = None,
        name: str = "camera",
        restart_delays: tuple[float, float] = (RESTART_MIN_DELAY, RESTART_MAX_DELAY),
    ) -> None:
        """`get_source` gives what the stream runs on now (None while there is nothing)."""
        self._get_source = get_source
        self.idle_timeout = idle_timeout
        self.brief_idle_timeout = idle_timeout if brief_idle_timeout is None else brief_idle_timeout
        self.name = name
        self._loop = asyncio.get_running_loop()
        self._users = 0
        self._lasting = 0
        # Loop time until which the last lasting user's idle period runs.
        self._linger_until = -math.inf
        self._source: SourceT | None = None
        self._unsubs: list[Callable[[], None]] = []
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._idle_handle: asyncio.TimerHandle | None = None
        self._backoff = Backoff(*restart_delays)
        self._backing_off = False
        self._attempting = False
        self._started_at = -math.inf
        self._closed = False
        self._fault: Exception | None = None
        self._unavailable: str | None = None
        self._listeners: Listeners[[]] = Listeners()
        self._sinks: Listeners[[ItemT | None]] = Listeners(_LOGGER)
        self.starts = 0

    # --- state ----------------------------------------------------------------------------------

    @property
    def streaming(self) -> bool:
        """Whether the stream runs now."""
        return self._source is not None

    @property
    def users(self) -> int:
        """Users holding the stream open now."""
        return self._users

    @property
    def fault(self) -> Exception | None:
        """Why the stream cannot be had now (the last start's failure); None when it can."""
        return self._fault

    @property
    def unavailable_reason(self) -> str | None:
        """Why the stream can never be had (the source said so once), or None."""
        return self._unavailable

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` whenever `fault` changes; returns a function that removes it.

        Not at on-demand starts and stops: those are no news to anybody.
        """
        return self._listeners.add(listener)

    def add_sink(self, sink: Callable[[ItemT | None], None]) -> Callable[[], None]:
        """Call `sink` with every item as it comes, and with None when the stream closes.

        For consumers that write items straight on: no task wakes up per consumer and item.
        """
        return self._sinks.add(sink)

    # --- demand ---------------------------------------------------------------------------------

    def acquire(self, *, brief: bool = False) -> None:
        """Hold the stream open; it starts if it is not running.

        `brief`: for one item (a still), so that the stream stops soon after.
        """
        if self._closed:
            raise FeedUnavailableError(f"the {self.name} {self.label} is closed")
        if self._unavailable is not None:
            raise FeedUnavailableError(f"no {self.label} from the {self.name}: {self._unavailable}")
        self._users += 1
        if not brief:
            self._lasting += 1
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        self._ensure_running()

    def release(self, *, brief: bool = False) -> None:
        """Let go; the stream stops after the idle period of its users once nobody holds it."""
        self._users -= 1
        now = self._loop.time()
        if not brief:
            self._lasting -= 1
            if self._lasting == 0:
                self._linger_until = now + self.idle_timeout
        if self._users == 0 and not self._closed:
            delay = max(self.brief_idle_timeout, self._linger_until - now)
            self._idle_handle = self._loop.call_later(delay, self._on_idle)

    @contextlib.asynccontextmanager
    async def hold(self, *, brief: bool = False) -> AsyncIterator[Self]:
        """`acquire` for the duration of a block."""
        self.acquire(brief=brief)
        try:
            yield self
        finally:
            self.release(brief=brief)

    def subscribe(self, sink: Callable[[ItemT | None], None]) -> Callable[[], None]:
        """Hold the stream and send its items to `sink` until the returned function is called."""
        self.acquire()
        remove = self.add_sink(sink)
        done = False

        def unsubscribe() -> None:
            nonlocal done
            if not done:
                done = True
                remove()
                self.release()

        return unsubscribe

    # --- for the kinds --------------------------------------------------------------------------

    def _subscribe(self, source: SourceT) -> list[Callable[[], None]]:
        """Register the kind's callbacks on `source`; returns their removers."""
        raise NotImplementedError

    async def _begin(self, source: SourceT) -> None:
        """Start on `source`; raise one of `start_errors` when it cannot."""
        raise NotImplementedError

    async def _finish(self, source: SourceT) -> None:
        """Stop on `source` (its `start_errors` are ignored: the source may be gone already)."""
        raise NotImplementedError

    def _started(self) -> None:
        """The stream has just started."""

    def _detached(self) -> None:
        """The stream has just stopped or ended; forget what belonged to that run."""

    def _start_failed(self, source: SourceT, err: Exception) -> bool:
        """A start failed with `err`; True to give up until a new source (default: retry)."""
        _LOGGER.debug("Could not start the %s of the %s: %s", self.label, self.name, err)
        self._set_fault(err)
        return False

    def _emit(self, item: ItemT) -> None:
        """Send an item to every sink."""
        self._sinks(item)

    def _ended(self, error: Exception | None) -> None:
        """The stream ended by itself (its source closed): start again while users remain."""
        self._detach()
        if error is not None:
            _LOGGER.debug("The %s of the %s ended: %s", self.label, self.name, error)
        if self._users > 0 and not self._closed:
            delay = 0.0
            if self.backoff_after_end and error is not None:
                if self._loop.time() - self._started_at > self._backoff.maximum:
                    self._backoff.reset()  # it ran a good while: not a crash loop
                delay = self._backoff.next()
            self._ensure_running(delay)

    def _give_up(self, reason: str) -> None:
        """The source said the stream can never be had: refuse users from now on."""
        self._unavailable = reason
        self._sinks(None)

    def _set_fault(self, fault: Exception | None) -> None:
        if fault is self._fault:
            return
        changed = (fault is None) != (self._fault is None) or type(fault) is not type(self._fault)
        self._fault = fault
        if changed:
            self._listeners()

    def _retry_now(self) -> None:
        """Start now instead of at the end of the backoff."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._backoff.reset()
        self._task = self._loop.create_task(self._start(), name=f"{self.name} {self.label} start")

    # --- running --------------------------------------------------------------------------------

    def _ensure_running(self, delay: float = 0.0) -> None:
        if self._source is None and (self._task is None or self._task.done()):
            self._task = self._loop.create_task(
                self._start(delay), name=f"{self.name} {self.label} start"
            )

    async def _start(self, delay: float = 0.0) -> None:
        while self._users > 0 and not self._closed and self._source is None:
            if delay:
                self._backing_off = True
                try:
                    await asyncio.sleep(delay)
                finally:
                    self._backing_off = False
            source = self._get_source()
            if source is not None:
                async with self._lock:
                    self._attempting = True
                    try:
                        await self._start_on(source)
                    except self.start_errors as err:
                        if self._start_failed(source, err):
                            return
                    else:
                        if not self.backoff_after_end:
                            self._backoff.reset()
                        return
                    finally:
                        self._attempting = False
            delay = self._backoff.next()

    async def _start_on(self, source: SourceT) -> None:
        unsubs = self._subscribe(source)
        try:
            await self._begin(source)
        except BaseException:
            for unsub in unsubs:
                unsub()
            raise
        self._source = source
        self._unsubs = unsubs
        self.starts += 1
        self._started_at = self._loop.time()
        self._started()
        _LOGGER.debug("The %s of the %s started", self.label, self.name)

    def _detach(self) -> None:
        for unsub in self._unsubs:
            unsub()
        self._unsubs = []
        self._source = None
        self._detached()

    def _on_idle(self) -> None:
        self._idle_handle = None
        if self._users == 0 and self._source is not None:
            self._task = self._loop.create_task(self._stop(), name=f"{self.name} {self.label} stop")

    async def _stop(self) -> None:
        async with self._lock:
            source = self._source
            self._detach()
            if source is not None:
                with contextlib.suppress(*self.start_errors):
                    await self._finish(source)
                _LOGGER.debug("The %s of the %s stopped", self.label, self.name)
        if self._users > 0 and not self._closed:
            # A user came while it stopped: the start it asked for waited for this task.
            self._task = None
            self._ensure_running()

    async def close(self) -> None:
        """Stop for good; sinks get None."""
        self._closed = True
        if self._idle_handle is not None:
            self._idle_handle.cancel()
            self._idle_handle = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stop()
        self._closed_now()
        self._sinks(None)

    def _closed_now(self) -> None:
        """The stream is closed: wake whoever waits on the kind's own terms."""


class CameraStream[ItemT](OnDemandStream[ItemT, CameraClient]):
    """A stream on the camera's AV connection (video, audio): it ends when that connection does.

    A kind names the client's start and stop of its stream in `camera_calls` and registers its
    packet callback in `_listen`.
    """

    #: The client's start and stop, e.g. `(CameraClient.start_video, CameraClient.stop_video)`.
    camera_calls: ClassVar[
        tuple[Callable[[CameraClient], Awaitable[None]], Callable[[CameraClient], Awaitable[None]]]
    ]

    def _listen(self, camera: CameraClient) -> Callable[[], None]:
        """Register the kind's packet callback on `camera`; returns its remover."""
        raise NotImplementedError

    @override
    def _subscribe(self, source: CameraClient) -> list[Callable[[], None]]:
        return [self._listen(source), source.add_av_close_listener(self._ended)]

    @override
    async def _begin(self, source: CameraClient) -> None:
        await self.camera_calls[0](source)

    @override
    async def _finish(self, source: CameraClient) -> None:
        await self.camera_calls[1](source)
