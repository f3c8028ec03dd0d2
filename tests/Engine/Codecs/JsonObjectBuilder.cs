namespace Attribution.Tests.Engine.Codecs;

/// <summary>Builds JSON event objects from (name, raw JSON value) pairs, to vary one field at a time.</summary>
internal static class JsonObjectBuilder
{
    public static readonly (string Name, string Raw)[] ClickFields =
    [
        ("event_type", "\"click\""), ("event_id", "\"c-1\""), ("user_id", "\"user-123\""), ("campaign_id", "\"camp-789\""),
        ("ad_id", "\"ad-456\""), ("source", "\"facebook\""), ("timestamp", "1678886400000"),
    ];

    public static readonly (string Name, string Raw)[] ConversionFields =
    [
        ("event_type", "\"conversion\""), ("event_id", "\"v-1\""), ("user_id", "\"user-123\""), ("campaign_id", "\"camp-789\""),
        ("type", "\"purchase\""), ("value", "19.99"), ("source", "\"ios_app\""), ("timestamp", "1678890000000"),
    ];

    public static (string Name, string Raw)[] Fields(string kind) => kind == "click" ? ClickFields : ConversionFields;

    public static string Object(IEnumerable<(string Name, string Raw)> fields)
        => "{" + string.Join(",", fields.Select(f => $"\"{f.Name}\":{f.Raw}")) + "}";

    /// <summary>The base event of <paramref name="kind"/> with <paramref name="name"/> set to <paramref name="raw"/> (added if absent).</summary>
    public static string With(string kind, string name, string raw)
    {
        var fields = Fields(kind).ToList();
        int i = fields.FindIndex(f => f.Name == name);
        if (i >= 0)
        {
            fields[i] = (name, raw);
        }
        else
        {
            fields.Add((name, raw));
        }
        return Object(fields);
    }

    /// <summary>The base event of <paramref name="kind"/> without <paramref name="name"/>.</summary>
    public static string Without(string kind, string name) => Object(Fields(kind).Where(f => f.Name != name));
}
