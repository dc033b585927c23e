namespace Orleans.SpecRag.Retrieval.Segments;

/// <summary>A passage's id is <c>{document id}#{n}</c>, n counting from 1 within the document.</summary>
public static class PassageIds
{
    public static string Of(string documentId, int n) => $"{documentId}#{n}";

    /// <summary>The id of the passage at <paramref name="ordinal"/> of a segment, which lies in <paramref name="document"/>.</summary>
    public static string Of(SegmentDocumentEntry document, int ordinal) => Of(document.Id, ordinal - document.FirstPassage + 1);

    public static bool TryParse(string passageId, out string documentId, out int n)
    {
        var hash = passageId.LastIndexOf('#');
        if (hash > 0 && int.TryParse(passageId.AsSpan(hash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out n) && n >= 1)
        {
            documentId = passageId[..hash];
            return true;
        }

        documentId = string.Empty;
        n = 0;
        return false;
    }
}
