using Orleans.SpecRag.Retrieval.Dense;
using Orleans.SpecRag.Retrieval.Lexical;

namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>Writes a new segment directory from embedded documents: every file once, <c>segment.json</c> last.</summary>
public static class SegmentBuilder
{
    /// <summary>New segment ids sort by creation time, so a shard's segments list oldest first.</summary>
    public static string NewSegmentId() => $"{DateTimeOffset.UtcNow:yyyyMMddHHmmssfff}-{Guid.NewGuid():N}"[..30];

    public static SegmentInfo Build(string directory, string segmentId, IReadOnlyList<SegmentDocument> documents,
        int dimensions, string embeddingModel, AnnOptions ann)
    {
        System.IO.Directory.CreateDirectory(directory);
        var passages = documents.SelectMany(d => d.Passages).ToArray();
        SegmentFiles.WriteDocuments(Path.Combine(directory, SegmentFiles.Documents), documents);
        SegmentFiles.WritePassages(Path.Combine(directory, SegmentFiles.Passages), passages.Select(p => (p.Id, p.Text)).ToArray());
        var vectorsPath = Path.Combine(directory, SegmentFiles.Vectors);
        SegmentFiles.WriteVectors(vectorsPath, passages.Select(p => p.Vector), dimensions);

        var hasAnn = passages.Length >= Math.Max(1, ann.MinPassages);
        if (hasAnn)
        {
            using var vectors = new MappedVectors(vectorsPath, passages.Length, dimensions);
            AnnIndex.Build(Path.Combine(directory, SegmentFiles.Ann), vectors, ann);
        }

        LexicalIndex.Build(Path.Combine(directory, SegmentFiles.Lexical), segmentId,
            documents.SelectMany(d => d.Passages.Select(p => PassageText.Of(d.Title, p.Text))));

        var info = new SegmentInfo(segmentId, documents.Count, passages.Length, dimensions, embeddingModel, hasAnn, DateTimeOffset.UtcNow);
        SegmentFiles.WriteInfo(Path.Combine(directory, SegmentFiles.Info), info);
        return info;
    }
}

/// <summary>The text a passage is embedded and indexed as.</summary>
public static class PassageText
{
    // The title goes with the passage: "Paris" in a passage titled "France" should match questions about France.
    public static string Of(string? title, string chunk) =>
        string.IsNullOrWhiteSpace(title) ? chunk : $"{title}. {chunk}";
}
