using System.Text;
using AngleSharp.Html.Parser;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using Markdig;
using Markdig.Syntax;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace Orleans.SpecRag.Gateway.Files;

/// <summary>A part of a file with its own position: a page of a PDF, or the text under a heading.</summary>
/// <param name="Page">1-based page number (PDF).</param>
/// <param name="Heading">The heading the text sits under (Markdown, HTML, Word), when there is one.</param>
public sealed record FileSection(int? Page, string? Heading, string Text);

/// <summary>A file that cannot be turned into text, with a reason a user can act on.</summary>
public sealed class UnreadableFileException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Turns an uploaded file into text sections with the parser its type calls for: Markdig for Markdown, AngleSharp for
/// HTML, PdfPig for PDF (a section per page), the Open XML SDK for Word, and strict UTF-8 for plain text.
/// </summary>
public static class FileText
{
    public static IReadOnlyList<string> SupportedExtensions { get; } = [".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"];

    public static bool IsSupported(string fileName) => SupportedExtensions.Contains(Path.GetExtension(fileName).ToLowerInvariant());

    public static IReadOnlyList<FileSection> Extract(string fileName, Stream content)
    {
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        IReadOnlyList<FileSection> sections = extension switch
        {
            ".md" or ".markdown" => Markdown(ReadUtf8(content, "Markdown")),
            ".txt" => [new FileSection(null, null, ReadUtf8(content, "text"))],
            ".html" or ".htm" => Html(ReadUtf8(content, "HTML")),
            ".pdf" => Pdf(content),
            ".docx" => Word(content),
            _ => throw new UnreadableFileException(
                $"'{extension}' files are not supported; send {string.Join(", ", SupportedExtensions)}."),
        };

        var nonEmpty = sections
            .Select(s => s with { Text = s.Text.Trim() })
            .Where(s => s.Text.Length > 0)
            .ToArray();
        return nonEmpty.Length > 0
            ? nonEmpty
            : throw new UnreadableFileException(extension == ".pdf"
                ? "The PDF has no text layer (a scan?); only PDFs with text can be ingested."
                : "The file holds no text.");
    }

    /// <summary>Strict UTF-8: a binary file renamed .txt is refused, not ingested as noise.</summary>
    private static string ReadUtf8(Stream content, string kind)
    {
        using var buffer = new MemoryStream();
        content.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length == 0)
        {
            throw new UnreadableFileException("The file is empty.");
        }

        if (bytes.IndexOf((byte)0) >= 0)
        {
            throw new UnreadableFileException($"The file is binary, not {kind}: it holds NUL bytes.");
        }

        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException ex)
        {
            throw new UnreadableFileException($"The file is not UTF-8 {kind} (invalid byte at offset {ex.Index}).", ex);
        }
    }

    private static IReadOnlyList<FileSection> Markdown(string markdown)
    {
        var pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
        var sections = new Sections();
        foreach (var block in Markdig.Markdown.Parse(markdown, pipeline))
        {
            var source = markdown.Substring(block.Span.Start, Math.Min(block.Span.Length, markdown.Length - block.Span.Start));
            var plain = Markdig.Markdown.ToPlainText(source, pipeline).Trim();
            if (block is HeadingBlock)
            {
                sections.Heading(plain);
            }
            else
            {
                sections.Line(plain);
            }
        }

        return sections.Done();
    }

    private static IReadOnlyList<FileSection> Html(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        foreach (var noise in document.QuerySelectorAll("script, style, noscript, template, nav, footer").ToArray())
        {
            noise.Remove();
        }

        var sections = new Sections();
        foreach (var element in document.Body?.QuerySelectorAll("h1, h2, h3, h4, p, li, pre, blockquote, td, th, dt, dd, figcaption") ?? Enumerable.Empty<AngleSharp.Dom.IElement>())
        {
            var isHeading = element.LocalName is "h1" or "h2" or "h3" or "h4";

            // A paragraph inside a list item (or a cell) is read once, with its container.
            if (!isHeading && element.ParentElement?.Closest("li, td, th, blockquote, dd") is not null)
            {
                continue;
            }

            var content = string.Join(' ', element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (isHeading)
            {
                sections.Heading(content);
            }
            else
            {
                sections.Line(content);
            }
        }

        var found = sections.Done();

        // A page of bare text without any of those elements is still text.
        return found.Count > 0 || document.Body is null ? found : [new FileSection(null, document.Title, document.Body.TextContent)];
    }

    private static IReadOnlyList<FileSection> Pdf(Stream content)
    {
        try
        {
            using var pdf = PdfDocument.Open(content);
            return pdf.GetPages().Select(page => new FileSection(page.Number, null, ContentOrderTextExtractor.GetText(page))).ToArray();
        }
        catch (Exception ex) when (ex is not UnreadableFileException)
        {
            throw new UnreadableFileException($"The file is not a readable PDF: {ex.Message}", ex);
        }
    }

    private static IReadOnlyList<FileSection> Word(Stream content)
    {
        try
        {
            using var word = WordprocessingDocument.Open(content, isEditable: false);
            var body = word.MainDocumentPart?.Document?.Body ?? throw new UnreadableFileException("The Word file has no document body.");
            var sections = new Sections();
            foreach (var paragraph in body.Descendants<Paragraph>())
            {
                var line = paragraph.InnerText.Trim();
                var style = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value ?? string.Empty;
                if (style.StartsWith("Heading", StringComparison.OrdinalIgnoreCase) || style.Equals("Title", StringComparison.OrdinalIgnoreCase))
                {
                    sections.Heading(line);
                }
                else
                {
                    sections.Line(line);
                }
            }

            return sections.Done();
        }
        catch (Exception ex) when (ex is not UnreadableFileException)
        {
            throw new UnreadableFileException($"The file is not a readable Word (.docx) document: {ex.Message}", ex);
        }
    }

    /// <summary>Collects the lines under each heading into sections, a heading ending the section before it.</summary>
    private sealed class Sections
    {
        private readonly List<FileSection> _sections = [];
        private readonly StringBuilder _text = new();
        private string? _heading;

        public void Heading(string heading)
        {
            Flush();
            _heading = heading;
        }

        public void Line(string line)
        {
            if (line.Length > 0)
            {
                _text.AppendLine(line);
            }
        }

        public IReadOnlyList<FileSection> Done()
        {
            Flush();
            return _sections;
        }

        private void Flush()
        {
            if (_text.Length > 0)
            {
                _sections.Add(new FileSection(null, _heading, _text.ToString()));
                _text.Clear();
            }
        }
    }
}
