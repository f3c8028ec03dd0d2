"""The Pythonic engine over libattribution's C ABI."""

from __future__ import annotations

import collections
import threading
import ctypes
import json
import os
import struct

from typing import Any, Callable, Deque, Dict, Iterable, Iterator, List, Mapping, NamedTuple, NoReturn, Optional, Union

from . import _native
from . import errors

Record = Union[Mapping[str, Any], str, bytes, bytearray, memoryview]
"""A record: a dict (serialised to JSON), JSON text, or bytes (JSON, or MessagePack with format="msgpack")."""

Attribution = Union[Dict[str, Any], bytes]
"""An attributed conversion: a dict, or MessagePack bytes for output_format="msgpack"."""

OUTCOMES = (
    "click_stored", "click_too_old", "click_expired_on_arrival", "attributed",
    "duplicate_conversion", "no_click", "click_after_conversion", "click_outside_window",
)



class BatchSummary(NamedTuple):
    """What a batch submit did: counts, and the first rejected record's index and reason (None when none)."""

    accepted: int
    rejected: int
    blank: int
    first_rejected: Optional[int]
    first_reject_reason: Optional[str]


def version() -> str:
    """The library version string."""
    return _native.lib.attr_version().decode()


def _raise(status: int) -> NoReturn:
    raise errors.error_for(status, _native.last_error())


