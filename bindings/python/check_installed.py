"""Checks an installed attribution package (run by run-tests.sh with a fresh venv's python, outside the source tree).

Prints "ok   ..." or "FAIL ..." per check. argv[1]: the libattribution.so the package is expected to load.
"""

import ctypes
import importlib.metadata
import os
import sys
import typing

expected_lib = os.path.realpath(sys.argv[1])
failures = 0


def check(ok: bool, what: str, detail: str = "") -> None:
    global failures
    print(("ok   " if ok else "FAIL ") + what + ("" if ok else f": {detail}"))
    failures += 0 if ok else 1


import attribution  # noqa: E402  (after the helpers, so an import failure is reported by the caller)

site = os.path.realpath(os.path.dirname(attribution.__file__))
check(site.startswith(os.path.realpath(sys.prefix)), "attribution is imported from the venv, not the source tree", site)
check(os.path.isfile(os.path.join(site, "py.typed")), "the installed package carries py.typed (PEP 561)")

# The library's own answer, read without the package's code.
direct = ctypes.CDLL(expected_lib)
direct.attr_version.restype = ctypes.c_char_p
library_version = direct.attr_version().decode()
check(attribution.__version__ == library_version, "attribution.__version__ is the library's attr_version",
      f"{attribution.__version__!r} vs {library_version!r}")
dist_version = importlib.metadata.version("attribution")
check(dist_version == library_version, "the installed distribution's version is the library's",
      f"{dist_version!r} vs {library_version!r}")
loaded = [line.split()[-1] for line in open("/proc/self/maps") if "libattribution" in line]
check(any(os.path.realpath(p) == expected_lib for p in loaded), "the package loaded the expected library", str(loaded))

# Type hints resolve (get_type_hints evaluates every annotation), and a typed call works.
hints = typing.get_type_hints(attribution.Engine.submit_many)
check(hints.get("return") is attribution.BatchSummary, "Engine.submit_many is annotated to return BatchSummary", str(hints))
with attribution.Engine(window_hours=24, shards=1) as engine:
    summary: attribution.BatchSummary = engine.submit_many([
        {"event_type": "click", "event_id": "c-1", "user_id": "u", "campaign_id": "k", "ad_id": "a", "source": "s",
         "timestamp": 1000},
        {"event_type": "conversion", "event_id": "v-1", "user_id": "u", "campaign_id": "k", "timestamp": 2000},
    ])
    got = [(a["conversion_id"], a["click_id"]) for a in engine.attributions()]  # type: ignore[index]
check(summary.accepted == 2 and got == [("v-1", "c-1")], "a typed call through the installed package attributes",
      f"{summary}, {got}")
sys.exit(1 if failures else 0)
