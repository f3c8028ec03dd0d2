namespace Attribution.Host.Cli;

/// <summary>The --help texts, kept in one place so they stay complete.</summary>
public static class HelpText
{
    /// <summary>Top-level help.</summary>
    public const string Main = """
        attribution — attributes ad conversions to ad clicks in real time.

        usage:
          attribution                 run the demo: sample traffic through the engine, then a summary
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
          --dead-letter FILE      write each rejected line as {"line":N,"reason":"…","record":"…"}
          --window-hours H        attribution window in hours, fractions allowed (default 24)
          --allowed-lateness D    how late an event may arrive and still see state: 500ms, 30s,
                                  15m, 1h, 2d (default 1h)
          --conversion-retention D  how long attributed conversion ids are remembered against
                                  duplicates (default: window + lateness)
          --click-history N       clicks kept per (user, campaign) for out-of-order conversions,
                                  1 to 4 (default 4)
          --partitions P          state partitions, user_id hashed with a stable hash (default 64)
          --max-record-bytes N    reject longer records as oversized (default 65536)
          --shards N              shard threads applying events (default: cores - 1, at least 1);
                                  each partition's output order is the same for any N
          --state-dir DIR         keep state and snapshots in DIR; running the same command again
                                  after a crash resumes from the last snapshot, and the finished
                                  output holds every attribution exactly once (needs --output)
          --snapshot-every N      snapshot every N input lines (default: only at the end)
          --snapshots-to-keep K   snapshots kept in the state directory (default 3)
          --quiet                 do not print the summary

        A summary (events read, clicks, conversions, attributed, rejected by reason, events/s) goes to
        standard error. Exit codes: 0 the run completed (rejected records do not fail it), 1 it could
        not run (e.g. missing input file), 2 bad flags.
        """;
}
