namespace Attribution.Tests.Reliability.Fuzz;

/// <summary>An entry point the fuzzer feeds; its name is also the seed folder under tests/Reliability/corpus/fuzz/.</summary>
public enum FuzzTarget
{
    /// <summary>JsonEventReader.Read.</summary>
    Json,
    /// <summary>MessagePackEventReader.Read.</summary>
    MessagePack,
    /// <summary>attr_submit, JSON and MessagePack (the first byte's low bit picks the format on mutated input).</summary>
    Submit,
    /// <summary>attr_submit_batch (NDJSON).</summary>
    Ndjson,
    /// <summary>attr_submit_batch_msgpack (length-prefixed frames).</summary>
    Frames,
    /// <summary>attr_open's configuration JSON.</summary>
    Config,
    /// <summary>attr_last_click's user and campaign (split at the first NUL byte).</summary>
    LastClick,
}
