namespace Attribution.Tests.Engine.Attribution;

/// <summary>The reference comparison of <see cref="AttributionPropertyTests"/>, with every event going through the real codecs.</summary>
[Category(TestCategories.Slow)]
public class AttributionCodecPropertyTests
{
    [Test]
    public void Core_matches_reference_on_random_json_lines_including_bad_lines()
        => AttributionPropertyTests.AssertMatchesReference(CodecSimEventDecoders.Json, TestSeed.Get(), iterations: 60, eventsPerStream: 2_000);

    [Test]
    public void Core_matches_reference_on_random_messagepack_records()
        => AttributionPropertyTests.AssertMatchesReference(CodecSimEventDecoders.MessagePack, TestSeed.Get(), iterations: 30, eventsPerStream: 2_000);
}
