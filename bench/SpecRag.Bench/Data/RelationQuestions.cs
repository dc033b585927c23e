namespace Orleans.SpecRag.Bench.Data;

/// <summary>
/// A Wikidata-style relation ("Brand >> author") asked as a question. The relations PopQA asks about use PopQA's own
/// templates (Mallen et al., 2023, "When Not to Trust Language Models"), so these questions read like PopQA's; the others
/// get a template in the same style.
/// </summary>
public static class RelationQuestions
{
    private static readonly Dictionary<string, string> Templates = new(StringComparer.OrdinalIgnoreCase)
    {
        // PopQA's templates.
        ["occupation"] = "What is {0}'s occupation?",
        ["place of birth"] = "In what city was {0} born?",
        ["genre"] = "What genre is {0}?",
        ["father"] = "Who is the father of {0}?",
        ["country"] = "In what country is {0}?",
        ["producer"] = "Who was the producer of {0}?",
        ["director"] = "Who was the director of {0}?",
        ["capital of"] = "What is {0} the capital of?",
        ["screenwriter"] = "Who was the screenwriter for {0}?",
        ["composer"] = "Who was the composer of {0}?",
        ["color"] = "What color is {0}?",
        ["religion"] = "What is the religion of {0}?",
        ["sport"] = "What sport does {0} play?",
        ["author"] = "Who is the author of {0}?",
        ["mother"] = "Who is the mother of {0}?",
        ["capital"] = "What is the capital of {0}?",

        // The same style for the other relations MuSiQue uses.
        ["performer"] = "Who is the performer of {0}?",
        ["located in the administrative territorial entity"] = "In what administrative region is {0} located?",
        ["shares border with"] = "What shares a border with {0}?",
        ["country of citizenship"] = "What is the country of citizenship of {0}?",
        ["instance of"] = "What kind of thing is {0}?",
        ["location"] = "Where did {0} take place?",
        ["educated at"] = "Where was {0} educated?",
        ["continent"] = "On what continent is {0}?",
        ["spouse"] = "Who is the spouse of {0}?",
        ["native language"] = "What is the native language of {0}?",
        ["member of political party"] = "What political party is {0} a member of?",
        ["member of sports team"] = "What sports team is {0} a member of?",
        ["licensed to broadcast to"] = "What city is {0} licensed to broadcast to?",
        ["located in or next to body of water"] = "What body of water is {0} located in or next to?",
        ["part of"] = "What is {0} part of?",
        ["conflict"] = "What conflict did {0} take part in?",
        ["applies to jurisdiction"] = "To what jurisdiction does {0} apply?",
    };

    /// <summary>
    /// The question; a relation without a template of its own is asked as "What is the ‹relation› of ‹subject›?", so no
    /// hop is dropped. Null only without a subject.
    /// </summary>
    public static string? Ask(string subject, string relation) =>
        subject.Length == 0 ? null
            : string.Format(System.Globalization.CultureInfo.InvariantCulture, Templates.GetValueOrDefault(relation, "What is the " + relation + " of {0}?"), subject);
}
