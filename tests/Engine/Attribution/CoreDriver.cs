using Attribution.Testing.State;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;
using Attribution.Engine.State;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>Feeds stream items to an <see cref="AttributionCore{TTable}"/> over in-memory tables and collects outputs.</summary>
internal sealed class CoreDriver : IDisposable
{
    private readonly SimEventDecoder _decoder;
    private CollectingSink _sink;
    private EventRecord _record;

    /// <summary>Creates a core with <paramref name="config"/> (default configuration when null).</summary>
    public CoreDriver(AttributionConfig? config = null, SimEventDecoder? decoder = null)
    {
        _decoder = decoder ?? SimEventDecoders.Direct;
        _sink = new CollectingSink { Outputs = new List<AttributedOutput>() };
        Core = new AttributionCore<InMemoryStateTable>(config ?? new AttributionConfig(), new InMemoryStateTable(), new InMemoryStateTable());
    }

    /// <summary>The core under test.</summary>
    public AttributionCore<InMemoryStateTable> Core { get; }

    /// <summary>Outputs in emission order.</summary>
    public List<AttributedOutput> Outputs => _sink.Outputs;

    /// <summary>When set, physical expiry runs after every item (it must not change anything observable).</summary>
    public bool ExpireAfterEveryItem { get; init; }

    /// <summary>Entries removed by physical expiry so far.</summary>
    public long Expired { get; private set; }

    /// <summary>Applies one item; returns what happened as <see cref="AttributionRun"/> spells it.</summary>
    public string Apply(SimEvent item)
    {
        string step;
        if (item.Kind == SimKind.Expire)
        {
            Expired += Core.Expire();
            step = AttributionRun.ExpireMark;
        }
        else
        {
            RejectReason reason = _decoder(item, ref _record);
            if (reason != RejectReason.None)
            {
                Core.Counters.RecordRejected(reason);
                step = AttributionRun.RejectedMark(reason);
            }
            else
            {
                step = Core.Process(ref _record, ref _sink).ToString();
            }
        }
        if (ExpireAfterEveryItem)
        {
            Expired += Core.Expire();
        }
        return step;
    }

    /// <summary>Processes one event that must decode; returns its outcome.</summary>
    public AttributionOutcome Process(SimEvent e)
    {
        string step = Apply(e);
        return Enum.TryParse(step, out AttributionOutcome outcome)
            ? outcome
            : throw new InvalidOperationException($"{e} was not processed: {step}");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Core.Clicks.Dispose();
        Core.Conversions.Dispose();
    }
}
