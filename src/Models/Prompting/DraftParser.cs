using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Models.Prompting;

/// <summary>Where the rationale β and the answer α sit in a drafter's output.</summary>
public sealed record ParsedDraft(TextSpan Rationale, TextSpan Answer, bool Parsed)
{
    public string RationaleOf(string text) => text[Rationale.Start..Rationale.End];

    public string AnswerOf(string text) => text[Answer.Start..Answer.End];
}

/// <summary>
/// Splits a drafter's output into rationale and answer. Tolerant: markers may be "### Rationale:",
/// "Rationale:", "**Response:**", "Answer:" in any case; a completion prompt ends with the rationale marker,
/// so output may start straight with the rationale. Output without a response marker is kept whole as the
/// answer and flagged, never dropped.
/// </summary>
public static partial class DraftParser
{
    public static ParsedDraft Parse(string text)
    {
        var response = ResponseMarker().Match(text);
        if (!response.Success)
        {
            return new ParsedDraft(new TextSpan(0, 0), Trim(text, 0, text.Length), Parsed: false);
        }

        var rationale = RationaleMarker().Match(text, 0);
        var rationaleStart = rationale.Success && rationale.Index < response.Index ? rationale.Index + rationale.Length : 0;
        var answerStart = response.Index + response.Length;

        // A model that keeps going after its answer starts a new section; that is not part of α.
        var next = NextSection().Match(text, answerStart);
        var answerEnd = next.Success ? next.Index : text.Length;

        var answer = Trim(text, answerStart, answerEnd);
        return new ParsedDraft(Trim(text, rationaleStart, response.Index), answer, Parsed: answer.Length > 0);
    }

    private static TextSpan Trim(string text, int start, int end)
    {
        while (start < end && (char.IsWhiteSpace(text[start]) || text[start] == '*'))
        {
            start++;
        }

        while (end > start && (char.IsWhiteSpace(text[end - 1]) || text[end - 1] == '*'))
        {
            end--;
        }

        return new TextSpan(start, end);
    }

    [GeneratedRegex(@"(?im)^[ \t#*]*(?:response|answer)[ \t*]*:[ \t*]*")]
    private static partial Regex ResponseMarker();

    [GeneratedRegex(@"(?im)^[ \t#*]*rationale[ \t*]*:[ \t*]*")]
    private static partial Regex RationaleMarker();

    [GeneratedRegex(@"(?m)^[ \t]*#{2,}|\n\s*\n\s*\n")]
    private static partial Regex NextSection();
}
