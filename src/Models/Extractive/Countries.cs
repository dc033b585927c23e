using System.Text.RegularExpressions;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The countries a text names, by name, by another of their names ("Holland", "USA") or by the adjective of their people
/// ("Henrik Ibsen was a Norwegian playwright" names Norway): what answers "What country …?" and "What is the country of
/// citizenship of …?". Case-sensitive, whole words, the longest name first ("Papua New Guinea", not "Guinea"). Not an
/// adjective that is part of another name ("Latin American", "African American", "Native American") or a language's
/// ("a French-language newspaper"). A language alone ("English", "Arabic", "Korean") names no country, and neither does an
/// adjective several countries share ("Congolese", "Dominican").
/// </summary>
public static class Countries
{
    // Name | other names ; … | adjectives ; … (sovereign states, the United Kingdom's four countries, a few territories
    // that questions treat as countries, and the states that dissolved in the twentieth century).
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
        Chad||Chadian
        Chile||Chilean
        China|People's Republic of China|Chinese
        Colombia||Colombian
        Comoros||Comorian
        Costa Rica||Costa Rican
        Croatia||Croatian
        Cuba||Cuban
        Cyprus||Cypriot
        Czech Republic|Czechia|Czech
        Czechoslovakia||Czechoslovak
        Democratic Republic of the Congo|DR Congo|
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
        Eswatini|Swaziland|
        Ethiopia||Ethiopian
        Falkland Islands||
        Fiji||Fijian
        Finland||Finnish
        France||French
        Gabon||Gabonese
        Gambia|The Gambia|Gambian
        Georgia||Georgian
        Germany|West Germany;East Germany|German
        Ghana||Ghanaian
        Greece||Greek
        Greenland||
        Grenada||Grenadian
        Guatemala||Guatemalan
        Guinea||Guinean
        Guinea-Bissau||
        Guyana||Guyanese
        Haiti||Haitian
        Honduras||Honduran
        Hong Kong||
        Hungary||Hungarian
        Iceland||Icelandic
        India||Indian
        Indonesia||Indonesian
        Iran||Iranian
        Iraq||Iraqi
        Ireland|Republic of Ireland|Irish
        Israel||Israeli
        Italy||Italian
        Ivory Coast|Côte d'Ivoire|Ivorian
        Jamaica||Jamaican
        Japan||Japanese
        Jordan||Jordanian
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
        Myanmar|Burma|Burmese
        Namibia||Namibian
        Nauru||
        Nepal||Nepalese;Nepali
        Netherlands|Holland|Dutch
        New Zealand||
        Nicaragua||Nicaraguan
        Niger||Nigerien
        Nigeria||Nigerian
        North Korea||North Korean
        North Macedonia|Macedonia|Macedonian
        Northern Ireland||
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
        Scotland||
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
        Sri Lanka||Sri Lankan
        Sudan||Sudanese
        Suriname||Surinamese
        Sweden||Swedish
        Switzerland||Swiss
        Syria||Syrian
        Taiwan|Republic of China|Taiwanese
        Tajikistan||Tajik
        Tanzania||Tanzanian
        Thailand||Thai
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

    private static readonly Dictionary<string, string> CountryOf = Parse();

    private static readonly Regex Mention = new(
        @"(?<![\p{L}\p{N}.])(?<!(?:Latin|South|North|Central|African|Native|Asian|Anglo|Pan|Indo|West|East)[\s\-])(?:"
            + string.Join('|', CountryOf.Keys.OrderByDescending(form => form.Length).Select(Regex.Escape))
            + @")(?![\p{L}\p{N}]|\.\p{L}|-(?:language|speaking))",
        RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(200));

    /// <summary>The countries a text names, each once, by its name in <see cref="Table"/>, in the order the text names them.</summary>
    public static IReadOnlyList<string> NamedIn(string text)
    {
        try
        {
            return Mention.Matches(text).Select(m => CountryOf[m.Value]).Distinct(StringComparer.Ordinal).ToArray();
        }
        catch (RegexMatchTimeoutException)
        {
            return [];
        }
    }

    /// <summary>The text without its mentions of a country ("Henrik Ibsen was a playwright" for Norway): what else it says.</summary>
    public static string WithoutMentionsOf(string text, string country)
    {
        try
        {
            return Mention.Replace(text, m => string.Equals(CountryOf[m.Value], country, StringComparison.Ordinal) ? string.Empty : m.Value);
        }
        catch (RegexMatchTimeoutException)
        {
            return text;
        }
    }

    /// <summary>Whether a text names a country, by any of its names or its people's adjective.</summary>
    public static bool Names(string text, string country) => NamedIn(text).Contains(country, StringComparer.Ordinal);

    private static Dictionary<string, string> Parse()
    {
        var countryOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split('|');
            foreach (var form in fields.SelectMany(f => f.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                countryOf.TryAdd(form, fields[0]);
            }
        }

        return countryOf;
    }
}
