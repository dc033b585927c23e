namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// Lower-case words of names (<see cref="QuestionProfile.NamesIn"/>) that tell little or nothing apart: what a question
/// asks of its bridge and how two hops link (<see cref="Bridge"/>) both read names without them.
/// </summary>
internal static class NameWords
{
    /// <summary>Whether a name word only says what kind of thing a name is ("District", "River", "March").</summary>
    public static bool IsDesignator(string nameWord) => Designators.Contains(nameWord);

    /// <summary>Whether a name word is so common that sharing it links nothing ("… in the United States").</summary>
    public static bool IsCommon(string nameWord) => Common.Contains(nameWord);

    private static readonly HashSet<string> Common = new(StringComparer.Ordinal) { "united", "states", "kingdom", "new", "st" };

    // Name words that are part of a name but do not tell it apart: the "District" of "Beitbridge District" and of
    // "Nuwara Eliya District", a month ("March 1761"), a point of the compass. They link two sentences only together with
    // a word that does ("Limpopo River"), or when the bridge has no other word ("North Sea").
    private static readonly HashSet<string> Designators = new(StringComparer.Ordinal)
    {
        "saint", "north", "south", "east", "west", "northern", "southern", "eastern", "western", "central", "upper", "lower",
        "great", "district", "county", "province", "region", "state", "city", "town", "village", "municipality", "republic",
        "island", "islands", "river", "lake", "mount", "mountains", "sea", "ocean", "bay", "valley", "national",
        "international", "university", "college", "school", "church", "party", "museum", "park",
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    };
}
