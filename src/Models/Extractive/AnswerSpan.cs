using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The shortest part of a sentence that answers the question, when the sentence shows which part that is:
/// <list type="bullet">
/// <item>A description question, and the sentence has the plain form "‹the name asked about› is/was ‹description›"
/// ("Henry Master Feilden (1818 – 1875) was an English Conservative Party politician." answers "What is Henry Feilden's
/// occupation?" with "an English Conservative Party politician"). When the question asks what the name is
/// (<see cref="AnswerKind.Description"/>), an apposition may follow the name ("Kazuyoshi Sekine, also known as Kazumi
/// Sekine, is …"), and the name's entry in a list of namesakes ("Boutheina Jabnoun Marai, Tunisian journalist ;
/// Bouthaina Shaaban, Syrian politician") answers too.</item>
/// <item>"When …?" (or "How many …?"), and the sentence holds exactly one time (one number): "Guyana joined on 1 August
/// 1973." answers "When did Guyana join CARICOM?" with "1 August 1973".</item>
/// </list>
/// Otherwise nothing is returned and the whole sentence stays the answer: a wrong cut would lose the answer, a whole
/// sentence only reads longer. So a sentence with two dates keeps both, and the reader sees which is which.
/// </summary>
public static partial class AnswerSpan
{
    /// <summary>A predicate this long is no longer a phrase; the sentence reads better.</summary>
    public const int MaxWords = 24;

    public static string? Extract(string sentence, QuestionProfile question) => question.Expects switch
    {
        AnswerKind.Time => TheOnly(TimePhrase().Matches(sentence), question),
        AnswerKind.Number => TheOnly(NumberPhrase().Matches(sentence), question),
        AnswerKind.Description => Description(sentence, question, whatTheNameIs: true),
        _ => Description(sentence, question, whatTheNameIs: false) is { } description ? Agent(description, question) ?? description : null,
    };

    /// <summary>
    /// "Who was the director of The Girl Who Kicked the Hornets' Nest?" asks for someone, and its description, "a 2009
    /// Swedish drama thriller film directed by Daniel Alfredson", names them after "by": the answer is that name. Only
    /// when the description has one "by" and a name of two words or more follows it within a few words ("by English
    /// author Andrew Morton"); a capitalised adjective before a noun ("by North Korean leader …") is not the name.
    /// </summary>
    private static string? Agent(string description, QuestionProfile question)
    {
        if (!AsksWho().IsMatch(question.Stem) || ByWord().Count(description) != 1)
        {
            return null;
        }

        var name = AgentName().Match(description);
        return name.Success ? name.Groups["name"].Value : null;
    }

    /// <summary>
    /// Whether a text describes the name a question that asks what the name is asks about: it is a description phrase
    /// ("a professional chef": an indefinite article, a few words, no clause) or a sentence one can be cut from.
    /// "Michael Hutchings first worked at a restaurant" tells something about him without saying what he is;
    /// "Christopher Hutchings is an English footballer" describes someone else.
    /// </summary>
    public static bool Describes(string text, QuestionProfile question)
    {
        var trimmed = text.Trim();
        var phrase = IndefiniteOpener().IsMatch(trimmed) && !trimmed.Contains(',') && !SentenceEnd().IsMatch(trimmed)
            && trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= MaxPhraseWords;
        return phrase || Description(trimmed, question, whatTheNameIs: true) is not null;
    }

    /// <summary>A description phrase that stands alone is this short; a longer text is a clause or a cut-off sentence.</summary>
    public const int MaxPhraseWords = 12;

    // A month that is part of a name the question asks about ("Theresa May") is not a time.
    private static string? TheOnly(MatchCollection matches, QuestionProfile question) =>
        matches.Select(m => m.Value.Trim())
            .Where(v => !question.Names.Contains(v.ToLowerInvariant()))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray() is [var only] ? only : null;

    private static string? Description(string sentence, QuestionProfile question, bool whatTheNameIs)
    {
        if (!question.AsksForDescription)
        {
            return null;
        }

        var plain = Whitespace().Replace(Parenthetical().Replace(sentence, " "), " ").Trim();
        // Appositions and lists only when the question asks what the name is: for "Who directed Jaws?" the apposition
        // ("Jaws, directed by Steven Spielberg, is a 1975 film") may be the answer itself, and the sentence stays whole.
        return whatTheNameIs ? Copular(plain, question, Copula()) ?? ListEntry(plain, question) : Copular(plain, question, PlainCopula());
    }

