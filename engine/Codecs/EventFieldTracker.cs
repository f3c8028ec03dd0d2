using System.Runtime.CompilerServices;
using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>
/// One <see cref="FieldState"/> per <see cref="RecordField"/>, indexed by its value (inline, so the tracker lives
/// on the stack); the slot of <see cref="RecordField.None"/> stays unused.
/// </summary>
[InlineArray(FieldCount)]
internal struct FieldStates
{
    public const int FieldCount = (int)RecordField.Timestamp + 1;
    private FieldState _first;
}

/// <summary>
/// Collects what a decoder saw while scanning one record, then applies the field rules of docs/SEMANTICS.md (wire formats) in a fixed
/// order. Both wire formats share it, so JSON and MessagePack reject the same records for the same reasons.
/// </summary>
internal struct EventFieldTracker
{
    private FieldStates _states;

    /// <summary>A known field name appeared twice.</summary>
    public bool Duplicate;
    /// <summary>The first field that appeared twice (valid when <see cref="Duplicate"/>).</summary>
    public RecordField DuplicateOf;
    /// <summary>A string (MessagePack only; JSON input is validated as a whole) was not valid UTF-8.</summary>
    public bool InvalidUtf8;
    /// <summary>The kind named by a string <c>event_type</c>; <see cref="EventKind.None"/> for any other string.</summary>
    public EventKind DeclaredKind;

    /// <summary>True when <paramref name="field"/> was already seen in this record.</summary>
    public readonly bool IsSeen(RecordField field) => _states[(int)field] != FieldState.Absent;

    /// <summary>Records that <paramref name="field"/> appeared again (the first such field is the one reported).</summary>
    public void SetDuplicate(RecordField field)
    {
        if (!Duplicate)
        {
            Duplicate = true;
            DuplicateOf = field;
        }
    }

    /// <summary>Records what was seen for <paramref name="field"/>.</summary>
    public void Set(RecordField field, FieldState state) => _states[(int)field] = state;

    /// <summary>
    /// Applies the field rules to a fully scanned record: the first failing rule wins, in this order:
    /// invalid UTF-8, duplicate field, <c>event_type</c>, then required fields in the order event_id, user_id,
    /// campaign_id, timestamp (clicks: ad_id, source), then the optional conversion fields type, source, value.
    /// On success sets <see cref="EventRecord.Kind"/> and clears fields that do not belong to that kind.
    /// </summary>
    public readonly RejectReason Resolve(ref EventRecord record)
    {
        if (InvalidUtf8)
        {
            return RejectReason.InvalidUtf8;
        }
        if (Duplicate)
        {
            return Rejected(ref record, RejectReason.DuplicateField, DuplicateOf);
        }
        switch (_states[(int)RecordField.EventType])
        {
            case FieldState.Absent:
            case FieldState.Null:
                return Rejected(ref record, RejectReason.MissingEventType, RecordField.EventType);
            case FieldState.WrongType:
                return Rejected(ref record, RejectReason.WrongType, RecordField.EventType);
        }
        if (DeclaredKind == EventKind.None)
        {
            return Rejected(ref record, RejectReason.UnknownEventType, RecordField.EventType);
        }

        RecordField field = RecordField.EventId;
        RejectReason reason = Required(field, record.EventId);
        if (reason == RejectReason.None)
        {
            reason = Required(field = RecordField.UserId, record.UserId);
        }
        if (reason == RejectReason.None)
        {
            reason = Required(field = RecordField.CampaignId, record.CampaignId);
        }
        if (reason == RejectReason.None)
        {
            field = RecordField.Timestamp;
            reason = _states[(int)RecordField.Timestamp] switch
            {
                FieldState.Present => RejectReason.None,
                FieldState.WrongType => RejectReason.WrongType,
                _ => RejectReason.MissingField,
            };
        }
        if (reason != RejectReason.None)
        {
            return Rejected(ref record, reason, field);
        }

        if (DeclaredKind == EventKind.Click)
        {
            reason = Required(field = RecordField.AdId, record.AdId);
            if (reason == RejectReason.None)
            {
                reason = Required(field = RecordField.Source, record.Source);
            }
            if (reason != RejectReason.None)
            {
                return Rejected(ref record, reason, field);
            }
            // type and value are not part of a click: like unknown fields, they are ignored.
            record.ConversionType = Utf8Field.Absent;
            record.Value = Utf8Field.Absent;
        }
        else
        {
            reason = Optional(field = RecordField.Type);
            if (reason == RejectReason.None)
            {
                reason = Optional(field = RecordField.Source);
            }
            if (reason == RejectReason.None)
            {
                reason = Optional(field = RecordField.Value);
            }
            if (reason != RejectReason.None)
            {
                return Rejected(ref record, reason, field);
            }
            // ad_id is not part of a conversion: ignored like an unknown field.
            record.AdId = Utf8Field.Absent;
        }
        record.Kind = DeclaredKind;
        return RejectReason.None;
    }

    private static RejectReason Rejected(ref EventRecord record, RejectReason reason, RecordField field)
    {
        record.RejectedField = field;
        return reason;
    }

    private readonly RejectReason Required(RecordField field, Utf8Field stored) => _states[(int)field] switch
    {
        FieldState.Present => stored.Length == 0 ? RejectReason.EmptyField : RejectReason.None,
        FieldState.WrongType => RejectReason.WrongType,
        FieldState.TooLong => RejectReason.FieldTooLong,
        _ => RejectReason.MissingField,
    };

    private readonly RejectReason Optional(RecordField field) => _states[(int)field] switch
    {
        FieldState.WrongType => RejectReason.WrongType,
        FieldState.TooLong => RejectReason.FieldTooLong,
        _ => RejectReason.None,
    };

    /// <summary>
    /// The last step both readers share: when the scan found no error, applies the field rules;
    /// a rejected record is left with kind <see cref="EventKind.None"/>.
    /// </summary>
    public readonly RejectReason Finish(RejectReason scanResult, ref EventRecord record)
    {
        RejectReason reason = scanResult == RejectReason.None ? Resolve(ref record) : scanResult;
        if (reason != RejectReason.None)
        {
            record.Kind = EventKind.None;
        }
        return reason;
    }
}
