using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The countries a text names, by name, by another of their names ("Holland", "USA") or by the adjective of their people
/// ("Henrik Ibsen was a Norwegian playwright" names Norway): what answers "What country …?" and "What is the country of
/// citizenship of …?". Case-sensitive, whole words, the longest name first ("Papua New Guinea", not "Guinea"). Not an
/// adjective that is part of another name ("Latin American", "African American", "Native American") or a language's
/// ("a French-language newspaper"), nor one beside another capitalised word ("British Columbia", "Michael Jordan"). A
/// language alone ("English", "Arabic", "Korean") names no country, and neither does an adjective several countries share
/// ("Congolese", "Dominican").
/// </summary>
public static class Countries
{
    // Name | other names ; … | adjectives ; … | former names ; … (sovereign states, the United Kingdom's four countries, a
    // few territories that questions treat as countries, and the states that dissolved in the twentieth century). Former
    // names are those older texts still use ("Ceylon"); a question that names one asks about the name, not about a
    // country it has answered already ("Which country was formerly called Siam?"). "-" in place of the other
    // names: the name itself names someone or something else as often ("Chad", "Jordan", "the Niger"), so only the
    // adjective counts. Left out for the same reason: Georgia (a US state), Guinea ("New Guinea"), Macedonia (the ancient
    // kingdom), Holland (a surname).
    private const string Table = """
        Afghanistan||Afghan
        Albania||Albanian
        Algeria||Algerian
        Andorra||Andorran
        Angola||Angolan
        Antigua and Barbuda||
        Argentina||Argentine;Argentinian
        Armenia||Armenian
        Australia||Australian
        Austria||Austrian
        Azerbaijan||Azerbaijani
        Bahamas|The Bahamas|Bahamian
        Bahrain||Bahraini
        Bangladesh||Bangladeshi
        Barbados||Barbadian
        Belarus||Belarusian
        Belgium||Belgian
        Belize||Belizean
        Benin||Beninese
        Bhutan||Bhutanese
        Bolivia||Bolivian
        Bosnia and Herzegovina|Bosnia|Bosnian
        Botswana||
        Brazil||Brazilian
        Brunei||Bruneian
        Bulgaria||Bulgarian
        Burkina Faso||Burkinabé
        Burundi||Burundian
        Cambodia||Cambodian
        Cameroon||Cameroonian
        Canada||Canadian
        Cape Verde|Cabo Verde|Cape Verdean
        Central African Republic||
        Chad|-|Chadian
        Chile||Chilean
        China|People's Republic of China;People’s Republic of China|Chinese
        Colombia||Colombian
        Comoros||Comorian
        Costa Rica||Costa Rican
        Croatia||Croatian
        Cuba||Cuban
        Cyprus||Cypriot
        Czech Republic|Czechia|Czech
        Czechoslovakia||Czechoslovak
        Democratic Republic of the Congo|DR Congo||Zaire
        Republic of the Congo||
        Denmark||Danish
        Djibouti||Djiboutian
        Dominican Republic||
        East Timor|Timor-Leste|
        Ecuador||Ecuadorian
        Egypt||Egyptian
        El Salvador||Salvadoran
        England||
        Equatorial Guinea||
        Eritrea||Eritrean
        Estonia||Estonian
        Eswatini|||Swaziland
        Ethiopia||Ethiopian
        Falkland Islands||
        Fiji||Fijian
        Finland||Finnish
        France||French
        Gabon||Gabonese
        Gambia|The Gambia|Gambian
        Germany|West Germany;East Germany|German;West German;East German
        Ghana||Ghanaian
        Greece||Greek
        Greenland||
        Grenada||Grenadian
        Guatemala||Guatemalan
        Guinea-Bissau||
        Guyana||Guyanese
        Haiti||Haitian
        Honduras||Honduran
        Hong Kong||
        Hungary||Hungarian
        Iceland||Icelandic
        India||Indian
        Indonesia||Indonesian
        Iran||Iranian|Persia
        Iraq||Iraqi
        Ireland|Republic of Ireland|Irish
        Israel||Israeli
        Italy||Italian
        Ivory Coast|Côte d'Ivoire|Ivorian
        Jamaica||Jamaican
        Japan||Japanese
        Jordan|-|Jordanian
        Kazakhstan||Kazakh
        Kenya||Kenyan
        Kiribati||
        Kosovo||Kosovar
        Kuwait||Kuwaiti
        Kyrgyzstan||Kyrgyz
        Laos||Laotian
        Latvia||Latvian
        Lebanon||Lebanese
        Lesotho||
        Liberia||Liberian
        Libya||Libyan
        Liechtenstein||
        Lithuania||Lithuanian
        Luxembourg||Luxembourgish
        Madagascar||Malagasy
        Malawi||Malawian
        Malaysia||Malaysian
        Maldives||Maldivian
        Mali||Malian
        Malta||Maltese
        Marshall Islands||
        Mauritania||Mauritanian
        Mauritius||Mauritian
        Mexico||Mexican
        Micronesia||
        Moldova||Moldovan
        Monaco||Monégasque
        Mongolia||Mongolian
        Montenegro||Montenegrin
        Morocco||Moroccan
        Mozambique||Mozambican
        Myanmar||Burmese|Burma
        Namibia||Namibian
        Nauru||
        Nepal||Nepalese;Nepali
        Netherlands|The Netherlands|Dutch
        New Zealand||
        Nicaragua||Nicaraguan
        Niger|-|Nigerien
        Nigeria||Nigerian
        North Korea||North Korean
        North Macedonia||North Macedonian
        Northern Ireland||Northern Irish
        Norway||Norwegian
        Oman||Omani
        Pakistan||Pakistani
        Palau||
        Palestine||Palestinian
        Panama||Panamanian
        Papua New Guinea||
        Paraguay||Paraguayan
        Peru||Peruvian
        Philippines|The Philippines|Filipino;Philippine
        Poland||Polish
        Portugal||Portuguese
        Puerto Rico||Puerto Rican
        Qatar||Qatari
        Romania||Romanian
        Russia|Russian Federation|Russian
        Rwanda||Rwandan
        Saint Kitts and Nevis||
        Saint Lucia||
        Saint Vincent and the Grenadines||
        Samoa||Samoan
        San Marino||
        Saudi Arabia||Saudi
        Scotland||Scottish
        Senegal||Senegalese
        Serbia||Serbian
        Seychelles||
        Sierra Leone||
        Singapore||Singaporean
        Slovakia||Slovak
        Slovenia||Slovenian;Slovene
        Solomon Islands||
        Somalia||Somali
        South Africa||South African
        South Korea||South Korean
        South Sudan||
        Soviet Union|USSR|Soviet
        Spain||Spanish
        Sri Lanka||Sri Lankan|Ceylon
        Sudan||Sudanese
        Suriname||Surinamese
        Sweden||Swedish
        Switzerland||Swiss
        Syria||Syrian
        Taiwan|Republic of China|Taiwanese
        Tajikistan||Tajik
        Tanzania||Tanzanian
        Thailand||Thai|Siam
        Togo||Togolese
        Tonga||Tongan
        Trinidad and Tobago||
        Tunisia||Tunisian
        Turkey|Türkiye|Turkish
        Turkmenistan||
        Tuvalu||
        Uganda||Ugandan
        Ukraine||Ukrainian
        United Arab Emirates|UAE|Emirati
        United Kingdom|UK;U.K.;Great Britain;Britain|British
        United States|United States of America;USA;U.S.;U.S.A.;US|American
        Uruguay||Uruguayan
        Uzbekistan||Uzbek
        Vanuatu||
        Vatican City|Holy See|
        Venezuela||Venezuelan
        Vietnam|Viet Nam|Vietnamese
        Wales||
        Yemen||Yemeni
        Yugoslavia||Yugoslav
        Zambia||Zambian
        Zimbabwe||Zimbabwean
        """;

