/*
 * attribution.h — C API of libattribution, the attribution engine built with NativeAOT.
 *
 * The engine attributes ad conversions to ad clicks (see the project's docs/ for the rules).
 * Feed it click and conversion records (JSON or MessagePack), poll the attributed conversions
 * it produces, query the live state, read its counters.
 *
 * CONVENTIONS
 *   - Every function that can fail returns an int status: ATTR_OK (0) or a negative ATTR_* code.
 *     After a failure, attr_last_error() returns a message saying what went wrong.
 *   - Engines are opaque handles. A NULL, closed, forged or stale handle is detected and returns
 *     ATTR_INVALID_HANDLE; it never crashes the process.
 *   - Every buffer is passed as (pointer, length in bytes). Lengths above ATTR_MAX_LENGTH (1 GiB)
 *     are refused with ATTR_INVALID_ARGUMENT (a negative length cast to size_t lands there).
 *     A NULL pointer is accepted only together with a length of 0.
 *   - Output buffers are owned by the caller; the library never keeps a caller pointer after a
 *     call returns. Strings returned by the library (version, names, error messages) are owned by
 *     the library and must not be freed.
 *   - Input strings (configuration, ids) are UTF-8 with an explicit length; no NUL is needed.
 *
 * THREAD RULES
 *   - attr_submit, attr_submit_batch, attr_submit_batch_msgpack: one thread at a time per engine,
 *     unless the engine was opened with "multi_producer": true. A second concurrent submitter on a
 *     single-producer engine gets ATTR_BUSY (detected, not undefined behaviour).
 *   - attr_poll, attr_flush, attr_counters, attr_last_click, attr_snapshot, attr_last_error,
 *     attr_version and the *_name functions: from any thread, also concurrently with a submitter.
 *   - attr_close: once per engine, after the other threads stopped using it. A call that races
 *     with attr_close gets ATTR_INVALID_HANDLE or completes before the engine is freed.
 *   - Error messages are per thread (like errno): attr_last_error() on thread T describes the last
 *     failed call made on T, whichever engine it concerned (also for a NULL engine).
 *
 * OUTPUT QUEUE AND BACK-PRESSURE
 *   Attributions are kept in a bounded in-memory queue until polled. When more than
 *   "output_buffer_bytes" are waiting, submits return ATTR_BACKPRESSURE without consuming the
 *   record; poll, then submit again. Attributions of records already accepted are always kept
 *   (the queue may exceed the bound by at most ring_size attributions), so none is ever lost.
 *   attr_close discards attributions that were not polled: flush and poll until empty first.
 */
#ifndef ATTRIBUTION_H
#define ATTRIBUTION_H

#include <stddef.h>
#include <stdint.h>

/* ---- Version of this header ------------------------------------------------------------------
 * The library this header belongs to; attr_version() returns the same string at run time (the
 * tests check both agree). The major version is the SONAME's: libattribution.so.<major>. */

