"""Callback registries: who wants to hear about something, and telling them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    import logging


class Listeners[**P]:
    """Callbacks that are all called with the same arguments; `add` returns their remover.

    With a logger, a callback that raises is logged and the others still run, so that one broken
    listener cannot break the session that notifies it.
    """

    __slots__ = ("_callbacks", "_logger")

    def __init__(self, logger: logging.Logger | None = None) -> None:
        """Start empty."""
        # A tuple, replaced on every change: a call (once per video frame) iterates it without
        # copying, and a callback that adds or removes one does not disturb the iteration.
        self._callbacks: tuple[Callable[P, None], ...] = ()
        self._logger = logger

    def add(self, callback: Callable[P, None]) -> Callable[[], None]:
        """Register `callback`; the returned function removes it (and may be called twice)."""
        self._callbacks = (*self._callbacks, callback)

        def remove() -> None:
            callbacks = list(self._callbacks)
            if callback in callbacks:
                callbacks.remove(callback)
                self._callbacks = tuple(callbacks)

        return remove

    def __bool__(self) -> bool:
        """Whether anyone listens."""
        return bool(self._callbacks)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Call every callback registered now."""
        if self._logger is None:
            for callback in self._callbacks:
                callback(*args, **kwargs)
            return
        for callback in self._callbacks:
            try:
                callback(*args, **kwargs)
            except Exception:
                self._logger.exception("Error in a listener")
