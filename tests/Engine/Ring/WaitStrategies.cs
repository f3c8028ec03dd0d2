using Attribution.Engine.Ring;

namespace Attribution.Tests.Engine.Ring;

/// <summary>The built-in wait strategies by name, for parameterised tests.</summary>
internal static class WaitStrategies
{
    public static readonly string[] Names = ["busy-spin", "yielding", "sleeping", "blocking"];

    public static IWaitStrategy Create(string name) => name switch
    {
        "busy-spin" => new BusySpinWaitStrategy(),
        "yielding" => new YieldingWaitStrategy(),
        "sleeping" => new SleepingWaitStrategy(),
        "blocking" => new BlockingWaitStrategy(),
        _ => throw new ArgumentException($"unknown wait strategy '{name}'", nameof(name)),
    };
}