    private enum FormKind
    {
        Name,
        FormerName,
        Adjective,
    }

    // Written: how an answer states the form, the adjective for its plural ("Norwegian" for "Norwegians").
    private sealed record Form(string Country, FormKind Kind, string Written);

    // The people's plural that names someone else as often: "the Indians" of American history and of baseball.
    private static readonly HashSet<string> NoPlural = new(StringComparer.Ordinal) { "Indian" };

    private static readonly Dictionary<string, Form> FormOf = Parse();

    private static readonly HashSet<string> CountryNames = FormOf.Values.Select(f => f.Country).ToHashSet(StringComparer.Ordinal);

    // A form is not a country's when it is part of another name: after a prefix ("Latin American", "New Mexico",
    // "Austro-Hungarian") or a capitalised word that is not a function word ("Michael Jordan", "Anatole France"), or before
    // a capitalised word ("British Columbia", "Indian Ocean", "Cuba Gooding", "Spanish Wikipedia"), a language's
    // ("French-language") or a currency's ("US$"). Every form starts with a capital (Parse checks), so a match can only
    // start at one: the leading lookahead lets the engine skip to the next capital instead of trying the lookbehinds at
    // every position. Compiled: it runs on every candidate sentence of a country question, about eight times faster
    // than interpreted. No match timeout: the first match also JIT-compiles the pattern (some 100 ms), which under load
    // ran past a 200 ms timeout and read no country at all; and a timeout guards nothing here, as each lookaround scans
    // at most one word or one run of spaces, so a match takes time linear in the text.
    private static readonly Regex Mention = new(
        @"(?=\p{Lu})(?<![\p{L}\p{N}.])"
            + @"(?<!\b(?:Latin|South|North|Central|African|Native|Asian|Anglo|Pan|Indo|West|East|New|Northern|Austro|Serbo|Sino|Russo|Franco|Papua|Equatorial|Bissau)[\s\-–])"
            + @"(?<!\b(?!(?:The|In|At|On|From|To|Of|For|By|With|And|Or|But|Both|Since|After|Before|During|Across|Into|Within|Throughout|Near|Outside|Inside|Like|Unlike|Between|Among|As|Its|His|Her|Their|A|An|Many|Most|Some|Several|All|Other|These|Those|Two|Three|Four|Five)\s)\p{Lu}[\p{L}'’.\-]*\s)"
            + "(?:" + string.Join('|', FormOf.Keys.OrderByDescending(form => form.Length).Select(Regex.Escape)) + ")"
            + @"(?![\p{L}\p{N}]|\.\p{L}|-(?:language|speaking)|\$|\s+\p{Lu})",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// Builds and JIT-compiles the pattern (some 200 ms on two cores) so that the first country question a host reads does
    /// not pay for it. Reading a country question touches the table whatever the models: the plan reads the question for
    /// pairing, and the question profile reads the countries it names itself.
    /// </summary>
    public static void WarmUp() => _ = NamedIn("Henrik Ibsen was a Norwegian playwright.");

    /// <summary>The countries a text names, each once, by its name in the table, in the order the text names them.</summary>
    public static IReadOnlyList<string> NamedIn(string text) => Mentions(text).Select(m => m.Country).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The countries a text names by a name, not by an adjective ("What country was the Norwegian playwright … a citizen of?" names none).</summary>
    public static IReadOnlyList<string> NamedByNameIn(string text) =>
        Mentions(text).Where(m => m.Kind == FormKind.Name).Select(m => m.Country).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>How a text first names a country ("Norwegian" for Norway, and for "Norwegians"), or null when it does not.</summary>
    public static string? FirstMentionOf(string text, string country) =>
        Mentions(text).FirstOrDefault(m => string.Equals(m.Country, country, StringComparison.Ordinal))?.Written;

    /// <summary>Whether a text is the name of a country in the table ("Norway"; not "Norwegian" or "Holland").</summary>
    public static bool IsCountry(string text) => CountryNames.Contains(text.Trim());

    /// <summary>Whether a text names a country, by any of its names or its people's adjective.</summary>
    public static bool Names(string text, string country) => FirstMentionOf(text, country) is not null;

    /// <summary>The text without its mentions of a country ("Henrik Ibsen was a playwright" for Norway): what else it says.</summary>
    public static string WithoutMentionsOf(string text, string country) =>
        Mention.Replace(text, m => string.Equals(FormOf[m.Value].Country, country, StringComparison.Ordinal) ? string.Empty : m.Value);

    private static IEnumerable<Form> Mentions(string text) => Mention.Matches(text).Select(m => FormOf[m.Value]).ToArray();

    private static Dictionary<string, Form> Parse()
    {
        var formOf = new Dictionary<string, Form>(StringComparer.Ordinal);
        foreach (var line in Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('|');
            string[] Field(int index) => fields.Length > index ? fields[index].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            void Add(string form, FormKind kind, string written)
            {
                if (!char.IsUpper(form[0]))
                {
                    throw new InvalidOperationException($"The country form '{form}' must start with a capital: the pattern only tries capitals.");
                }

                formOf.Add(form, new Form(fields[0], kind, written));
            }

            // "-": the country's own name names someone or something else as often; only its adjective counts.
            foreach (var name in fields[1] == "-" ? Array.Empty<string>() : Field(1).Prepend(fields[0]))
            {
                Add(name, FormKind.Name, name);
            }

            foreach (var former in Field(3))
            {
                Add(former, FormKind.FormerName, former);
            }

            foreach (var adjective in Field(2))
            {
                Add(adjective, FormKind.Adjective, adjective);
                // The people, by the regular plural of -an and -i ("Norwegians", "Pakistanis", "Thais"). Irregular ones
                // ("Danes", "Swedes", "Poles") are not read.
                if ((adjective.EndsWith("an", StringComparison.Ordinal) || adjective.EndsWith('i')) && !NoPlural.Contains(adjective))
                {
                    Add(adjective + "s", FormKind.Adjective, adjective);
                }
            }
        }

        return formOf;
    }
}
