/* Tests of libattribution through its C header: the happy path, every kind of bad argument,
 * queries, counters, batches, back-pressure and the thread rules. Prints "N passed, N failed". */
#define _GNU_SOURCE
#include "attribution.h"

#include <pthread.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The struct layouts are ABI: the library's mirrors (BatchResult.cs, CountersV1.cs) are pinned to the same numbers by NUnit. */
_Static_assert(sizeof(attr_batch_result) == 48, "attr_batch_result layout changed");
_Static_assert(offsetof(attr_batch_result, consumed) == 24 && offsetof(attr_batch_result, first_rejected) == 32, "attr_batch_result layout changed");
_Static_assert(offsetof(attr_batch_result, first_reject_reason) == 40, "attr_batch_result layout changed");
_Static_assert(sizeof(struct attr_counters) == 328, "attr_counters layout changed");
_Static_assert(offsetof(struct attr_counters, events) == 8 && offsetof(struct attr_counters, output_pending_bytes) == 64, "attr_counters layout changed");
_Static_assert(offsetof(struct attr_counters, outcomes) == 72 && offsetof(struct attr_counters, rejections) == 200, "attr_counters layout changed");

static int g_passed, g_failed, g_test_failed;

#define CHECK(cond)                                                                      \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            printf("    check failed at line %d: %s (last error: %s)\n", __LINE__, #cond, \
                   attr_last_error(NULL));                                               \
            g_test_failed = 1;                                                           \
        }                                                                                \
    } while (0)

