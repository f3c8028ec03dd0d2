using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;

namespace Attribution.Bench.Streamiz;

/// <summary>The Streamiz attribution job's topology: input KStream (key = user id) → <see cref="StreamizAttributionTransformer"/> → output topic.</summary>
internal static class StreamizTopology
{
    /// <summary>
    /// The topology from <paramref name="input"/> to <paramref name="output"/>, both stores persistent (RocksDB), with their
    /// changelog topics unless <paramref name="changelog"/> is false.
    /// </summary>
    public static Topology Build(string input, string output, StreamizCounters counters, bool changelog)
    {
        var builder = new StreamBuilder();
        // Both stores added to the topology and connected by name (a transformer builder holds one store only).
        builder.AddStateStore(Store(StreamizAttributionTransformer.ClickStore, new StringSerDes(), new StringSerDes(), changelog));
        builder.AddStateStore(Store(StreamizAttributionTransformer.ConversionStore, new StringSerDes(), new Int64SerDes(), changelog));
        // The input is keyed by user id already (murmur2, as the upstream producer writes it): no selectKey, no repartition topic.
        builder.Stream<string, string>(input)
            .Transform(TransformerBuilder.New<string, string, string, string>().Transformer<StreamizAttributionTransformer>(counters).Build(),
                "attribution", StreamizAttributionTransformer.ClickStore, StreamizAttributionTransformer.ConversionStore)
            .To(output);
        return builder.Build();
    }

    private static IStoreBuilder Store<K, V>(string storeName, ISerDes<K> keys, ISerDes<V> values, bool changelog)
    {
        IStoreBuilder<IKeyValueStore<K, V>> store = Stores.KeyValueStoreBuilder(Stores.PersistentKeyValueStore(storeName), keys, values);
        return changelog ? store : store.WithLoggingDisabled();
    }
}
