"""ctypes declarations of libattribution (bindings/c/attribution.h) and the library lookup."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Iterator, List

FORMAT_JSON = 0
FORMAT_MSGPACK = 1
COUNTERS_ARRAY = 16


class BatchResult(ctypes.Structure):
    """attr_batch_result."""

    _fields_ = [
        ("accepted", ctypes.c_uint64),
        ("rejected", ctypes.c_uint64),
        ("blank", ctypes.c_uint64),
        ("consumed", ctypes.c_uint64),
        ("first_rejected", ctypes.c_int64),
        ("first_reject_reason", ctypes.c_int32),
        ("reserved", ctypes.c_int32),
    ]


class Counters(ctypes.Structure):
    """struct attr_counters, version 1."""

    _fields_ = [
        ("version", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
        ("events", ctypes.c_uint64),
        ("clicks", ctypes.c_uint64),
        ("conversions", ctypes.c_uint64),
        ("attributed", ctypes.c_uint64),
        ("rejected", ctypes.c_uint64),
        ("faults", ctypes.c_uint64),
        ("output_records", ctypes.c_uint64),
        ("output_pending_bytes", ctypes.c_uint64),
        ("outcomes", ctypes.c_uint64 * COUNTERS_ARRAY),
        ("rejections", ctypes.c_uint64 * COUNTERS_ARRAY),
    ]


def _candidates() -> Iterator[str]:
    env = os.environ.get("ATTRIBUTION_LIB")
    if env:
        yield env
        return
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "libattribution.so")  # installed next to the package
    yield os.path.join(here, "..", "..", "native", "bin", "Release", "net10.0", "linux-x64", "publish", "libattribution.so")
    found = ctypes.util.find_library("attribution")
    if found:
        yield found


def _load() -> ctypes.CDLL:
    tried: List[str] = []
    for path in _candidates():
        if os.path.isabs(path) and not os.path.exists(path):
            tried.append(path)
            continue
        try:
            return ctypes.CDLL(os.path.normpath(path) if os.path.isabs(path) else path)
        except OSError as e:
            tried.append(f"{path} ({e})")
    raise ImportError(
        "libattribution.so not found; set ATTRIBUTION_LIB or run "
        "`dotnet publish bindings/native -c Release -r linux-x64`. Tried: " + ", ".join(tried))


lib = _load()

_p = ctypes.c_void_p
_size = ctypes.c_size_t
_psize = ctypes.POINTER(ctypes.c_size_t)
_buf = ctypes.c_char_p  # bytes pass their own buffer, no copy; embedded NULs are fine with a length

_SIGNATURES = {
    "attr_version": (ctypes.c_char_p, []),
    "attr_open": (ctypes.c_int, [_buf, _size, ctypes.POINTER(ctypes.c_void_p)]),
    "attr_close": (ctypes.c_int, [_p]),
    "attr_last_error": (ctypes.c_char_p, [_p]),
    "attr_status_name": (ctypes.c_char_p, [ctypes.c_int]),
    "attr_reject_reason_name": (ctypes.c_char_p, [ctypes.c_int]),
    "attr_submit": (ctypes.c_int, [_p, _buf, _size, ctypes.c_int, ctypes.c_int64, ctypes.POINTER(ctypes.c_int)]),
    "attr_submit_batch": (ctypes.c_int, [_p, _buf, _size, ctypes.c_int64, ctypes.POINTER(BatchResult)]),
    "attr_submit_batch_msgpack": (ctypes.c_int, [_p, _buf, _size, ctypes.c_int64, ctypes.POINTER(BatchResult)]),
    "attr_poll": (ctypes.c_int, [_p, ctypes.c_void_p, _size, _psize, _psize]),
    "attr_flush": (ctypes.c_int, [_p, ctypes.c_int64]),
    "attr_snapshot": (ctypes.c_int, [_p, _buf, _size]),
    "attr_counters": (ctypes.c_int, [_p, ctypes.POINTER(Counters), _size]),
    "attr_last_click": (ctypes.c_int, [_p, _buf, _size, _buf, _size, ctypes.c_void_p, _size, _psize]),
}

for _name, (_restype, _argtypes) in _SIGNATURES.items():
    _f = getattr(lib, _name)
    _f.restype = _restype
    _f.argtypes = _argtypes


def last_error() -> str:
    """The calling thread's last error message."""
    return lib.attr_last_error(None).decode("utf-8", "replace")


def reject_reason_name(reason: int) -> str:
    """snake_case name of an ATTR_REJECT_* value."""
    return lib.attr_reject_reason_name(reason).decode()
