using System.Text;
using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Bench.Measurement;

/// <summary>
/// The answer normalisation of the Speculative RAG paper's PopQA and MuSiQue metric (from SQuAD's evaluation
/// script): lower case, punctuation removed, the articles a/an/the dropped, whitespace collapsed. Punctuation is
/// replaced by a space rather than deleted because the MuSiQue passages space their hyphens ("Person - centered"):
/// deleting would turn that into "person centered" but "Person-centered" into "personcentered", and the same
/// answer would not match itself.
/// </summary>
public static partial class AnswerNormalizer
{
    public static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(text.Length);
        foreach (var c in text.ToLowerInvariant())
        {
            builder.Append(char.IsPunctuation(c) || char.IsSymbol(c) ? ' ' : c);
        }

        var words = builder.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Where(w => w is not ("a" or "an" or "the"));
        return string.Join(' ', words);
    }

    /// <summary>
    /// The paper's rule: a gold answer (or alias) is contained in the output. Here it must be contained as whole
    /// words (" politician " in " an english politician "), so that a short alias such as "pol" does not count as
    /// found in "police"; <see cref="ContainsLoose"/> is the plain substring test, reported next to it.
    /// </summary>
    public static bool ContainsWords(string normalizedOutput, string normalizedGold) =>
        normalizedGold.Length > 0 && $" {normalizedOutput} ".Contains($" {normalizedGold} ", StringComparison.Ordinal);

    /// <summary>Substring containment, as in Self-RAG's and Speculative RAG's evaluation code.</summary>
    public static bool ContainsLoose(string normalizedOutput, string normalizedGold) =>
        normalizedGold.Length > 0 && normalizedOutput.Contains(normalizedGold, StringComparison.Ordinal);
}

/// <summary>Whether an answer is right under the paper's metric for its benchmark.</summary>
public sealed record AnswerVerdict(bool Correct, bool CorrectLoose, string? Chosen);

/// <summary>PopQA and MuSiQue: correct when any gold answer or alias is contained in the output after normalisation.</summary>
public static class ContainmentMetric
{
    public static AnswerVerdict Score(string answer, IReadOnlyList<string> golds)
    {
        var output = AnswerNormalizer.Normalize(answer);
        var normalized = golds.Select(AnswerNormalizer.Normalize).Where(g => g.Length > 0).Distinct().ToArray();
        var strict = normalized.FirstOrDefault(g => AnswerNormalizer.ContainsWords(output, g));
        var loose = strict ?? normalized.FirstOrDefault(g => AnswerNormalizer.ContainsLoose(output, g));
        return new AnswerVerdict(strict is not null, loose is not null, strict ?? loose);
    }

    /// <summary>True when a gold answer occurs in any of the texts: the ceiling of an extractive answerer.</summary>
    public static bool AnyContains(IEnumerable<string> texts, IReadOnlyList<string> golds)
    {
        var normalized = golds.Select(AnswerNormalizer.Normalize).Where(g => g.Length > 0).Distinct().ToArray();
        return texts.Select(AnswerNormalizer.Normalize).Any(t => normalized.Any(g => AnswerNormalizer.ContainsWords(t, g)));
    }
}

/// <summary>One answer option of an ARC question.</summary>
public sealed record ArcOption(string Label, string Text);

/// <summary>
/// ARC-Challenge: the paper counts the chosen option. The options are put into the question text
/// ("… Options: A) … B) …") and the option the answer chooses is read back with this rule:
/// <list type="number">
/// <item>An explicit label ("A)", "(A)", "Answer: A", "answer is A", or the whole answer being "A"): when the answer
/// names exactly one of the item's labels, that option is chosen. Labels are read from the raw text, case-sensitively,
/// because after normalisation "A" is the article "a".</item>
/// <item>Otherwise an option's text contained in the answer (whole words, after normalisation). When several are,
/// the one with the most words wins ("liquid oxygen" over "oxygen"); a tie chooses nothing.</item>
/// <item>Nothing found: no option was chosen, which counts as wrong (chance on four options would be 25 %).</item>
/// </list>
/// </summary>
public static partial class ArcMetric
{
    public static string QuestionWithOptions(string question, IReadOnlyList<ArcOption> options) =>
        $"{question.Trim()} Options: {string.Join(" ", options.Select(o => $"{o.Label}) {o.Text.Trim()}"))}";

    public static string? Choose(string answer, IReadOnlyList<ArcOption> options)
    {
        var labels = options.Select(o => o.Label).ToHashSet(StringComparer.Ordinal);
        var named = LabelMention().Matches(answer)
            .Select(m => m.Groups["label"].Value)
            .Where(labels.Contains)
            .Distinct()
            .ToArray();
        if (labels.Contains(answer.Trim()))
        {
            named = [answer.Trim()];
        }

        if (named.Length == 1)
        {
            return named[0];
        }

        var output = AnswerNormalizer.Normalize(answer);
        var matches = options
            .Select(o => (o.Label, Text: AnswerNormalizer.Normalize(o.Text)))
            .Where(o => AnswerNormalizer.ContainsWords(output, o.Text))
            .Select(o => (o.Label, Words: o.Text.Split(' ').Length))
            .OrderByDescending(o => o.Words)
            .ToArray();
        return matches.Length switch
        {
            0 => null,
            1 => matches[0].Label,
            _ when matches[0].Words > matches[1].Words => matches[0].Label,
            _ => null,
        };
    }

    public static AnswerVerdict Score(string answer, IReadOnlyList<ArcOption> options, string answerKey)
    {
        var chosen = Choose(answer, options);
        var correct = chosen == answerKey;
        return new AnswerVerdict(correct, correct, chosen);
    }

    [GeneratedRegex(@"(?:\((?<label>[A-E1-5])\)|(?<![\w(])(?<label>[A-E1-5])\)|(?:[Aa]nswer(?: is)?:?\s+)(?<label>[A-E1-5])\b)")]
    private static partial Regex LabelMention();
}

/// <summary>
/// Retrieval recall where the gold passages are known (MuSiQue's <c>is_supporting</c> paragraphs): the fraction of
/// gold paragraphs of which at least one passage was retrieved. A paragraph can appear under several document ids
/// (the corpus repeats some), so each gold paragraph is a set of acceptable ids.
/// </summary>
public static class Recall
{
    public static double Fraction(IReadOnlyList<IReadOnlySet<string>> goldParagraphs, IEnumerable<string> retrievedDocumentIds)
    {
        if (goldParagraphs.Count == 0)
        {
            return double.NaN;
        }

        var retrieved = retrievedDocumentIds.ToHashSet(StringComparer.Ordinal);
        return goldParagraphs.Count(ids => ids.Overlaps(retrieved)) / (double)goldParagraphs.Count;
    }

    /// <summary>Passage ids are <c>{documentId}#{n}</c> (the collection splits documents into ~100-word passages).</summary>
    public static string DocumentIdOf(string passageId)
    {
        var hash = passageId.LastIndexOf('#');
        return hash > 0 ? passageId[..hash] : passageId;
    }
}
