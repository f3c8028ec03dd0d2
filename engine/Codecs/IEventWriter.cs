using System.Buffers;
using Attribution.Engine.Events;

namespace Attribution.Engine.Codecs;

/// <summary>Encodes input events (clicks, conversions) in one wire format, for generators, tests and demo traffic.</summary>
public interface IEventWriter
{
    /// <summary>Writes <paramref name="record"/> (a decoded click or conversion) into <paramref name="output"/>.</summary>
    void Write(IBufferWriter<byte> output, in EventRecord record);
}
