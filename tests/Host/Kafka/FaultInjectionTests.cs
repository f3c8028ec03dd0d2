using Attribution.Testing.Kafka;
using Confluent.Kafka;
using static Attribution.Tests.Host.Kafka.KafkaTestClients;

namespace Attribution.Tests.Host.Kafka;

/// <summary>The embedded broker's fault injection, observed through a real producer.</summary>
[Category(TestCategories.Slow)]
public class FaultInjectionTests
{
    [Test]
    public void Produce_stalls_while_the_broker_is_down_and_delivers_once_it_is_up()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("outage", 1);
        using var producer = new ProducerBuilder<string, string>(Producer(cluster)).Build();
        Assert.That(producer.ProduceAsync("outage", Message("before")).Wait(Patience), Is.True, "connected before the outage");

        cluster.SetBrokerDown(1);
        var pending = producer.ProduceAsync("outage", Message("during"));
        Assert.That(pending.Wait(TimeSpan.FromSeconds(1.5)), Is.False, "nothing is delivered while the broker is down");

        cluster.SetBrokerUp(1);
        Assert.That(pending.Wait(Patience), Is.True, "delivered after the broker came back");
        Assert.That(pending.Result.Status, Is.EqualTo(PersistenceStatus.Persisted));
        Assert.That(ReadTopic(cluster, "outage", 2).Select(r => r.Message.Value), Is.EqualTo(new[] { "before", "during" }));
    }

    [Test]
    public void Produce_fails_with_a_timeout_when_the_broker_stays_down_past_message_timeout()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("outage", 1);
        var config = Producer(cluster);
        config.MessageTimeoutMs = 1500;
        config.RequestTimeoutMs = 1000;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        Assert.That(producer.ProduceAsync("outage", Message("before")).Wait(Patience), Is.True);

        cluster.SetBrokerDown(1);
        var e = Assert.Throws<AggregateException>(() => producer.ProduceAsync("outage", Message("during")).Wait(Patience));
        Assert.That(e!.InnerException, Is.InstanceOf<ProduceException<string, string>>());
        Assert.That(((ProduceException<string, string>)e.InnerException!).Error.Code, Is.EqualTo(ErrorCode.Local_MsgTimedOut));

        cluster.SetBrokerUp(1);
        // Reconnecting may itself take longer than the short message timeout on a busy machine,
        // so the same producer tries again until it delivers, within the usual bound.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        DeliveryResult<string, string>? after = null;
        while (after is null && clock.Elapsed < Patience)
        {
            try
            {
                after = producer.ProduceAsync("outage", Message("after")).GetAwaiter().GetResult();
            }
            catch (ProduceException<string, string> retry) when (retry.Error.Code == ErrorCode.Local_MsgTimedOut)
            {
                TestContext.Out.WriteLine($"not reconnected yet after {clock.ElapsedMilliseconds} ms");
            }
        }
        Assert.That(after?.Status, Is.EqualTo(PersistenceStatus.Persisted), "delivered once the broker is up");
    }

    [Test]
    public void Pushed_produce_error_reaches_a_producer_that_does_not_retry()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("strict", 1);
        var config = Producer(cluster);
        config.EnableIdempotence = false;
        config.MessageSendMaxRetries = 0;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        Assert.That(producer.ProduceAsync("strict", Message("warm-up")).Wait(Patience), Is.True);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.InvalidRecord);
        var e = Assert.Throws<AggregateException>(() => producer.ProduceAsync("strict", Message("rejected")).Wait(Patience));
        Assert.That(((ProduceException<string, string>)e!.InnerException!).Error.Code, Is.EqualTo(ErrorCode.InvalidRecord));
        Assert.That(producer.ProduceAsync("strict", Message("accepted")).Wait(Patience), Is.True, "the error stack is used up");
    }

    [Test]
    public void Idempotent_producer_retries_pushed_produce_errors_without_duplicates()
    {
        const int count = 200;
        using var cluster = StartCluster();
        cluster.CreateTopic("retried", 1);
        using var producer = new ProducerBuilder<string, string>(Producer(cluster)).Build();
        Assert.That(producer.ProduceAsync("retried", Message("warm-up")).Wait(Patience), Is.True);

        cluster.StartRequestTracking();
        cluster.PushRequestErrors(KafkaApiKey.Produce,
            ErrorCode.NotLeaderForPartition, ErrorCode.RequestTimedOut, ErrorCode.NotLeaderForPartition);
        var failures = 0;
        for (var i = 0; i < count; i++)
        {
            producer.Produce("retried", Message($"m{i}"), r => { if (r.Error.IsError) Interlocked.Increment(ref failures); });
        }
        Assert.That(producer.Flush(Patience), Is.Zero);
        Assert.That(failures, Is.Zero, "every record delivered despite the errors");
        var produceRequests = cluster.CountRequests(KafkaApiKey.Produce);
        TestContext.Out.WriteLine($"Produce requests seen by the broker: {produceRequests}");
        Assert.That(produceRequests, Is.GreaterThanOrEqualTo(4), "three failed requests and at least one that succeeded");
        cluster.StopRequestTracking();

        var values = ReadTopic(cluster, "retried", count + 1).Select(r => r.Message.Value).ToArray();
        Assert.That(values, Is.EqualTo(new[] { "warm-up" }.Concat(Enumerable.Range(0, count).Select(i => $"m{i}"))),
            "each record once, in order");
    }

    [Test]
    public void Cleared_request_errors_are_not_returned()
    {
        using var cluster = StartCluster();
        cluster.CreateTopic("cleared", 1);
        var config = Producer(cluster);
        config.EnableIdempotence = false;
        config.MessageSendMaxRetries = 0;
        using var producer = new ProducerBuilder<string, string>(config).Build();
        Assert.That(producer.ProduceAsync("cleared", Message("warm-up")).Wait(Patience), Is.True);

        cluster.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.InvalidRecord, ErrorCode.InvalidRecord);
        cluster.ClearRequestErrors(KafkaApiKey.Produce);
        var delivered = producer.ProduceAsync("cleared", Message("accepted"));
        Assert.That(delivered.Wait(Patience), Is.True);
        Assert.That(delivered.Result.Status, Is.EqualTo(PersistenceStatus.Persisted));
    }

    private static Message<string, string> Message(string value) => new() { Key = "k", Value = value };
}
