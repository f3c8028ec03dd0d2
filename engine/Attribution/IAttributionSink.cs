using Attribution.Engine.Events;

namespace Attribution.Engine.Attribution;

/// <summary>
/// Receives attributed conversions from <see cref="AttributionCore{TTable}.Process{TSink}"/>.
/// Implement it as a struct: the core is generic over it, so the call is direct and allocation-free.
/// </summary>
internal interface IAttributionSink
{
    /// <summary>
    /// Called once per attributed conversion, before the conversion id is remembered.
    /// <paramref name="click"/> points into the core's scratch memory: copy what you keep before returning.
    /// Must not call back into the core.
    /// </summary>
    void OnAttributed(ref EventRecord conversion, scoped in ClickView click);
}
