namespace Attribution.Host.Run;

/// <summary>
/// Hands out a reusable array of an exact length. Confluent.Kafka's producer takes a key and a value as
/// whole arrays and copies them into librdkafka before <c>Produce</c> returns, so one array per length is
/// enough: producing reuses these instead of allocating two arrays per record.
/// </summary>
internal sealed class ExactArrays
{
    private readonly byte[]?[] _byLength;

    /// <summary>Arrays up to <paramref name="maxLength"/> bytes are cached; longer ones are allocated.</summary>
    public ExactArrays(int maxLength) => _byLength = new byte[]?[maxLength + 1];

    /// <summary>An array holding exactly <paramref name="content"/> (valid until the next call with the same length).</summary>
    public byte[] Copy(ReadOnlySpan<byte> content)
    {
        byte[] array;
        if (content.Length < _byLength.Length)
        {
            array = _byLength[content.Length] ??= new byte[content.Length];
        }
        else
        {
            array = new byte[content.Length];
        }
        content.CopyTo(array);
        return array;
    }
}
