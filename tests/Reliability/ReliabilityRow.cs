namespace Attribution.Tests.Reliability;

/// <summary>
/// One line of docs/RELIABILITY.md: a scenario the suite tried, how often and for how long, and what it observed.
/// Tests add their row before they assert, so a failing run still reports what it saw. The four counts are measured in
/// that run, never written in as literals; null (shown as n/a) where the scenario has nothing of that kind to count.
/// </summary>
/// <param name="Area">Chaos, malformed input, fuzzing, disk and memory.</param>
/// <param name="Scenario">What was done, in a few words.</param>
/// <param name="Trials">How many times (rounds, records, cases).</param>
/// <param name="Duration">Wall time of the whole scenario.</param>
/// <param name="Observed">What else was seen (counts by kind, rejections by reason).</param>
/// <param name="Lost">Expected outputs (or records) that never appeared.</param>
/// <param name="Duplicated">Outputs that appeared more than once.</param>
/// <param name="Crashed">Processes or calls that crashed (unhandled exception, abnormal exit).</param>
/// <param name="Hung">Waits that ran out of time (a partition that stopped moving, a call that did not return).</param>
/// <param name="Command">The command that reproduces the row.</param>
public sealed record ReliabilityRow(
    string Area,
    string Scenario,
    long Trials,
    TimeSpan Duration,
    string Observed,
    long? Lost,
    long? Duplicated,
    long? Crashed,
    long? Hung,
    string Command);
