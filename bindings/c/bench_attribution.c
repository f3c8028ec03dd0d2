/* Throughput of libattribution from C.
 *   bench_attribution [events] [shards] [wait] [batch]
 * 1. batch: NDJSON batches of `batch` lines through attr_submit_batch, polling between batches,
 *    until everything is applied and polled (events/s end to end).
 * 2. single: the same events one attr_submit call each (events/s and ns per call).
 * 3. boundary: ns per attr_version call (the managed/native transition alone) and per attr_poll
 *    on an empty queue (transition + handle lookup + queue lock).
 * Events: pairs of click + conversion (every conversion attributed), 100,000 users, one campaign
 * each, event time advancing 10 ms per event. Preliminary numbers on a shared machine. */
#define _GNU_SOURCE
#include "attribution.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double cpu(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(int rc, const char* what) {
    if (rc == ATTR_OK) return;
    fprintf(stderr, "%s: %s: %s\n", what, attr_status_name(rc), attr_last_error(NULL));
    exit(1);
}

static uint8_t g_poll[1 << 20];
static size_t g_polled_bytes;

static size_t poll_all(attr_engine* e) {
    size_t lines = 0, written = 0, needed = 0;
    do {
        die(attr_poll(e, g_poll, sizeof g_poll, &written, &needed), "poll");
        g_polled_bytes += written;
        for (const uint8_t* q = g_poll; (q = memchr(q, '\n', (size_t)(g_poll + written - q))) != NULL; q++) lines++;
    } while (written > 0);
    return lines;
}

/* Writes event i as one NDJSON line; returns its length. */
static size_t event_line(char* p, long i) {
    long pair = i / 2, user = pair % 100000;
    long long ts = 1678886400000LL + i * 10;
    if (i % 2 == 0)
        return (size_t)sprintf(p, "{\"event_type\":\"click\",\"event_id\":\"c-%ld\",\"user_id\":\"user-%ld\",\"campaign_id\":\"camp-%ld\","
                               "\"ad_id\":\"ad-%ld\",\"source\":\"facebook\",\"timestamp\":%lld}\n", pair, user, user % 7, pair % 1000, ts);
    return (size_t)sprintf(p, "{\"event_type\":\"conversion\",\"event_id\":\"v-%ld\",\"user_id\":\"user-%ld\",\"campaign_id\":\"camp-%ld\","
                           "\"type\":\"purchase\",\"value\":19.99,\"source\":\"ios_app\",\"timestamp\":%lld}\n", pair, user, user % 7, ts);
}

static attr_engine* open_engine(int shards, const char* wait) {
    char config[256];
    snprintf(config, sizeof config, "{\"shards\":%d,\"wait\":\"%s\",\"ring_size\":65536}", shards, wait);
    attr_engine* e = NULL;
    die(attr_open(config, strlen(config), &e), "open");
    return e;
}

/* Submits events [0, events) in NDJSON batches and polls until all attributions are out. */
static size_t run_batches(int shards, const char* wait, const char* data, const size_t* offsets, long events, long batch,
                          struct attr_counters* counters, double* seconds, double* thread_cpu, double* process_cpu) {
    attr_engine* e = open_engine(shards, wait);
    size_t attributed = 0;
    double t0 = now(), c0 = cpu(CLOCK_THREAD_CPUTIME_ID), p0 = cpu(CLOCK_PROCESS_CPUTIME_ID);
    for (long i = 0; i < events; i += batch) {
        long n = i + batch <= events ? batch : events - i;
        size_t at = offsets[i], end = offsets[i + n];
        while (at < end) {
            attr_batch_result r;
            int rc = attr_submit_batch(e, (const uint8_t*)data + at, end - at, i, &r);
            if (rc != ATTR_BACKPRESSURE) die(rc, "submit_batch");
            at += r.consumed;
            attributed += poll_all(e);
        }
    }
    die(attr_flush(e, 0), "flush");
    attributed += poll_all(e);
    *seconds = now() - t0;
    *thread_cpu = cpu(CLOCK_THREAD_CPUTIME_ID) - c0;
    *process_cpu = cpu(CLOCK_PROCESS_CPUTIME_ID) - p0;
    die(attr_counters(e, counters, sizeof *counters), "counters");
    attr_close(e);
    return attributed;
}

