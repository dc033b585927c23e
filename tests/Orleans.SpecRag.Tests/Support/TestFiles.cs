using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>Real files made by the tests: PDFs with PdfPig's writer, Word documents with the Open XML SDK.</summary>
public static class TestFiles
{
    /// <summary>A PDF with one page per entry, each page its lines of text (Helvetica, 11 pt).</summary>
    public static byte[] Pdf(params string[][] pages)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        foreach (var lines in pages)
        {
            var page = builder.AddPage(UglyToad.PdfPig.Content.PageSize.A4);
            var y = 780.0;
            foreach (var line in lines)
            {
                page.AddText(line, 11, new PdfPoint(40, y), font);
                y -= 16;
            }
        }

        return builder.Build();
    }

    /// <summary>A .docx whose paragraphs are (style, text); style "Heading1" makes a heading.</summary>
    public static byte[] Word(params (string? Style, string Text)[] paragraphs)
    {
        using var stream = new MemoryStream();
        using (var document = WordprocessingDocument.Create(stream, WordprocessingDocumentType.Document))
        {
            var main = document.AddMainDocumentPart();
            main.Document = new Document(new Body(paragraphs.Select(p =>
            {
                var paragraph = new Paragraph(new Run(new DocumentFormat.OpenXml.Wordprocessing.Text(p.Text)));
                if (p.Style is not null)
                {
                    paragraph.ParagraphProperties = new ParagraphProperties(new ParagraphStyleId { Val = p.Style });
                }

                return paragraph;
            })));
        }

        return stream.ToArray();
    }
}
