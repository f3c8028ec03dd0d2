"""Python binding of libattribution (ad conversion attribution engine) over ctypes.

    from attribution import Engine
    with Engine(window_hours=24, shards=2) as e:
        e.submit({"event_type": "click", ...})
        for a in e.attributions():
            print(a["conversion_id"], a["click_id"])

The library is found through $ATTRIBUTION_LIB (a path), next to this package, in the repository's
NativeAOT publish directory (bindings/native/bin/Release/net10.0/linux-x64/publish/), or on the
system's library path (`make -C bindings/c install` puts libattribution.so.0 there; ldconfig or
LD_LIBRARY_PATH). ``__version__`` is the loaded library's version (attr_version).
"""

from .engine import Engine, BatchSummary, OUTCOMES, version
from .errors import (
    AttributionError, Backpressure, BufferTooSmall, Busy, EngineError, InvalidArgument,
    InvalidConfig, InvalidHandle, NotFound, RejectedRecord, StateDirectoryInUse, Timeout, Unsupported,
)

__version__: str = version()

__all__ = [
    "__version__", "Engine", "BatchSummary", "OUTCOMES", "version",
    "AttributionError", "Backpressure", "BufferTooSmall", "Busy", "EngineError", "InvalidArgument",
    "InvalidConfig", "InvalidHandle", "NotFound", "RejectedRecord", "StateDirectoryInUse", "Timeout", "Unsupported",
]
