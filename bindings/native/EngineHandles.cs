namespace Attribution.Native;

/// <summary>
/// Maps opaque C handles to open engines without GCHandles. A handle is a 64-bit value
/// <c>[16-bit tag][32-bit generation][16-bit slot + 1]</c>; the table stores each slot's
/// engine, which remembers its own handle, and every open takes a fresh generation from a global
/// counter, so a closed, stale, forged or another engine's handle fails the lookup instead of
/// reaching freed state. C never dereferences a handle.
/// </summary>
internal static class EngineHandles
{
    /// <summary>Most engines open at once in one process.</summary>
    public const int Capacity = 1024;

    private const ulong Tag = 0xA77BUL << 48;
    private const ulong TagMask = 0xFFFFUL << 48;

    private static readonly NativeEngine?[] s_engines = new NativeEngine?[Capacity];
    private static readonly object s_lock = new();
    private static uint s_nextGeneration;

    /// <summary>Registers an engine; returns its handle, or 0 when the table is full.</summary>
    public static nint Add(NativeEngine engine)
    {
        lock (s_lock)
        {
            for (int i = 0; i < Capacity; i++)
            {
                if (s_engines[i] is null)
                {
                    uint generation = ++s_nextGeneration;
                    var handle = (nint)(Tag | ((ulong)generation << 16) | (uint)(i + 1));
                    engine.Handle = handle;
                    Volatile.Write(ref s_engines[i], engine);
                    return handle;
                }
            }
        }
        return 0;
    }

    /// <summary>The engine a handle names, or null when it is not a live handle.</summary>
    public static NativeEngine? Find(nint handle)
    {
        ulong h = (ulong)handle;
        if ((h & TagMask) != Tag)
        {
            return null;
        }
        int slot = (int)(h & 0xFFFF) - 1;
        if ((uint)slot >= Capacity)
        {
            return null;
        }
        // The full handle (with its generation) must match the one the slot's engine was given.
        NativeEngine? engine = Volatile.Read(ref s_engines[slot]);
        return engine is not null && engine.Handle == handle ? engine : null;
    }

    /// <summary>Unregisters a handle; returns the engine it named, or null when it was not live (closed twice, forged).</summary>
    public static NativeEngine? Remove(nint handle)
    {
        lock (s_lock)
        {
            NativeEngine? engine = Find(handle);
            if (engine is null)
            {
                return null;
            }
            int slot = (int)((ulong)handle & 0xFFFF) - 1;
            Volatile.Write(ref s_engines[slot], null);
            return engine;
        }
    }
}
