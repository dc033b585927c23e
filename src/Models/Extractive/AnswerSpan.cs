using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The shortest part of a sentence that answers a description question, when the sentence has the plain form
/// "‹the name asked about› is/was ‹description›" ("Henry Master Feilden (1818 – 1875) was an English Conservative Party
/// politician." answers "What is Henry Feilden's occupation?" with "an English Conservative Party politician"). When the
/// sentence has another form, nothing is returned and the whole sentence stays the answer: a wrong cut would lose the
/// answer, a whole sentence only reads longer.
/// </summary>
public static partial class AnswerSpan
{
    /// <summary>A predicate this long is no longer a phrase; the sentence reads better.</summary>
    public const int MaxWords = 24;

    public static string? Extract(string sentence, QuestionProfile question)
    {
        if (!question.AsksForDescription)
        {
            return null;
        }

        var plain = Whitespace().Replace(Parenthetical().Replace(sentence, " "), " ").Trim();
        var copula = Copula().Match(plain);
        if (!copula.Success)
        {
            return null;
        }

        var subject = copula.Groups["subject"].Value;
        // The subject must be the name asked about (all of it: "Bernard Feilden" is not "Henry Feilden") or a pronoun for it.
        var subjectTerms = QuestionProfile.Terms(subject).ToHashSet(StringComparer.Ordinal);
        var aboutTheName = question.Names.All(subjectTerms.Contains) || Pronoun().IsMatch(subject);
        if (!aboutTheName)
        {
            return null;
        }

        var predicate = ClauseEnd().Split(copula.Groups["predicate"].Value, 2)[0].Trim().TrimEnd('.', ',', ';', ':').Trim();

        // "was an English politician" describes; "was born in Hampstead" or "was elected in 1868" tells something else.
        if (!Describes().IsMatch(predicate))
        {
            return null;
        }

        var words = predicate.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return words is >= 1 and <= MaxWords ? predicate : null;
    }

    // The subject is short and ends before the first copula; "served as" and "works as" introduce a role too.
    [GeneratedRegex(@"^(?<subject>[^,;]{1,120}?)\s(?:is|was|are|were|became|becomes|served as|serves as|worked as|works as)\s(?<predicate>.+)$")]
    private static partial Regex Copula();

    [GeneratedRegex(@"^(?:he|she|it|they)$", RegexOptions.IgnoreCase)]
    private static partial Regex Pronoun();

    [GeneratedRegex(@"\s*\([^()]*\)")]
    private static partial Regex Parenthetical();

    [GeneratedRegex(@";|,\s*(?:who|which|where|when|whose|and was|and is|but)\b|\s(?:who|which|whose)\s")]
    private static partial Regex ClauseEnd();

    [GeneratedRegex(@"^(?:a|an|the|one of|one|his|her|their|its)\s", RegexOptions.IgnoreCase)]
    private static partial Regex Describes();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
