namespace Attribution.Native;

/// <summary>
/// One export's work on an open engine, run inside <see cref="Guard.Call{TCall}"/>. Implemented by structs
/// holding the export's arguments, so each call is specialised and allocates nothing (the submit path is measured).
/// </summary>
internal interface IEngineCall
{
    /// <summary>Does the work on <paramref name="engine"/>; returns 0 or a status whose message is set in <see cref="LastError"/>.</summary>
    int Run(NativeEngine engine);
}
