namespace Attribution.Host.Cli;

/// <summary>The --help texts, kept in one place so they stay complete.</summary>
public static class HelpText
{
    /// <summary>Top-level help.</summary>
    public const string Main = """
        attribution — attributes ad conversions to ad clicks in real time.

        usage:
          attribution                 run the demo: embedded Kafka broker, generated traffic, the
                                      exactly-once pipeline, live progress, then a summary
          attribution run [flags]     the Kafka host: raw-events in, attributed-events out, exactly once
          attribution demo [flags]    the demo with flags (--events N, --rate R, ...)
          attribution replay [flags]  attribute a JSON-lines file (or stdin) offline
          attribution broker [flags]  start the embedded Kafka-protocol test broker (until Ctrl-C)
          attribution --version       print the version
          attribution <command> --help

        The engine keeps, per user and campaign, the latest clicks and attributes each conversion to
        the latest click of the same campaign within the attribution window (default 24 h).
        """;

    /// <summary>Help of the replay command.</summary>
    public const string Replay = """
        attribution replay — attribute a file of upstream JSON events (one per line).

        usage: attribution replay [--input FILE] [--output FILE] [flags]

          --input FILE            events as JSON lines (default: standard input)
          --output FILE           attributed conversions as JSON lines (default: standard output)
          --dead-letter FILE      write each rejected line as {"line":N,"reason":"…","field":"…",
                                  "record":"…"} (field when the reason is about one; record_base64
                                  for binary; at most 512 KiB, then truncated and record_bytes)
          --window-hours H        attribution window in hours, fractions allowed (default 24)
          --allowed-lateness D    how late an event may arrive and still see state: 500ms, 30s,
                                  15m, 1h, 2d (default 1h)
          --conversion-retention D  how long attributed conversion ids are remembered against
                                  duplicates (default: window + lateness)
          --click-history N       clicks kept per (user, campaign) for out-of-order conversions,
                                  1 to 4 (default 4)
          --max-clock-skew D      an event further than this ahead of or behind its partition's
                                  event time is dead-lettered as clock_skew, unless a jump ahead
                                  is confirmed (default: 7d, at least window + lateness)
          --clock-confirmations N agreeing events that start a partition's event time or confirm
                                  a jump ahead, 1 to 8 (default 3; 1 = no forward check)
          --partitions P          state partitions, user_id hashed with a stable hash (default 64)
          --max-record-bytes N    reject longer records as oversized (default 65536)
          --shards N              shard threads applying events (default: cores - 1, at least 1);
                                  each partition's output order is the same for any N
          --state-dir DIR         keep state and snapshots in DIR; running the same command again
                                  after a crash resumes from the last snapshot, and the finished
                                  output holds every attribution exactly once (needs --output)
          --snapshot-every N      snapshot every N input lines (default: only at the end)
          --snapshots-to-keep K   snapshots kept in the state directory (default 3)
          --memory-mb M           in-memory budget of each state table in MiB; older state spills
                                  to disk (default: 64 for clicks, 16 for conversion ids)
          --expire-every N        sweep expired state after at least N events per shard
                                  (default 250000)
          --quiet                 do not print the summary

        A summary (events read, clicks, conversions, attributed, rejected by reason, events/s) goes to
        standard error. Exit codes: 0 the run completed (rejected records do not fail it), 1 it could
        not run (e.g. missing input file), 2 bad flags.
        """;

