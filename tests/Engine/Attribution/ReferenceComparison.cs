namespace Attribution.Tests.Engine.Attribution;

/// <summary>Result of comparing the core with the reference model: a failure report (null when equal) and coverage totals.</summary>
public sealed record ReferenceComparison(string? Failure, long[] OutcomeTotals, long AttributedAtZero, long AttributedAtWindow, long Rejected);
