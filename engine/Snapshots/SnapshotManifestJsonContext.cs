using System.Text.Json.Serialization;

namespace Attribution.Engine.Snapshots;

/// <summary>
/// Source-generated JSON for manifests (no reflection, so NativeAOT keeps working); snake_case
/// names. Unknown members are errors: a damaged name must not silently become a default value.
/// </summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(SnapshotManifest))]
internal sealed partial class SnapshotManifestJsonContext : JsonSerializerContext;
