using System.Text.RegularExpressions;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// What the extractive models read from a question before they look at any text: the stem and the options it lists,
/// the names it asks about (its capitalised words after the first, e.g. "henry" and "feilden" in "What is Henry
/// Feilden's occupation?"), and whether it asks for a description of one of them, which a short span can answer.
/// </summary>
public sealed partial class QuestionProfile
{
    private static readonly HashSet<string> QuestionWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "what", "who", "whom", "whose", "which", "when", "where", "why", "how", "is", "are", "was", "were", "do", "does", "did",
        "the", "a", "an", "in", "of", "on", "at", "for", "to", "from", "by", "and", "or", "name", "list", "options", "choices",
    };

    private QuestionProfile(string question, ParsedQuestion parsed)
    {
        Question = question;
        Stem = parsed.Stem;
        Options = parsed.Options;
        Names = NameTerms(NameWord().Matches(Stem).Select(m => m.Value).Skip(1), openers: null);
        AskedOfBridge = IsMultipleChoice ? null : AskedOfBridgeByClause(Stem) ?? WithoutRelatedName(Stem);
        // The names of a question with a bridge, or with a clause on what it asks for ("Who was the man who founded
        // Apple?"), identify something other than its answer: a description of them ("an American technology company")
        // does not answer it.
        AsksForDescription = !IsMultipleChoice && DescriptionQuestion().IsMatch(Stem) && !NotADescription().IsMatch(Stem) && Names.Count > 0
            && AskedOfBridge is null && !BridgeClause().IsMatch(Stem);
        IsMultiHop = AskedOfBridge is not null;
        string? namedKind = null;
        BridgeNames = AskedOfBridge is { } asked
            ? Names.Except(Terms(asked), StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        AskedNames = IsMultiHop
            ? Names.Except(BridgeNames, StringComparer.Ordinal).Where(n => !NameWords.IsDesignator(n)).ToHashSet(StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
        BridgeIsOfAskedKind = AskedOfBridge is { } askedOf && AsksAgainForItsKind(askedOf);
        Expects = IsMultipleChoice ? AnswerKind.Any
            : AsksForDescription && !IsMultiHop && AsksWhatTheNameIs().IsMatch(Stem) ? AnswerKind.Description
            : AsksForTime().IsMatch(Stem) ? AnswerKind.Time
            : AsksForNumber().IsMatch(Stem) ? AnswerKind.Number
            : AsksForCountry().IsMatch(Stem) ? AnswerKind.Country
            : (namedKind = NamedKindAsked(Stem)) is not null ? AnswerKind.Name
            : AnswerKind.Any;
        NamedKind = Expects == AnswerKind.Name ? namedKind : null;
        ownKindNames = NamedKind is null ? [] : NameOfKindPatterns[NamedKind].Matches(Stem).Select(m => Folded(WholeName(Stem, m))).ToArray();
        // By name only: "What country was the Norwegian playwright … a citizen of?" may well be answered by Norway.
        ownCountries = Expects == AnswerKind.Country ? Countries.NamedByNameIn(Stem) : [];
    }

    // The names of the kind asked for that the question gives itself ("the Blue Nile River"), whole, lower-case and
    // without accents (Folded), as IsTheQuestionsOwn compares them.
    private readonly string[] ownKindNames;

    /// <summary>
    /// For a question that asks for a place or thing of a kind whose names say what they are ("What county …", "What is
    /// the name of the airport …", "What body of water …"), the words such a name carries, as an alternation ("County";
    /// "Airport|Airfield"; "River|Lake|Sea|…"); null otherwise.
    /// </summary>
    public string? NamedKind { get; }

    // What a question may ask for by kind, and the words that end (or, "Mount …", "Treaty of …", open) a name of that kind.
    // Only kinds whose names say so: a city, a country or a person is named without a designator.
    private static readonly Dictionary<string, string> NamedKinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["county"] = "County", ["district"] = "District", ["province"] = "Province", ["parish"] = "Parish",
        ["river"] = "River", ["lake"] = "Lake", ["sea"] = "Sea", ["ocean"] = "Ocean", ["bay"] = "Bay",
        ["body of water"] = "River|Lake|Sea|Ocean|Bay|Gulf|Strait|Creek|Canal|Reservoir|Lagoon|Sound|Falls",
        ["waterfall"] = "Falls|Waterfall|Cascade|Cascades", ["mountain"] = "Mount|Mountain|Peak|Hill", ["island"] = "Island|Isle",
        ["airport"] = "Airport|Airfield", ["university"] = "University|College|Institute", ["college"] = "College|University|Institute",
        ["stadium"] = "Stadium|Arena|Field|Park|Ground", ["hotel"] = "Hotel|Resort|Inn|Lodge", ["bridge"] = "Bridge",
        ["castle"] = "Castle", ["cathedral"] = "Cathedral", ["museum"] = "Museum|Gallery", ["treaty"] = "Treaty|Agreement|Accord|Convention",
        ["award"] = "Award|Prize|Medal", ["prize"] = "Prize|Award|Medal", ["political party"] = "Party",
    };

    // The words of a kind's names, and the small words inside them: what is left of a name without them tells it apart.
    private static readonly HashSet<string> NamedKindWords = NamedKinds.Values
        .SelectMany(names => names.Split('|'))
        .Select(word => word.ToLowerInvariant())
        .Concat(KindNameJoiners.Split('|'))
        .Append("the")
        .ToHashSet(StringComparer.Ordinal);

    private static readonly Dictionary<string, Regex> NameOfKindPatterns =
        NamedKinds.Values.Distinct(StringComparer.Ordinal).ToDictionary(names => names, NameOfKind, StringComparer.Ordinal);

    private static string? NamedKindAsked(string stem)
    {
        var match = AsksForNamedKind().Match(stem);
        return match.Success ? NamedKinds[Whitespace().Replace(match.Groups["kind"].Value, " ")] : null;
    }

    // The kind's word, capitalised, beside another capitalised word: "Wyoming County", "Rocky Mountains", "Lake Oesa",
    // "The River Thames" (not "The River"), "Treaty of Rome"; not "the airport is owned by the City of Winner". A word that
    // opens a sentence or a phrase is not part of a name ("In Lake Geneva", "On Lake Michigan": the name is the lake's).
    // Each alternative starts at a word's start and reads two words, so the time a match takes grows with the text, not
    // its square. (Group "opens": the kind's word opens the name.)
    private static Regex NameOfKind(string names) =>
        new($@"{WordStart}(?!(?:{NotANameWord})\s){CapitalisedWord}\s+(?:{names})s?\b"
            + $@"|{WordStart}(?<opens>(?:{names})\s+(?:(?:{KindNameJoiners})\s+(?:the\s+)?)?{CapitalisedWord})",
            RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));

    // Capitalised function words: at a sentence's start they open it, not a name.
    private const string NotANameWord =
        "The|A|An|In|On|At|Near|From|To|By|For|Of|With|And|Or|But|As|Into|Onto|Across|Along|Via|Through|Over|Under|During|After|Before|Since|Its|His|Her|Their|Our|This|That|These|Those|Both|Each|Every|Some|Many|Most|All|Like|Unlike|Between|Beyond|Around|Within|Without|Outside|Inside|Besides|Although|While|When|Where|If";

    // "Treaty of Rome", "Isle of Man", "Lake de Gras".
    private const string KindNameJoiners = "of|on|de|du|del";

    // Not inside a word, a number or a hyphenated or abbreviated name.
    private const string WordStart = @"(?<![\p{L}\p{N}.’'\-])";

    private const string CapitalisedWord = @"\p{Lu}[\p{L}\p{N}.’'\-]*";

    public string Question { get; }

    /// <summary>The question without its option list.</summary>
    public string Stem { get; }

    public IReadOnlyList<AnswerOption> Options { get; }

    public bool IsMultipleChoice => Options.Count >= 2;

    /// <summary>Lower-case tokens of the names the question mentions.</summary>
    public IReadOnlySet<string> Names { get; }

    /// <summary>"Who was X?", "What is X's occupation?": the answer is what the text says X is, a phrase rather than a sentence.</summary>
    public bool AsksForDescription { get; }

    /// <summary>
    /// The question asks about something it only describes, with a relative clause on one of its nouns ("the county in
    /// which Johnnycake is located", "the association which published …") or by its relation to a name ("the author of
    /// Brand", "Akinoshu Kenji's birthplace"): the answer is one hop away from the sentence that matches the question best.
    /// </summary>
    public bool IsMultiHop { get; }

    /// <summary>
    /// For a multi-hop question, the question without what only identifies the bridge: its relative clause ("What county
    /// shares a border with the county") or the name it relates to ("What country was the author a citizen of"). That is
    /// what the answer must say about the bridge.
    /// </summary>
    public string? AskedOfBridge { get; }

    /// <summary>
    /// For a multi-hop question, the names that identify the bridge: those of the relative clause ("siege", "cassel" in
    /// "… the location where the Siege of Cassel took place?") or of the name the question relates it to ("jewel", "nile"
    /// in "… the producer of The Jewel of the Nile?"). The first hop is a sentence about them.
    /// </summary>
    public IReadOnlySet<string> BridgeNames { get; }

    /// <summary>
    /// For a multi-hop question, the names of what it asks of the bridge, less designators ("germany" in "Besides the
    /// continent of the river which the Tekeze River turns into, where did Germany have imperial interests?", "caricom" in
    /// "When did the country where the village of Clonbrook is located, become a member of CARICOM?"): the answer is a
    /// sentence about them, as the first hop is one about <see cref="BridgeNames"/>.
    /// </summary>
    public IReadOnlySet<string> AskedNames { get; }

    /// <summary>
    /// Whether a text mentions what identifies the bridge (one of <see cref="BridgeNames"/>), where a chain of hops starts:
    /// the drafter's first hop, the verifier's check that an explanation leads to its answer, and the hop pairs of
    /// coverage subsets all ask it. True when the question names nothing that identifies its bridge.
    /// </summary>
    public bool IsAboutTheBridge(string text) => BridgeNames.Count == 0 || Terms(text).Any(BridgeNames.Contains);

    /// <summary>
    /// What kind of answer the question's wording asks for: a description of the name it asks about ("What is Henry
    /// Feilden's occupation?", "Who was Henry Feilden?"), a time ("When …?", "What year …"), a number ("How many …?"), a
    /// place or thing of a kind its name states ("What county …": <see cref="NamedKind"/>) or anything.
    /// </summary>
    public AnswerKind Expects { get; }

    /// <summary>
    /// What a question whose bridge a relative clause identifies asks of the bridge (<see cref="MainClause"/>); null without
    /// such a clause. A clause that only identifies what the question asks for, with nothing asked of it after the clause,
    /// makes no bridge: "Who is the person who found the treasure?", "What is the name of the album released by Madonna?"
    /// ask for it, and a clause inside it may identify the bridge instead ("Who is the person who founded the company that
    /// makes the iPhone?" asks "Who is the person who founded the company"). A reduced clause may leave its main clause's
    /// preposition at the end: "Who was the film directed by Ang Lee about?" asks "Who was the film about".
    /// </summary>
    private static string? AskedOfBridgeByClause(string stem)
    {
        for (var clause = BridgeClause().Match(stem); clause.Success; clause = clause.NextMatch())
        {
            var reduced = clause.Groups["reduced"].Success;
            // The main clause's verb, if it is still to come, comes before the next clause (in "What year was the company
            // established in the city where Gisvi was born?", "born" is the next clause's).
            var next = clause.NextMatch();
            var rest = stem[(clause.Index + clause.Length)..(next.Success ? next.Index : stem.Length)];
            var afterAuxiliary = AuxiliaryAtEnd().IsMatch(stem[..clause.Index]);
            if (reduced && afterAuxiliary && !EndsInVerbOrPreposition().IsMatch(rest))
            {
                continue;
            }

            var before = stem[..clause.Groups["relative"].Index].Trim();
            var main = MainClause(stem, clause.Groups["relative"].Index);
            if (main != before)
            {
                return main;
            }

            // "Who was the film directed by Ang Lee about?": the auxiliary's clause ends in its preposition. ("Who directed the
            // film based on the novel Hemingway is known for?" has its verb already; the preposition is the clause's own.)
            if (reduced && afterAuxiliary && !next.Success && EndsInPreposition().Match(stem) is { Success: true } preposition)
            {
                return $"{before} {preposition.Groups["preposition"].Value}";
            }

            if (!AsksWhatItIs().IsMatch(stem[..clause.Index]))
            {
                return main;
            }
        }

        return null;
    }

    // "Who is", "What was", "What's", "What is the name of": nothing between the question word and what it asks about,
    // which "What year was the film which … released?" has.
    [GeneratedRegex(@"^(?i:who|what)(?:['’]s|\s+(?i:is|was|are|were))\s+(?:(?i:the)\s+(?i:names?)\s+of\s+)?$")]
    private static partial Regex AsksWhatItIs();

    // The prepositions a reduced clause takes, left at the question's end by its main clause.
    [GeneratedRegex(@"\b(?<preposition>about|after|as|at|by|for|from|in|into|near|of|on|to|under|with)\s*[?.]?\s*$")]
    private static partial Regex EndsInPreposition();

    /// <summary>
    /// The question without the relative clause that starts at <paramref name="relative"/>: what is asked of the bridge.
    /// "What body of water is near the location | where the Siege of Cassel took place?" asks before the clause; "When did
    /// the country | where the village of Clonbrook is located, | become a member of CARICOM?" and "What is the country |
    /// where Baure is located | named after?" go on after it. The clause ends at its first comma before a lower-case word
    /// (not "Johnnycake, West Virginia", nor an apposition, "X, a painter,"), or after "is located" ("found", "based",
    /// "situated"; not "based on"); without either it runs to the end, since where else it ends takes a parser to tell.
    /// Neither part keeps the question mark.
    /// </summary>
    private static string MainClause(string stem, int relative)
    {
        var before = stem[..relative].Trim();
        var end = Match.Empty;
        var inApposition = false;
        for (var next = RelativeClauseEnd().Match(stem, relative); next.Success; next = next.NextMatch())
        {
            // ", a painter," names someone in the clause: its closing comma does not end the clause either.
            if (next.Groups["apposition"].Success || inApposition)
            {
                inApposition = !inApposition;
                continue;
            }

            end = next;
            break;
        }

        var after = end.Success ? stem[(end.Index + end.Length)..].TrimStart(',', ' ').TrimEnd() : string.Empty;
        // Only a main clause that goes on: "… is located?" ends the question, not the clause.
        after = after.TrimEnd('?', '.', ' ');
        return after.Length == 0 ? before : $"{before} {after}";
    }

    /// <summary>
    /// For a question that names its bridge by how it relates to a name rather than with a relative clause, the question
    /// without that name: "What country was the author of Brand a citizen of?" asks "What country was the author a
    /// citizen of", "What kind of plane dropped the bomb on Akinoshu Kenji's birthplace?" asks "… on the birthplace",
    /// "What currency predated the Euro in the country Signmark is from?" asks "… in the country". Null when the question
    /// asks for the relation itself ("Who is the author of Brand?", "What is Henry Feilden's occupation?"): that is one hop.
    /// </summary>
    private static string? WithoutRelatedName(string stem)
    {
        try
        {
            return RelatedNameForms
                .Select(form => (Form: form, Match: form.Pattern.Match(stem)))
                .Where(f => f.Match.Success && !AsksForTheRelation(stem, f.Match) && !(f.Form.Kind == RelatedNameKind.Clause && EndsInParticipleAuxiliary(stem, f.Match)))
                .Select(f => WithoutCut(stem, f.Match.Groups["cut"], f.Form.Kind))
                .FirstOrDefault();
        }
        catch (RegexMatchTimeoutException)
        {
            // A question long and odd enough to take this long is read as one hop: the drafts still answer it.
            return null;
        }
    }

    private enum RelatedNameKind
    {
        Possessive,
        Of,
        Clause,
    }

    private static readonly (Regex Pattern, RelatedNameKind Kind)[] RelatedNameForms =
    [
        (NameItIsIn(), RelatedNameKind.Clause),
        (PossessiveRelation(), RelatedNameKind.Possessive),
        (RelationOfName(), RelatedNameKind.Of),
    ];

    // "Big Eye's main director" → "the main director" (not "the the" after an article); "the author of Brand" → "the
    // author"; "the country Signmark is from" → "the country".
    private static string WithoutCut(string stem, Group cut, RelatedNameKind kind)
    {
        var before = stem[..cut.Index].TrimEnd();
        var article = kind == RelatedNameKind.Possessive && !ArticleAtEnd().IsMatch(before) ? "the " : string.Empty;
        return $"{before} {article}{stem[(cut.Index + cut.Length)..].TrimStart()}".Trim().TrimEnd('?', '.', ' ');
    }

    /// <summary>
    /// Whether the question asks for the relation itself: "Who is the author of Brand?", "What city is the capital of
    /// France?", "What is the name of the author of Brand?", "The main director of Big Eyes was who?". What follows the
    /// name may still be part of it or qualify it ("Toy Story 3", "Brand (play)", "… of France in 1990"), but not a verb
    /// or a noun ("Who was the author of Brand married to?").
    /// </summary>
    private static bool AsksForTheRelation(string stem, Match match)
    {
        var rest = Parenthetical().Replace(stem[(match.Index + match.Length)..], " ").TrimEnd('?', '.', ' ');
        // "Where was Kim Jong-chul's wife born?": the possessed noun phrase ran on into the main clause's participle.
        if (EndsInParticiple().IsMatch(match.Value))
        {
            return false;
        }

        return (AsksForTheRelationBefore().IsMatch(stem[..match.Index]) && !ContentWord().IsMatch(rest))
            || (match.Index == 0 && AsksForTheRelationAfterIt().IsMatch(rest));
    }

    // "Which city was the singer Adele born in?", "What club has the footballer Pelé played for?": the participle at the
    // question's end belongs to the main clause's "was" or "has", and "the singer Adele" is the name itself, not a clause
    // on "the singer" ("In which country is the university Hayek studied at located?" is one).
    private static bool EndsInParticipleAuxiliary(string stem, Match match) =>
        ParticipleAuxiliaryAtEnd().IsMatch(stem[..match.Index])
        && !ClauseAuxiliary().IsMatch(match.Groups["cut"].Value)
        && stem[(match.Index + match.Length)..].TrimEnd('?', '.', ' ').Length == 0;

    /// <summary>Whether a text holds an answer of the kind the question asks for (always, when it asks for no particular kind).</summary>
    public bool CanAnswer(string text) => Expects switch
    {
        AnswerKind.Time => TimeExpression().IsMatch(text),
        AnswerKind.Number => NumberExpression().IsMatch(text),
        AnswerKind.Description => AnswerSpan.Describes(text, this),
        AnswerKind.Name => NamesOneOfTheKind(text),
        AnswerKind.Country => CountriesNamedIn(text).Count > 0,
        _ => true,
    };

    /// <summary>
    /// The countries a text names (<see cref="Countries"/>) other than those the question names itself ("In what country
    /// is the Falkland Islands' representative in London?" is not answered by the Falkland Islands).
    /// </summary>
    public IReadOnlyList<string> CountriesNamedIn(string text) =>
        Countries.NamedIn(text).Except(ownCountries, StringComparer.Ordinal).ToArray();

    // The countries the question names itself, by name.
    private readonly IReadOnlyList<string> ownCountries;

    // "What country …", "In which nation …", "What is the country of citizenship of …", "What is the nationality of …",
    // "… Ibsen's country of citizenship?": the question asks for the country itself. Not "What country music singer …",
    // nor "What is the capital of the country of citizenship of …", which asks for something of it.
    [GeneratedRegex(@"^(?:(?:in|from|for|to|of)\s+)?(?:what|which)\s+(?:country|nation|nationality)\b(?!\s+(?:music|singer|artist|band|song|album|musician|songwriter|group|duo|rock|pop|radio|station|legend|code|estate|club|house|side|road|star)\b)|^(?:what|which)\s+(?:is|was|are|were)\s+(?:the\s+)?(?:country|nationality)\s+of\b|['’]s?\s+(?:country\s+of\s+(?:citizenship|origin)|nationality)\s*\??\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex AsksForCountry();

    /// <summary>Whether the question asks for a nationality, which is answered in the adjective ("Norwegian"), not the country.</summary>
    public bool AsksForNationality => Expects == AnswerKind.Country && NationalityAsked().IsMatch(Stem);

    [GeneratedRegex(@"\bnationality\b", RegexOptions.IgnoreCase)]
    private static partial Regex NationalityAsked();

    // A name of the kind other than the question's own ("What river does the Tekezé River turn into?").
    private bool NamesOneOfTheKind(string text) => NamesOfTheKind(text, firstOnly: true).Count > 0;

    /// <summary>
    /// The names of the kind the question asks for (<see cref="NamedKind"/>) that a text mentions, whole ("Lunenburg
    /// Municipal District", "Wilmington International Airport", "Massachusetts Institute of Technology", "Treaty of Rome"),
    /// other than the question's own: a name that only its designator and the question's names make up ("the Blue Nile
    /// River" for "Which river joins the Blue Nile River?") is not an answer. None when the question asks for no such kind.
    /// </summary>
    public IReadOnlyList<string> NamesOfTheKind(string text) => NamesOfTheKind(text, firstOnly: false);

    private List<string> NamesOfTheKind(string text, bool firstOnly)
    {
        var names = new List<string>();
        if (NamedKind is null)
        {
            return names;
        }

        try
        {
            foreach (Match match in NameOfKindPatterns[NamedKind].Matches(text))
            {
                var name = WholeName(text, match);
                if (!IsTheQuestionsOwn(name) && !names.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    names.Add(name);
                    if (firstOnly)
                    {
                        break;
                    }
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            // Text odd enough to take this long is not preferred by the drafter (nor, then, trusted by the verifier).
            names.Clear();
        }

        return names;
    }

    // Made of the question's names and the kind's words only, or the question's own name with a word before it ("the
    // Ethiopian Tekezé River" for "What river does the Tekezé River turn into?").
    private bool IsTheQuestionsOwn(string name)
    {
        if (!Terms(name).Any(t => !Names.Contains(t) && !NamedKindWords.Contains(t)))
        {
            return true;
        }

        var folded = Folded(name);
        return ownKindNames.Any(own => string.Equals(folded, own, StringComparison.Ordinal) || folded.EndsWith(" " + own, StringComparison.Ordinal));
    }

    private static string Folded(string name) => FoldAccents(name.ToLowerInvariant());

    // The pattern reads two words ("Municipal District", "Mount Kilimanjaro"), and a name may have more. It goes back over
    // the capitalised words before them ("Lunenburg Municipal District", "St. Louis County", "Dallas/Fort Worth
    // International Airport"), up to a function word or a possessive ("In", "The", "Illinois's"), unless the name has
    // nothing of its own without the possessive ("St. John's International Airport", "Lord's Cricket Ground"). It goes on
    // over an "of" phrase ("Massachusetts Institute of Technology"), and, when the kind's word opens the name, over the
    // capitalised words after it up to another designator ("Mount Saint Helens"; "Mount Rainier", not "Mount Rainier
    // National Park"); a name that ends in the kind's word ends there ("Avery County", not "Avery County High School").
    private static string WholeName(string text, Match match)
    {
        var start = match.Index;
        var end = match.Index + match.Length;
        for (var before = NameWordBefore().Match(text, 0, start); before.Success; before = NameWordBefore().Match(text, 0, start))
        {
            var word = before.Groups["word"].Value;
            if (!IsNameWord(word) || (Possessive().IsMatch(word) && !IsGeneric(text[start..end])))
            {
                break;
            }

            start = before.Groups["word"].Index;
        }

        var goesOn = match.Groups["opens"].Success ? NameGoesOn() : OfPhraseGoesOn();
        for (var after = goesOn.Match(text, end); after.Success && after.Length > 0; after = goesOn.Match(text, end))
        {
            end = after.Index + after.Length;
        }

        // A sentence's full stop or a possessive is not part of the name ("the Treaty of Rome.", "DuPage County's").
        return NameEnd().Replace(text[start..end], string.Empty);
    }

    private static bool IsNameWord(string word) => !Openers.Contains(word) && !QuestionWords.Contains(word) && !NotANameWords.Contains(word);

    // A name made of designators and words any name may carry ("International Airport", "Cricket Ground") names nothing yet.
    private static bool IsGeneric(string name) =>
        Terms(name).All(t => NamedKindWords.Contains(t) || GenericNameWords.Contains(t));

    private static readonly HashSet<string> GenericNameWords = new(StringComparer.Ordinal)
    {
        "international", "regional", "municipal", "national", "memorial", "central", "royal", "catholic", "anglican",
        "orthodox", "general", "community", "public", "state", "city", "grand", "great", "old", "new", "upper", "lower",
        "north", "south", "east", "west", "northern", "southern", "eastern", "western", "cricket", "football", "county",
    };

    private static readonly HashSet<string> NotANameWords = new(NotANameWord.Split('|'), StringComparer.OrdinalIgnoreCase);

    // The capitalised word (or "St.", "Mt.": '.' ends a sentence otherwise) right before a position, beside it or joined
    // by a slash or a dash ("Dallas/Fort Worth", "Minneapolis–Saint Paul"). Right to left, so it reads back from the position.
    [GeneratedRegex(@"(?<![\p{L}\p{N}.’'\-])(?<word>(?:St|Ste|Mt|Ft|Pt)\.|\p{Lu}[\p{L}\p{N}’'\-]*)(?:\s+|\s*[/–]\s*)\z", RegexOptions.RightToLeft)]
    private static partial Regex NameWordBefore();

    // Another designator starts another place's name ("Mount Rainier | National Park").
    [GeneratedRegex(@"\G(?:\s+(?:of|de|du|del)\s+(?:the\s+)?|\s+)(?!(?:National|Park|Forest|Reserve|Range|Valley|Area|State|County|District|Province)\b)\p{Lu}[\p{L}\p{N}’'\-]*(?![\p{L}\p{N}])")]
    private static partial Regex NameGoesOn();

    [GeneratedRegex(@"\G\s+(?:of|de|du|del)\s+(?:the\s+)?\p{Lu}[\p{L}\p{N}’'\-]*(?:\s+\p{Lu}[\p{L}\p{N}’'\-]*)*(?![\p{L}\p{N}])")]
    private static partial Regex OfPhraseGoesOn();

    [GeneratedRegex(@"(?:['’]s?|\.)$")]
    private static partial Regex NameEnd();

    /// <summary>Lower-case tokens of the names a text mentions (its capitalised words that are not sentence openers like "The").</summary>
    public static IReadOnlySet<string> NamesIn(string text) => NameTerms(NameWord().Matches(text).Select(m => m.Value), Openers);

    // The capitalised words that are not question words (nor, for running text, sentence openers), as lower-case terms.
    private static HashSet<string> NameTerms(IEnumerable<string> words, IReadOnlySet<string>? openers) =>
        words
            .Where(w => char.IsUpper(w[0]) && !QuestionWords.Contains(w) && openers?.Contains(w) != true)
            .SelectMany(Terms)
            .Where(t => t.Length > 1)
            .ToHashSet(StringComparer.Ordinal);

    public static QuestionProfile Of(string question) => new(question, AnswerOptions.Parse(question));

    private static bool AsksAgainForItsKind(string asked)
    {
        var wh = WhNoun().Match(asked);
        if (!wh.Success || Auxiliary().IsMatch(wh.Groups["noun"].Value))
        {
            return false;
        }

        var rest = asked[(wh.Index + wh.Length)..];
        var noun = wh.Groups["noun"].Value;
        return Regex.IsMatch(rest, $@"\b{Regex.Escape(noun)}\b", RegexOptions.IgnoreCase)
            || (CountryNouns().IsMatch(noun) && CountryNouns().IsMatch(rest));
    }

    [GeneratedRegex(@"^(?:\w+\s+)?(?:what|which)\s+(?:(?:is|was|are|were)\s+the\s+(?:name\s+of\s+the\s+)?)?(?<noun>\w+)", RegexOptions.IgnoreCase)]
    private static partial Regex WhNoun();

    [GeneratedRegex(@"^(?:is|was|are|were|do|does|did|has|have|had)$", RegexOptions.IgnoreCase)]
    private static partial Regex Auxiliary();

    [GeneratedRegex(@"\b(?:country|nation|state)\b", RegexOptions.IgnoreCase)]
    private static partial Regex CountryNouns();

    /// <summary>The share of the question's name tokens that occur in the text (0 when the question names nothing).</summary>
    public double NameCoverage(string text) => Coverage(Names, text);

    /// <summary>The share of <see cref="AskedNames"/> that occur in the text (0 when there are none).</summary>
    public double AskedNameCoverage(string text) => Coverage(AskedNames, text);

    /// <summary>The share of <see cref="BridgeNames"/> that occur in the text (0 when there are none).</summary>
    public double BridgeNameCoverage(string text) => Coverage(BridgeNames, text);

    /// <summary>
    /// Whether the bridge is of the kind the question asks for: the noun after its "what" or "which" (or "what is the
    /// name of the") comes back in what it asks of the bridge ("What county shares a border with the county …", "What is
    /// the name of the county that borders the county …", "What country borders the country …"; a nation or a state is a country).
    /// A sentence naming what identifies the bridge is then its first hop, whose name of that kind is the bridge's.
    /// </summary>
    public bool BridgeIsOfAskedKind { get; }

    private static double Coverage(IReadOnlySet<string> names, string text)
    {
        if (names.Count == 0)
        {
            return 0;
        }

        var terms = Terms(text).ToHashSet(StringComparer.Ordinal);
        return names.Count(terms.Contains) / (double)names.Count;
    }

    /// <summary>
    /// Lower-case words and numbers, a trailing possessive 's removed, and accents folded: a question typed without them
    /// ("Aschenbrodel", "Tekeze") names what the passages spell with them ("Aschenbrödel", "Tekezé").
    /// </summary>
    public static IEnumerable<string> Terms(string text) =>
        Term().Matches(text).Select(m => Possessive().Replace(FoldAccents(m.Value.ToLowerInvariant()), string.Empty));

    // Latin letters with accents become their plain letters ("ö" → "o", "é" → "e", "ß" → "ss"); other scripts stay as
    // they are, so a Chinese or Cyrillic name is not turned into Latin words that could match anything. (The hosts run
    // with invariant globalization, where string.Normalize does not decompose accented letters.)
    private static string FoldAccents(string word) =>
        word.All(char.IsAscii) || !word.All(c => c < LatinEnd || c == '’') ? word : AnyAscii.Transliteration.Transliterate(word).ToLowerInvariant();

    // The end of Latin Extended-B: the accented letters of the European languages that write in Latin.
    private const char LatinEnd = '\u0250';

    private static readonly HashSet<string> Openers = new(StringComparer.OrdinalIgnoreCase)
    {
        "it", "he", "she", "they", "this", "these", "those", "there", "its", "his", "her", "their", "as", "after", "before",
        "during", "since", "with", "while", "however", "although", "according", "also", "but", "if", "born", "many", "following",
    };

    // A relative clause on a noun of the question, an adjective allowed before it: "… the county in which …", "… the
    // association which published …", "… the political party that …", or its reduced form, a past participle and its
    // preposition (group "reduced"): "… the book named after …", "… the artist known as …", "… the company founded by …".
    // A participle that is as often a plain past tense ("the team played in", "the band formed in") counts only before "by".
    // Case-sensitive and after "the/a/an noun", so "In which year …?" and a title such as "The Man Who Knew Infinity" are not.
    [GeneratedRegex(@"\b(?:[Tt]he|an?)\s+(?:\p{Ll}[\p{L}\-]*\s+)?(?!(?:in|of|on|at|from|by|to|for|with)\s)\p{Ll}[\p{L}\-]*(?<relative>(?:\s+(?:in|of|on|at|from|by|to|for|with))?\s+(?:which|that|where|whose|whom|who)\s|(?<reduced>\s+(?:named|known|called|located|situated|based|headquartered|founded|established|owned|created|written|directed|produced|composed|designed|developed|built|published|released|born|buried)\s+(?:after|for|as|in|by|on|at|from|near|under|with)\s|\s+(?:played|won|signed|formed|performed|recorded|operated|held|sung|made|run|used|led)\s+by\s))")]
    private static partial Regex BridgeClause();

    // "Where was the conference held in …?", "What year was the company established in …?": after an auxiliary, the
    // participle is the main clause's verb, not a clause on the noun, unless the main clause's verb or preposition is
    // still to come ("What year was the film directed by Ang Lee released?", "Who was the film directed by Ang Lee about?").
    // A form of "be" or "have": after "did", "does" or "do" the main verb is a bare infinitive, so a participle there is
    // a clause's ("When did the company founded by Steve Jobs go public?").
    [GeneratedRegex(@"\b(?i:is|was|are|were|has|have|had|be|been|being)\s+$")]
    private static partial Regex AuxiliaryAtEnd();

    [GeneratedRegex(@"\b(?:\p{Ll}+(?:ed|en|wn)|born|made|known|found|held|built|sold|shot|set|put|cut|sung|sunk|hung|led|won|run|told|sent|spent|kept|left|lost|bought|brought|taught|caught|fought|paid|heard|done|gone|begun|become|about|after|as|at|by|for|from|in|into|near|of|on|to|under|with)\s*[?.]?\s*$")]
    private static partial Regex EndsInVerbOrPreposition();

    // A name as the question writes it: capitalised words, joined by a few small words or a comma before another
    // capitalised word ("Songs I Wrote with Amy", "Alexander and the Terrible, Horrible, No Good, Very Bad Day", "The Girl Who
    // Kicked the Hornets' Nest", "Rinaldo del Mel", "Côte d'Ivoire", "Apollo 13"), never by a comma before a lower-case word
    // ("Midway, in the same county").
    // It starts at a word's start, so a long run of capitals is not tried again from each of its letters, and it is at
    // most 13 words long, so a run of capitalised words costs a bounded time from each start.
    private const string QuotedName = WordStart + @"[""“]?" + CapitalisedWord + @"(?:(?:(?:\s+(?:" + NameSmallWords + @")){0,2}\s+|,\s+)[""“]?(?:[dl]['’])?[\p{Lu}\p{N}][\p{L}\p{N}.’'\-]*[""”]?){0,12}[""”]?";

    // The small words inside a name ("Songs I Wrote with Amy", "Osama bin Laden").
    private const string NameSmallWords = AnswerSpan.NameParticles + "|the|and|a|an|with|in|on|for|to|du|dos|das|ibn|el";

    // Not an adjective before a relation: "Who is author of Brand?" has none.
    private const string NotAFunctionWord = @"(?!(?:is|was|are|were|be|been|being|became|become|becomes|served|serves|as|currently|also|still|now|the|a|an|of|in|on|at|to|for|by|with|from|and|or|did|does|do|has|have|had|many|much)\b)";

    // What a name is related to when a question names its bridge by "the ‹relation› of ‹name›": people, places and things
    // a name has one of ("the author of Brand", "the main director of Big Eyes", "the place of birth of David Morse"). Not
    // the classifiers that only name something ("the city of Paris", "the state of New York", "the Battle of Hastings"),
    // nor parts of a phrase ("the end of World War II"). One adjective may come first ("the political party of …").
    private const string Relation = @"(?:" + NotAFunctionWord + @"\p{Ll}[\p{L}\-]*\s+)?"
        + @"(?:author|writer|director|producer|composer|performer|singer|creator|founder|designer|architect|developer|publisher|"
        + @"manufacturer|owner|operator|spouse|wife|husband|partner|father|mother|son|daughter|brother|sister|sibling|child|parent|"
        + @"birthplace|hometown|home\s+town|(?:place|city|town|country)\s+of\s+(?:birth|death|origin|citizenship)|capital|president|"
        + @"leader|chairman|mayor|governor|headquarters|team|club|league|employer|label|record\s+label|parent\s+company|network|"
        + @"studio|distributor|screenwriter|lyricist|illustrator|editor|narrator|star|cast\s+member|member|captain|coach|manager|"
        + @"successor|predecessor|namesake|inventor|location|language|currency|party|religion|alma\s+mater|stadium|venue|mouth|source)s?";

    // After a possessive any noun is a relation ("Hans Edler's country", "Hello Love's performer", "Corey Taylor's city of
    // birth", "X's place of burial", "X's sex or gender").
    private const string PossessedNoun = @"(?:\p{Ll}[\p{L}\-]*\s+(?:of|or)\s+\p{Ll}[\p{L}\-]*|(?:" + NotAFunctionWord + @"\p{Ll}[\p{L}\-]*\s+)?" + NotAFunctionWord + @"\p{Ll}[\p{L}\-]*)\b";

    // "What is the airport in the birthplace of Meehan Bonnar?": the relation, then "of" and the name ("the author of Brand").
    [GeneratedRegex(@"\b(?:[Tt]he\s+)?" + Relation + @"(?<cut>\s+of\s+" + QuotedName + ")", RegexOptions.None, matchTimeoutMilliseconds: 200)]
    private static partial Regex RelationOfName();

    // "… on Akinoshu Kenji's birthplace", "the spouse of Big Eye's main director", "the Hornets' nest": a name, not
    // "What's", not a quoted title ("the film 'Jaws' in 1975"), and a bare apostrophe only after a plural's s.
    [GeneratedRegex(@"(?<cut>(?<!['‘])(?!(?:What|Who|Where|When|Which|How|Why|It|That|There|Here|He|She|Let)['’])" + QuotedName + @"(?:(?<=[^'’])['’]s|(?<=s)['’])\s+)" + PossessedNoun, RegexOptions.None, matchTimeoutMilliseconds: 200)]
    private static partial Regex PossessiveRelation();

    // "… the country Signmark is from", "the company Novair International Airways is part of", "the country containing
    // Nugegoda", "the team Barry Wesson played for", "the city Gisvi was born in": a clause without "which" or "that"
    // whose preposition is left at its end (followed by the question mark, a comma, or the main clause's verb), so that
    // "the film Titanic played in theaters" is no such clause.
    [GeneratedRegex(@"\b(?:[Tt]he|an?)\s+\p{Ll}[\p{L}\-]*\s+(?<cut>" + QuotedName + @"\s+(?:is|was|are|were)\s+(?:(?:located|based|situated)\s+)?(?:from|in|part\s+of|a\s+part\s+of)\b|(?:containing|including|housing)\s+" + QuotedName
        + "|" + QuotedName + @"\s+(?:(?:is|was|are|were)\s+)?(?:born|played|plays|worked|works|signed|belongs|belonged|competed|competes|studied|lived|lives|died|grew\s+up|moved)\s+(?:for|with|in|at|to|from|on)\b(?=\s*(?:[?,]|$|(?:is|was|are|were|do|does|did|has|had|have|located|situated|become|became|join|joined|leave|left|win|won|face|faced|play|played)\b)))", RegexOptions.None, matchTimeoutMilliseconds: 200)]
    private static partial Regex NameItIsIn();

    // A question that asks for the relation itself, the whole rest of it: "Who is", "What was", "What city is the", "Where
    // is the", "What's", "What is the name of the", "Who became", "Who served as", "Who is currently the", "How many".
    [GeneratedRegex(@"^(?:(?:(?i:who|what|which|where)(?:\s+\p{Ll}+)?\s+(?:(?i:is|was|are|were|became|becomes|served\s+as|serves\s+as))(?:\s+(?:currently|also|still|now))?|(?i:who|what)['’]s)\s+(?:(?i:the)\s+)?(?:(?i:names?)\s+of\s+(?:(?i:the)\s+)?)?|(?i:how)\s+(?:many|much)\s+)$")]
    private static partial Regex AsksForTheRelationBefore();

    // The same question asked the other way round: "The main director of Big Eyes was who?".
    [GeneratedRegex(@"^\s*(?i:is|was|are|were)\s+(?i:who|what)$")]
    private static partial Regex AsksForTheRelationAfterIt();

    // A lower-case word that is not one of a name's small words or a qualifier's preposition ("in 1990", "before
    // Guardiola"): a verb or a noun ("married to", "are there" is no such word after "How many").
    [GeneratedRegex(@"\b(?!(?:" + NameSmallWords + @"|at|from|vs|during|before|after|since|until|by|as|about|around|than|are|is|there)\b)\p{Ll}[\p{L}\-]*")]
    private static partial Regex ContentWord();

    [GeneratedRegex(@"\([^()]*\)")]
    private static partial Regex Parenthetical();

    [GeneratedRegex(@"\b(?i:the|a|an)$")]
    private static partial Regex ArticleAtEnd();

    [GeneratedRegex(@"\b(?:is|are|was|were|has|have|had|been)\s*$")]
    private static partial Regex ParticipleAuxiliaryAtEnd();

    [GeneratedRegex(@"\s(?:is|are|was|were)\s")]
    private static partial Regex ClauseAuxiliary();

    // The participles a question's main clause ends on after a possessive noun ("Where was Kim Jong-chul's wife born?");
    // a closed list, since "speed" and "breed" end in -ed as well ("What is Usain Bolt's top speed?").
    [GeneratedRegex(@"\b(?:born|located|founded|buried|based|made|known|found|held|built|written|released|published|formed|established|named|called|married|raised|educated|killed|elected|signed|situated|discovered|produced|directed|created|designed|invented|owned|played|recorded|sung|led|won|given|taken|seen|used|spoken)$")]
    private static partial Regex EndsInParticiple();

    // Where a relative clause on the bridge ends: at a comma before a lower-case word that opens no apposition ("where X,
    // a painter, was born"), or after the "is located" that closes "where X is located" (not "based on …", nor "who found
    // …"; what follows, "in the city where …", may belong to either clause, and the dev questions read it as the main one's).
    [GeneratedRegex(@",(?<apposition>(?=\s*(?:a|an|the)\s))?(?=\s*\p{Ll})|\b(?:is|are|was|were|be)\s+(?:located|found|based|situated)\b(?!\s+(?:on|upon)\b)")]
    private static partial Regex RelativeClauseEnd();

    // "When did …?", "In what year …", "… was started when?", also after a clause that sets the scene ("In the country
    // where X lived, when did …?"); not "Who was president when …" (a person), nor "When the Wall fell, who led East
    // Germany?" (a "when" clause that opens a question about someone).
    [GeneratedRegex(SceneSetting + @"(?:when\s+(?:did|does|do|was|were|is|are|has|had|will|would|could|can|should)\b|(?:in\s+)?(?:what|which)\s+year(?![-'’])\b)|\bwhen\s*\?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex AsksForTime();

    // The start of a question, then optionally a clause that sets the scene up to its comma ("In the country where X lived,
    // …", "When the Wall fell, …"). Not a clause that is itself the question ("Who directed Jaws, when was it
    // released?" asks for a person first), nor one across a question mark.
    private const string SceneSetting = @"^(?:(?!\s*(?:who|whom|whose|what|which|where|how)\b)[^?]*?,\s*)?";

    // "What is Henry Feilden's occupation?" or "Who was Henry Feilden?": what the name is, not a property of it ("What is
    // the capital of France?") nor someone related to it ("Who was the director of Jaws?").
    [GeneratedRegex(@"^(?:(?i:what)\s+(?i:is|was)\s+.+?['’]s?\s+(?i:occupation|profession|job|career|vocation|trade)|(?i:who)\s+(?i:is|was|are|were)\s+\p{Lu}[\p{L}\p{N}.'’\-]*(?:\s+\p{Lu}[\p{L}\p{N}.'’\-]*)*)\s*\??\s*$")]
    private static partial Regex AsksWhatTheNameIs();

    // "How many …?", "What percentage of …?", also after a clause that sets the scene ("In the country that Jiménez is a
    // part, what percentage of Spanish Wikipedia edits were from there?"; SceneSetting). Not "what number-one single".
    [GeneratedRegex(SceneSetting + @"(?:how\s+(?:many|much)|what\s+(?:amount|number(?![\s-]+one\b)|percentage|proportion|fraction|share))\b", RegexOptions.IgnoreCase)]
    private static partial Regex AsksForNumber();

    // The kinds a question can ask for whose names carry the kind's word (NamedKinds).
    private const string AskableKinds = @"(?<kind>county|district|province|parish|river|lake|sea|ocean|bay|body\s+of\s+water|waterfall|mountain|island|airport|university|college|stadium|hotel|bridge|castle|cathedral|museum|treaty|award|prize|political\s+party)";

    // "What county …", "In which river …", "What is the name of the airport …": a kind whose names carry it (NamedKinds).
    // Not "What kind of university …" (a description), nor "What city …" (a city's name does not say it is one), nor the
    // kind's word as part of another noun ("What sea creature …", "What island nation …", "What mountain range …",
    // "What award-winning film …"). A bare "party" may be a celebration: only "political party" counts. A statement that
    // ends in the wh-phrase asks for the kind as well ("… began with the signing of what treaty?", "… is in which county?").
    [GeneratedRegex(@"^(?:(?:in|on|at|near|from|to|into|of|for|by|with)\s+)?(?:(?:what|which)\s+|what\s+(?:is|was|are|were)\s+the\s+name\s+of\s+the\s+)" + AskableKinds + @"(?![\p{L}\-])(?!\s+(?:creature|creatures|nation|nations|state|states|leaf|leaves|range|ranges|seat|seats|basin|system|chain|chains|team|teams|program|programme|course|player|coach|town|city|country|region|area|level|life|food|route|club|group|band|record|winner|winning|show|shows|ceremony|category|name|names|type|kind|sort)\b)"
        + @"|\b(?:what|which)\s+" + AskableKinds + @"\s*\?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex AsksForNamedKind();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>The month names, as a regular-expression alternation: times are read from them here and in <see cref="AnswerSpan"/>.</summary>
    internal const string Months = "January|February|March|April|May|June|July|August|September|October|November|December";

    // A year (not the "000" of "1,000"; "In 1973, …" is one), a decade, an era, a capitalised month or weekday ("may" is a verb), a century.
    [GeneratedRegex(@"(?<![\d,.])\d{3,4}s?(?!\d|,\d)|\b\d{1,4}\s*(?i:BC|BCE|AD|CE)\b|\b(?i:AD)\s*\d{1,4}\b|'\d0s\b|\b(?:" + Months + @"|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|\b(?i:century|centuries)\b")]
    private static partial Regex TimeExpression();

    [GeneratedRegex(@"\d|\b(?:zero|none|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|(?:thir|four|fif|six|seven|eigh|nine)teen|(?:twen|thir|for|fif|six|seven|eigh|nine)ty|hundred|thousand|million|billion|dozen)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NumberExpression();

    [GeneratedRegex(@"\p{L}[\p{L}\p{N}'’.\-]*")]
    private static partial Regex NameWord();

    [GeneratedRegex(@"\p{L}[\p{L}\p{N}'’]*|\p{N}+")]
    private static partial Regex Term();

    [GeneratedRegex(@"['’]s?$")]
    private static partial Regex Possessive();

    [GeneratedRegex(@"^(?i:what|who)\s+(?i:is|was|are|were)\b")]
    private static partial Regex DescriptionQuestion();

    [GeneratedRegex(@"(?i)\b(when|where|how many|how much|what year|which year|date|born|died|located)\b")]
    private static partial Regex NotADescription();
}

/// <summary>The kind of answer a question's wording asks for.</summary>
public enum AnswerKind
{
    Any,
    Description,
    Time,
    Number,

    /// <summary>A place or thing of a kind its name states: "What county …" is answered by a sentence naming "… County".</summary>
    Name,

    /// <summary>A country: "What country …", "the country of citizenship of …", answered by a sentence naming one (<see cref="Countries"/>).</summary>
    Country,
}
