using Attribution.Host.Kafka;
using Confluent.Kafka;

namespace Attribution.Host.Run;

/// <summary>The checks before the host joins its group: each answers null when fine, else one sentence for the operator.</summary>
internal static class StartupProbes
{
    /// <summary>Whether a broker answers within the start-up timeout and the three topics exist.</summary>
    public static string? CheckCluster(RunOptions options, IKafkaSupplier kafka)
    {
        try
        {
            using var admin = kafka.GetAdmin(new AdminClientBuilder(options.AdminConfig()).SetLogHandler((_, _) => { }));
            var md = admin.GetMetadata(options.StartupTimeout);
            foreach (var topic in new[] { options.InputTopic, options.OutputTopic, options.DeadLetterTopic })
            {
                var t = md.Topics.FirstOrDefault(x => x.Topic == topic);
                if (t is null || t.Error.Code == ErrorCode.UnknownTopicOrPart || t.Partitions.Count == 0)
                {
                    return $"The topic '{topic}' does not exist on the Kafka cluster at {options.BootstrapServers}; create it first.";
                }
            }
            return null;
        }
        catch (KafkaException)
        {
            return $"No Kafka broker answered at {options.BootstrapServers} within {options.StartupTimeout.TotalSeconds:0.#} s.";
        }
    }

    /// <summary>Whether this host can write to the shared state directory (when one is set).</summary>
    public static string? CheckSharedStateDirectory(RunOptions options)
    {
        if (options.SharedStateDirectory is null)
        {
            return null;
        }
        string probe = options.SharedStateFile(0) + $".{Environment.ProcessId}.{Guid.NewGuid():N}.probe"; // pids repeat across containers
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            File.WriteAllText(probe, "probe");
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"The shared state directory '{options.SharedStateDirectory}' cannot be used: {Sentences.First(e.Message)}.";
        }
    }
}
