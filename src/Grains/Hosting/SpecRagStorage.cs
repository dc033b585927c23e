namespace Orleans.SpecRag;

/// <summary>The grain storage provider that holds collections and query records.</summary>
public static class SpecRagStorage
{
    public const string Name = "specrag";
}
