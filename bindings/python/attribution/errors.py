"""Exceptions raised by the attribution binding; each carries the engine's status and message."""

from __future__ import annotations

from typing import Dict, Optional, Type

# Status codes of attribution.h (ATTR_*).
OK = 0
ERROR = -1
INVALID_ARGUMENT = -2
INVALID_HANDLE = -3
INVALID_CONFIG = -4
REJECTED = -5
BUFFER_TOO_SMALL = -6
NOT_FOUND = -7
BACKPRESSURE = -8
BUSY = -9
TIMEOUT = -10
UNSUPPORTED = -11
IN_USE = -12


class AttributionError(Exception):
    """Base class: `status` is the ATTR_* code, `message` the engine's explanation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class EngineError(AttributionError):
    """An unexpected internal error of the engine (ATTR_ERROR)."""


class InvalidArgument(AttributionError, ValueError):
    """An argument was refused (ATTR_INVALID_ARGUMENT)."""


class InvalidHandle(AttributionError):
    """The engine is closed or the handle is not an engine (ATTR_INVALID_HANDLE)."""


class InvalidConfig(AttributionError, ValueError):
    """The configuration was refused (ATTR_INVALID_CONFIG)."""


class RejectedRecord(AttributionError, ValueError):
    """The record was rejected by the decoder or the event-time guard (ATTR_REJECTED); `reason` is its snake_case name."""

    def __init__(self, status: int, message: str, reason: Optional[str] = None) -> None:
        super().__init__(status, message)
        self.reason = reason


class BufferTooSmall(AttributionError):
    """A result did not fit the buffer (ATTR_BUFFER_TOO_SMALL); the binding grows its buffers itself."""


class NotFound(AttributionError, LookupError):
    """A query found nothing (ATTR_NOT_FOUND)."""


class Backpressure(AttributionError):
    """The output queue is full (ATTR_BACKPRESSURE); the binding polls and retries itself."""


class Busy(AttributionError):
    """Another thread is submitting to a single-producer engine (ATTR_BUSY)."""


class Timeout(AttributionError, TimeoutError):
    """The shards did not finish in time (ATTR_TIMEOUT)."""


class Unsupported(AttributionError, NotImplementedError):
    """Not available for this engine, e.g. snapshots without a state_dir (ATTR_UNSUPPORTED)."""


class StateDirectoryInUse(AttributionError):
    """The state_dir is locked by another open engine; the message names the holder (ATTR_IN_USE)."""


_BY_STATUS: Dict[int, Type[AttributionError]] = {
    ERROR: EngineError,
    INVALID_ARGUMENT: InvalidArgument,
    INVALID_HANDLE: InvalidHandle,
    INVALID_CONFIG: InvalidConfig,
    REJECTED: RejectedRecord,
    BUFFER_TOO_SMALL: BufferTooSmall,
    NOT_FOUND: NotFound,
    BACKPRESSURE: Backpressure,
    BUSY: Busy,
    TIMEOUT: Timeout,
    UNSUPPORTED: Unsupported,
    IN_USE: StateDirectoryInUse,
}


def error_for(status: int, message: str) -> AttributionError:
    """The exception for a negative status."""
    return _BY_STATUS.get(status, AttributionError)(status, message)
