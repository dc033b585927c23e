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
/// <item>"What county …?" (a kind whose names say what they are, <see cref="QuestionProfile.NamedKind"/>), and the sentence
/// names exactly one of that kind besides the question's own: "DuPage County".</item>
/// <item>"What country …?", and the sentence names exactly one country besides the question's own, by its name or its
/// people's adjective: "Norway" for "… was a Norwegian playwright".</item>
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
        // Not a description as well: "What is the name of the airport …?" is not answered by "a public airport near …".
        AnswerKind.Name => NameOfTheKind(sentence, question),
        // "Henrik Ibsen was a Norwegian playwright" answers "What country was Henrik Ibsen a citizen of?" with "Norway", and
        // "What nationality was Henrik Ibsen?" as the sentence says it, "Norwegian".
        AnswerKind.Country => question.CountriesNamedIn(sentence) is [var only]
            ? question.AsksForNationality ? Countries.FirstMentionOf(sentence, only) : only
            : null,
        _ => Default(sentence, question),
    };

    private static string? Default(string sentence, QuestionProfile question) =>
        Description(sentence, question, whatTheNameIs: false) is { } description ? Agent(description, question) ?? description : null;

    /// <summary>
    /// "What county …?", "What is the name of the airport …?": the one name of that kind the sentence mentions, besides the
    /// question's own ("Kassel … is a city located on the Fulda River in northern Hesse" answers "What body of water is near
    /// …?" with "Fulda River"). With two such names the sentence stays whole, as with two times.
    /// </summary>
    private static string? NameOfTheKind(string sentence, QuestionProfile question) =>
        question.NamesOfTheKind(sentence) is [var only] ? only : null;

    /// <summary>
    /// "Who was the director of The Girl Who Kicked the Hornets' Nest?" asks for someone, and its description, "a 2009
    /// Swedish drama thriller film directed by Daniel Alfredson", names them after "by": the answer is that name. Only
    /// for a single-hop question about a role whose verb the description uses before its one "by" ("directed by" for a
    /// director; "a song by" or "recorded by" for a performer), and when a name of two words or more follows "by" after
    /// at most four words that qualify it ("by English author Andrew Morton", not "by Madonna for the film Dick Tracy").
    /// A description that names someone in another role ("written by Diane Warren" for a performer) stays whole.
    /// </summary>
    private static string? Agent(string description, QuestionProfile question)
    {
        var role = AsksForRole().Match(question.Stem);
        if (!role.Success || question.IsMultiHop || ByWord().Count(description) != 1
            || !RoleVerbs.TryGetValue(role.Groups["role"].Value.ToLowerInvariant(), out var verbs)
            || ByAfter().Match(description) is not { Success: true } before
            || !verbs.Contains(VerbBefore(before.Groups["word"].Value.ToLowerInvariant())))
        {
            return null;
        }

        var name = AgentName().Match(description);
        return name.Success ? name.Groups["name"].Value : null;
    }

    // A participle ("directed", "written", "published": any other one names another role) or "sung"/"music" is the verb
    // before "by"; any other word is a noun ("a song by"), "".
    private static string VerbBefore(string word) =>
        word.EndsWith("ed", StringComparison.Ordinal) || word.EndsWith("en", StringComparison.Ordinal) || word is "sung" or "music" ? word : string.Empty;

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

    // The lower-case words inside names ("Charles de Gaulle", "Ludwig van Beethoven", "University of Chicago Press").
    internal const string NameParticles = "de|da|di|del|della|der|den|van|von|la|le|of|bin|al|y";

    // Words that join a phrase to what comes before: a name is never qualified across one ("by Madonna for the film …").
    private const string PhraseJoiners = "for|from|of|in|on|at|with|to|and|or|as";

    // The roles "Who is/was the … of X?" asks about, and the words before "by" that give someone that role ("" for none:
    // "a song by X"). A role not listed (father, spouse) keeps the description.
    private static readonly Dictionary<string, HashSet<string>> RoleVerbs = new(StringComparer.Ordinal)
    {
        ["director"] = ["directed"],
        ["composer"] = ["composed", "written", "music"],
        ["author"] = ["written", "authored", ""],
        ["writer"] = ["written", ""],
        ["screenwriter"] = ["written"],
        ["producer"] = ["produced", "released"],
        ["performer"] = ["performed", "recorded", "sung", "released", ""],
        ["singer"] = ["performed", "recorded", "sung", ""],
        ["artist"] = ["performed", "recorded", "painted", ""],
        ["creator"] = ["created", ""],
        ["designer"] = ["designed"],
        ["architect"] = ["designed", ""],
        ["founder"] = ["founded"],
    };

    [GeneratedRegex(@"^(?i:who)\s+(?i:is|was|are|were)\s+the\s+(?:\p{Ll}+\s+)?(?<role>\p{Ll}+)\s+of\s")]
    private static partial Regex AsksForRole();

    [GeneratedRegex(@"\bby\b")]
    private static partial Regex ByWord();

    [GeneratedRegex(@"\b(?<word>\p{L}+)\s+by\b")]
    private static partial Regex ByAfter();

    // "by", then at most four words that qualify the name (an article, a lower-case word, or a capitalised word before a
    // lower-case one: "the American rock band", "English author"; never a word that ends a phrase, "for", "from"), then
    // two or more name words (particles and "of" allowed inside: "Ludwig van Beethoven", "University of Chicago Press").
    // The name must end the description or be followed by punctuation, a word that joins a phrase, or a participle.
    [GeneratedRegex(@"\bby\s+(?:(?!(?:" + PhraseJoiners + @"|featuring|starring)\b)(?:\p{Ll}[\p{L}\-]*|\p{Lu}[\p{L}\-]*(?=\s+(?!(?:" + PhraseJoiners + @")\b)\p{Ll}))\s+){0,4}?(?<name>\p{Lu}[\p{L}.'’\-]*(?:\s+(?:\p{Lu}[\p{L}.'’\-]*|" + NameParticles + @"))*\s+\p{Lu}[\p{L}.'’\-]*)(?=\s*$|\s*[,;:()]|\s+(?:on|in|at|and|with|from|for|as|to|about|under|after|before|during|who|which|that|was|is|were|are|until|since)\b|\s+\p{Ll}+(?:ing|ed)\b)")]
    private static partial Regex AgentName();

    // A name and nothing else: capitalised words, with the particles names have ("Charles de Gaulle"); not "France borders
    // Spain", nor a capitalised sentence opener ("After Henry Feilden").
    [GeneratedRegex(@"^(?!(?:After|Before|Like|Unlike|With|Without|Under|For|From|In|On|At|By|As|During|Since|When|While|Although|Though|Because|If|The|This|These|Those|It|He|She|They|His|Her|Their|Its|According|Following|Also|But|However|Then|Later|Only|Even)\b)(?:\p{Lu}[\p{L}\p{N}.'’\-]*|" + NameParticles + @")(?:\s+(?:\p{Lu}[\p{L}\p{N}.'’\-]*|" + NameParticles + @"))*$")]
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
