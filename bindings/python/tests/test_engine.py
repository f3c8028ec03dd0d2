"""Tests of the Python binding against the published libattribution.so (plain unittest)."""

import os
import struct
import tempfile
import threading
import unittest

import attribution
from attribution import Engine

CLICK = {"event_type": "click", "event_id": "c-1", "user_id": "user-123", "campaign_id": "camp-789",
         "ad_id": "ad-456", "source": "facebook", "timestamp": 1678886400000, "metadata": {"geo": "US"}}
CONVERSION = {"event_type": "conversion", "event_id": "v-1", "user_id": "user-123", "campaign_id": "camp-789",
              "type": "purchase", "value": 19.99, "source": "ios_app", "timestamp": 1678890000000}
EXPECTED = {"event_type": "attributed_conversion", "conversion_id": "v-1", "click_id": "c-1",
            "user_id": "user-123", "ad_id": "ad-456", "campaign_id": "camp-789", "source": "facebook",
            "conversion_type": "purchase", "value": 19.99, "click_time": 1678886400000,
            "conversion_time": 1678890000000, "attribution_window_hours": 24}


def click(i, user=None, ts=1000):
    return {"event_type": "click", "event_id": f"c{i}", "user_id": user or f"u{i}", "campaign_id": "k",
            "ad_id": "a", "source": "s", "timestamp": ts}


def conversion(i, user=None, ts=2000):
    return {"event_type": "conversion", "event_id": f"v{i}", "user_id": user or f"u{i}", "campaign_id": "k",
            "timestamp": ts}


