using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Text;

/// <summary>One option of a multiple-choice question: its label (A, B, … or 1, 2, …) and its text.</summary>
public sealed record AnswerOption(string Label, string Text)
{
    /// <summary>How an answer states the option: the label in brackets, then the text ("(C) Planetary days will become shorter.").</summary>
    public string AsAnswer => $"({Label}) {Text}";
}

/// <summary>A question split into its stem and the options it lists, if it lists any.</summary>
public sealed record ParsedQuestion(string Stem, IReadOnlyList<AnswerOption> Options)
{
    public bool IsMultipleChoice => Options.Count >= 2;
}

/// <summary>
/// Finds the options a question lists, in the forms people and benchmarks write them: "(A) … (B) …", "A) … B) …",
/// "A. … B. …" or "A: … B: …", and the same with 1, 2, 3. Labels must run in order from A (or 1), at least two of
/// them, so an initial ("G. Stanley Hall") or a lone "A." inside the text is never taken for an option list.
/// </summary>
public static partial class AnswerOptions
{
    public const int MaxOptions = 8;

    public static ParsedQuestion Parse(string question)
    {
        var markers = Marker().Matches(question);
        // The list that counts is the last run A, B, C … in the text: a question can mention "A." earlier.
        for (var start = markers.Count - 1; start >= 0; start--)
        {
            if (!IsFirstLabel(markers[start].Groups["label"].Value))
            {
                continue;
            }

            var run = new List<Match> { markers[start] };
            for (var next = start + 1; next < markers.Count && run.Count < MaxOptions; next++)
            {
                if (markers[next].Groups["label"].Value == NextLabel(run[^1].Groups["label"].Value) && SameStyle(run[0], markers[next]))
                {
                    run.Add(markers[next]);
                }
            }

            if (run.Count < 2)
            {
                continue;
            }

            var options = new List<AnswerOption>(run.Count);
            for (var i = 0; i < run.Count; i++)
            {
                var from = run[i].Index + run[i].Length;
                var to = i + 1 < run.Count ? run[i + 1].Index : question.Length;
                var text = question[from..to].Trim().TrimEnd(';', ',').Trim();
                if (text.Length == 0)
                {
                    options.Clear();
                    break;
                }

                options.Add(new AnswerOption(run[i].Groups["label"].Value, text));
            }

            if (options.Count >= 2)
            {
                var stem = OptionsHeading().Replace(question[..run[0].Index].TrimEnd(), string.Empty).Trim();
                return new ParsedQuestion(stem.Length > 0 ? stem : question, options);
            }
        }

        return new ParsedQuestion(question.Trim(), []);
    }

    /// <summary>Writes choices given apart from the question (the <c>choices</c> of a request) into it, labelled A, B, C ….</summary>
    public static string Append(string question, IReadOnlyList<string> choices) =>
        choices.Count == 0
            ? question
            : $"{question.TrimEnd()} Options: {string.Join(' ', choices.Select((c, i) => $"({(char)('A' + i)}) {c.Trim()}"))}";

    /// <summary>The option an answer names: by its label ("(B)", "B)", "B.", "Answer: B"), else by containing exactly one option's text.</summary>
    public static AnswerOption? Find(string answer, IReadOnlyList<AnswerOption> options)
    {
        var trimmed = answer.Trim();
        var labelled = options.Where(o => trimmed == o.Label
                || trimmed.StartsWith($"({o.Label})", StringComparison.Ordinal)
                || trimmed.StartsWith($"{o.Label})", StringComparison.Ordinal)
                || trimmed.StartsWith($"{o.Label}.", StringComparison.Ordinal)
                || trimmed.StartsWith($"{o.Label}:", StringComparison.Ordinal))
            .ToArray();
        if (labelled.Length == 1)
        {
            return labelled[0];
        }

        // As whole words: the option "No" is not named by "Not at all".
        var contained = options.Where(o => Regex.IsMatch(trimmed, $@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(o.Text)}(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase))
            .OrderByDescending(o => o.Text.Length).ToArray();
        return contained.Length == 1 || (contained.Length > 1 && contained[0].Text.Length > contained[1].Text.Length) ? contained[0] : null;
    }

    private static bool IsFirstLabel(string label) => label is "A" or "1";

    private static string NextLabel(string label) => ((char)(label[0] + 1)).ToString();

    // "(A)" and "A)" mix in the wild; "A." and "A:" must match their own kind, or prose would pass for options.
    private static bool SameStyle(Match first, Match other) =>
        Style(first) == Style(other);

    private static char Style(Match marker) => marker.Value.TrimStart()[0] == '(' ? ')' : marker.Groups["close"].Value[0];

    [GeneratedRegex(@"(?<=^|[\s:;,])\(?(?<label>[A-H1-8])(?<close>[).:])(?=\s)")]
    private static partial Regex Marker();

    [GeneratedRegex(@"(?i)(answer\s+)?(options|choices)\s*:?\s*$")]
    private static partial Regex OptionsHeading();
}
