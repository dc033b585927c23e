using Orleans.SpecRag.Gateway.Validation;

namespace Orleans.SpecRag.Gateway.Files;

/// <summary>
/// The documents a file becomes. A file of one section is one document whose id and title are the file name; a file
/// of several (pages of a PDF, headings of Markdown, HTML or Word) is one document per section, with ids such as
/// <c>report.pdf#page=3</c> or <c>guide.md#section=2</c> and titles such as "report.pdf — page 3" or "guide.md —
/// Installing", so every passage, and so every citation, says where in the file it comes from. The metadata repeats
/// it: <c>file</c>, <c>page</c>, <c>heading</c>, <c>section</c>.
/// </summary>
public static class FileDocuments
{
    public static IReadOnlyList<IngestDocument> From(string fileName, IReadOnlyList<FileSection> sections)
    {
        var documents = new List<IngestDocument>();
        var multiple = sections.Count > 1;
        for (var i = 0; i < sections.Count; i++)
        {
            var section = sections[i];
            var id = !multiple ? fileName : section.Page is { } page ? $"{fileName}#page={page}" : $"{fileName}#section={i + 1}";
            var title = section switch
            {
                { Page: { } p } when multiple => $"{fileName} — page {p}",
                { Heading: { Length: > 0 } h } => $"{fileName} — {h}",
                _ => fileName,
            };
            var metadata = new Dictionary<string, string> { ["file"] = fileName, ["section"] = (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (section.Page is { } pageNumber)
            {
                metadata["page"] = pageNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (section.Heading is { Length: > 0 } heading)
            {
                metadata["heading"] = heading;
            }

            // A section longer than one document may be (a huge text file) is split on line breaks into parts.
            var parts = Split(section.Text, RequestLimits.MaxIngestTextLength);
            for (var part = 0; part < parts.Count; part++)
            {
                documents.Add(new IngestDocument(
                    parts.Count == 1 ? id : $"{id}#part={part + 1}",
                    Truncate(title, RequestLimits.MaxTitleLength),
                    parts[part],
                    metadata));
            }
        }

        return documents;
    }

    private static IReadOnlyList<string> Split(string text, int maxLength)
    {
        if (text.Length <= maxLength)
        {
            return [text];
        }

        var parts = new List<string>();
        var start = 0;
        while (start < text.Length)
        {
            var length = Math.Min(maxLength, text.Length - start);
            if (start + length < text.Length)
            {
                var newline = text.LastIndexOf('\n', start + length - 1, length);
                if (newline > start)
                {
                    length = newline - start + 1;
                }
            }

            parts.Add(text.Substring(start, length));
            start += length;
        }

        return parts;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
