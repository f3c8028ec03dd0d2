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
            using var admin = kafka.GetAdmin(new AdminClientBuilder(options.AdminConfig()).WithHostHooks(options, null));
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

    /// <summary>
    /// Reads the partition counts and, when re-keying, makes sure the repartition topic exists: created with the input's
    /// partition count and replication when missing (as Kafka Streams creates its internal topics; the principal needs
    /// CREATE on it, or an operator creates it first). Null and the layout when fine, else one sentence.
    /// </summary>
    public static string? PrepareTopics(RunOptions options, IKafkaSupplier kafka, out TopicLayout layout)
    {
        layout = new TopicLayout(1, 1);
        try
        {
            using var admin = kafka.GetAdmin(new AdminClientBuilder(options.AdminConfig()).WithHostHooks(options, null));
            // Metadata of all topics: asking for one by name lets a broker with auto-creation create it with its defaults.
            var input = admin.GetMetadata(options.StartupTimeout).Topics.FirstOrDefault(t => t.Topic == options.InputTopic);
            if (input is null || input.Error.IsError || input.Partitions.Count == 0)
            {
                return $"The topic '{options.InputTopic}' does not exist on the Kafka cluster at {options.BootstrapServers}; create it first.";
            }
            int inputPartitions = input.Partitions.Count;
            if (options.InputKeying != InputKeying.Rekey)
            {
                layout = new TopicLayout(inputPartitions, inputPartitions);
                return null;
            }
            for (int attempt = 0; ; attempt++)
            {
                var md = admin.GetMetadata(options.StartupTimeout).Topics.FirstOrDefault(t => t.Topic == options.RepartitionTopic);
                if (md is not null && !md.Error.IsError && md.Partitions.Count > 0)
                {
                    layout = new TopicLayout(inputPartitions, md.Partitions.Count);
                    return null;
                }
                if (attempt >= 20)
                {
                    return $"The repartition topic '{options.RepartitionTopic}' was created but its metadata did not show up within {attempt} tries.";
                }
                if (attempt == 0)
                {
                    short replicas = (short)Math.Max(1, input.Partitions[0].Replicas.Length);
                    try
                    {
                        bool answered = admin.CreateTopicsAsync([new Confluent.Kafka.Admin.TopicSpecification
                        {
                            Name = options.RepartitionTopic, NumPartitions = inputPartitions, ReplicationFactor = replicas,
                        }]).Wait(options.StartupTimeout);
                        if (!answered)
                        {
                            return $"The repartition topic '{options.RepartitionTopic}' does not exist and the cluster did not create it within {options.StartupTimeout.TotalSeconds:0.#} s; create it with {inputPartitions} partitions.";
                        }
                    }
                    catch (AggregateException e) when (e.InnerException is Confluent.Kafka.Admin.CreateTopicsException c
                        && c.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
                    {
                        // Another host created it first.
                    }
                    catch (AggregateException e) when (e.InnerException is Confluent.Kafka.Admin.CreateTopicsException c)
                    {
                        return $"The repartition topic '{options.RepartitionTopic}' does not exist and could not be created: {Sentences.First(c.Results[0].Error.Reason)} (create it with {inputPartitions} partitions, or grant CREATE on it).";
                    }
                }
                Thread.Sleep(100);
            }
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