class EngineTests(unittest.TestCase):
    def test_version_is_the_library_version(self):
        self.assertRegex(attribution.version(), r"^\d+\.\d+\.\d+")

    def test_click_then_conversion_yields_the_attribution(self):
        with Engine(window_hours=24, shards=2) as e:
            e.submit(CLICK)
            e.submit(CONVERSION)
            self.assertEqual(list(e.attributions()), [EXPECTED])
            self.assertEqual(list(e.attributions()), [])

    def test_value_keeps_its_exact_decimal_text(self):
        with Engine(shards=1) as e:
            e.submit(CLICK)
            e.submit(b'{"event_type":"conversion","event_id":"v-9","user_id":"user-123","campaign_id":"camp-789",'
                     b'"value":9999999.99,"timestamp":1678890000000}')
            out = list(e.attributions())
            self.assertEqual(len(out), 1)
            self.assertEqual(repr(out[0]["value"]), "9999999.99")

    def test_str_and_bytes_records_are_accepted(self):
        import json
        with Engine(shards=1) as e:
            e.submit(json.dumps(CLICK))
            e.submit(json.dumps(CONVERSION).encode())
            self.assertEqual([a["conversion_id"] for a in e.attributions()], ["v-1"])

    def test_rejected_record_raises_with_reason_and_message(self):
        with Engine(shards=1) as e:
            with self.assertRaises(attribution.RejectedRecord) as ctx:
                e.submit(b"{not json")
            self.assertEqual(ctx.exception.reason, "invalid_json")
            self.assertIn("invalid_json", str(ctx.exception))
            self.assertEqual(ctx.exception.status, -5)
            with self.assertRaises(attribution.RejectedRecord) as ctx:
                e.submit({"event_type": "click", "user_id": "u"})
            self.assertEqual(ctx.exception.reason, "missing_field")
            e.flush()
            c = e.counters()
            self.assertEqual(c["rejected"], 2)
            self.assertEqual(c["rejections"]["invalid_json"], 1)
            self.assertEqual(c["rejections"]["missing_field"], 1)

    def test_clock_outlier_is_rejected_as_clock_skew_and_keeps_state(self):
        hour = 3_600_000
        with Engine(shards=1, partitions=1, max_clock_skew_ms=48 * hour, clock_confirmations=3) as e:
            for i in range(3):
                e.submit(click(i, ts=1678886400000 + i))
            with self.assertRaises(attribution.RejectedRecord) as ctx:
                e.submit(click(99, ts=4102444800000))  # a clock in the year 2100
            self.assertEqual(ctx.exception.reason, "clock_skew")
            for i in range(3):
                e.submit(conversion(i, ts=1678886400000 + hour))
            self.assertEqual(sorted(a["conversion_id"] for a in e.attributions()), ["v0", "v1", "v2"])
            e.flush()
            self.assertEqual(e.counters()["rejections"]["clock_skew"], 1)

    def test_clock_skew_below_window_plus_lateness_is_invalid_config(self):
        with self.assertRaises(attribution.InvalidConfig) as ctx:
            Engine(max_clock_skew_ms=3_600_000)
        self.assertIn("clock skew", str(ctx.exception))

    def test_non_record_types_raise_type_error(self):
        with Engine(shards=1) as e:
            with self.assertRaises(TypeError):
                e.submit(42)

    def test_unknown_config_key_raises_invalid_config_with_the_key(self):
        with self.assertRaises(attribution.InvalidConfig) as ctx:
            Engine(windw_hours=24)
        self.assertIn("windw_hours", str(ctx.exception))
        self.assertIsInstance(ctx.exception, ValueError)

    def test_invalid_config_values_raise(self):
        for bad in ({"shards": 0}, {"ring_size": 3}, {"output_format": "xml"}, {"window_hours": "24"}):
            with self.subTest(bad=bad), self.assertRaises(attribution.InvalidConfig):
                Engine(bad)

    def test_closed_engine_raises_invalid_handle_and_close_is_idempotent(self):
        e = Engine(shards=1)
        e.close()
        e.close()
        self.assertTrue(e.closed)
        with self.assertRaises(attribution.InvalidHandle) as ctx:
            e.submit(CLICK)
        self.assertIn("not an open engine", str(ctx.exception))
        with self.assertRaises(attribution.InvalidHandle):
            e.counters()

    def test_last_click_returns_newest_live_click_or_none(self):
        with Engine(shards=2) as e:
            self.assertIsNone(e.last_click("user-123", "camp-789"))
            e.submit(CLICK)
            newer = dict(CLICK, event_id="c-2", ad_id="ad-9", source="google", timestamp=1678886500000)
            older = dict(CLICK, event_id="c-0", timestamp=1678886300000)
            e.submit(newer)
            e.submit(older)
            self.assertEqual(e.last_click("user-123", "camp-789"),
                             {"click_id": "c-2", "ad_id": "ad-9", "source": "google", "timestamp": 1678886500000})
            self.assertIsNone(e.last_click("user-123", "other"))
            with self.assertRaises(attribution.InvalidArgument):
                e.last_click("", "camp-789")
            with self.assertRaises(attribution.InvalidArgument):
                e.last_click("u" * 200, "camp-789")

    def test_counters_report_events_and_outcomes(self):
        with Engine(shards=2) as e:
            e.submit(CLICK)
            e.submit(CONVERSION)
            e.submit(CONVERSION)  # duplicate
            e.flush()
            c = e.counters()
            self.assertEqual((c["events"], c["clicks"], c["conversions"], c["attributed"]), (3, 1, 2, 1))
            self.assertEqual(c["outcomes"]["duplicate_conversion"], 1)
            self.assertEqual(c["outcomes"]["click_stored"], 1)
            self.assertEqual(c["faults"], 0)

    def test_submit_many_counts_rejections_without_raising(self):
        with Engine(shards=2) as e:
            records = [click(i) for i in range(300)] + ["{broken"] + [conversion(i) for i in range(300)]
            summary = e.submit_many(records, first_position=10)
            self.assertEqual((summary.accepted, summary.rejected), (600, 1))
            self.assertEqual(summary.first_rejected, 300)
            self.assertEqual(summary.first_reject_reason, "invalid_json")
            out = list(e.attributions())
            self.assertEqual(sorted(a["conversion_id"] for a in out), sorted(f"v{i}" for i in range(300)))

    def test_backpressure_is_relieved_by_the_binding_and_nothing_is_lost(self):
        with Engine(shards=1, output_buffer_bytes=1024, ring_size=64) as e:
            e.submit(click(0, user="bp"))
            for i in range(300):
                e.submit(conversion(i, user="bp", ts=1000 + i))
            batch = [conversion(1000 + i, user="bp", ts=2000 + i) for i in range(300)]
            self.assertEqual(e.submit_many(batch).accepted, 300)
            ids = [a["conversion_id"] for a in e.attributions()]
            self.assertEqual(len(ids), 600)
            self.assertEqual(len(set(ids)), 600)

    def test_concurrent_poll_while_submitting_delivers_every_attribution_once(self):
        with Engine(shards=2, output_buffer_bytes=1 << 16) as e:
            seen = []
            done = threading.Event()

            def poller():
                while True:
                    stopping = done.is_set()
                    got = e._poll_native()
                    seen.extend(a["conversion_id"] for a in got)
                    if stopping and not got:
                        return

            t = threading.Thread(target=poller)
            t.start()
            for i in range(1000):
                e.submit(click(i))
                e.submit(conversion(i))
            e.flush()
            done.set()
            t.join()
            seen.extend(a["conversion_id"] for a in e.attributions())
            seen.extend(a["conversion_id"] for a in e._pending)
            self.assertEqual(sorted(seen), sorted(f"v{i}" for i in range(1000)))

    def test_msgpack_output_yields_length_framed_records(self):
        with Engine(shards=1, output_format="msgpack") as e:
            e.submit(CLICK)
            e.submit(CONVERSION)
            out = list(e.attributions())
            self.assertEqual(len(out), 1)
            self.assertIsInstance(out[0], bytes)
            self.assertEqual(out[0][0] & 0xF0, 0x80)  # a MessagePack fixmap
            self.assertIn(b"v-1", out[0])

    def test_msgpack_input_frames(self):
        def s(text):
            b = text.encode()
            return bytes([0xD9, len(b)]) + b

        def record(kind, eid, ts):
            fields = [("event_type", kind), ("event_id", eid), ("user_id", "mp"), ("campaign_id", "k")]
            if kind == "click":
                fields += [("ad_id", "a"), ("source", "s")]
            body = b"".join(s(k) + s(v) for k, v in fields) + s("timestamp") + b"\xd3" + struct.pack(">q", ts)
            return bytes([0x80 | (len(fields) + 1)]) + body

        with Engine(shards=1) as e:
            summary = e.submit_msgpack_frames([record("click", "mc", 5), record("conversion", "mv", 6)])
            self.assertEqual(summary.accepted, 2)
            e.submit(record("conversion", "mv2", 7), format="msgpack")
            self.assertEqual(sorted(a["conversion_id"] for a in e.attributions()), ["mv", "mv2"])
            with self.assertRaises(attribution.InvalidArgument) as ctx:
                e.submit_msgpack_frames(struct.pack("<I", 100) + b"short")
            self.assertIn("truncated", str(ctx.exception))

    def test_snapshot_needs_a_state_dir(self):
        with Engine(shards=1) as e, self.assertRaises(attribution.Unsupported) as ctx:
            e.snapshot()
        self.assertIn("state_dir", str(ctx.exception))
        self.assertIsInstance(ctx.exception, NotImplementedError)

    def test_snapshot_is_recovered_by_reopening_the_state_dir(self):
        with tempfile.TemporaryDirectory() as d:
            with Engine(shards=1, state_dir=d, snapshots_to_keep=2) as e:
                e.submit(CLICK)
                e.snapshot()
                e.snapshot(d)
                with self.assertRaises(attribution.InvalidArgument):
                    e.snapshot(os.path.join(d, "elsewhere"))
            with Engine(shards=1, state_dir=d, snapshots_to_keep=2) as e:
                self.assertEqual(e.last_click("user-123", "camp-789")["click_id"], "c-1")
                e.submit(CONVERSION)
                self.assertEqual(list(e.attributions()), [EXPECTED])

    def test_state_dir_is_used(self):
        with tempfile.TemporaryDirectory() as d:
            with Engine(shards=1, state_dir=d) as e:
                e.submit(CLICK)
            self.assertTrue(os.path.isdir(os.path.join(d, "shard-0")))

    def test_second_submitter_on_single_producer_engine_gets_busy(self):
        with Engine(shards=1) as e:
            big = b"\n".join(b'{"event_type":"click","event_id":"c%d","user_id":"u%d","campaign_id":"k","ad_id":"a","source":"s","timestamp":1}' % (i, i) for i in range(5000))
            stop = threading.Event()
            errors = []

            def batches():
                while not stop.is_set():
                    try:
                        e.submit_ndjson(big)
                    except attribution.Busy:
                        pass
                    except Exception as ex:  # noqa: BLE001 - reported below
                        errors.append(ex)
                        return

            t = threading.Thread(target=batches)
            t.start()
            busy = False
            try:
                for _ in range(200000):
                    try:
                        e.submit(CLICK)
                    except attribution.Busy as ex:
                        busy = True
                        self.assertIn("multi_producer", str(ex))
                        break
            finally:
                stop.set()
                t.join()
            self.assertTrue(busy)
            self.assertEqual(errors, [])


if __name__ == "__main__":
    unittest.main()