#define ATTRIBUTION_VERSION_MAJOR 0
#define ATTRIBUTION_VERSION_MINOR 1
#define ATTRIBUTION_VERSION_PATCH 0
#define ATTRIBUTION_VERSION "0.1.0"
/* One number for compile-time comparisons: e.g. #if ATTRIBUTION_VERSION_NUMBER >= 0x000100 */
#define ATTRIBUTION_VERSION_NUMBER \
    ((ATTRIBUTION_VERSION_MAJOR << 16) | (ATTRIBUTION_VERSION_MINOR << 8) | ATTRIBUTION_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Status codes ------------------------------------------------------------------------ */

#define ATTR_OK                    0   /* success */
#define ATTR_ERROR                (-1) /* unexpected internal error; see attr_last_error() */
#define ATTR_INVALID_ARGUMENT     (-2) /* a NULL pointer, a length over 1 GiB, a bad value */
#define ATTR_INVALID_HANDLE       (-3) /* NULL, closed, forged or unknown engine handle */
#define ATTR_INVALID_CONFIG       (-4) /* the configuration JSON is invalid (message says why) */
#define ATTR_REJECTED             (-5) /* the record was rejected (counted); reason via out param */
#define ATTR_BUFFER_TOO_SMALL     (-6) /* the next whole result does not fit; see "needed" */
#define ATTR_NOT_FOUND            (-7) /* the query found nothing */
#define ATTR_BACKPRESSURE         (-8) /* output queue full: poll, then retry (nothing consumed) */
#define ATTR_BUSY                 (-9) /* another thread is submitting (single-producer engine) */
#define ATTR_TIMEOUT             (-10) /* the shards did not finish in time */
#define ATTR_UNSUPPORTED         (-11) /* not available for this engine (snapshots without a state_dir) */
#define ATTR_IN_USE              (-12) /* the state_dir is locked by another open engine (message names it) */

/* A shard whose state cannot be written (e.g. its state_dir's disk is full) stops the engine: from then on
 * attr_submit, attr_submit_batch*, attr_flush and attr_snapshot return ATTR_ERROR, and attr_last_error() names
 * the file and the cause ("no space left on device"). Close the engine and open it again (with room) to
 * recover from the last snapshot. */

/* ---- Record formats ---------------------------------------------------------------------- */

#define ATTR_FORMAT_JSON    0  /* UTF-8 JSON object (docs/SEMANTICS.md, wire formats) */
#define ATTR_FORMAT_MSGPACK 1  /* MessagePack map with the same keys */

/* Largest length accepted for any buffer argument. */
#define ATTR_MAX_LENGTH ((size_t)1 << 30)

/* ---- Reject reasons (stable values; attr_reject_reason_name gives the snake_case name) ---- */

#define ATTR_REJECT_NONE               0
#define ATTR_REJECT_INVALID_JSON       1  /* not valid JSON (or MessagePack for that format) */
#define ATTR_REJECT_NOT_AN_OBJECT      2
#define ATTR_REJECT_MISSING_EVENT_TYPE 3
#define ATTR_REJECT_UNKNOWN_EVENT_TYPE 4
#define ATTR_REJECT_MISSING_FIELD      5
#define ATTR_REJECT_WRONG_TYPE         6
#define ATTR_REJECT_INVALID_UTF8       7
#define ATTR_REJECT_OVERSIZED          8  /* larger than max_record_bytes */
#define ATTR_REJECT_FIELD_TOO_LONG     9
#define ATTR_REJECT_EMPTY_FIELD       10
#define ATTR_REJECT_DUPLICATE_FIELD   11
#define ATTR_REJECT_CLOCK_SKEW        12  /* timestamp beyond max_clock_skew_ms of its partition's event time */

/* ---- Outcomes (index of attr_counters.outcomes) ------------------------------------------- */

#define ATTR_OUTCOME_CLICK_STORED             0
#define ATTR_OUTCOME_CLICK_TOO_OLD            1
#define ATTR_OUTCOME_CLICK_EXPIRED_ON_ARRIVAL 2
#define ATTR_OUTCOME_ATTRIBUTED               3
#define ATTR_OUTCOME_DUPLICATE_CONVERSION     4
#define ATTR_OUTCOME_NO_CLICK                 5
#define ATTR_OUTCOME_CLICK_AFTER_CONVERSION   6
#define ATTR_OUTCOME_CLICK_OUTSIDE_WINDOW     7

/* ---- Types ------------------------------------------------------------------------------- */

/* An open engine. Opaque: never dereference it. */
typedef struct attr_engine attr_engine;

/* Result of a batch submit. Frozen layout (ABI v1). */
typedef struct attr_batch_result {
    uint64_t accepted;            /* records decoded and queued for the shards */
    uint64_t rejected;            /* records rejected (also counted by reason in attr_counters) */
    uint64_t blank;               /* empty lines skipped (NDJSON only; they are not records) */
    uint64_t consumed;            /* input bytes consumed; < len only when the call stopped early */
    int64_t  first_rejected;      /* 0-based line/frame index of the first rejected record, -1 if none */
    int32_t  first_reject_reason; /* its ATTR_REJECT_* reason, 0 if none */
    int32_t  reserved;            /* 0 */
} attr_batch_result;

#define ATTR_COUNTERS_VERSION 1
#define ATTR_COUNTERS_ARRAY   16

/* Engine counters, used as `struct attr_counters` (no typedef: the name is also the function's,
 * as with POSIX `struct stat` and stat()). Versioned: the library fills `version` and `size` (bytes it wrote); new fields
 * are only ever appended, so a caller compiled against an older header passes its smaller
 * sizeof and gets that prefix. Exact after attr_flush; otherwise possibly a little stale. */
struct attr_counters {
    uint32_t version;              /* out: ATTR_COUNTERS_VERSION of the library */
    uint32_t size;                 /* out: bytes written */
    uint64_t events;               /* clicks + conversions applied */
    uint64_t clicks;
    uint64_t conversions;
    uint64_t attributed;           /* attributions produced */
    uint64_t rejected;             /* records rejected (decoder or clock guard) */
    uint64_t faults;               /* events a shard failed to apply (should stay 0) */
    uint64_t output_records;       /* attributions delivered to the output queue */
    uint64_t output_pending_bytes; /* bytes waiting to be polled */
    uint64_t outcomes[ATTR_COUNTERS_ARRAY];   /* per ATTR_OUTCOME_* */
    uint64_t rejections[ATTR_COUNTERS_ARRAY]; /* per ATTR_REJECT_* */
};

/* ---- Functions --------------------------------------------------------------------------- */

/* The library version, e.g. "0.1.0" (static, NUL-terminated); equals ATTRIBUTION_VERSION of the
 * header it was built with. Any thread. */
const char* attr_version(void);

/* Opens an engine and starts its shard threads.
 * config_json: a JSON object (UTF-8, config_len bytes; NULL/0 or "{}" = all defaults). Keys:
 *   "shards"                  int 1..256: shard threads (default: cores - 1, at least 1)
 *   "partitions"              int 1..65535: state partitions, user -> hash(user_id) mod P (64)
 *   "window_hours"            number > 0: attribution window (24)
 *   "allowed_lateness_ms"     int >= 0: how late an event may be and still see state (3600000)
 *   "conversion_retention_ms" int >= window: how long attributed conversion ids are remembered
 *   "click_history"           int 1..4: clicks kept per (user, campaign) (4)
 *   "max_record_bytes"        int 256..16777216: larger records are rejected oversized (65536)
 *   "max_clock_skew_ms"       int >= window + lateness: an event this far ahead of or behind its
 *                             partition's event time is rejected ATTR_REJECT_CLOCK_SKEW unless
 *                             clock_confirmations agreeing events confirm a jump ahead (the larger
 *                             of 7 days and window + lateness)
 *   "clock_confirmations"     int 1..8: events needed to start a partition's event time and to
 *                             confirm a jump ahead; 1 turns the forward check off (3)
 *   "ring_size"               int, power of two 2..4194304: ring slots (8192)
 *   "multi_producer"          bool: allow concurrent submitters (false)
 *   "wait"                    "sleeping" (default, no idle CPU) | "yielding" | "blocking" | "busy_spin"
 *   "output_format"           "json" (default) | "msgpack": format of polled attributions
 *   "output_buffer_bytes"     int >= 1024: output queue bound before ATTR_BACKPRESSURE (64 MiB)
 *   "state_dir"               string or null: directory of the state files and snapshots (null: a
 *                             private temporary directory, removed on close, and no snapshots).
 *                             Opening on a state_dir recovers its newest valid snapshot (none: the
 *                             engine starts empty); a snapshot taken with other results-determining
 *                             settings (window, lateness, retention, partitions, history, clock guard, shards)
 *                             fails with ATTR_INVALID_CONFIG. The state_dir is locked while the
 *                             engine is open (an OS lock on its LOCK file, released when the process
 *                             dies): a second attr_open on it, in any process, fails with
 *                             ATTR_IN_USE and a message naming the holder, and changes nothing
 *   "snapshot_every_events"   int >= 0: also snapshot after this many submitted records, started
 *                             by the submitting thread (0, the default: only on attr_snapshot)
 *   "snapshots_to_keep"       int 1..1000: snapshots kept in state_dir, older ones deleted (3)
 *   "click_memory_bytes", "conversion_memory_bytes" int >= 1 MiB: in-memory state per shard
 *   "index_buckets"           int, power of two >= 64: hash index buckets per shard table
 *   "expire_every_events"     int >= 1: expiry sweep cadence
 * Unknown or repeated keys, wrong types and invalid UTF-8 fail with ATTR_INVALID_CONFIG.
 * out: receives the handle (set to NULL on failure). Any thread. */
int attr_open(const char* config_json, size_t config_len, attr_engine** out);

/* Applies everything submitted, stops the shards and frees the engine. The handle is invalid
 * afterwards (every later call with it returns ATTR_INVALID_HANDLE). Unpolled attributions are
 * discarded. Once per engine. */
int attr_close(attr_engine* engine);

/* The message of the last failed call on the calling thread ("" if none yet). The pointer is
 * owned by the library and valid until the next failing call on the same thread. `engine` may be
 * NULL or invalid: the message is per thread. Any thread. */
const char* attr_last_error(attr_engine* engine);

/* Static names: "ATTR_INVALID_HANDLE", "invalid_json"; unknown values give a placeholder name. */
const char* attr_status_name(int status);
const char* attr_reject_reason_name(int reason);

/* Submits one record (len bytes in `format`, ATTR_FORMAT_JSON or ATTR_FORMAT_MSGPACK) with the
 * caller's position (an offset or line number; the engine keeps the last applied position per
 * partition, which snapshots record).
 * Returns ATTR_OK when accepted; ATTR_REJECTED when the decoder or the clock guard rejected it (counted). If
 * reject_reason is not NULL it receives the ATTR_REJECT_* reason (ATTR_REJECT_NONE otherwise);
 * ATTR_BACKPRESSURE when the output queue is full (nothing consumed: poll, then retry).
 * May block briefly while the ring is full. Submitter thread rules apply. */
int attr_submit(attr_engine* engine, const uint8_t* record, size_t len, int format,
                int64_t position, int* reject_reason);

/* Submits newline-delimited JSON records ('\n' or "\r\n"; the last line may lack it; empty lines
 * are skipped and counted in out->blank). Record i (0-based line index in this call) gets
 * position first_position + i. Rejected records do not stop the batch; they are counted in
 * *out. On ATTR_BACKPRESSURE the call stopped before the line starting at byte out->consumed:
 * poll, then submit the rest. `out` is required. Submitter thread rules apply. */
int attr_submit_batch(attr_engine* engine, const uint8_t* ndjson, size_t len,
                      int64_t first_position, attr_batch_result* out);

/* Submits MessagePack records, each framed as a 4-byte little-endian length followed by that
 * many bytes (the record). Positions, counting and back-pressure as attr_submit_batch. A frame
 * whose length runs past the end of the input returns ATTR_INVALID_ARGUMENT with out->consumed
 * at that frame (the frames before it were submitted). */
int attr_submit_batch_msgpack(attr_engine* engine, const uint8_t* frames, size_t len,
                              int64_t first_position, attr_batch_result* out);

/* Copies waiting attributions into buf: whole records only, never a partial one. With
 * "output_format": "json" each record is one JSON line ending in '\n'; with "msgpack" each is a
 * 4-byte little-endian length followed by the MessagePack map. ATTR_OK: *written bytes copied
 * (0 when nothing is waiting) and, if `needed` is not NULL, *needed = bytes still waiting.
 * ATTR_BUFFER_TOO_SMALL: nothing copied, *needed = size of the next record. buf may be NULL with
 * cap 0 (to ask for sizes). `written` is required. Any thread. Attributions appear once the
 * shards applied the conversion; attr_flush makes all of them appear. */
int attr_poll(attr_engine* engine, uint8_t* buf, size_t cap, size_t* written, size_t* needed);

/* Waits until every record submitted before the call is applied and its attributions are in the
 * output queue. timeout_ms <= 0 means the default of 5 minutes; ATTR_TIMEOUT when exceeded.
 * Any thread (it waits for a submit in progress on another thread to return). */
int attr_flush(attr_engine* engine, int64_t timeout_ms);

/* Writes a consistent snapshot of the state (and of each partition's last applied position) into
 * the engine's state_dir and returns once it is durable; the next attr_open on that state_dir
 * recovers it. `dir` may be NULL with dir_len 0 (meaning the state_dir); a non-empty `dir` (UTF-8,
 * dir_len bytes) must name the state_dir itself (full paths are compared), else
 * ATTR_INVALID_ARGUMENT. ATTR_UNSUPPORTED when the engine was opened without a state_dir.
 * ATTR_ERROR when writing it failed (e.g. disk full; the message says why): the previous snapshot
 * is kept and the engine keeps processing. Submitters are held back only while the cut is taken.
 * Any thread (serialised with submitters like attr_flush). */
int attr_snapshot(attr_engine* engine, const char* dir, size_t dir_len);

/* Reads the counters into *out. struct_size: sizeof(struct attr_counters) as the caller knows it
 * (at least 8). Any thread. */
int attr_counters(attr_engine* engine, struct attr_counters* out, size_t struct_size);

/* Live query: the newest live click of (user, campaign), read by the shard that owns the user at
 * this point of the stream (records submitted before the call are applied first). Ids are UTF-8,
 * 1..128 bytes. On ATTR_OK, buf holds *written bytes of JSON (not NUL-terminated):
 *   {"click_id":"c-1","ad_id":"ad-456","source":"facebook","timestamp":1678886400000}
 * ATTR_NOT_FOUND: no live click. ATTR_BUFFER_TOO_SMALL: *written = the size needed.
 * Any thread (it waits for a submit in progress on another thread to return). */
int attr_last_click(attr_engine* engine, const char* user, size_t user_len,
                    const char* campaign, size_t campaign_len,
                    uint8_t* buf, size_t cap, size_t* written);

#ifdef __cplusplus
}
#endif

#endif /* ATTRIBUTION_H */
