#!/usr/bin/env python3
"""Writes samples/events.jsonl: a small, deterministic upstream-format stream (clicks, conversions,
duplicates, window edges, out-of-order clicks and a few bad lines) for the README's replay example."""
import json, random, sys

def main(path, seed=20260101, users=60, campaigns=6, n=3000):
    rnd = random.Random(seed)
    t0 = 1678886400000
    hour = 3_600_000
    lines, clicks, attributed = [], [], []
    sources = ["facebook", "google", "tiktok", "snap"]
    conv_sources = ["ios_app", "android_app", "web"]
    values = ["19.99", "0", "50.00", "9999999.99", "5", "120.5", "0.01"]
    t = t0
    for i in range(n):
        t += rnd.randint(0, 60_000)
        user = f"user-{rnd.randrange(users):04d}"
        camp = f"camp-{rnd.randrange(campaigns):03d}"
        r = rnd.random()
        if r < 0.55:
            ts = t - (rnd.randint(0, 30 * 60_000) if rnd.random() < 0.1 else 0)  # some out-of-order clicks
            ev = {"event_type": "click", "event_id": f"c-{i}", "user_id": user, "campaign_id": camp,
                  "ad_id": f"ad-{rnd.randrange(40)}", "source": rnd.choice(sources), "timestamp": ts}
            if rnd.random() < 0.5:
                ev["metadata"] = {"geo": rnd.choice(["US", "DE", "BR"]), "device": {"os": "ios", "v": [17, 2]}}
            elif rnd.random() < 0.2:
                ev["metadata"] = None
            clicks.append(ev)
            lines.append(json.dumps(ev, separators=(",", ":")))
        elif r < 0.97:
            if clicks and rnd.random() < 0.8:
                c = rnd.choice(clicks[-200:])
                user, camp = c["user_id"], c["campaign_id"]
                edge = rnd.random()
                if edge < 0.05:
                    ts = c["timestamp"] + 24 * hour          # exactly at the window edge: attributed
                elif edge < 0.10:
                    ts = c["timestamp"] + 24 * hour + 1000   # one second past: not attributed
                else:
                    ts = max(t, c["timestamp"])
            else:
                ts = t
            value = rnd.choice(values)
            raw = (f'{{"event_type":"conversion","event_id":"v-{i}","user_id":"{user}","campaign_id":"{camp}",'
                   f'"type":"{rnd.choice(["purchase", "signup", "install"])}","value":{value},'
                   f'"source":"{rnd.choice(conv_sources)}","timestamp":{ts}}}')
            lines.append(raw)
            if rnd.random() < 0.1:
                lines.append(raw)  # upstream retry: an exact duplicate conversion
        else:
            bad = rnd.choice([
                '{"event_type":"click","event_id":"c-bad","user_id":"u"',           # truncated
                '{"event_type":"view","event_id":"x-1","user_id":"u","campaign_id":"c","timestamp":1}',
                '{"event_id":"x-2","user_id":"u","campaign_id":"c","timestamp":1}',
                '{"event_type":"click","event_id":"c-x","user_id":"u","campaign_id":"c","timestamp":1,"source":"s"}',
                '{"event_type":"conversion","event_id":"v-x","user_id":"u","campaign_id":"c","timestamp":"yesterday"}',
                'not json at all',
            ])
            lines.append(bad)
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "samples/events.jsonl")
