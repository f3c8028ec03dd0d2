using System.Text.Json;
using Attribution.Engine.Pipeline;
using Attribution.Tests.Engine.Attribution;

namespace Attribution.Tests.Engine.Pipeline;

/// <summary>Keeps every delivered attribution (parsed back from its JSON) with its partition and shard.</summary>
public sealed class CollectingOutput : IEngineOutput
{
    private readonly object _lock = new();

    public List<(int Shard, AttributedOutput Output, long Position, string Key, string Json)> Items { get; } = new();

    public void Deliver(OutputBatch batch)
    {
        lock (_lock)
        {
            for (int i = 0; i < batch.Count; i++)
            {
                ref readonly OutputEntry e = ref batch.Entry(i);
                string json = System.Text.Encoding.UTF8.GetString(batch.Value(in e));
                Items.Add((batch.Shard, Parse(e.Partition, json), e.Position, System.Text.Encoding.UTF8.GetString(batch.Key(in e)), json));
            }
        }
    }

    public static AttributedOutput Parse(int partition, string json)
    {
        using var doc = JsonDocument.Parse(json);
        var r = doc.RootElement;
        Assert.That(r.GetProperty("event_type").GetString(), Is.EqualTo("attributed_conversion"));
        string? Opt(string name) => r.GetProperty(name).ValueKind == JsonValueKind.Null ? null : r.GetProperty(name).GetString();
        string? value = r.GetProperty("value").ValueKind == JsonValueKind.Null ? null : r.GetProperty("value").GetRawText();
        return new AttributedOutput(
            partition,
            r.GetProperty("conversion_id").GetString()!,
            r.GetProperty("click_id").GetString()!,
            r.GetProperty("user_id").GetString()!,
            r.GetProperty("ad_id").GetString()!,
            r.GetProperty("campaign_id").GetString()!,
            r.GetProperty("source").GetString()!,
            Opt("conversion_type"),
            value,
            r.GetProperty("click_time").GetInt64(),
            r.GetProperty("conversion_time").GetInt64());
    }
}
