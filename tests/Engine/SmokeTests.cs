namespace Attribution.Tests.Engine;

public class SmokeTests
{
    [Test]
    public void Record_holds_a_field()
    {
        var r = new global::Attribution.Engine.Events.EventRecord();
        r.Reset();
        Assert.That(r.TrySet(ref r.UserId, "user-1"u8, 128), Is.True);
        Assert.That(r.Get(r.UserId).SequenceEqual("user-1"u8), Is.True);
    }
}
