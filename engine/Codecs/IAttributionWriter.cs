using System.Buffers;
using Attribution.Engine.Attribution;
using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>Encodes attributed conversions in one wire format (JSON or MessagePack), so a sink can pick the format per topic.</summary>
internal interface IAttributionWriter
{
    /// <summary>Writes one attributed conversion of <paramref name="conversion"/> to <paramref name="click"/> into <paramref name="output"/>.</summary>
    void Write(IBufferWriter<byte> output, in EventRecord conversion, in ClickView click, double windowHours);
}
