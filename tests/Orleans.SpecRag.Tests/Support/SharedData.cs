namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// The read-only <c>../shared</c> folder next to the repository (real benchmark data and a tiny trained GGUF).
/// It is optional: tests that need it are skipped with a message saying so when it is absent.
/// </summary>
public static class SharedData
{
    public static string? Folder { get; } = Find();

    public static string? File(string relativePath) =>
        Folder is null ? null : Path.Combine(Folder, relativePath) is var path && System.IO.File.Exists(path) ? path : null;

    public const string Stories260K = "models/stories260K.gguf";

    private static string? Find()
    {
        var shared = Repository.Root is { } root ? Path.Combine(root, "..", "shared") : null;
        return shared is not null && Directory.Exists(shared) ? Path.GetFullPath(shared) : null;
    }
}

/// <summary>A fact that needs a file from ../shared; skipped, with the reason, when the file is absent.</summary>
public sealed class SharedFileFactAttribute : FactAttribute
{
    public SharedFileFactAttribute(string relativePath)
    {
        if (SharedData.File(relativePath) is null)
        {
            Skip = $"../shared/{relativePath} is absent (it sits beside the repository on the project's machines); this test needs it.";
        }
    }
}