int main(int argc, char** argv) {
    long events = argc > 1 ? atol(argv[1]) : 1000000;
    int shards = argc > 2 ? atoi(argv[2]) : 2;
    const char* wait = argc > 3 ? argv[3] : "yielding";
    long batch = argc > 4 ? atol(argv[4]) : 1000;
    events -= events % 2;

    char* data = malloc((size_t)events * 200);
    size_t* offsets = malloc(((size_t)events + 1) * sizeof(size_t));
    size_t len = 0;
    for (long i = 0; i < events; i++) { offsets[i] = len; len += event_line(data + len, i); }
    offsets[events] = len;
    printf("libattribution %s: %ld events (%.1f MB NDJSON), shards=%d wait=%s batch=%ld\n",
           attr_version(), events, len / 1e6, shards, wait, batch);

    /* Warm-up: one untimed batch run on a throwaway engine (code paths, heap, page faults). */
    struct attr_counters c;
    double seconds = 0, thread_cpu = 0, process_cpu = 0;
    run_batches(shards, wait, data, offsets, events / 5 - (events / 5) % 2, batch, &c, &seconds, &thread_cpu, &process_cpu);
    size_t attributed = run_batches(shards, wait, data, offsets, events, batch, &c, &seconds, &thread_cpu, &process_cpu);
    printf("batch:    %.0f events/s (%.3f s, %zu attributions polled, %llu rejected, %.0f MB/s in)\n",
           events / seconds, seconds, attributed, (unsigned long long)c.rejected, len / 1e6 / seconds);
    /* CPU time per event is less sensitive than wall time to other load on a shared machine. The
     * calling thread decodes into the ring and polls (and spins when the ring is full, so this is
     * an upper bound of its work); the process figure adds the shards (and,
     * with a spinning wait strategy, their idle spinning). */
    printf("batch:    %.0f ns CPU per event on the calling thread, %.0f ns CPU per event in the process\n",
           thread_cpu * 1e9 / events, process_cpu * 1e9 / events);
    if (attributed != (size_t)events / 2 || c.rejected != 0) { fprintf(stderr, "unexpected counts\n"); return 1; }

    attr_engine* e = open_engine(shards, wait);
    attributed = 0;
    double t0 = now(), c0 = cpu(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < events; i++) {
        int rc;
        while ((rc = attr_submit(e, (const uint8_t*)data + offsets[i], offsets[i + 1] - offsets[i] - 1, ATTR_FORMAT_JSON, i, NULL)) == ATTR_BACKPRESSURE)
            attributed += poll_all(e);
        die(rc, "submit");
        if ((i & 1023) == 1023) attributed += poll_all(e);
    }
    die(attr_flush(e, 0), "flush");
    attributed += poll_all(e);
    double t1 = now(), single_cpu = cpu(CLOCK_THREAD_CPUTIME_ID) - c0;
    printf("single:   %.0f events/s (%.0f ns per attr_submit call incl. decode; %zu attributions)\n",
           events / (t1 - t0), (t1 - t0) * 1e9 / events, attributed);
    printf("single:   %.0f ns CPU per event on the calling thread: %.0f ns more than in batches (the per-call overhead)\n",
           single_cpu * 1e9 / events, (single_cpu - thread_cpu) * 1e9 / events);

    long calls = 2000000;
    t0 = now();
    for (long i = 0; i < calls; i++) if (attr_version() == NULL) return 1;
    t1 = now();
    printf("boundary: %.1f ns per attr_version call\n", (t1 - t0) * 1e9 / calls);
    size_t w, need;
    t0 = now();
    for (long i = 0; i < calls; i++) die(attr_poll(e, g_poll, 64, &w, &need), "poll");
    t1 = now();
    printf("boundary: %.1f ns per attr_poll call on an empty queue\n", (t1 - t0) * 1e9 / calls);
    attr_close(e);
    free(data);
    free(offsets);
    return 0;
}
