namespace Orleans.SpecRag.Models.Embedding;

/// <summary>Turns text into unit-length vectors. Implementations run inference off the caller's thread.</summary>
public interface IEmbedder
{
    /// <summary>The model's name as reported to users, e.g. <c>all-MiniLM-L6-v2</c>.</summary>
    string ModelName { get; }

    int Dimensions { get; }

    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}

public static class EmbedderExtensions
{
    public static async Task<float[]> EmbedAsync(this IEmbedder embedder, string text, CancellationToken cancellationToken = default) =>
        (await embedder.EmbedAsync([text], cancellationToken))[0];
}
