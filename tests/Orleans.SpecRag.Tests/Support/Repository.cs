namespace Orleans.SpecRag.Tests.Support;

/// <summary>Where the repository is, found from the test assembly's folder (the folder holding Orleans.SpecRag.sln).</summary>
public static class Repository
{
    public static string? Root { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.SpecRag.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
