namespace Attribution.Host.Demo;

/// <summary>Whether the demo's pipeline kept up with its generator (see <see cref="PaceReport"/>).</summary>
public enum PaceVerdict
{
    /// <summary>After the warm-up, processing reached at least <see cref="PaceReport.KeepUpShare"/> of the pace.</summary>
    KeptUp,

    /// <summary>After the warm-up, processing fell short of <see cref="PaceReport.KeepUpShare"/> of the pace.</summary>
    FellBehind,

    /// <summary>The run was too short after the warm-up to judge.</summary>
    TooShort,

    /// <summary>The generator itself did not reach the pace, so the pipeline was not driven at it.</summary>
    GeneratorBehind,

    /// <summary>The run was unpaced: there is no pace to keep up with.</summary>
    Unpaced,
}
