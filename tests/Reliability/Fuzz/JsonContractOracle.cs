using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Attribution.Engine.Events;

namespace Attribution.Tests.Reliability.Fuzz;

/// <summary>
/// The verdict the input contract gives a JSON record, worked out without the engine's decoder: System.Text.Json's
/// <see cref="JsonDocument"/> for the syntax, and the field rules (which fields each kind needs, their types and byte
/// limits, which rule wins when several fail) written out here from the wire format and the reasons the C ABI documents
/// (attribution.h, <see cref="RejectReason"/>). It shares no code with engine/Codecs; only the <see cref="RejectReason"/> numbering and the slot sizes of <see cref="EventRecord"/>
/// are taken from the engine, since they are part of the ABI.
/// </summary>
internal static class JsonContractOracle
{
    private const int IdBytes = EventRecord.MaxIdBytes;
    private const int LabelBytes = EventRecord.MaxLabelBytes;
    private const int ValueChars = EventRecord.MaxValueBytes;

    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    private static readonly string[] Known = ["event_type", "event_id", "user_id", "campaign_id", "ad_id", "source", "type", "value", "timestamp"];

    /// <summary>
    /// The reasons the contract allows for <paramref name="utf8"/>: one, except where the contract leaves a choice (an
    /// escaped lone surrogate, which is valid JSON syntax but no text; a string far beyond its limit that is also broken
    /// that way), where each defensible verdict is listed.
    /// </summary>
    public static IReadOnlySet<RejectReason> Verdict(ReadOnlySpan<byte> utf8, int maxRecordBytes)
    {
        if (utf8.Length > maxRecordBytes)
        {
            return One(RejectReason.Oversized);
        }
        if (!Utf8.IsValid(utf8))
        {
            return One(RejectReason.InvalidUtf8);
        }
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8.ToArray(), Options);
        }
        catch (JsonException)
        {
            return One(RejectReason.InvalidJson);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return One(RejectReason.NotAnObject);
            }
            // A field name that is not text (a lone surrogate escape) is either invalid JSON or a name that is no known field.
            if (!Fields(doc.RootElement, strictNames: true, out var fields, out bool duplicate))
            {
                Fields(doc.RootElement, strictNames: false, out fields, out duplicate);
                return new HashSet<RejectReason>(Rules(fields, duplicate)) { RejectReason.InvalidJson };
            }
            return new HashSet<RejectReason>(Rules(fields, duplicate));
        }
    }

    /// <summary>
    /// The first occurrence of each known field, and whether a known field is named twice; false when a name is not
    /// text and <paramref name="strictNames"/> is set.
    /// </summary>
    private static bool Fields(JsonElement root, bool strictNames, out Dictionary<string, JsonElement> fields, out bool duplicate)
    {
        fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        duplicate = false;
        foreach (var property in root.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                if (strictNames)
                {
                    return false;
                }
                continue;
            }
            if (Array.IndexOf(Known, name) >= 0 && !fields.TryAdd(name, property.Value))
            {
                duplicate = true;
            }
        }
        return true;
    }

    /// <summary>The field rules, in the contract's order; several verdicts only where a string is not text.</summary>
    private static IEnumerable<RejectReason> Rules(Dictionary<string, JsonElement> fields, bool duplicate)
    {
        // Every known string field is unescaped, whatever the kind: one that is not text makes the record invalid JSON,
        // unless it is so long that no unescaping could make it fit (then it may be refused as too long unread).
        var notText = new List<RejectReason>();
        foreach (var (name, limit) in new[] { ("event_id", IdBytes), ("user_id", IdBytes), ("campaign_id", IdBytes), ("ad_id", IdBytes), ("source", LabelBytes), ("type", LabelBytes) })
        {
            if (fields.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.String && Text(v) is null)
            {
                notText.Add(RawBytes(v) > 6 * limit ? RejectReason.FieldTooLong : RejectReason.InvalidJson);
            }
        }
        // Broken text in a known field is found while reading it, before the rules that need the whole record.
        if (notText.Contains(RejectReason.InvalidJson))
        {
            return [RejectReason.InvalidJson];
        }
        if (fields.TryGetValue("event_type", out var type) && type.ValueKind == JsonValueKind.String && Text(type) is null)
        {
            // A broken event_type is either invalid JSON or a type that is neither click nor conversion.
            return [RejectReason.InvalidJson, duplicate ? RejectReason.DuplicateField : RejectReason.UnknownEventType];
        }
        var verdict = duplicate ? RejectReason.DuplicateField : FieldRules(fields);
        return notText.Count == 0 ? [verdict] : [verdict, RejectReason.InvalidJson];
    }

    private static RejectReason FieldRules(Dictionary<string, JsonElement> fields)
    {
        if (!fields.TryGetValue("event_type", out var type) || type.ValueKind == JsonValueKind.Null)
        {
            return RejectReason.MissingEventType;
        }
        if (type.ValueKind != JsonValueKind.String)
        {
            return RejectReason.WrongType;
        }
        bool click = Text(type) == "click";
        if (!click && Text(type) != "conversion")
        {
            return RejectReason.UnknownEventType;
        }

        foreach (string name in new[] { "event_id", "user_id", "campaign_id" })
        {
            if (Required(fields, name, IdBytes) is var reason && reason != RejectReason.None)
            {
                return reason;
            }
        }
        if (!fields.TryGetValue("timestamp", out var timestamp) || timestamp.ValueKind == JsonValueKind.Null)
        {
            return RejectReason.MissingField;
        }
        // Epoch milliseconds: an integer that fits in int64 (no fraction, no exponent).
        if (timestamp.ValueKind != JsonValueKind.Number || !timestamp.TryGetInt64(out _))
        {
            return RejectReason.WrongType;
        }

        if (click)
        {
            var adId = Required(fields, "ad_id", IdBytes);
            return adId != RejectReason.None ? adId : Required(fields, "source", LabelBytes);
        }
        foreach (var (name, limit) in new[] { ("type", LabelBytes), ("source", LabelBytes) })
        {
            if (Optional(fields, name, limit) is var reason && reason != RejectReason.None)
            {
                return reason;
            }
        }
        if (fields.TryGetValue("value", out var value) && value.ValueKind != JsonValueKind.Null)
        {
            // The exact number text is kept, so it must fit its slot; a quoted number is the wrong type.
            return value.ValueKind != JsonValueKind.Number ? RejectReason.WrongType
                : Encoding.UTF8.GetByteCount(value.GetRawText()) > ValueChars ? RejectReason.FieldTooLong : RejectReason.None;
        }
        return RejectReason.None;
    }

    private static RejectReason Required(Dictionary<string, JsonElement> fields, string name, int limit)
    {
        if (!fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return RejectReason.MissingField;
        }
        var optional = Optional(fields, name, limit);
        return optional != RejectReason.None ? optional : Text(v)!.Length == 0 ? RejectReason.EmptyField : RejectReason.None;
    }

    private static RejectReason Optional(Dictionary<string, JsonElement> fields, string name, int limit)
    {
        if (!fields.TryGetValue(name, out var v) || v.ValueKind == JsonValueKind.Null)
        {
            return RejectReason.None;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            return RejectReason.WrongType;
        }
        string? text = Text(v);
        return text is null || Encoding.UTF8.GetByteCount(text) > limit ? RejectReason.FieldTooLong : RejectReason.None;
    }

    /// <summary>The unescaped string, or null when its escapes do not spell text (a lone surrogate).</summary>
    private static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Bytes of the string as written (escapes not undone), without its quotes.</summary>
    private static int RawBytes(JsonElement value) => Encoding.UTF8.GetByteCount(value.GetRawText()) - 2;

    private static HashSet<RejectReason> One(RejectReason reason) => [reason];
}