def _encode(record: Record) -> bytes:
    """A record as UTF-8 JSON bytes (dicts are serialised; str/bytes are taken as JSON text)."""
    if isinstance(record, (bytes, bytearray, memoryview)):
        return bytes(record)
    if isinstance(record, str):
        return record.encode("utf-8")
    if isinstance(record, dict):
        return json.dumps(record, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    if isinstance(record, Mapping):  # json serialises dicts only
        return json.dumps(dict(record), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    raise TypeError(f"a record is a dict, str or bytes, not {type(record).__name__}")


class Engine:
    """An attribution engine running in this process.

    ``Engine(window_hours=24, shards=2)`` takes the configuration keys of attribution.h as keyword
    arguments (or a ``config`` dict). Use it as a context manager, or call :meth:`close`.

    Thread rules follow the C ABI: submit from one thread at a time (unless
    ``multi_producer=True``); poll, flush, counters and last_click from any thread.
    """

    def __init__(self, config: Optional[Mapping[str, Any]] = None, **options: Any) -> None:
        settings = dict(config or {})
        settings.update(options)
        self._msgpack = settings.get("output_format") == "msgpack"
        text = json.dumps(settings).encode("utf-8")
        handle = ctypes.c_void_p()
        status = _native.lib.attr_open(text, len(text), ctypes.byref(handle))
        if status != errors.OK:
            _raise(status)
        self._handle = handle
        self._closed = False
        self._pending: Deque[Attribution] = collections.deque()  # attributions polled while relieving back-pressure
        self._poll_lock = threading.Lock()
        self._buffer = ctypes.create_string_buffer(1 << 20)
        self._written = ctypes.c_size_t()
        self._needed = ctypes.c_size_t()

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Applies what was submitted and frees the engine. Unpolled attributions are discarded. Idempotent."""
        if self._closed:
            return
        self._closed = True
        status = _native.lib.attr_close(self._handle)
        if status != errors.OK:
            _raise(status)

    def __del__(self) -> None:
        # A forgotten engine still stops its shard threads and removes its temporary state.
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:  # noqa: BLE001 - never raise from a finalizer
                pass

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> bool:
        self.close()
        return False

    @property
    def closed(self) -> bool:
        """True after close()."""
        return self._closed

    # -- input -------------------------------------------------------------------------------

    def submit(self, record: Record, position: int = 0, format: str = "json") -> None:
        """Submits one record (dict, JSON str/bytes, or MessagePack bytes with format="msgpack").

        Raises RejectedRecord (with ``.reason``) when the decoder rejects it. When the output queue
        is full the binding polls into its own queue and retries, so callers never see back-pressure.
        """
        data = _encode(record) if format == "json" else bytes(record)  # type: ignore[arg-type]
        fmt = _native.FORMAT_JSON if format == "json" else _native.FORMAT_MSGPACK
        reason = ctypes.c_int()
        while True:
            status = _native.lib.attr_submit(self._handle, data, len(data), fmt, position, ctypes.byref(reason))
            if status == errors.BACKPRESSURE:
                self._drain_into_pending()
                continue
            if status == errors.OK:
                return
            if status == errors.REJECTED:
                raise errors.RejectedRecord(status, _native.last_error(), _native.reject_reason_name(reason.value))
            _raise(status)

    def submit_many(self, records: Iterable[Record], first_position: int = 0) -> BatchSummary:
        """Submits an iterable of records as one NDJSON batch; rejected ones are counted, not raised."""
        lines = [_encode(r) for r in records]
        for i, line in enumerate(lines):
            if b"\n" in line:
                raise errors.InvalidArgument(errors.INVALID_ARGUMENT, f"record {i} contains a raw line feed")
        return self.submit_ndjson(b"\n".join(lines), first_position)

    def submit_ndjson(self, data: Union[bytes, bytearray, memoryview], first_position: int = 0) -> BatchSummary:
        """Submits newline-delimited JSON bytes; returns a BatchSummary."""
        return self._batch(_native.lib.attr_submit_batch, bytes(data), first_position)

    def submit_msgpack_frames(self, frames: Union[bytes, bytearray, memoryview, Iterable[bytes]],
                              first_position: int = 0) -> BatchSummary:
        """Submits MessagePack records: an iterable of bytes (framed here) or pre-framed bytes."""
        if not isinstance(frames, (bytes, bytearray, memoryview)):
            frames = b"".join(struct.pack("<I", len(f)) + bytes(f) for f in frames)
        return self._batch(_native.lib.attr_submit_batch_msgpack, bytes(frames), first_position)

    def _batch(self, function: Callable[..., int], data: bytes, first_position: int) -> BatchSummary:
        totals = [0, 0, 0, -1, 0]
        view = memoryview(data)
        at, index = 0, 0
        while True:
            chunk = bytes(view[at:]) if at else data
            result = _native.BatchResult()
            status = function(self._handle, chunk, len(chunk), first_position + index, ctypes.byref(result))
            if status not in (errors.OK, errors.BACKPRESSURE):
                _raise(status)
            if result.rejected and totals[3] < 0:
                totals[3] = index + result.first_rejected
                totals[4] = result.first_reject_reason
            totals[0] += result.accepted
            totals[1] += result.rejected
            totals[2] += result.blank
            index += result.accepted + result.rejected + result.blank
            at += result.consumed
            if status == errors.OK:
                break
            self._drain_into_pending()
        reason = _native.reject_reason_name(totals[4]) if totals[3] >= 0 else None
        return BatchSummary(totals[0], totals[1], totals[2], totals[3] if totals[3] >= 0 else None, reason)

    # -- output ------------------------------------------------------------------------------

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until everything submitted is applied and its attributions can be polled."""
        ms = 0 if timeout is None else max(1, int(timeout * 1000))
        status = _native.lib.attr_flush(self._handle, ms)
        if status != errors.OK:
            _raise(status)

    def poll(self) -> List[Attribution]:
        """Attributions available now (dicts; bytes for output_format="msgpack"), without waiting."""
        out = list(self._pending)
        self._pending.clear()
        out.extend(self._poll_native())
        return out

    def attributions(self, flush: bool = True) -> Iterator[Attribution]:
        """Yields every attribution of what was submitted so far (flushes first unless flush=False)."""
        if flush:
            self.flush()
        while self._pending:
            yield self._pending.popleft()
        while True:
            batch = self._poll_native()
            if not batch:
                return
            yield from batch

    def _drain_into_pending(self) -> None:
        self._pending.extend(self._poll_native())

    def _poll_native(self) -> List[Attribution]:
        # The poll buffer and its two out-parameters are shared: a poller thread and a submitter relieving
        # back-pressure (_drain_into_pending) must not use them at the same time, or one reads the other's batch.
        with self._poll_lock:
            return self._poll_native_locked()

    def _poll_native_locked(self) -> List[Attribution]:
        records: List[Attribution] = []
        while True:
            status = _native.lib.attr_poll(self._handle, self._buffer, len(self._buffer),
                                           ctypes.byref(self._written), ctypes.byref(self._needed))
            if status == errors.BUFFER_TOO_SMALL:
                self._buffer = ctypes.create_string_buffer(max(self._needed.value, 2 * len(self._buffer)))
                continue
            if status != errors.OK:
                _raise(status)
            n = self._written.value
            if n == 0:
                return records
            data = ctypes.string_at(self._buffer, n)
            if self._msgpack:
                at = 0
                while at < n:
                    (size,) = struct.unpack_from("<I", data, at)
                    records.append(data[at + 4:at + 4 + size])
                    at += 4 + size
            else:
                records.extend(json.loads(line) for line in data.splitlines())
            if self._needed.value == 0:
                return records

    # -- queries -----------------------------------------------------------------------------

    def last_click(self, user: Union[str, bytes], campaign: Union[str, bytes]) -> Optional[Dict[str, Any]]:
        """The newest live click of (user, campaign) as a dict, or None."""
        u = user.encode("utf-8") if isinstance(user, str) else bytes(user)
        c = campaign.encode("utf-8") if isinstance(campaign, str) else bytes(campaign)
        buf = ctypes.create_string_buffer(1024)
        written = ctypes.c_size_t()
        status = _native.lib.attr_last_click(self._handle, u, len(u), c, len(c), buf, len(buf), ctypes.byref(written))
        if status == errors.NOT_FOUND:
            return None
        if status != errors.OK:
            _raise(status)
        return json.loads(ctypes.string_at(buf, written.value))

    def counters(self) -> Dict[str, Any]:
        """Engine counters as a dict (outcomes and rejections by name)."""
        c = _native.Counters()
        status = _native.lib.attr_counters(self._handle, ctypes.byref(c), ctypes.sizeof(c))
        if status != errors.OK:
            _raise(status)
        result: Dict[str, Any] = {name: getattr(c, name) for name in (
            "events", "clicks", "conversions", "attributed", "rejected", "faults",
            "output_records", "output_pending_bytes")}
        result["outcomes"] = {name: c.outcomes[i] for i, name in enumerate(OUTCOMES)}
        result["rejections"] = {}
        for i in range(1, _native.COUNTERS_ARRAY):
            name = _native.reject_reason_name(i)
            if name == "unknown":
                break
            result["rejections"][name] = c.rejections[i]
        return result

    def snapshot(self, directory: Optional[Union[str, bytes, os.PathLike[str]]] = None) -> None:
        """Writes a consistent snapshot into the engine's ``state_dir`` and waits until it is durable.

        Opening an Engine on the same ``state_dir`` recovers the newest snapshot. ``directory``, when
        given, must name the state_dir (else InvalidArgument); raises Unsupported when the engine
        has no state_dir.
        """
        d = b"" if directory is None else os.fsencode(directory)
        status = _native.lib.attr_snapshot(self._handle, d or None, len(d))
        if status != errors.OK:
            _raise(status)