#define RUN(fn)                                   \
    do {                                          \
        g_test_failed = 0;                        \
        fn();                                     \
        printf("%s %s\n", g_test_failed ? "FAIL" : "ok  ", #fn); \
        if (g_test_failed) g_failed++; else g_passed++; \
    } while (0)

static const char* CLICK =
    "{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\","
    "\"ad_id\":\"ad-456\",\"source\":\"facebook\",\"timestamp\":1678886400000,\"metadata\":{\"geo\":\"US\"}}";
static const char* CONVERSION =
    "{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\","
    "\"type\":\"purchase\",\"value\":19.99,\"source\":\"ios_app\",\"timestamp\":1678890000000}";
static const char* EXPECTED =
    "{\"event_type\":\"attributed_conversion\",\"conversion_id\":\"v-1\",\"click_id\":\"c-1\","
    "\"user_id\":\"user-123\",\"ad_id\":\"ad-456\",\"campaign_id\":\"camp-789\",\"source\":\"facebook\","
    "\"conversion_type\":\"purchase\",\"value\":19.99,\"click_time\":1678886400000,"
    "\"conversion_time\":1678890000000,\"attribution_window_hours\":24}\n";

static attr_engine* open_engine(const char* config) {
    attr_engine* e = NULL;
    int rc = attr_open(config, strlen(config), &e);
    if (rc != ATTR_OK) {
        printf("    attr_open(%s) failed: %s: %s\n", config, attr_status_name(rc), attr_last_error(NULL));
        g_test_failed = 1;
    }
    return e;
}

static int submit_text(attr_engine* e, const char* json, int64_t position) {
    int reason = -1;
    return attr_submit(e, (const uint8_t*)json, strlen(json), ATTR_FORMAT_JSON, position, &reason);
}

/* Polls everything (after a flush) into a malloc'd, NUL-terminated string. */
static char* drain(attr_engine* e, size_t* total) {
    size_t cap = 1 << 16, len = 0;
    char* all = malloc(cap + 1);
    for (;;) {
        size_t written = 0, needed = 0;
        if (cap - len < 4096) { cap *= 2; all = realloc(all, cap + 1); }
        int rc = attr_poll(e, (uint8_t*)all + len, cap - len, &written, &needed);
        if (rc == ATTR_BUFFER_TOO_SMALL) { cap = cap * 2 + needed; all = realloc(all, cap + 1); continue; }
        if (rc != ATTR_OK) { printf("    poll failed: %s\n", attr_last_error(NULL)); g_test_failed = 1; break; }
        len += written;
        if (written == 0 && needed == 0) break;
    }
    all[len] = 0;
    if (total) *total = len;
    return all;
}

static size_t count_lines(const char* s) {
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Every line is a whole JSON object: starts with '{', ends with '}' before its '\n'. */
static int lines_are_whole(const char* s) {
    while (*s) {
        const char* nl = strchr(s, '\n');
        if (!nl || *s != '{' || nl[-1] != '}') return 0;
        s = nl + 1;
    }
    return 1;
}

static void version_is_semantic(void) {
    const char* v = attr_version();
    CHECK(v != NULL && v[0] >= '0' && v[0] <= '9' && strchr(v, '.') != NULL);
}

static void header_version_macros_match_the_library_version(void) {
    char composed[64];
    snprintf(composed, sizeof composed, "%d.%d.%d", ATTRIBUTION_VERSION_MAJOR, ATTRIBUTION_VERSION_MINOR,
             ATTRIBUTION_VERSION_PATCH);
    CHECK(strcmp(composed, ATTRIBUTION_VERSION) == 0);
    CHECK(strcmp(attr_version(), ATTRIBUTION_VERSION) == 0);
    if (strcmp(attr_version(), ATTRIBUTION_VERSION) != 0)
        printf("    header says %s, library says %s\n", ATTRIBUTION_VERSION, attr_version());
}

static void click_then_conversion_is_attributed_and_polled(void) {
    attr_engine* e = open_engine("{\"shards\":2,\"window_hours\":24}");
    CHECK(submit_text(e, CLICK, 1) == ATTR_OK);
    CHECK(submit_text(e, CONVERSION, 2) == ATTR_OK);
    CHECK(attr_flush(e, 0) == ATTR_OK);
    char buf[4096];
    size_t written = 0, needed = 99;
    CHECK(attr_poll(e, (uint8_t*)buf, sizeof buf, &written, &needed) == ATTR_OK);
    CHECK(written == strlen(EXPECTED) && memcmp(buf, EXPECTED, written) == 0);
    CHECK(needed == 0);
    CHECK(attr_poll(e, (uint8_t*)buf, sizeof buf, &written, &needed) == ATTR_OK && written == 0);
    CHECK(attr_close(e) == ATTR_OK);
}

static void rejected_record_reports_reason(void) {
    attr_engine* e = open_engine("{\"shards\":1}");
    int reason = -1;
    CHECK(attr_submit(e, (const uint8_t*)"not json", 8, ATTR_FORMAT_JSON, 0, &reason) == ATTR_REJECTED);
    CHECK(reason == ATTR_REJECT_INVALID_JSON);
    CHECK(strstr(attr_last_error(e), "invalid_json") != NULL);
    const char* no_user = "{\"event_type\":\"click\",\"event_id\":\"c\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1}";
    CHECK(attr_submit(e, (const uint8_t*)no_user, strlen(no_user), ATTR_FORMAT_JSON, 1, &reason) == ATTR_REJECTED);
    CHECK(reason == ATTR_REJECT_MISSING_FIELD);
    CHECK(attr_submit(e, (const uint8_t*)"x", 1, ATTR_FORMAT_JSON, 2, NULL) == ATTR_REJECTED); /* reason pointer optional */
    size_t big = 100 * 1024;
    char* huge = malloc(big);
    memset(huge, ' ', big);
    huge[0] = '{'; huge[big - 1] = '}';
    CHECK(attr_submit(e, (const uint8_t*)huge, big, ATTR_FORMAT_JSON, 3, &reason) == ATTR_REJECTED);
    CHECK(reason == ATTR_REJECT_OVERSIZED);
    free(huge);
    CHECK(strcmp(attr_reject_reason_name(ATTR_REJECT_OVERSIZED), "oversized") == 0);
    CHECK(strcmp(attr_reject_reason_name(999), "unknown") == 0);
    CHECK(strcmp(attr_status_name(ATTR_BACKPRESSURE), "ATTR_BACKPRESSURE") == 0);
    attr_close(e);
}

static void null_handle_is_refused_everywhere(void) {
    uint8_t buf[64];
    size_t w = 0, n = 0;
    struct attr_counters c;
    attr_batch_result r;
    CHECK(attr_submit(NULL, (const uint8_t*)CLICK, strlen(CLICK), 0, 0, NULL) == ATTR_INVALID_HANDLE);
    CHECK(strstr(attr_last_error(NULL), "NULL") != NULL);
    CHECK(attr_submit_batch(NULL, (const uint8_t*)"", 0, 0, &r) == ATTR_INVALID_HANDLE);
    CHECK(attr_submit_batch_msgpack(NULL, (const uint8_t*)"", 0, 0, &r) == ATTR_INVALID_HANDLE);
    CHECK(attr_poll(NULL, buf, sizeof buf, &w, &n) == ATTR_INVALID_HANDLE);
    CHECK(attr_flush(NULL, 0) == ATTR_INVALID_HANDLE);
    CHECK(attr_counters(NULL, &c, sizeof c) == ATTR_INVALID_HANDLE);
    CHECK(attr_last_click(NULL, "u", 1, "c", 1, buf, sizeof buf, &w) == ATTR_INVALID_HANDLE);
    CHECK(attr_snapshot(NULL, "/tmp", 4) == ATTR_INVALID_HANDLE);
    CHECK(attr_close(NULL) == ATTR_INVALID_HANDLE);
}

static void forged_handles_are_refused(void) {
    uint8_t buf[64];
    size_t w = 0, n = 0;
    attr_engine* forged[] = {(attr_engine*)(uintptr_t)0x1234, (attr_engine*)(uintptr_t)buf,
                             (attr_engine*)(uintptr_t)0xA77B000012340001ull, (attr_engine*)(uintptr_t)UINTPTR_MAX};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        CHECK(attr_poll(forged[i], buf, sizeof buf, &w, &n) == ATTR_INVALID_HANDLE);
        CHECK(submit_text(forged[i], CLICK, 0) == ATTR_INVALID_HANDLE);
        CHECK(attr_close(forged[i]) == ATTR_INVALID_HANDLE);
    }
}

static void closed_handle_is_refused(void) {
    attr_engine* e = open_engine("{\"shards\":1}");
    CHECK(attr_close(e) == ATTR_OK);
    CHECK(submit_text(e, CLICK, 0) == ATTR_INVALID_HANDLE);
    CHECK(strstr(attr_last_error(NULL), "not an open engine") != NULL);
    CHECK(attr_flush(e, 0) == ATTR_INVALID_HANDLE);
    CHECK(attr_close(e) == ATTR_INVALID_HANDLE); /* closing twice is detected */
}

static void handle_of_closed_engine_does_not_reach_the_next_engine(void) {
    attr_engine* a = open_engine("{\"shards\":1}");
    CHECK(attr_close(a) == ATTR_OK);
    attr_engine* b = open_engine("{\"shards\":1}"); /* likely takes the same slot */
    CHECK(a != b);
    CHECK(submit_text(a, CLICK, 0) == ATTR_INVALID_HANDLE);
    CHECK(submit_text(b, CLICK, 0) == ATTR_OK);
    struct attr_counters c;
    CHECK(attr_flush(b, 0) == ATTR_OK);
    CHECK(attr_counters(b, &c, sizeof c) == ATTR_OK && c.clicks == 1);
    CHECK(attr_counters(a, &c, sizeof c) == ATTR_INVALID_HANDLE);
    attr_close(b);
}

static void null_buffers_and_huge_lengths_are_refused(void) {
    attr_engine* e = open_engine("{\"shards\":1}");
    uint8_t buf[64];
    size_t w = 0, n = 0;
    attr_batch_result r;
    CHECK(attr_submit(e, NULL, 10, ATTR_FORMAT_JSON, 0, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_submit(e, buf, (size_t)-1, ATTR_FORMAT_JSON, 0, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(strstr(attr_last_error(e), "1 GiB") != NULL);
    CHECK(attr_submit(e, buf, ATTR_MAX_LENGTH + 1, ATTR_FORMAT_JSON, 0, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_submit(e, (const uint8_t*)CLICK, strlen(CLICK), 7, 0, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_submit_batch(e, NULL, 5, 0, &r) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_submit_batch(e, (const uint8_t*)CLICK, strlen(CLICK), 0, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_submit_batch(e, buf, (size_t)-5, 0, &r) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_poll(e, NULL, 100, &w, &n) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_poll(e, buf, sizeof buf, NULL, &n) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_poll(e, buf, (size_t)-1, &w, &n) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_poll(e, NULL, 0, &w, NULL) == ATTR_OK && w == 0); /* a size query with nothing pending */
    struct attr_counters c;
    CHECK(attr_counters(e, NULL, sizeof c) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_counters(e, &c, 4) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_counters(e, &c, (size_t)-1) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_last_click(e, NULL, 3, "c", 1, buf, sizeof buf, &w) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_last_click(e, "u", 1, "c", 1, buf, sizeof buf, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_last_click(e, "u", 0, "c", 1, buf, sizeof buf, &w) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_last_click(e, "u", (size_t)-1, "c", 1, buf, sizeof buf, &w) == ATTR_INVALID_ARGUMENT);
    char long_id[200];
    memset(long_id, 'u', sizeof long_id);
    CHECK(attr_last_click(e, long_id, sizeof long_id, "c", 1, buf, sizeof buf, &w) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_last_click(e, "\xff\xfe", 2, "c", 1, buf, sizeof buf, &w) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_snapshot(e, NULL, 4) == ATTR_INVALID_ARGUMENT);
    /* The engine still works after all of that. */
    CHECK(submit_text(e, CLICK, 0) == ATTR_OK);
    attr_close(e);
}

static void invalid_configurations_are_refused_with_a_reason(void) {
    attr_engine* e = (attr_engine*)(uintptr_t)1;
    const char* bad_utf8 = "{\"state_dir\":\"\xc3\x28\"}";
    CHECK(attr_open(bad_utf8, strlen(bad_utf8), &e) == ATTR_INVALID_CONFIG && e == NULL);
    CHECK(strstr(attr_last_error(NULL), "UTF-8") != NULL);
    const char* unknown = "{\"shards\":1,\"windw_hours\":24}";
    CHECK(attr_open(unknown, strlen(unknown), &e) == ATTR_INVALID_CONFIG);
    CHECK(strstr(attr_last_error(NULL), "windw_hours") != NULL);
    const char* cases[] = {
        "{\"shards\":\"2\"}", "{\"shards\":0}", "{\"shards\":1,\"shards\":2}", "[1]", "{\"ring_size\":3}",
        "{\"window_hours\":-1}", "{\"output_format\":\"xml\"}", "{\"multi_producer\":1}", "{\"shards\":1",
        "{} {}", "{\"wait\":\"nap\"}", "{\"conversion_retention_ms\":1}", "{\"partitions\":70000}",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = attr_open(cases[i], strlen(cases[i]), &e);
        if (rc != ATTR_INVALID_CONFIG) printf("    config %s gave %s\n", cases[i], attr_status_name(rc));
        CHECK(rc == ATTR_INVALID_CONFIG && e == NULL);
        CHECK(attr_last_error(NULL)[0] != 0);
    }
    CHECK(attr_open("{}", 2, NULL) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_open(NULL, 3, &e) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_open("{}", (size_t)-1, &e) == ATTR_INVALID_ARGUMENT);
    CHECK(attr_open(NULL, 0, &e) == ATTR_OK && e != NULL); /* all defaults */
    attr_close(e);
}

static void poll_never_returns_a_partial_record(void) {
    attr_engine* e = open_engine("{\"shards\":1}");
    submit_text(e, CLICK, 1);
    submit_text(e, CONVERSION, 2);
    const char* second = "{\"event_type\":\"conversion\",\"event_id\":\"v-2\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\",\"timestamp\":1678890000001}";
    submit_text(e, second, 3);
    attr_flush(e, 0);
    uint8_t buf[4096];
    size_t written = 1, needed = 0;
    CHECK(attr_poll(e, buf, 10, &written, &needed) == ATTR_BUFFER_TOO_SMALL);
    CHECK(written == 0 && needed == strlen(EXPECTED));
    CHECK(attr_poll(e, NULL, 0, &written, &needed) == ATTR_BUFFER_TOO_SMALL && needed == strlen(EXPECTED));
    /* Room for one record and a half: exactly one comes out. */
    CHECK(attr_poll(e, buf, needed + needed / 2, &written, &needed) == ATTR_OK);
    CHECK(written == strlen(EXPECTED) && memcmp(buf, EXPECTED, written) == 0);
    CHECK(needed > 0); /* the second one is still waiting */
    CHECK(attr_poll(e, buf, sizeof buf, &written, &needed) == ATTR_OK && written > 0 && needed == 0);
    CHECK(memmem(buf, written, "\"conversion_id\":\"v-2\"", 21) != NULL && buf[written - 1] == '\n');
    attr_close(e);
}

static void last_click_returns_the_newest_live_click(void) {
    attr_engine* e = open_engine("{\"shards\":2}");
    uint8_t buf[512];
    size_t w = 0;
    CHECK(attr_last_click(e, "user-123", 8, "camp-789", 8, buf, sizeof buf, &w) == ATTR_NOT_FOUND);
    submit_text(e, CLICK, 1);
    const char* newer = "{\"event_type\":\"click\",\"event_id\":\"c-2\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\",\"ad_id\":\"ad-9\",\"source\":\"google\",\"timestamp\":1678886500000}";
    const char* older = "{\"event_type\":\"click\",\"event_id\":\"c-0\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\",\"ad_id\":\"ad-0\",\"source\":\"bing\",\"timestamp\":1678886300000}";
    submit_text(e, newer, 2);
    submit_text(e, older, 3); /* arrives late: must not replace the newer one */
    /* No flush: the query itself is ordered after the submits. */
    CHECK(attr_last_click(e, "user-123", 8, "camp-789", 8, buf, sizeof buf, &w) == ATTR_OK);
    const char* expected = "{\"click_id\":\"c-2\",\"ad_id\":\"ad-9\",\"source\":\"google\",\"timestamp\":1678886500000}";
    CHECK(w == strlen(expected) && memcmp(buf, expected, w) == 0);
    CHECK(attr_last_click(e, "user-123", 8, "camp-000", 8, buf, sizeof buf, &w) == ATTR_NOT_FOUND);
    CHECK(attr_last_click(e, "user-999", 8, "camp-789", 8, buf, sizeof buf, &w) == ATTR_NOT_FOUND);
    CHECK(attr_last_click(e, "user-123", 8, "camp-789", 8, buf, 5, &w) == ATTR_BUFFER_TOO_SMALL);
    CHECK(w == strlen(expected));
    /* A click 25 h later moves the watermark: the old clicks of another campaign expire. */
    const char* later = "{\"event_type\":\"click\",\"event_id\":\"c-9\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-1\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1678986500000}";
    submit_text(e, later, 4);
    CHECK(attr_last_click(e, "user-123", 8, "camp-789", 8, buf, sizeof buf, &w) == ATTR_NOT_FOUND);
    CHECK(attr_last_click(e, "user-123", 8, "camp-1", 6, buf, sizeof buf, &w) == ATTR_OK);
    attr_close(e);
}

static void counters_count_events_outcomes_and_rejections(void) {
    attr_engine* e = open_engine("{\"shards\":2}");
    submit_text(e, CLICK, 1);
    submit_text(e, CONVERSION, 2);
    submit_text(e, CONVERSION, 3); /* duplicate */
    submit_text(e, "{", 4);
    attr_flush(e, 0);
    struct attr_counters c;
    memset(&c, 0xab, sizeof c);
    CHECK(attr_counters(e, &c, sizeof c) == ATTR_OK);
    CHECK(c.version == ATTR_COUNTERS_VERSION && c.size == sizeof c);
    CHECK(c.events == 3 && c.clicks == 1 && c.conversions == 2 && c.attributed == 1 && c.rejected == 1);
    CHECK(c.outcomes[ATTR_OUTCOME_DUPLICATE_CONVERSION] == 1 && c.outcomes[ATTR_OUTCOME_CLICK_STORED] == 1);
    CHECK(c.rejections[ATTR_REJECT_INVALID_JSON] == 1 && c.faults == 0);
    CHECK(c.output_records == 1 && c.output_pending_bytes == strlen(EXPECTED));
    /* A caller that knows only the first 24 bytes gets exactly those. */
    struct attr_counters small;
    memset(&small, 0xcd, sizeof small);
    CHECK(attr_counters(e, &small, 24) == ATTR_OK);
    CHECK(small.size == 24 && small.events == 3 && small.clicks == 1 && small.conversions == 0xcdcdcdcdcdcdcdcdull);
    attr_close(e);
}

static void ndjson_batch_counts_accepted_rejected_and_blank(void) {
    attr_engine* e = open_engine("{\"shards\":2}");
    size_t cap = 1 << 20, len = 0;
    char* batch = malloc(cap);
    int users = 500;
    for (int i = 0; i < users; i++)
        len += (size_t)snprintf(batch + len, cap - len,
            "{\"event_type\":\"click\",\"event_id\":\"c%d\",\"user_id\":\"u%d\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":%d}\n", i, i, 1000 + i);
    len += (size_t)snprintf(batch + len, cap - len, "\r\n{oops}\n");
    for (int i = 0; i < users; i++)
        len += (size_t)snprintf(batch + len, cap - len,
            "{\"event_type\":\"conversion\",\"event_id\":\"v%d\",\"user_id\":\"u%d\",\"campaign_id\":\"k\",\"timestamp\":%d}%s", i, i, 2000 + i,
            i + 1 < users ? "\r\n" : ""); /* CRLF lines; the last one has no line feed */
    attr_batch_result r;
    CHECK(attr_submit_batch(e, (const uint8_t*)batch, len, 100, &r) == ATTR_OK);
    CHECK(r.accepted == (uint64_t)(2 * users) && r.rejected == 1 && r.blank == 1 && r.consumed == len);
    CHECK(r.first_rejected == users + 1 && r.first_reject_reason == ATTR_REJECT_INVALID_JSON);
    CHECK(attr_flush(e, 0) == ATTR_OK);
    size_t total = 0;
    char* out = drain(e, &total);
    CHECK(count_lines(out) == (size_t)users && lines_are_whole(out));
    free(out);
    free(batch);
    attr_close(e);
}

/* Minimal MessagePack writer for the test records (fixmap, str8, int64). */
static size_t mp_str(uint8_t* p, const char* s) {
    size_t n = strlen(s);
    p[0] = 0xd9; p[1] = (uint8_t)n;
    memcpy(p + 2, s, n);
    return n + 2;
}
static size_t mp_i64(uint8_t* p, int64_t v) {
    p[0] = 0xd3;
    for (int i = 0; i < 8; i++) p[1 + i] = (uint8_t)((uint64_t)v >> (56 - 8 * i));
    return 9;
}
static size_t mp_frame(uint8_t* out, const char* kind, const char* id, int64_t ts) {
    uint8_t* p = out + 4;
    int click = strcmp(kind, "click") == 0;
    *p++ = (uint8_t)(0x80 | (click ? 7 : 5));
    p += mp_str(p, "event_type"); p += mp_str(p, kind);
    p += mp_str(p, "event_id"); p += mp_str(p, id);
    p += mp_str(p, "user_id"); p += mp_str(p, "mp-user");
    p += mp_str(p, "campaign_id"); p += mp_str(p, "mp-camp");
    p += mp_str(p, "timestamp"); p += mp_i64(p, ts);
    if (click) { p += mp_str(p, "ad_id"); p += mp_str(p, "ad-1"); p += mp_str(p, "source"); p += mp_str(p, "tiktok"); }
    uint32_t n = (uint32_t)(p - out - 4);
    out[0] = (uint8_t)n; out[1] = (uint8_t)(n >> 8); out[2] = (uint8_t)(n >> 16); out[3] = (uint8_t)(n >> 24);
    return n + 4;
}

static void msgpack_batch_and_msgpack_output(void) {
    attr_engine* e = open_engine("{\"shards\":1,\"output_format\":\"msgpack\"}");
    uint8_t frames[1024];
    size_t len = mp_frame(frames, "click", "mc-1", 5000);
    size_t first = len;
    len += mp_frame(frames + len, "conversion", "mv-1", 6000);
    attr_batch_result r;
    CHECK(attr_submit_batch_msgpack(e, frames, len, 0, &r) == ATTR_OK);
    CHECK(r.accepted == 2 && r.rejected == 0 && r.consumed == len);
    /* A single MessagePack record through attr_submit. */
    size_t one = mp_frame(frames + len, "conversion", "mv-2", 6001);
    CHECK(attr_submit(e, frames + len + 4, one - 4, ATTR_FORMAT_MSGPACK, 9, NULL) == ATTR_OK);
    /* A frame claiming more bytes than remain stops the batch there. */
    uint8_t broken[256];
    size_t blen = mp_frame(broken, "conversion", "mv-3", 6002);
    CHECK(attr_submit_batch_msgpack(e, frames, first + 3, 0, &r) == ATTR_INVALID_ARGUMENT);
    CHECK(r.accepted == 1 && r.consumed == first && strstr(attr_last_error(e), "truncated") != NULL);
    CHECK(attr_submit_batch_msgpack(e, broken, blen - 1, 0, &r) == ATTR_INVALID_ARGUMENT && r.consumed == 0);
    attr_flush(e, 0);
    uint8_t out[4096];
    size_t w = 0, n = 0;
    CHECK(attr_poll(e, out, sizeof out, &w, &n) == ATTR_OK);
    /* Two length-prefixed MessagePack maps. */
    size_t at = 0, records = 0;
    while (at + 4 <= w) {
        uint32_t m = (uint32_t)out[at] | (uint32_t)out[at + 1] << 8 | (uint32_t)out[at + 2] << 16 | (uint32_t)out[at + 3] << 24;
        CHECK((out[at + 4] & 0xf0) == 0x80 || out[at + 4] == 0xde);
        CHECK(memmem(out + at + 4, m, "mv-", 3) != NULL);
        at += 4 + m;
        records++;
    }
    CHECK(at == w && records == 2);
    attr_close(e);
}

static void full_output_queue_applies_backpressure_and_loses_nothing(void) {
    attr_engine* e = open_engine("{\"shards\":1,\"output_buffer_bytes\":1024,\"ring_size\":64}");
    submit_text(e, CLICK, 0);
    char conv[512];
    int submitted = 0, backpressured = 0;
    size_t polled_lines = 0;
    for (int i = 0; i < 400; i++) {
        snprintf(conv, sizeof conv, "{\"event_type\":\"conversion\",\"event_id\":\"bp-%d\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\",\"timestamp\":%lld}", i, 1678886400000LL + i);
        int rc;
        while ((rc = submit_text(e, conv, i)) == ATTR_BACKPRESSURE) {
            backpressured++;
            char* out = drain(e, NULL); /* a caller that polls only when told to */
            polled_lines += count_lines(out);
            free(out);
        }
        CHECK(rc == ATTR_OK);
        submitted++;
    }
    CHECK(backpressured > 0);
    attr_flush(e, 0);
    char* out = drain(e, NULL);
    polled_lines += count_lines(out);
    free(out);
    CHECK(polled_lines == (size_t)submitted);
    /* The batch form stops at the first record it cannot take and says where. */
    size_t cap = 1 << 16, len = 0;
    char* batch = malloc(cap);
    for (int i = 0; i < 200; i++)
        len += (size_t)snprintf(batch + len, cap - len, "{\"event_type\":\"conversion\",\"event_id\":\"bq-%d\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\",\"timestamp\":%lld}\n", i, 1678886400000LL + i);
    size_t at = 0, batch_lines = 0, rounds = 0;
    while (at < len) {
        attr_batch_result r;
        int rc = attr_submit_batch(e, (const uint8_t*)batch + at, len - at, (int64_t)at, &r);
        CHECK(rc == ATTR_OK || rc == ATTR_BACKPRESSURE);
        at += r.consumed;
        rounds++;
        attr_flush(e, 0);
        char* o = drain(e, NULL);
        batch_lines += count_lines(o);
        free(o);
        if (rounds > 1000) break;
    }
    CHECK(rounds > 1 && batch_lines == 200);
    free(batch);
    attr_close(e);
}

typedef struct {
    attr_engine* e;
    int n;
    int offset;
    atomic_int* stop;
    int busy_seen;
    int failures;
} worker;

static void* submit_pairs(void* arg) {
    worker* w = arg;
    char rec[512];
    for (int i = 0; i < w->n; i++) {
        int u = w->offset + i;
        snprintf(rec, sizeof rec, "{\"event_type\":\"click\",\"event_id\":\"c%d\",\"user_id\":\"u%d\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1000}", u, u);
        int rc;
        while ((rc = submit_text(w->e, rec, i)) == ATTR_BACKPRESSURE) {}
        w->failures += rc != ATTR_OK;
        snprintf(rec, sizeof rec, "{\"event_type\":\"conversion\",\"event_id\":\"v%d\",\"user_id\":\"u%d\",\"campaign_id\":\"k\",\"timestamp\":2000}", u, u);
        while ((rc = submit_text(w->e, rec, i)) == ATTR_BACKPRESSURE) {}
        w->failures += rc != ATTR_OK;
    }
    atomic_store(w->stop, 1);
    return NULL;
}

typedef struct {
    attr_engine* e;
    atomic_int* stop;
    size_t lines;
    int whole;
} poller;

static void* poll_loop(void* arg) {
    poller* p = arg;
    uint8_t* buf = malloc(1 << 14);
    p->whole = 1;
    for (;;) {
        int stopping = atomic_load(p->stop);
        size_t w = 0, n = 0;
        int rc = attr_poll(p->e, buf, 1 << 14, &w, &n);
        if (rc != ATTR_OK) { p->whole = 0; break; }
        char* s = malloc(w + 1);
        memcpy(s, buf, w);
        s[w] = 0;
        p->lines += count_lines(s);
        p->whole &= lines_are_whole(s);
        free(s);
        if (stopping && w == 0) break;
    }
    free(buf);
    return NULL;
}

static void concurrent_poll_and_submit_deliver_every_record_whole(void) {
    attr_engine* e = open_engine("{\"shards\":2,\"output_buffer_bytes\":65536}");
    atomic_int submitted = 0, flushed = 0;
    worker w = {e, 3000, 0, &submitted, 0, 0};
    poller p = {e, &flushed, 0, 0};
    pthread_t tw, tp;
    pthread_create(&tp, NULL, poll_loop, &p);
    pthread_create(&tw, NULL, submit_pairs, &w);
    pthread_join(tw, NULL);
    CHECK(attr_flush(e, 0) == ATTR_OK); /* from a third thread */
    atomic_store(&flushed, 1); /* the poller drains what the flush made visible, then stops */
    pthread_join(tp, NULL);
    char* rest = drain(e, NULL);
    size_t total = p.lines + count_lines(rest);
    free(rest);
    CHECK(w.failures == 0 && p.whole && total == 3000);
    attr_close(e);
}

static void* submit_batches_until_stopped(void* arg) {
    worker* w = arg;
    char* batch = malloc(1 << 20);
    size_t len = 0;
    for (int i = 0; i < 2000; i++)
        len += (size_t)snprintf(batch + len, 1 << 20, "{\"event_type\":\"click\",\"event_id\":\"c%d\",\"user_id\":\"u%d\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1000}\n", i, i);
    time_t until = time(NULL) + 20;
    while (!atomic_load(w->stop) && time(NULL) < until) {
        attr_batch_result r;
        int rc = attr_submit_batch(w->e, (const uint8_t*)batch, len, 0, &r);
        w->failures += rc != ATTR_OK && rc != ATTR_BUSY;
        w->busy_seen += rc == ATTR_BUSY;
    }
    free(batch);
    return NULL;
}

static void second_submitter_gets_busy_on_single_producer_engine(void) {
    attr_engine* e = open_engine("{\"shards\":1}");
    atomic_int stop = 0;
    worker a = {e, 0, 0, &stop, 0, 0};
    worker b = {e, 0, 0, &stop, 0, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, submit_batches_until_stopped, &a);
    time_t until = time(NULL) + 20;
    while (time(NULL) < until) { /* this thread is the second submitter */
        int rc = submit_text(e, CLICK, 0);
        if (rc == ATTR_BUSY) { b.busy_seen++; break; }
        CHECK(rc == ATTR_OK);
    }
    atomic_store(&stop, 1);
    pthread_join(ta, NULL);
    (void)tb;
    CHECK(b.busy_seen == 1 && a.failures == 0);
    CHECK(strstr(attr_last_error(e), "multi_producer") != NULL);
    attr_close(e);
}

static void multi_producer_engine_takes_concurrent_submitters(void) {
    attr_engine* e = open_engine("{\"shards\":2,\"multi_producer\":true}");
    atomic_int s1 = 0, s2 = 0;
    worker a = {e, 1500, 0, &s1, 0, 0};
    worker b = {e, 1500, 100000, &s2, 0, 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, submit_pairs, &a);
    pthread_create(&tb, NULL, submit_pairs, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(attr_flush(e, 0) == ATTR_OK);
    char* out = drain(e, NULL);
    CHECK(a.failures == 0 && b.failures == 0 && count_lines(out) == 3000);
    free(out);
    attr_close(e);
}

static void snapshot_needs_a_state_dir(void) {
    attr_engine* e = open_engine("{\"shards\":1}");
    CHECK(attr_snapshot(e, NULL, 0) == ATTR_UNSUPPORTED);
    CHECK(strstr(attr_last_error(e), "open the engine with a state_dir to take snapshots") != NULL);
    CHECK(attr_snapshot(e, "/tmp/snap", 9) == ATTR_UNSUPPORTED);
    CHECK(submit_text(e, CLICK, 0) == ATTR_OK); /* still usable */
    attr_close(e);
}

static void snapshot_is_recovered_by_reopening_the_state_dir(void) {
    char dir[] = "/tmp/attr-c-snap-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char config[256];
    snprintf(config, sizeof config, "{\"shards\":1,\"state_dir\":\"%s\"}", dir);
    attr_engine* e = open_engine(config);
    CHECK(submit_text(e, CLICK, 1) == ATTR_OK);
    CHECK(attr_snapshot(e, NULL, 0) == ATTR_OK);
    /* A dir that is not the state_dir is refused; the state_dir itself (with a trailing '/') is accepted. */
    CHECK(attr_snapshot(e, "/tmp/elsewhere", 14) == ATTR_INVALID_ARGUMENT);
    CHECK(strstr(attr_last_error(e), "state_dir") != NULL);
    char same[300];
    int same_len = snprintf(same, sizeof same, "%s/", dir);
    CHECK(attr_snapshot(e, same, (size_t)same_len) == ATTR_OK);
    CHECK(attr_close(e) == ATTR_OK);

    e = open_engine(config);
    uint8_t buf[512] = {0}; /* zeroed: the JSON written is not NUL-terminated */
    size_t w = 0;
    CHECK(attr_last_click(e, "user-123", 8, "camp-789", 8, buf, sizeof buf, &w) == ATTR_OK);
    CHECK(w > 0 && w < sizeof buf && strstr((const char*)buf, "\"click_id\":\"c-1\"") != NULL);
    /* The recovered click attributes a conversion submitted after the reopen. */
    CHECK(submit_text(e, CONVERSION, 2) == ATTR_OK);
    CHECK(attr_flush(e, 0) == ATTR_OK);
    char* out = drain(e, NULL);
    CHECK(out != NULL && strcmp(out, EXPECTED) == 0);
    free(out);
    CHECK(attr_close(e) == ATTR_OK);

    /* A snapshot taken with another window is a configuration error, not a silent restart. */
    snprintf(config, sizeof config, "{\"shards\":1,\"window_hours\":12,\"state_dir\":\"%s\"}", dir);
    e = (attr_engine*)(uintptr_t)1;
    CHECK(attr_open(config, strlen(config), &e) == ATTR_INVALID_CONFIG && e == NULL);
    CHECK(strstr(attr_last_error(NULL), "other settings") != NULL);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void state_dir_is_used_and_kept(void) {
    char dir[] = "/tmp/attr-c-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char config[256];
    snprintf(config, sizeof config, "{\"shards\":1,\"state_dir\":\"%s\"}", dir);
    attr_engine* e = open_engine(config);
    submit_text(e, CLICK, 0);
    CHECK(attr_close(e) == ATTR_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/shard-0", dir);
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode)); /* the caller's directory is kept */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

static void* fail_on_another_thread(void* arg) {
    char** seen = arg;
    attr_flush(NULL, 0);
    *seen = strdup(attr_last_error(NULL));
    return NULL;
}

static void error_messages_are_per_thread(void) {
    attr_engine* e = NULL;
    const char* unknown = "{\"colour\":1}";
    CHECK(attr_open(unknown, strlen(unknown), &e) == ATTR_INVALID_CONFIG);
    char* other = NULL;
    pthread_t t;
    pthread_create(&t, NULL, fail_on_another_thread, &other);
    pthread_join(t, NULL);
    CHECK(other != NULL && strstr(other, "NULL") != NULL);
    CHECK(strstr(attr_last_error(NULL), "colour") != NULL); /* this thread's message is untouched */
    free(other);
}

static void unusable_state_dir_is_an_error_not_a_crash(void) {
    attr_engine* e = (attr_engine*)(uintptr_t)1;
    const char* config = "{\"shards\":1,\"state_dir\":\"/proc/attr-no-such-place/state\"}";
    int rc = attr_open(config, strlen(config), &e);
    CHECK(rc == ATTR_ERROR && e == NULL);
    CHECK(strlen(attr_last_error(NULL)) > 10);
    printf("    (message: %s)\n", attr_last_error(NULL));
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("libattribution %s\n", attr_version());
    RUN(version_is_semantic);
    RUN(header_version_macros_match_the_library_version);
    RUN(click_then_conversion_is_attributed_and_polled);
    RUN(rejected_record_reports_reason);
    RUN(null_handle_is_refused_everywhere);
    RUN(forged_handles_are_refused);
    RUN(closed_handle_is_refused);
    RUN(handle_of_closed_engine_does_not_reach_the_next_engine);
    RUN(null_buffers_and_huge_lengths_are_refused);
    RUN(invalid_configurations_are_refused_with_a_reason);
    RUN(poll_never_returns_a_partial_record);
    RUN(last_click_returns_the_newest_live_click);
    RUN(counters_count_events_outcomes_and_rejections);
    RUN(ndjson_batch_counts_accepted_rejected_and_blank);
    RUN(msgpack_batch_and_msgpack_output);
    RUN(full_output_queue_applies_backpressure_and_loses_nothing);
    RUN(concurrent_poll_and_submit_deliver_every_record_whole);
    RUN(second_submitter_gets_busy_on_single_producer_engine);
    RUN(multi_producer_engine_takes_concurrent_submitters);
    RUN(snapshot_needs_a_state_dir);
    RUN(snapshot_is_recovered_by_reopening_the_state_dir);
    RUN(state_dir_is_used_and_kept);
    RUN(unusable_state_dir_is_an_error_not_a_crash);
    RUN(error_messages_are_per_thread);
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
