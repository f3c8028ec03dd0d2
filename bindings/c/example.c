/* Minimal use of libattribution: open, submit a click and a conversion, poll the attribution. */
#include "attribution.h"

#include <stdio.h>
#include <string.h>

static int check(int rc, const char* what) {
    if (rc != ATTR_OK) fprintf(stderr, "%s: %s: %s\n", what, attr_status_name(rc), attr_last_error(NULL));
    return rc == ATTR_OK;
}

int main(void) {
    const char* config = "{\"window_hours\":24,\"shards\":2}";
    attr_engine* engine = NULL;
    if (!check(attr_open(config, strlen(config), &engine), "open")) return 1;
    printf("libattribution %s\n", attr_version());

    const char* records[] = {
        "{\"event_type\":\"click\",\"event_id\":\"c-1\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\","
        "\"ad_id\":\"ad-456\",\"source\":\"facebook\",\"timestamp\":1678886400000}",
        "{\"event_type\":\"conversion\",\"event_id\":\"v-1\",\"user_id\":\"user-123\",\"campaign_id\":\"camp-789\","
        "\"type\":\"purchase\",\"value\":19.99,\"timestamp\":1678890000000}",
    };
    for (int i = 0; i < 2; i++) {
        int reason = 0;
        int rc = attr_submit(engine, (const uint8_t*)records[i], strlen(records[i]), ATTR_FORMAT_JSON, i, &reason);
        if (rc == ATTR_REJECTED) fprintf(stderr, "record %d rejected: %s\n", i, attr_reject_reason_name(reason));
        else if (!check(rc, "submit")) return 1;
    }
    if (!check(attr_flush(engine, 0), "flush")) return 1;

    uint8_t buf[4096];
    size_t written = 0, needed = 0;
    if (check(attr_poll(engine, buf, sizeof buf, &written, &needed), "poll"))
        fwrite(buf, 1, written, stdout); /* one JSON line per attribution */

    char click[256];
    if (attr_last_click(engine, "user-123", 8, "camp-789", 8, (uint8_t*)click, sizeof click - 1, &written) == ATTR_OK) {
        click[written] = 0;
        printf("last click: %s\n", click);
    }
    struct attr_counters counters;
    if (check(attr_counters(engine, &counters, sizeof counters), "counters"))
        printf("events %llu, attributed %llu, rejected %llu\n", (unsigned long long)counters.events,
               (unsigned long long)counters.attributed, (unsigned long long)counters.rejected);
    return check(attr_close(engine), "close") ? 0 : 1;
}
