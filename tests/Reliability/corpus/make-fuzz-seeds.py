#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus (fuzz/<target>/...): valid inputs for each fuzzed entry point, which the mutator
starts from (the malformed corpus is added at run time). The files are committed; rerun after editing."""
import os, struct
os.chdir(os.path.dirname(os.path.abspath(__file__)))
click = '{"event_type":"click","event_id":"c-1","user_id":"user-123","campaign_id":"camp-789","ad_id":"ad-456","source":"facebook","timestamp":1678886400000,"metadata":{"geo":"US"}}'
conv = '{"event_type":"conversion","event_id":"v-1","user_id":"user-123","campaign_id":"camp-789","type":"purchase","value":19.99,"source":"ios_app","timestamp":1678890000000}'
conv_min = '{"timestamp":1678890000001,"campaign_id":"camp-789","user_id":"user-123","event_id":"v-2","event_type":"conversion"}'
click_esc = '{"event_type":"click","event_id":"c-\\u00e9\\n","user_id":"user-123","campaign_id":"camp-789","ad_id":"ad","source":"s","timestamp":-1,"metadata":null}'
def mp_str(s):
    b = s.encode()
    if len(b) < 32: return bytes([0xa0 | len(b)]) + b
    return b'\xd9' + bytes([len(b)]) + b
def mp_int(n): return b'\xd3' + struct.pack('>q', n)
def mp_map(d):
    out = bytes([0x80 | len(d)])
    for k, v in d.items():
        out += mp_str(k) + (mp_int(v) if isinstance(v, int) else mp_str(v) if isinstance(v, str) else v)
    return out
mp_click = mp_map({"event_type": "click", "event_id": "c-1", "user_id": "user-123", "campaign_id": "camp-789", "ad_id": "ad-456", "source": "facebook", "timestamp": 1678886400000, "metadata": b'\x81' + mp_str("geo") + mp_str("US")})
mp_conv = mp_map({"event_type": "conversion", "event_id": "v-1", "user_id": "user-123", "campaign_id": "camp-789", "type": "purchase", "value": "19.99", "timestamp": 1678890000000})
mp_conv_float = mp_map({"event_type": "conversion", "event_id": "v-3", "user_id": "user-123", "campaign_id": "camp-789", "value": b'\xcb' + struct.pack('>d', 2.5), "timestamp": 1678890000002})
frame = lambda b: struct.pack('<I', len(b)) + b
seeds = {
    "json": {"click.json": click, "conversion.json": conv, "conversion-minimal.json": conv_min, "click-escapes.json": click_esc},
    "msgpack": {"click.msgpack": mp_click, "conversion.msgpack": mp_conv, "conversion-float-value.msgpack": mp_conv_float},
    "ndjson": {"batch.ndjson": "\n".join([click, conv, "", conv_min, '{"event_type":"view"}']) + "\r\n", "one-line.ndjson": click},
    "frames": {"batch.frames": frame(mp_click) + frame(mp_conv) + frame(b'\xc0') + frame(mp_conv_float)},
    "config": {"empty.json": "{}", "full.json": '{"window_hours":24,"allowed_lateness_ms":3600000,"partitions":64,"shards":2,"click_history":4,"max_record_bytes":65536,"output_format":"json","wait":"sleeping","ring_size":1024,"output_buffer_bytes":1048576}',
               "msgpack-out.json": '{"output_format":"msgpack","shards":1,"wait":"yielding","conversion_retention_ms":90000000,"expire_every_events":1000}'},
    "lastclick": {"user-campaign.bin": b"user-123\x00camp-789", "unknown.bin": b"nobody\x00nothing"},
}
for target, files in seeds.items():
    os.makedirs(os.path.join("fuzz", target), exist_ok=True)
    for name, data in files.items():
        with open(os.path.join("fuzz", target, name), "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
print(sum(len(f) for f in seeds.values()), "seeds")
