using System.Buffers;
using Attribution.Engine.Events;

namespace Attribution.Testing.Codecs;

/// <summary>Encodes input events (clicks, conversions) in one wire format, for generators, tests and benchmarks.</summary>
public interface IEventWriter
{
    /// <summary>Writes <paramref name="record"/> (a decoded click or conversion) into <paramref name="output"/>.</summary>
    void Write(IBufferWriter<byte> output, in EventRecord record);
}
