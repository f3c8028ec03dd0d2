#!/usr/bin/env python3
"""Writes the malformed-input corpus (malformed/ and malformed.tsv). The files are committed; rerun after editing."""
import os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
C = '"event_type":"click","event_id":"c-x","user_id":"u-x","campaign_id":"k","ad_id":"a","source":"s","timestamp":1678886400000'
V = '"event_type":"conversion","event_id":"v-x","user_id":"u-x","campaign_id":"k","timestamp":1678886400000'
def click(**over):
    return '{' + C + ''.join(f',"{k}":{v}' for k, v in over.items()) + '}'
entries = []  # (name, bytes, reason, what)
def add(name, data, reason, what):
    if isinstance(data, str): data = data.encode()
    entries.append((name, data, reason, what))
# truncated JSON
add("truncated-object", '{' + C[:40], "invalid_json", "object cut off inside a string")
add("truncated-after-colon", '{"event_type":', "invalid_json", "object cut off after a colon")
add("truncated-before-brace", '{' + C, "invalid_json", "complete fields, closing brace missing")
add("truncated-escape", '{"event_type":"click","event_id":"c\\', "invalid_json", "cut off inside an escape")
add("truncated-number", '{"event_type":"click","timestamp":1678', "invalid_json", "cut off inside a number")
add("lone-open-brace", '{', "invalid_json", "a single brace")
# deep nesting
add("deep-array-20000", '{' + C + ',"metadata":' + '[' * 20000 + ']' * 20000 + '}', "invalid_json", "metadata nested 20,000 arrays deep (limit 64)")
add("deep-object-5000", '{' + C + ',"metadata":' + '{"a":' * 5000 + '1' + '}' * 5000 + '}', "invalid_json", "metadata nested 5,000 objects deep")
add("deep-unclosed-30000", '[' * 30000, "invalid_json", "30,000 unclosed arrays at the top")
add("deep-at-limit-63", '{' + C + ',"metadata":' + '[' * 63 + ']' * 63 + '}', "none", "nesting 64 levels deep in all: exactly the limit, accepted")
add("deep-over-limit-64", '{' + C + ',"metadata":' + '[' * 64 + ']' * 64 + '}', "invalid_json", "nesting 65 levels deep: one past the limit")
# huge numbers
add("timestamp-1e999", click().replace("1678886400000", "1e999"), "wrong_type", "timestamp 1e999")
add("timestamp-int64-overflow", click().replace("1678886400000", "9223372036854775808"), "wrong_type", "timestamp one past int64 max")
add("timestamp-int64-underflow", click().replace("1678886400000", "-9223372036854775809"), "wrong_type", "timestamp one below int64 min")
add("timestamp-400-digits", click().replace("1678886400000", "9" * 400), "wrong_type", "timestamp of 400 digits")
add("timestamp-fraction", click().replace("1678886400000", "1678886400000.5"), "wrong_type", "timestamp with a fraction")
add("value-1e999999", '{' + V + ',"value":1e999999}', "none", "value 1e999999: exact decimal text, never a double, accepted as is")
add("value-70-digits", '{' + V + ',"value":' + '9' * 70 + '}', "field_too_long", "value of 70 digits (slot is 64 bytes)")
add("value-leading-zero", '{' + V + ',"value":019.99}', "invalid_json", "value 019.99 is not a JSON number")
add("value-nan", '{' + V + ',"value":NaN}', "invalid_json", "NaN is not JSON")
add("value-huge-metadata-number", '{' + C + ',"metadata":{"n":' + '1' * 5000 + '}}', "none", "a 5,000-digit number in an ignored field, accepted")
# wrong types
add("timestamp-string", click().replace("1678886400000", '"1678886400000"'), "wrong_type", "timestamp as a string")
add("timestamp-null", click().replace("1678886400000", 'null'), "missing_field", "timestamp null (null counts as absent)")
add("event-id-number", click().replace('"c-x"', '42'), "wrong_type", "event_id as a number")
add("user-id-object", click().replace('"u-x"', '{"id":"u-x"}'), "wrong_type", "user_id as an object")
add("user-id-null", click().replace('"u-x"', 'null'), "missing_field", "user_id null (null counts as absent)")
add("ad-id-array", click().replace('"ad_id":"a"', '"ad_id":["a"]'), "wrong_type", "ad_id as an array")
add("event-type-number", click().replace('"click"', '1'), "wrong_type", "event_type as a number")
add("value-string", '{' + V + ',"value":"19.99"}', "wrong_type", "value as a string")
add("value-bool", '{' + V + ',"value":true}', "wrong_type", "value true")
add("metadata-string", '{' + C + ',"metadata":"not an object"}', "none", "metadata of another type: unknown fields are ignored")
add("top-level-array", '[' + '{' + C + '}' + ']', "not_an_object", "the event inside an array")
add("top-level-null", 'null', "not_an_object", "JSON null")
add("top-level-string", '"click"', "not_an_object", "a JSON string")
add("top-level-number", '1678886400000', "not_an_object", "a JSON number")
# invalid UTF-8
add("utf8-lone-ff", b'{"event_type":"click","event_id":"c-\xff","user_id":"u","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}', "invalid_utf8", "byte 0xFF in an id")
add("utf8-overlong-slash", b'{"event_type":"click","event_id":"c-\xc0\xaf","user_id":"u","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}', "invalid_utf8", "overlong encoding of '/' (C0 AF)")
add("utf8-encoded-surrogate", b'{"event_type":"click","event_id":"c-\xed\xa0\x80","user_id":"u","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}', "invalid_utf8", "a UTF-16 surrogate encoded in UTF-8 (ED A0 80)")
add("utf8-truncated-sequence", b'{"event_type":"click","event_id":"c-\xe2\x82","user_id":"u","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}', "invalid_utf8", "a three-byte sequence cut after two bytes")
add("utf8-in-ignored-field", ('{' + C + ',"metadata":{"geo":"').encode() + b'\xfe\xfe' + b'"}}', "invalid_utf8", "invalid bytes in an ignored field still reject the record")
add("utf8-latin1-record", '{"event_type":"click","event_id":"caf\u00e9","user_id":"u","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}'.encode('latin-1'), "invalid_utf8", "a Latin-1 encoded record")
add("utf8-bom", b'\xef\xbb\xbf' + ('{' + C + '}').encode(), "invalid_json", "a UTF-8 byte order mark before the object")
add("escaped-lone-surrogate", click().replace('"c-x"', '"c-\\ud800"'), "invalid_json", "an escaped lone surrogate in an id (\\ud800)")
# control characters
add("control-raw-0x01", click().replace('"c-x"', '"c-\x01"'), "invalid_json", "raw 0x01 inside a string")
add("control-raw-tab", click().replace('"c-x"', '"c-\tx"'), "invalid_json", "raw tab inside a string")
add("control-raw-nul-outside", ('{' + C + '}').encode().replace(b',"user_id"', b',\x00"user_id"'), "invalid_json", "a NUL byte between fields")
add("control-raw-newline-in-string", click().replace('"c-x"', '"c-\nx"'), "invalid_json", "raw newline inside a string (splits the record in a line file)")
add("control-escaped-nul-in-id", click().replace('"c-x"', '"c-\\u0000"'), "none", "escaped \\u0000 in an id is valid JSON, accepted")
add("control-del-in-id", click().replace('"c-x"', '"c-\x7f"'), "none", "DEL (0x7F) is allowed raw in JSON strings, accepted")
# duplicate keys
add("duplicate-event-type", '{"event_type":"conversion",' + C + '}', "duplicate_field", "event_type twice with different values")
add("duplicate-timestamp", click(timestamp=1), "duplicate_field", "timestamp twice")
add("duplicate-user-escaped", click().replace('}', ',"user\\u005fid":"u-y"}'), "duplicate_field", "user_id twice, once spelled with an escape")
add("duplicate-unknown-field", click(metadata='{}', extra=1).replace('"extra":1', '"metadata":{}'), "none", "an ignored field twice, accepted")
# other rules
add("empty-record", b'', "invalid_json", "zero bytes")
add("whitespace-only", ' \t ', "invalid_json", "whitespace only")
add("two-objects", '{' + C + '}{' + C + '}', "invalid_json", "two objects back to back")
add("trailing-garbage", '{' + C + '} x', "invalid_json", "garbage after the object")
add("trailing-comma", '{' + C + ',}', "invalid_json", "a trailing comma")
add("comment", '{' + C + '/* c */}', "invalid_json", "a comment")
add("single-quotes", "{'event_type':'click'}", "invalid_json", "single-quoted strings")
add("missing-event-type", '{"event_id":"x","user_id":"u","campaign_id":"k","timestamp":1}', "missing_event_type", "no event_type")
add("unknown-event-type", click().replace('"click"', '"view"'), "unknown_event_type", "event_type view")
add("event-type-uppercase", click().replace('"click"', '"CLICK"'), "unknown_event_type", "event_type CLICK (case matters)")
add("click-missing-source", click().replace(',"source":"s"', ''), "missing_field", "a click without source")
add("empty-user-id", click().replace('"u-x"', '""'), "empty_field", "user_id empty")
add("event-id-129-bytes", click().replace('"c-x"', '"' + 'e' * 129 + '"'), "field_too_long", "event_id of 129 bytes (slot is 128)")
add("event-id-128-bytes", click().replace('"c-x"', '"' + 'e' * 128 + '"'), "none", "event_id of exactly 128 bytes, accepted")
add("oversized-70k", '{' + C + ',"metadata":"' + 'x' * 70000 + '"}', "oversized", "70,000-byte record (limit 64 KiB)")

