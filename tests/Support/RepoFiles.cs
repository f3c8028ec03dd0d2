namespace Attribution.Tests.Support;

/// <summary>Locates committed files of the repository from the test's output directory.</summary>
internal static class RepoFiles
{
    /// <summary>The repository root (the directory holding Attribution.Engine.sln).</summary>
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Attribution.Engine.sln")))
            {
                dir = dir.Parent;
            }
            return dir?.FullName ?? throw new InvalidOperationException("The repository root (Attribution.Engine.sln) was not found above the test directory.");
        }
    }

    /// <summary>The text of a file given relative to the root.</summary>
    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));
}
