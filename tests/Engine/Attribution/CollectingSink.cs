using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Tests.Engine.Attribution;

/// <summary>A sink that keeps every output (tests only: it allocates).</summary>
internal struct CollectingSink : IAttributionSink
{
    /// <summary>Outputs in emission order.</summary>
    public List<AttributedOutput> Outputs;

    /// <inheritdoc />
    public void OnAttributed(ref EventRecord conversion, scoped in ClickView click)
        => Outputs.Add(AttributedOutput.From(ref conversion, in click));
}
