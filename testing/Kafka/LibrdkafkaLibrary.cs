using System.Reflection;
using System.Runtime.InteropServices;

namespace Attribution.Testing.Kafka;

/// <summary>
/// Binds our own P/Invokes (<see cref="LibrdkafkaNative"/>) to the very librdkafka file that
/// Confluent.Kafka loaded, so the process holds one librdkafka: one set of globals, one version.
/// </summary>
/// <remarks>
/// Confluent.Kafka 2.16 picks its native file itself: on Linux <c>alpine-librdkafka</c> when
/// /etc/os-release says alpine, otherwise <c>librdkafka</c> then <c>centos8-librdkafka</c> (the
/// plain build needs libsasl2.so.3, missing on Debian 12, so the centos8 build is the one that
/// loads here); on Windows and macOS <c>librdkafka</c>. We force it to load first and then read
/// /proc/self/maps to learn which file it mapped; where /proc is absent we try the same names in
/// the same order with the same probing (Confluent.Kafka's assembly as the requesting assembly).
/// Either way the version we see must equal <c>Confluent.Kafka.Library.Version</c>.
/// </remarks>
internal static class LibrdkafkaLibrary
{
    private static readonly Lock Gate = new();
    private static IntPtr handle;
    private static string? loadedPath;

    /// <summary>The file our imports are bound to (null until <see cref="EnsureBound"/> ran).</summary>
    internal static string? LoadedPath => loadedPath;

    /// <summary>
    /// Loads librdkafka through Confluent.Kafka, finds that file, and registers the resolver for
    /// <see cref="LibrdkafkaNative.LibraryName"/>. Idempotent and thread-safe; throws
    /// <see cref="DllNotFoundException"/> with a clear sentence when librdkafka cannot be found.
    /// </summary>
    internal static void EnsureBound()
    {
        lock (Gate)
        {
            if (handle != IntPtr.Zero) return;

            int confluentVersion;
            try
            {
                // Forces Confluent.Kafka to choose and load its native file before we look for it.
                confluentVersion = Confluent.Kafka.Library.Version;
            }
            catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or FileLoadException)
            {
                throw new DllNotFoundException(
                    $"Confluent.Kafka could not load librdkafka, so the embedded broker cannot start: {e.Message}", e);
            }

            var (found, path) = FindMappedLibrdkafka() is { } mapped
                ? (Load(mapped), mapped)
                : LoadLikeConfluent();

            var version = ReadVersion(found);
            if (version != confluentVersion)
            {
                throw new DllNotFoundException(
                    $"The librdkafka found at '{path}' is version 0x{version:x8} but Confluent.Kafka runs 0x{confluentVersion:x8}; refusing to mix two librdkafka copies in one process.");
            }

            NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaLibrary).Assembly, Resolve);
            loadedPath = path;
            handle = found;
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        // Only our logical name; any other DllImport in this assembly keeps the default probing.
        return libraryName == LibrdkafkaNative.LibraryName ? handle : IntPtr.Zero;
    }

    private static IntPtr Load(string path)
    {
        // dlopen of an already mapped file returns the existing handle: no second copy is made.
        if (!NativeLibrary.TryLoad(path, out var h))
        {
            throw new DllNotFoundException($"librdkafka is mapped from '{path}' but could not be opened again by path.");
        }
        return h;
    }

    private static (IntPtr Handle, string Path) LoadLikeConfluent()
    {
        var confluent = typeof(Confluent.Kafka.Library).Assembly;
        var names = CandidateNames();
        foreach (var name in names)
        {
            if (NativeLibrary.TryLoad(name, confluent, null, out var h)) return (h, name);
        }
        throw new DllNotFoundException(
            $"None of the librdkafka builds Confluent.Kafka uses ({string.Join(", ", names)}) could be loaded.");
    }

    /// <summary>The native names Confluent.Kafka 2.16 tries, in its order, on this platform.</summary>
    internal static string[] CandidateNames()
    {
        if (OperatingSystem.IsLinux())
        {
            return IsAlpine() ? ["alpine-librdkafka"] : ["librdkafka", "centos8-librdkafka"];
        }
        return ["librdkafka"];
    }

    private static bool IsAlpine()
    {
        const string osRelease = "/etc/os-release";
        if (!File.Exists(osRelease)) return false;
        foreach (var line in File.ReadLines(osRelease))
        {
            if (line.StartsWith("ID=", StringComparison.Ordinal))
            {
                return line.AsSpan(3).Trim('"').Equals("alpine", StringComparison.OrdinalIgnoreCase);
            }
        }
        return false;
    }

    /// <summary>
    /// The one librdkafka file mapped into this process per /proc/self/maps, or null where /proc
    /// is unavailable. Throws when two different librdkafka files are mapped.
    /// </summary>
    internal static string? FindMappedLibrdkafka()
    {
        var paths = MappedLibrdkafkaFiles();
        if (paths is null || paths.Count == 0) return null;
        if (paths.Count > 1)
        {
            throw new DllNotFoundException(
                $"Several librdkafka files are mapped into this process ({string.Join(", ", paths)}); cannot tell which one Confluent.Kafka uses.");
        }
        return paths[0];
    }

    /// <summary>Distinct librdkafka files in /proc/self/maps, or null where it cannot be read.</summary>
    internal static List<string>? MappedLibrdkafkaFiles()
    {
        const string maps = "/proc/self/maps";
        if (!OperatingSystem.IsLinux() || !File.Exists(maps)) return null;

        var result = new List<string>();
        foreach (var line in File.ReadLines(maps))
        {
            var path = MappedPath(line);
            if (path is null) continue;
            var name = Path.GetFileName(path);
            if (!name.Contains("librdkafka", StringComparison.Ordinal)) continue;
            if (!name.EndsWith(".so", StringComparison.Ordinal) && !name.Contains(".so.", StringComparison.Ordinal)) continue;
            if (!result.Contains(path)) result.Add(path);
        }
        return result;
    }

    // A maps line is "address perms offset dev inode [path]"; the path is everything after the
    // fifth field and may contain spaces.
    private static string? MappedPath(string line)
    {
        var rest = line.AsSpan();
        for (var field = 0; field < 5; field++)
        {
            rest = rest.TrimStart(' ');
            var space = rest.IndexOf(' ');
            if (space < 0) return null;
            rest = rest[space..];
        }
        rest = rest.Trim(' ');
        return rest.Length > 0 && rest[0] == '/' ? rest.ToString() : null;
    }

    private static unsafe int ReadVersion(IntPtr library)
    {
        if (!NativeLibrary.TryGetExport(library, "rd_kafka_version", out var export))
        {
            throw new DllNotFoundException("The loaded librdkafka does not export rd_kafka_version.");
        }
        return ((delegate* unmanaged[Cdecl]<int>)export)();
    }
}
