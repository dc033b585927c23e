using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Text;

/// <summary>
/// Splits prose (and light Markdown) into sentences. Line breaks end a sentence too, so that headings
/// and list items of Markdown documents never run into the next line.
/// </summary>
public static partial class SentenceSplitter
{
    public static IReadOnlyList<string> Split(string text)
    {
        var sentences = new List<string>();
        foreach (var rawLine in text.Split('\n'))
        {
            var line = CleanMarkdown(rawLine);
            if (line.Length == 0)
            {
                continue;
            }

            foreach (var piece in SentenceBoundary().Split(line))
            {
                var sentence = piece.Trim();
                if (sentence.Length > 0)
                {
                    sentences.Add(sentence);
                }
            }
        }

        return sentences;
    }

    public static int CountWords(string text) => Words().Count(text);

    // Headings, list bullets, quote markers and emphasis carry no meaning for retrieval or answers.
    private static string CleanMarkdown(string line)
    {
        var cleaned = MarkdownPrefix().Replace(line.Trim(), string.Empty);
        cleaned = cleaned.Replace("**", string.Empty, StringComparison.Ordinal).Replace("`", string.Empty, StringComparison.Ordinal);
        return Whitespace().Replace(cleaned, " ").Trim();
    }

    // A boundary is ., ! or ? (optionally followed by a closing quote or bracket) then whitespace,
    // then something that starts a sentence. "e.g. the" or "3.5 ms" stay together, and so do initials and the usual
    // abbreviations around names ("G. Stanley Hall", "Dr. Smith", "U.S. Army", "King Jr. was"): split there, a sentence
    // lost the answer it named. The price is a real sentence end after one of them ("… World War I. The …") staying joined.
    [GeneratedRegex("""(?<=[.!?]["')\]]?)(?<!(?:^|[\s(."“'‘\[])(?:\p{Lu}|Mr|Mrs|Ms|Dr|Prof|St|Mt|Ft|Jr|Sr|Gen|Col|Capt|Lt|Sgt|Rev|Hon|Gov|Sen|Rep|No|Vol|vs|Inc|Ltd|Co)\.)\s+(?=["'(\[]?[A-Z0-9])""")]
    private static partial Regex SentenceBoundary();

    [GeneratedRegex(@"^(#{1,6}\s+|[-*+]\s+|>\s*|\d+[.)]\s+|\|)+")]
    private static partial Regex MarkdownPrefix();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\S+")]
    private static partial Regex Words();
}
