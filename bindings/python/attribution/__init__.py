"""Python binding of libattribution (ad conversion attribution engine) over ctypes.

    from attribution import Engine
    with Engine(window_hours=24, shards=2) as e:
        e.submit({"event_type": "click", ...})
        for a in e.attributions():
            print(a["conversion_id"], a["click_id"])

The library is found through $ATTRIBUTION_LIB, next to this package, or in the repository's
NativeAOT publish directory (bindings/native/bin/Release/net10.0/linux-x64/publish/).
"""

from .engine import Engine, BatchSummary, OUTCOMES, version
from .errors import (
    AttributionError, Backpressure, BufferTooSmall, Busy, EngineError, InvalidArgument,
    InvalidConfig, InvalidHandle, NotFound, RejectedRecord, StateDirectoryInUse, Timeout, Unsupported,
)

__all__ = [
    "Engine", "BatchSummary", "OUTCOMES", "version",
    "AttributionError", "Backpressure", "BufferTooSmall", "Busy", "EngineError", "InvalidArgument",
    "InvalidConfig", "InvalidHandle", "NotFound", "RejectedRecord", "StateDirectoryInUse", "Timeout", "Unsupported",
]
