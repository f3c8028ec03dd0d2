"""Throughput of the Python binding (preliminary; the lead re-measures).

    python3 bindings/python/bench.py [events] [shards] [wait]

batch:  NDJSON bytes built once, submitted in batches of 1000 lines with Engine.submit_ndjson,
        attributions parsed to dicts; events/s end to end.
dicts:  Engine.submit(dict) one event per call (json.dumps in Python + one C call each).
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from attribution import Engine, version  # noqa: E402


def line(i):
    pair, ts = i // 2, 1678886400000 + i * 10
    user = pair % 100000
    if i % 2 == 0:
        return {"event_type": "click", "event_id": f"c-{pair}", "user_id": f"user-{user}", "campaign_id": f"camp-{user % 7}",
                "ad_id": f"ad-{pair % 1000}", "source": "facebook", "timestamp": ts}
    return {"event_type": "conversion", "event_id": f"v-{pair}", "user_id": f"user-{user}", "campaign_id": f"camp-{user % 7}",
            "type": "purchase", "value": 19.99, "source": "ios_app", "timestamp": ts}


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    shards = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    wait = sys.argv[3] if len(sys.argv) > 3 else "yielding"
    events -= events % 2
    import json
    records = [line(i) for i in range(events)]
    encoded = [json.dumps(r, separators=(",", ":")).encode() for r in records]
    batches = [b"\n".join(encoded[i:i + 1000]) for i in range(0, events, 1000)]
    print(f"libattribution {version()}: {events} events, shards={shards} wait={wait}")

    with Engine(shards=shards, wait=wait) as e:  # warm-up
        for b in batches[: max(1, len(batches) // 5)]:
            e.submit_ndjson(b)
        sum(1 for _ in e.attributions())

    with Engine(shards=shards, wait=wait) as e:
        t0 = time.perf_counter()
        got = 0
        for i, b in enumerate(batches):
            e.submit_ndjson(b, first_position=i * 1000)
            got += len(e.poll())
        got += sum(1 for _ in e.attributions())
        t1 = time.perf_counter()
        assert got == events // 2, got
        print(f"batch: {events / (t1 - t0):,.0f} events/s ({t1 - t0:.2f} s, {got} attributions as dicts)")

    n = min(events, 100000)
    with Engine(shards=shards, wait=wait) as e:
        t0 = time.perf_counter()
        for r in records[:n]:
            e.submit(r)
        got = sum(1 for _ in e.attributions())
        t1 = time.perf_counter()
        assert got == n // 2, got
        print(f"dicts: {n / (t1 - t0):,.0f} events/s ({(t1 - t0) * 1e6 / n:.1f} us per submit(dict))")


if __name__ == "__main__":
    main()
