using System.Text.Json.Serialization;

namespace Attribution.Engine.Snapshots;

/// <summary>Source-generated JSON for manifests (no reflection, so NativeAOT keeps working); snake_case names.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(SnapshotManifest))]
public sealed partial class SnapshotManifestJsonContext : JsonSerializerContext;