    /// <summary>The subject must be the name asked about (all of it: "Bernard Feilden" is not "Henry Feilden") or a pronoun for it.</summary>
    private static bool IsTheName(string subject, QuestionProfile question)
    {
        var subjectTerms = QuestionProfile.Terms(subject).ToHashSet(StringComparer.Ordinal);
        return question.Names.All(subjectTerms.Contains) || Pronoun().IsMatch(subject);
    }

    /// <summary>
    /// "‹name›, ‹description›", alone or as an entry of a list such as a disambiguation page's ("Carlos Ameglio (born
    /// 1965), Uruguayan film director ; Marco Ameglio (born 1961), Panamanian politician"): the entry of the name asked about.
    /// </summary>
    private static string? ListEntry(string plain, QuestionProfile question)
    {
        foreach (var entry in plain.Split(';'))
        {
            var parts = entry.Trim().TrimEnd('.').Split(',');
            if (parts.Length == 2 && IsBareName(parts[0], question)
                && parts[1].Trim() is { Length: > 0 } description && char.IsLetter(description[0])
                && description.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= MaxListWords)
            {
                return description;
            }
        }

        return null;
    }

    /// <summary>A list entry's description is a few words ("Tunisian journalist"); a longer one is a clause, not an apposition.</summary>
    public const int MaxListWords = 6;

    /// <summary>A text that is the name asked about and nothing else ("Dr. Herman Aladdin Barnett"; not "After Henry Feilden").</summary>
    private static bool IsBareName(string text, QuestionProfile question) =>
        NameOnly().IsMatch(text.Trim()) && !Pronoun().IsMatch(text.Trim()) && IsTheName(text, question);

    private static string? Copular(string plain, QuestionProfile question, Regex copulaPattern)
    {
        var copula = copulaPattern.Match(plain);
        var subject = copula.Groups["subject"].Value;
        // With an apposition, the name itself comes before it: "Herman Barnett, III", not "Like Henry Feilden, his son".
        var aboutTheName = subject.Contains(',') ? IsBareName(subject.Split(',')[0], question) : IsTheName(subject, question);
        if (!copula.Success || !aboutTheName)
        {
            return null;
        }

        var predicate = ClauseEnd().Split(copula.Groups["predicate"].Value, 2)[0].Trim().TrimEnd('.', ',', ';', ':').Trim();

        // "was an English politician" describes; "was born in Hampstead" or "was elected in 1868" tells something else.
        if (!DescriptionOpener().IsMatch(predicate))
        {
            return null;
        }

        var words = predicate.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        return words is >= 1 and <= MaxWords ? predicate : null;
    }

    // The verbs that link a name to what it is, as a regular-expression alternation (both copula patterns use them).
    private const string CopulaVerbs = "is|was|are|were|became|becomes|served as|serves as|worked as|works as";

    // The subject is short and ends before the first copula; "served as" and "works as" introduce a role too. It may
    // hold an apposition ("Kazuyoshi Sekine, also known as Kazumi Sekine, is …", "Herman Barnett, III was …") but no
    // relative clause ("Henry Feilden, whose son was …": the copula is the son's).
    [GeneratedRegex(@"^(?<subject>(?:(?!\b(?:who|whose|whom|which|that)\b)[^;]){1,120}?),?\s(?:" + CopulaVerbs + @")\s(?<predicate>.+)$")]
    private static partial Regex Copula();

    // The same without an apposition: the subject ends at the first comma.
    [GeneratedRegex(@"^(?<subject>[^,;]{1,120}?)\s(?:" + CopulaVerbs + @")\s(?<predicate>.+)$")]
    private static partial Regex PlainCopula();

    [GeneratedRegex(@"^(?:a|an|one of)\s", RegexOptions.IgnoreCase)]
    private static partial Regex IndefiniteOpener();

    [GeneratedRegex(@"^(?:he|she|it|they)$", RegexOptions.IgnoreCase)]
    private static partial Regex Pronoun();

    [GeneratedRegex(@"\s*\([^()]*\)")]
    private static partial Regex Parenthetical();

    [GeneratedRegex(@";|,\s*(?:who|which|where|when|whose|and was|and is|but)\b|\s(?:who|which|whose)\s")]
    private static partial Regex ClauseEnd();

