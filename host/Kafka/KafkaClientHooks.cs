using Attribution.Host.Run;
using Confluent.Kafka;
using Prometheus;

namespace Attribution.Host.Kafka;

/// <summary>
/// What every client of <c>run</c> gets besides its properties: librdkafka's log lines in the host's log, the
/// OAUTHBEARER token command when one is configured, and (for the long-lived clients) statistics as metrics.
/// </summary>
public static class KafkaClientHooks
{
    /// <summary>The hooks of a consumer; <paramref name="metrics"/> null: its statistics are not exported.</summary>
    public static ConsumerBuilder<TKey, TValue> WithHostHooks<TKey, TValue>(this ConsumerBuilder<TKey, TValue> builder, RunOptions options, RunLog log, CollectorRegistry? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Attach<IConsumer<TKey, TValue>>(options, log, metrics,
            h => builder.SetLogHandler(h), h => builder.SetOAuthBearerTokenRefreshHandler(h), h => builder.SetStatisticsHandler(h));
        return builder;
    }

    /// <summary>The hooks of a producer; <paramref name="metrics"/> null: its statistics are not exported.</summary>
    public static ProducerBuilder<TKey, TValue> WithHostHooks<TKey, TValue>(this ProducerBuilder<TKey, TValue> builder, RunOptions options, RunLog log, CollectorRegistry? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        Attach<IProducer<TKey, TValue>>(options, log, metrics,
            h => builder.SetLogHandler(h), h => builder.SetOAuthBearerTokenRefreshHandler(h), h => builder.SetStatisticsHandler(h));
        return builder;
    }

    // Confluent's consumer and producer builders share no interface for their handlers: each overload passes its setters.
    private static void Attach<TClient>(RunOptions options, RunLog log, CollectorRegistry? metrics,
        Action<Action<TClient, LogMessage>> setLog, Action<Action<TClient, string>> setOAuth, Action<Action<TClient, string>> setStatistics)
        where TClient : IClient
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        setLog((_, m) => log.Kafka(m));
        if (options.OAuthBearerTokenCommand is { } command)
        {
            var tokens = new OAuthBearerTokenCommand(command, log);
            setOAuth((client, config) => tokens.Refresh(client, config));
        }
        if (metrics is not null)
        {
            var statistics = new KafkaStatisticsMetrics(metrics);
            setStatistics((_, json) => statistics.Update(json));
        }
    }

    /// <summary>The hooks of an admin client; <paramref name="log"/> null: its log lines are dropped (the start-up probes report failures themselves).</summary>
    public static AdminClientBuilder WithHostHooks(this AdminClientBuilder builder, RunOptions options, RunLog? log)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        builder.SetLogHandler(log is null ? (_, _) => { } : (_, m) => log.Kafka(m));
        if (options.OAuthBearerTokenCommand is { } command)
        {
            builder.SetOAuthBearerTokenRefreshHandler(new OAuthBearerTokenCommand(command, log ?? new RunLog(TextWriter.Null)).Refresh);
        }
        return builder;
    }
}