# MessagePack (the binary wire format); built by hand so no library decides what "bad" means.
def mstr(s):
    b = s.encode() if isinstance(s, str) else s
    assert len(b) < 32
    return bytes([0xa0 | len(b)]) + b
def mint(n):
    return b'\xd3' + n.to_bytes(8, 'big', signed=True)
def mmap(pairs):
    return bytes([0x80 | len(pairs)]) + b''.join(k + v for k, v in pairs)
good = [(mstr("event_type"), mstr("click")), (mstr("event_id"), mstr("c-x")), (mstr("user_id"), mstr("u-x")),
        (mstr("campaign_id"), mstr("k")), (mstr("ad_id"), mstr("a")), (mstr("source"), mstr("s")), (mstr("timestamp"), mint(1678886400000))]
madd = lambda name, data, reason, what: mentries.append((name, data, reason, what))
with_extra = lambda pair: bytes([0x80 | (len(good) + 1)]) + b''.join(k + v for k, v in good) + pair  # the valid map plus one more entry
mentries = []
madd("mp-valid-click", mmap(good), "none", "a valid click (control entry)")
madd("mp-truncated", mmap(good)[:-5], "invalid_json", "cut off inside the timestamp")
madd("mp-map32-huge-count", b'\xdf\xff\xff\xff\xff' + mmap(good)[1:], "invalid_json", "map32 claiming 4,294,967,295 entries")
madd("mp-str32-huge-length", b'\x81' + mstr("event_type") + b'\xdb\x7f\xff\xff\xff' + b'click', "invalid_json", "str32 claiming 2 GiB")
madd("mp-deep-arrays", with_extra(mstr("metadata") + b'\x91' * 1000 + b'\xc0'), "invalid_json", "metadata nested 1,000 arrays deep")
madd("mp-not-a-map", b'\x93\x01\x02\x03', "not_an_object", "an array at the top")
madd("mp-nil", b'\xc0', "not_an_object", "nil at the top")
madd("mp-never-used-code", b'\xc1', "invalid_json", "the never-used code 0xC1")
madd("mp-timestamp-float", mmap(good[:-1] + [(mstr("timestamp"), b'\xcb' + bytes.fromhex("3ff8000000000000"))]), "wrong_type", "timestamp as float64 (1.5)")
madd("mp-timestamp-uint64-max", mmap(good[:-1] + [(mstr("timestamp"), b'\xcf' + b'\xff' * 8)]), "wrong_type", "timestamp uint64 max (beyond int64)")
madd("mp-invalid-utf8-key", with_extra(mstr(b'\xff\xfe') + b'\x01'), "invalid_utf8", "an ignored key that is not UTF-8")
madd("mp-duplicate-key", with_extra(mstr("user_id") + mstr("u-y")), "duplicate_field", "user_id twice")
madd("mp-trailing-bytes", mmap(good) + b'\x00', "invalid_json", "a byte after the map")
madd("mp-empty", b'', "invalid_json", "zero bytes")
os.makedirs("malformed", exist_ok=True)
with open("malformed.tsv", "w") as idx:
    idx.write("# file\texpected reason (JSON decoder, default limits)\twhat\n")
    for i, (name, data, reason, what) in enumerate(entries + mentries):
        fn = f"{i+1:02d}-{name}." + ("msgpack" if name.startswith("mp-") else "json")
        with open(os.path.join("malformed", fn), "wb") as f: f.write(data)
        idx.write(f"{fn}\t{reason}\t{what}\n")
print(len(entries) + len(mentries))