    [GeneratedRegex(@"^(?:a|an|the|one of|one|his|her|their|its)\s", RegexOptions.IgnoreCase)]
    private static partial Regex DescriptionOpener();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^(?i:who)\s")]
    private static partial Regex AsksWho();

    [GeneratedRegex(@"\bby\b")]
    private static partial Regex ByWord();

    // "by" and at most four words ("the American rock band"), then two or more name words (particles allowed inside, "II" too), which must end the
    // description or be followed by punctuation or a word that joins a phrase, not by a noun they would qualify.
    [GeneratedRegex(@"\bby\s+(?:[\p{L}\-]+\s+){0,4}?(?<name>\p{Lu}[\p{L}.'’\-]*(?:\s+(?:\p{Lu}[\p{L}.'’\-]*|de|da|di|van|von|der|den|del|la|le|bin|al))*\s+\p{Lu}[\p{L}.'’\-]*)(?=\s*$|\s*[,;:()]|\s+(?:on|in|at|and|with|from|for|of|as|to|about|under|after|before|during|who|which|that|was|is|were|are|featuring|released|until|since)\b)")]
    private static partial Regex AgentName();

    // A name and nothing else: capitalised words, with the particles names have ("Charles de Gaulle"); not "France borders
    // Spain", nor a capitalised sentence opener ("After Henry Feilden").
    [GeneratedRegex(@"^(?!(?:After|Before|Like|Unlike|With|Without|Under|For|From|In|On|At|By|As|During|Since|When|While|Although|Though|Because|If|The|This|These|Those|It|He|She|They|His|Her|Their|Its|According|Following|Also|But|However|Then|Later|Only|Even)\b)(?:\p{Lu}[\p{L}\p{N}.'’\-]*|de|da|di|del|della|der|den|van|von|la|le|of|bin|al|y)(?:\s+(?:\p{Lu}[\p{L}\p{N}.'’\-]*|de|da|di|del|della|der|den|van|von|la|le|of|bin|al|y))*$")]
    private static partial Regex NameOnly();

    [GeneratedRegex(@"[.!?][""'’”)]*$")]
    private static partial Regex SentenceEnd();

    // A whole time phrase, longest form first: "25 September 1981", "February 25, 1998", "June 1996", "12 May", "the
    // 19th century", "1842 to 1997", "AD 79", "15,000 BC", "the '60s", "1990s", "1963", "June". Years have four digits
    // here (or an era): a bare "787" is more often a count than a year. A comma after a year ends it ("In 1973, …"); a
    // digit after the comma makes it a count ("1,000").
    [GeneratedRegex(@"(?<![\p{L}\d.,])(?:\d{1,2}\s+(?:" + QuestionProfile.Months + @"),?\s+\d{3,4}(?!\d)|(?:" + QuestionProfile.Months + @")\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{3,4}(?!\d)|(?:" + QuestionProfile.Months + @")\s+\d{4}(?!\d)|\d{1,2}\s+(?:" + QuestionProfile.Months + @")\b|(?:" + QuestionProfile.Months + @")\s+\d{1,2}(?:st|nd|rd|th)?(?!\d|,\d)|(?:(?:early|mid|late)[\s-]+)?\d{1,2}(?:st|nd|rd|th)[\s-]+centur(?:y|ies)\b|\d{4}\s*(?:–|—|-|to|until)\s*\d{2,4}(?!\d|,\d)|(?:\d{1,3}(?:,\d{3})+|\d{1,4})\s*(?:BC|BCE|AD|CE)\b|(?:AD|A\.D\.)\s*\d{1,4}(?!\d)|'\d0s\b|\d{4}(?:s\b)?(?![\d\p{L}]|[,.]\d)|(?:" + QuestionProfile.Months + @")\b)")]
    private static partial Regex TimePhrase();

    // A count: "1,234", "$3.5 million", "forty-two", "12 %"; "one" is left out, being mostly "one of …" rather than a count.
    [GeneratedRegex(@"(?<![\p{L}\d.,])(?:[$€£¥]\s?)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*(?:%|percent|per cent))?(?:\s+(?:hundred|thousand|million|billion|trillion)\b)?(?![\d,]\d)|\b(?i:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?)(?:\s+(?i:hundred|thousand|million|billion))?\b")]
    private static partial Regex NumberPhrase();
}
