using FASTER.core;

namespace Attribution.Engine.State.Faster;

/// <summary>Creates checkpoint devices like <paramref name="inner"/> does, wrapped to record failed writes.</summary>
internal sealed class IoErrorTrackingDeviceFactory(INamedDeviceFactory inner, IoErrorLog errors) : INamedDeviceFactory
{
    /// <inheritdoc />
    public void Initialize(string baseName) => inner.Initialize(baseName);

    /// <inheritdoc />
    public IDevice Get(FileDescriptor fileInfo) => new IoErrorTrackingDevice(inner.Get(fileInfo), errors, checkpoint: true);

    /// <inheritdoc />
    public void Delete(FileDescriptor fileInfo) => inner.Delete(fileInfo);

    /// <inheritdoc />
    public IEnumerable<FileDescriptor> ListContents(string path) => inner.ListContents(path);
}