    /// <summary>Help of the run command.</summary>
    public const string Run = """
        attribution run — the Kafka host: consume raw-events, attribute, produce attributed-events.

        usage: attribution run [--bootstrap-servers HOST:PORT] [flags]

        Every setting comes, strongest first, from a flag, an environment variable
        (ATTRIBUTION_<NAME>, e.g. ATTRIBUTION_SHARDS), a JSON config file (--config FILE or
        ATTRIBUTION_CONFIG; keys are the flag names with '_', plus a "kafka" object), or its default.

          --bootstrap-servers S   Kafka brokers (also KAFKA_BOOTSTRAP_SERVERS); required
          --input-topic T         upstream events (default raw-events)
          --output-topic T        attributed conversions (default attributed-events)
          --dead-letter-topic T   rejected records, headers reason/field/source-partition/source-offset
                                  (default attribution-dead-letter)
          --group G               consumer group (default attribution)
          --host-id ID            this host's stable name; transactional.id is
                                  attribution-<group>-<host-id> (default: the machine name)
          --input-format F        json or msgpack (default json); --output-format F likewise
          --commit-interval D     one transaction per interval: 100ms (default), 1s, ...
          --window D              attribution window: 24h (default), 30m, 1000ms ...; or
          --window-hours H        the window in hours, fractions allowed
          --allowed-lateness D    how late an event may arrive and still see state (default 1h)
          --conversion-retention D  how long attributed conversion ids are remembered
                                  (default window + lateness)
          --click-history N       clicks kept per user and campaign (default 4)
          --max-clock-skew D      an event further than this ahead of or behind its partition's
                                  event time is dead-lettered as clock_skew, unless a jump ahead
                                  is confirmed (default: 7d, at least window + lateness)
          --clock-confirmations N agreeing events that start a partition's event time or confirm
                                  a jump ahead, 1 to 8 (default 3; 1 = no forward check)
          --max-record-bytes N    reject longer records as oversized (default 65536)
          --shards N              engine shard threads (default: cores, at most 4)
          --rebuild-lookback D    input replayed to rebuild a partition's state, before its last
                                  committed record (default 2 x max(window + lateness, retention))
          --startup-timeout D     how long to wait for the cluster at start (default 10s)
          --transaction-timeout D the producer's transaction.timeout.ms (default 60s)
          --state-dir DIR         keep state and snapshots here; a restart resumes from the newest
                                  snapshot and replays only the input after it (default: none)
          --snapshot-interval D   how often to snapshot, at a transaction boundary (default 1m)
          --shared-state-dir DIR  a directory every host of the group can reach: a partition's
                                  state is written there when it is given up and every snapshot
                                  interval, and the host that gains it starts from that file
                                  instead of re-reading the input (default: none)
          --metrics-port N        serve /metrics (Prometheus) and /health on this port (default off)
          --metrics-address A     the address they listen on: 127.0.0.1 (default, this machine
                                  only), 0.0.0.0 or :: to let other machines scrape, or one
                                  interface's address. Limits: 512 connections kept (one more
                                  closes the one idle the longest), 1024 accepted at once (more
                                  wait in the kernel's queue), a connection idle for 10 s is
                                  closed, request headers must arrive within 5 s, request line
                                  4 KiB, headers 8 KiB, body 4 KiB, transfers slower than 240 B/s
                                  are cut after 5 s
          --kafka KEY=VALUE       any librdkafka property for every client, repeatable (TLS, SASL,
                                  tuning); also ATTRIBUTION_KAFKA_<KEY> with '_' for '.'
          --config FILE           the JSON config file

        Exactly once: outputs, dead letters and input offsets commit in one Kafka transaction;
        read attributed-events with isolation.level=read_committed. On start or when partitions
        are assigned, state is rebuilt from the input and records already in the output topic are
        not produced again. Stop with Ctrl-C or SIGTERM (work done so far is committed).
        A stop waits at most 20 s for Kafka; after that the host exits 1 without committing (the
        work in flight is redone by the next owner of its partitions).
        Exit codes: 0 clean stop, 1 the run failed (one sentence on standard error), 2 bad settings.
        """;

    /// <summary>Help of the demo command.</summary>
    public const string Demo = """
        attribution demo — the default run: an embedded Kafka-protocol broker, a generator of
        realistic click and conversion traffic (users, campaigns, duplicates, late events, a little
        bad input), and the exactly-once pipeline, with live progress; stops by itself and prints a
        summary.

        usage: attribution [demo] [--events N] [--rate R] [--partitions P] [--shards N] [--seed S]

          --events N        events to generate (default 200000)
          --rate R          events per second the generator aims for; 0 = as fast as it can
                            (default 50000)
          --partitions P    partitions of raw-events (default 8)
          --shards N        engine shard threads (default: cores, at most 4)
          --seed S          generator seed (default: random, printed)
          --metrics-port N  serve /metrics and /health on 127.0.0.1 while the demo runs
          --max-clock-skew D, --clock-confirmations N  the event-time guard, as for run
        """;
}
