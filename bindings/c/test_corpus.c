/* The malformed-input corpus (tests/Reliability/corpus) through the NativeAOT library: every record is rejected
 * with the reason its index names (or accepted, for the few borderline valid ones), a generated 10 MB record is
 * rejected as oversized, and the click and conversion around each record are still attributed.
 * Usage: test_corpus CORPUS_DIR. Prints one line per record and "N passed, N failed". */
#define _GNU_SOURCE
#include "attribution.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_passed, g_failed;

static void report(int ok, const char* name, const char* detail) {
    printf("%s corpus %s%s%s\n", ok ? "ok  " : "FAIL", name, ok ? "" : ": ", ok ? "" : detail);
    if (ok) g_passed++; else g_failed++;
}

static unsigned char* read_file(const char* path, size_t* len) {
    FILE* f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char* data = malloc(n > 0 ? (size_t)n : 1);
    *len = n > 0 ? fread(data, 1, (size_t)n, f) : 0;
    fclose(f);
    return data;
}

static int submit_pair_part(attr_engine* e, int group, int conversion, int64_t position) {
    char buf[512];
    int n = conversion
        ? snprintf(buf, sizeof buf, "{\"event_type\":\"conversion\",\"event_id\":\"v-g%d\",\"user_id\":\"u-g%d\",\"campaign_id\":\"k\",\"timestamp\":%lld}", group, group, 1700000001000LL + group)
        : snprintf(buf, sizeof buf, "{\"event_type\":\"click\",\"event_id\":\"c-g%d\",\"user_id\":\"u-g%d\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":%lld}", group, group, 1700000000000LL + group);
    return attr_submit(e, (const uint8_t*)buf, (size_t)n, ATTR_FORMAT_JSON, position, NULL);
}

/* Submits one corpus record between a click and its conversion; checks status and reason. */
static void check_record(attr_engine* e, int group, const char* name, const unsigned char* data, size_t len, const char* expected) {
    char detail[512];
    int format = strstr(name, ".msgpack") ? ATTR_FORMAT_MSGPACK : ATTR_FORMAT_JSON;
    int reason = -1;
    if (submit_pair_part(e, group, 0, 3LL * group) != ATTR_OK) { report(0, name, "the click before it was not accepted"); return; }
    int status = attr_submit(e, data, len, format, 3LL * group + 1, &reason);
    int want_ok = strcmp(expected, "none") == 0;
    int ok = want_ok ? status == ATTR_OK && reason == 0
                     : status == ATTR_REJECTED && strcmp(attr_reject_reason_name(reason), expected) == 0;
    snprintf(detail, sizeof detail, "expected %s, got status %s reason %s (%s)", expected, attr_status_name(status),
             attr_reject_reason_name(reason), status == ATTR_OK ? "-" : attr_last_error(NULL));
    if (submit_pair_part(e, group, 1, 3LL * group + 2) != ATTR_OK) { report(0, name, "the conversion after it was not accepted"); return; }
    report(ok, name, detail);
}

int main(int argc, char** argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]); return 2; }
    char path[4096];
    snprintf(path, sizeof path, "%s/malformed.tsv", argv[1]);
    FILE* index = fopen(path, "r");
    if (!index) { printf("FAIL corpus index %s not found\n0 passed, 1 failed\n", path); return 1; }
    attr_engine* e = NULL;
    /* The corpus tests decoding: its valid records are stamped months before the clicks around them, which the
     * event-time guard would reject as clock_skew; its bound is set beyond any gap here. */
    static const char config[] = "{\"shards\":1,\"max_clock_skew_ms\":2305843009213693951}";
    if (attr_open(config, sizeof config - 1, &e) != ATTR_OK) { printf("FAIL attr_open: %s\n0 passed, 1 failed\n", attr_last_error(NULL)); return 1; }

    char line[1024];
    int group = 0;
    while (fgets(line, sizeof line, index)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char* name = strtok(line, "\t");
        char* expected = strtok(NULL, "\t\n");
        if (!name || !expected) continue;
        snprintf(path, sizeof path, "%s/malformed/%s", argv[1], name);
        size_t len = 0;
        unsigned char* data = read_file(path, &len);
        if (!data) { report(0, name, "file not found"); continue; }
        check_record(e, group++, name, data, len, expected);
        free(data);
    }
    fclose(index);

    /* Too big to commit: a 10 MB id, made here. */
    size_t huge = 10u << 20;
    char* big = malloc(huge + 256);
    int head = snprintf(big, 256, "{\"event_type\":\"click\",\"event_id\":\"");
    memset(big + head, 'e', huge);
    int tail = snprintf(big + head + huge, 200, "\",\"user_id\":\"u\",\"campaign_id\":\"k\",\"ad_id\":\"a\",\"source\":\"s\",\"timestamp\":1}");
    check_record(e, group++, "generated-10mb-event-id.json", (const unsigned char*)big, (size_t)head + huge + (size_t)tail, "oversized");
    free(big);

    /* Every group's conversion is attributed, whatever stood between it and its click. */
    char buf[1 << 16];
    size_t written = 0, needed = 0, attributed = 0;
    int flushed = attr_flush(e, 0);
    while (attr_poll(e, (uint8_t*)buf, sizeof buf - 1, &written, &needed) == ATTR_OK && written > 0) {
        buf[written] = 0;
        for (char* p = buf; (p = strstr(p, "\"conversion_id\":\"v-g")) != NULL; p++) attributed++;
    }
    char detail[128];
    snprintf(detail, sizeof detail, "%zu of %d conversions attributed (flush %d)", attributed, group, flushed);
    report(flushed == ATTR_OK && attributed == (size_t)group, "records around the bad ones are attributed", detail);
    attr_close(e);
    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
