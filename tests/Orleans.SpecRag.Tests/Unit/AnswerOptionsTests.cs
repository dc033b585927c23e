using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class AnswerOptionsTests
{
    [Theory]
    [InlineData("Which gas do plants absorb? (A) oxygen (B) carbon dioxide (C) helium")]
    [InlineData("Which gas do plants absorb? Options: A) oxygen B) carbon dioxide C) helium")]
    [InlineData("Which gas do plants absorb?\nA. oxygen\nB. carbon dioxide\nC. helium")]
    [InlineData("Which gas do plants absorb? A: oxygen; B: carbon dioxide; C: helium")]
    public void The_options_a_question_lists_are_found_in_the_usual_forms(string question)
    {
        var parsed = AnswerOptions.Parse(question);

        Assert.True(parsed.IsMultipleChoice);
        Assert.Equal("Which gas do plants absorb?", parsed.Stem);
        Assert.Equal(["A", "B", "C"], parsed.Options.Select(o => o.Label));
        Assert.Equal(["oxygen", "carbon dioxide", "helium"], parsed.Options.Select(o => o.Text));
    }

    [Theory]
    [InlineData("Who was G. Stanley Hall?")]
    [InlineData("Is Plan A. the best one, or plan C. instead?")]
    [InlineData("What does the vitamin A) do?")]
    public void Initials_and_lone_letters_are_not_options(string question) =>
        Assert.False(AnswerOptions.Parse(question).IsMultipleChoice);

    [Fact]
    public void An_answer_names_its_option_by_label_or_by_its_text()
    {
        var options = AnswerOptions.Parse("Pick one: (A) liquid oxygen (B) oxygen (C) water").Options;

        Assert.Equal("B", AnswerOptions.Find("(B) oxygen", options)!.Label);
        Assert.Equal("C", AnswerOptions.Find("C", options)!.Label);
        Assert.Equal("A", AnswerOptions.Find("It is liquid oxygen, stored cold.", options)!.Label);
        Assert.Null(AnswerOptions.Find("Nothing of the sort.", options));
        Assert.Null(AnswerOptions.Find("Not at all", AnswerOptions.Parse("Is it? (A) No (B) Yes").Options));
        Assert.Equal("(A) liquid oxygen", options[0].AsAnswer);
    }

    [Fact]
    public void A_description_question_is_answered_by_the_phrase_that_describes_the_name()
    {
        var question = QuestionProfile.Of("What is Henry Feilden's occupation?");
        Assert.Equal(["henry", "feilden"], question.Names.Order().Reverse());

        Assert.Equal("an English Conservative Party politician",
            AnswerSpan.Extract("Henry Master Feilden (21 February 1818 – 5 September 1875) was an English Conservative Party politician.", question));
        Assert.Equal("a British architect", AnswerSpan.Extract("He was a British architect, who designed churches.", question));
        Assert.Equal("a British architect", AnswerSpan.Extract("Henry Feilden, also known as Harry Feilden, was a British architect.", question));
        Assert.Equal("an English physician", AnswerSpan.Extract("Dr. Henry Master Feilden, III (1818 – 1875) was an English physician.", question));
        // An entry of a list of namesakes, such as a disambiguation page's: the entry of the name asked about.
        const string namesakes = "Bernard Feilden (1919–2008), British architect ; Henry Feilden (1818–1875), English politician ; Randle Feilden, a cricketer";
        Assert.Equal("English politician", AnswerSpan.Extract(namesakes, question));
        Assert.Null(AnswerSpan.Extract(namesakes, QuestionProfile.Of("What is Walter Feilden's occupation?")));
        // A clause with one comma is no entry: its first part is not a name alone.
        Assert.Null(AnswerSpan.Extract("Henry Feilden sat for Lancashire, later for Blackburn.", question));
        // The copula of a relative clause in the subject is not the name's, nor is that of a clause or an opener before it.
        Assert.Null(AnswerSpan.Extract("Henry Feilden married Mary Smith, and her father was a banker.", question));
        Assert.Null(AnswerSpan.Extract("Like Henry Feilden, his son was a Conservative MP.", question));
        Assert.Null(AnswerSpan.Extract("After Henry Feilden, the seat passed to the Liberals.", question));
        Assert.Null(AnswerSpan.Extract("Henry Feilden, whose son was a British architect, lived in Kent.", question));

        // Another subject, or no copula: the whole sentence stays the answer.
        Assert.Null(AnswerSpan.Extract("Bernard Feilden was a British conservation architect.", question));
        Assert.Null(AnswerSpan.Extract("Feilden won the seat in 1868.", question));
    }

    [Fact]
    public void Questions_that_do_not_ask_what_the_name_is_keep_an_apposition_that_may_be_their_answer()
    {
        Assert.Null(AnswerSpan.Extract("Jaws, directed by Steven Spielberg, is a 1975 American thriller film.", QuestionProfile.Of("Who was the director of Jaws?")));
        Assert.Null(AnswerSpan.Extract("Paris, the capital of France, is a major European city.", QuestionProfile.Of("What is the capital of France?")));
        Assert.Null(AnswerSpan.Extract("Steven Spielberg, American director ; Anne Spielberg, screenwriter", QuestionProfile.Of("Who was the director of Jaws?")));
    }

    [Theory]
    [InlineData("Who was the director of The Girl Who Kicked the Hornets' Nest?", "The Girl Who Kicked the Hornets' Nest is a 2009 Swedish drama thriller film directed by Daniel Alfredson.", "Daniel Alfredson")]
    [InlineData("Who is the author of Madonna?", "Madonna is a biography by English author Andrew Morton, chronicling the life of the singer.", "Andrew Morton")]
    [InlineData("Who was the producer of Songs I Wrote with Amy?", "Songs I Wrote with Amy is an extended play, independently released by Ed Sheeran on April 4, 2010.", "Ed Sheeran")]
    [InlineData("Who was the composer of Aschenbrödel?", "Aschenbrödel is a ballet written by Johann Strauss II.", "Johann Strauss II")]
    [InlineData("Who is the performer of Brother?", "Brother is a song by the American rock band Pearl Jam.", "Pearl Jam")]
    [InlineData("Who is the author of Reader?", "Reader is a textbook published by the University of Chicago Press and written by Jane Roe.", "a textbook published by the University of Chicago Press and written by Jane Roe")]
    [InlineData("Who was the director of Vertigo?", "Vertigo is a 1958 film directed by Alfred Hitchcock starring James Stewart.", "Alfred Hitchcock")]
    [InlineData("Who is the author of Gospel?", "Gospel is a hymn book by the Church of Jesus Christ of Latter-day Saints.", "Church of Jesus Christ of Latter-day Saints")]
    // A role the verb before "by" does not give, a role not listed, a name skipped past, two "by"s, a one-word name, a
    // question that is not "Who …?": the description stays the answer. (A multi-hop question gets no description at all.)
    [InlineData("Who is the performer of Because You Loved Me?", "Because You Loved Me is a song written by Diane Warren for Celine Dion.", "a song written by Diane Warren for Celine Dion")]
    [InlineData("Who is the author of Rebecca?", "Rebecca is a novel published by Victor Gollancz in 1938.", "a novel published by Victor Gollancz in 1938")]
    [InlineData("Who is the father of Kim Jong-chul?", "Kim Jong-chul is a member of the family led by North Korean leader Kim Jong-il.", "a member of the family led by North Korean leader Kim Jong-il")]
    [InlineData("Who is the performer of Vogue?", "Vogue is a song by Madonna for the film Dick Tracy.", "a song by Madonna for the film Dick Tracy")]
    [InlineData("Who was the director of Jaws?", "Jaws is a 1975 film directed by Steven Spielberg and produced by Richard Zanuck.", "a 1975 film directed by Steven Spielberg and produced by Richard Zanuck")]
    [InlineData("Who is the performer of Vogue?", "Vogue is a song by Madonna.", "a song by Madonna")]
    [InlineData("What is the genre of Jaws?", "Jaws is a thriller film directed by Steven Spielberg.", "a thriller film directed by Steven Spielberg")]
    public void A_who_question_is_answered_with_the_name_its_description_gives_after_by(string question, string sentence, string answer) =>
        Assert.Equal(answer, AnswerSpan.Extract(sentence, QuestionProfile.Of(question)));

    [Fact]
    public void An_answer_is_found_and_taken_out_of_its_rationale_as_whole_words()
    {
        var text = DraftText.Of(new DraftOutput("12", "In 2012 there were 12 stores.", 0, 0));
        Assert.Equal("In 2012 there were stores", string.Join(' ', text.RemainderText.Split(' ', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(DraftText.ContainsPhrase("In 2012 there were stores.", "12"));
        Assert.True(DraftText.ContainsPhrase("There were (12) stores.", "12"));
    }

    [Fact]
    public void Questions_that_ask_for_a_place_or_a_choice_keep_whole_sentences()
    {
        const string sentence = "Henry Feilden (born 1818) was an English politician.";
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("Where was Henry Feilden born?")));
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("Who was Henry Feilden? (A) a politician (B) a jockey")));
    }

    [Theory]
    [InlineData("Henry Feilden (born 1818) was an English politician.", "1818")]
    [InlineData("Guyana became a member of the community on 1 August 1973.", "1 August 1973")]
    [InlineData("Ground was broken on February 25, 1998, at Liliendaal.", "February 25, 1998")]
    [InlineData("The museum was opened in June 1996 after a long restoration.", "June 1996")]
    [InlineData("Hong Kong was under British Crown rule from 1842 to 1997.", "1842 to 1997")]
    [InlineData("The style flourished in the late 19th century in Vienna.", "late 19th century")]
    [InlineData("Pompeii was buried by the eruption in AD 79.", "AD 79")]
    [InlineData("The band was most popular in the 1960s.", "1960s")]
    // A comma after a time ends it; it does not make it a count like "1,000".
    [InlineData("From 1842 to 1997, Hong Kong was a British colony.", "1842 to 1997")]
    [InlineData("In the 1990s, the band toured Europe.", "1990s")]
    [InlineData("On June 12, the team won the cup.", "June 12")]
    [InlineData("Around 15,000 BC, people settled the valley.", "15,000 BC")]
    public void A_question_asking_when_is_answered_by_the_one_time_its_sentence_holds(string sentence, string time) =>
        Assert.Equal(time, AnswerSpan.Extract(sentence, QuestionProfile.Of("When did it happen?")));

    [Theory]
    // Two times, or none: which one answers is the reader's call, so the sentence stays whole.
    [InlineData("It was formed on 7 December 1988 and dissolved in 2008.")]
    [InlineData("It was opened in June, the museum is older than the town's 1996 hall.")]
    [InlineData("Elected in 1868, he served until 1875.")]
    [InlineData("Guyana is a founding member of CARICOM.")]
    // A three-digit number is more often a count than a year.
    [InlineData("Florida has the largest number of stores, with 787.")]
    public void A_question_asking_when_keeps_a_sentence_that_holds_no_single_time(string sentence) =>
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("When did it happen?")));

    [Theory]
    // A question asking for a kind whose names say what they are is answered by the one such name its sentence holds, whole.
    [InlineData("What county is West Chicago in?", "West Chicago is a city in DuPage County, Illinois, United States.", "DuPage County")]
    [InlineData("What body of water is near the location where the Siege of Cassel took place?", "Kassel (; spelled Cassel until 1928) is a city located on the Fulda River in northern Hesse, Germany.", "Fulda River")]
    [InlineData("What district is LaHave of the place of birth of David Morse located?", "Walden is a community in Nova Scotia, located in the Lunenburg Municipal District in Lunenburg County on the shore of the LaHave River.", "Lunenburg Municipal District")]
    [InlineData("What is the name of the airport in Wilmington north carolina?", "Wilmington International Airport (IATA: ILM) is a public airport located just north of Wilmington, North Carolina.", "Wilmington International Airport")]
    [InlineData("What is the name of the waterfall in Zimbabwe?", "The Victoria Falls is a waterfall in southern Africa on the Zambezi River.", "Victoria Falls")]
    [InlineData("What treaty ended the war?", "In 1957 the Treaty of Rome founded the community.", "Treaty of Rome")]
    [InlineData("What treaty did they sign?", "They signed the Treaty of Rome.", "Treaty of Rome")]
    // The whole name: over an "of" phrase, an abbreviation and a slash; not over a function word, a possessive, or the
    // words after a name that ends in the kind's word (a school in the county is not the county).
    [InlineData("What university did she attend?", "She graduated from the Massachusetts Institute of Technology in 1990.", "Massachusetts Institute of Technology")]
    [InlineData("What county is the city in?", "The city is the seat of St. Louis County, Missouri.", "St. Louis County")]
    [InlineData("What is the name of the airport in the city?", "The city is served by Dallas/Fort Worth International Airport.", "Dallas/Fort Worth International Airport")]
    [InlineData("What body of water is the town near?", "In Lake Geneva, the town has a harbour.", "Lake Geneva")]
    [InlineData("What body of water is the town on?", "On Lake Michigan, the town has a harbour.", "Lake Michigan")]
    [InlineData("What county is the city in?", "The city lies in Illinois's DuPage County.", "DuPage County")]
    [InlineData("What county is the school in?", "She attended Avery County High School in Newland.", "Avery County")]
    [InlineData("What mountain did they climb?", "They climbed Mount Saint Helens in 1990.", "Mount Saint Helens")]
    [InlineData("What mountain did they climb?", "They climbed Mount Rainier National Park's peak.", "Mount Rainier")]
    // A possessive ends the name, unless the name has nothing of its own without it.
    [InlineData("What is the name of the airport in the city?", "The city is served by St. John's International Airport.", "St. John's International Airport")]
    [InlineData("What stadium did they play at?", "They played at Lord's Cricket Ground in London.", "Lord's Cricket Ground")]
    // The question's own name of the kind is no answer, judged by the whole name: the other one is.
    [InlineData("What river does the Tekezé River turn into?", "At the tripoint the Tekezé River joins the Atbarah River.", "Atbarah River")]
    [InlineData("Which river joins the Blue Nile River at Khartoum?", "At Khartoum the Blue Nile River joins the White Nile River.", "White Nile River")]
    [InlineData("What river does the Tekezé River turn into?", "At the tripoint the Ethiopian Tekezé River joins the Atbarah River.", "Atbarah River")]
    public void A_question_asking_for_a_named_kind_is_answered_by_the_one_name_of_that_kind_its_sentence_holds(string question, string sentence, string name)
    {
        var profile = QuestionProfile.Of(question);
        Assert.Equal(name, AnswerSpan.Extract(sentence, profile));
        // The verifier checks that the answer is of the kind asked for, on the name alone.
        Assert.True(profile.CanAnswer(name));
    }

    [Theory]
    // Two names of the kind, or none besides the question's own: the sentence stays whole.
    [InlineData("What county borders DuPage County?", "DuPage County borders Cook County and Kane County.")]
    [InlineData("What county borders DuPage County?", "DuPage County is in Illinois.")]
    [InlineData("What county borders DuPage County?", "It borders the county to the east.")]
    // Nor a description instead: "a public airport …" does not name the airport.
    [InlineData("What is the name of the airport in Wilmington?", "Wilmington is a port city with a public airport.")]
    // The question's own name with a word before it is still its own.
    [InlineData("What river does the Tekezé River turn into?", "The Ethiopian Tekezé River rises in the highlands.")]
    public void A_question_asking_for_a_named_kind_keeps_a_sentence_without_a_single_name_of_that_kind(string question, string sentence) =>
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of(question)));

    [Theory]
    [InlineData("Henrik Ibsen was a Norwegian playwright.", "Norway")]
    [InlineData("Kassel is a city in northern Hesse, Germany.", "Germany")]
    [InlineData("He moved to the U.S. in 1990.", "United States")]
    [InlineData("Port Moresby is the capital of Papua New Guinea.", "Papua New Guinea")]
    [InlineData("Bissau is the capital of Guinea-Bissau.", "Guinea-Bissau")]
    [InlineData("The team toured the Netherlands and Belgium.", "Netherlands,Belgium")]
    [InlineData("In France, the law changed; The Netherlands followed.", "France,Netherlands")]
    [InlineData("Gerd Müller was a West German footballer.", "Germany")]
    [InlineData("She was born in Belfast, Northern Ireland.", "Northern Ireland")]
    [InlineData("Amman is the largest Jordanian city.", "Jordan")]
    // Its people by name, and the former names older texts still use.
    [InlineData("Many Norwegians and Pakistanis live in Oslo.", "Norway,Pakistan")]
    [InlineData("Tea from Ceylon reached Persia by sea.", "Sri Lanka,Iran")]
    [InlineData("He was a Scottish engineer.", "Scotland")]
    [InlineData("The Indians attacked the fort.", "")]
    // A country's name or adjective inside another name, or a name that names someone else as often, is not the country.
    [InlineData("Santa Fe is the capital of New Mexico.", "")]
    [InlineData("Vancouver is a city in British Columbia.", "")]
    [InlineData("Mauritius is an island in the Indian Ocean.", "Mauritius")]
    [InlineData("Michael Jordan played for the Bulls.", "")]
    [InlineData("Anatole France wrote novels.", "")]
    [InlineData("Atlanta is the capital of Georgia.", "")]
    [InlineData("The film earned US$10 million.", "")]
    [InlineData("It was part of the Austro-Hungarian Empire.", "")]
    [InlineData("Novels by China Miéville.", "")]
    // An adjective inside another name, or a language's, names no country; nor does a language alone.
    [InlineData("She is a Latin American writer.", "")]
    [InlineData("It is an African American church.", "")]
    [InlineData("He edited a French-language newspaper.", "")]
    [InlineData("The film is in English and Korean.", "")]
    public void A_text_names_countries_by_their_names_and_their_peoples_adjectives(string text, string countries) =>
        Assert.Equal(countries.Split(',', StringSplitOptions.RemoveEmptyEntries), Countries.NamedIn(text));

    [Theory]
    [InlineData("What country was Henrik Ibsen a citizen of?", "Henrik Ibsen was a Norwegian playwright and theatre director.", "Norway")]
    [InlineData("Which country borders France to the south?", "France borders Spain to the south.", "Spain")]
    [InlineData("What country is Nugegoda in?", "Nugegoda is a suburb of Colombo, Sri Lanka.", "Sri Lanka")]
    // A nationality is answered as the sentence says it; an adjective in the question does not make a country its own.
    [InlineData("What nationality was Henrik Ibsen?", "Henrik Ibsen was a Norwegian playwright.", "Norwegian")]
    [InlineData("What country was the Norwegian playwright Ibsen a citizen of?", "Ibsen was born in Skien, Norway.", "Norway")]
    // A nationality read off the people's plural is stated as the adjective; a former name is no country of the question's own.
    [InlineData("What nationality were the founders of Hansa Bryggeri?", "Hansa Bryggeri was founded by Norwegians in Bergen.", "Norwegian")]
    [InlineData("Which country was formerly called Siam?", "Thailand, formerly known as Siam, is a country in Southeast Asia.", "Thailand")]
    public void A_question_asking_for_a_country_is_answered_by_the_one_country_its_sentence_names(string question, string sentence, string country) =>
        Assert.Equal(country, AnswerSpan.Extract(sentence, QuestionProfile.Of(question)));

    [Theory]
    [InlineData("What country was he a citizen of?", "He was born in Norway and died in Italy.")]
    [InlineData("What country was he a citizen of?", "He was a playwright and theatre director.")]
    public void A_question_asking_for_a_country_keeps_a_sentence_that_names_none_or_several(string question, string sentence) =>
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of(question)));

    [Fact]
    public void A_month_in_the_name_asked_about_is_not_a_time() =>
        Assert.Equal("2016", AnswerSpan.Extract("Theresa May became Prime Minister in 2016.", QuestionProfile.Of("When did Theresa May become Prime Minister?")));

    [Theory]
    [InlineData("Publix operates 1,293 stores in the Southeast.", "1,293")]
    [InlineData("The port handled 3.5 million containers.", "3.5 million")]
    [InlineData("Forty-two delegates attended the conference.", "Forty-two")]
    [InlineData("About 12 % of the stores are in Georgia.", "12 %")]
    [InlineData("Georgia has 186 stores, more than any state but Florida.", "186")]
    [InlineData("The campaign raised $3.5 million for the stores.", "$3.5 million")]
    public void A_question_asking_how_many_is_answered_by_the_one_number_its_sentence_holds(string sentence, string number) =>
        Assert.Equal(number, AnswerSpan.Extract(sentence, QuestionProfile.Of("How many stores are there?")));

    [Theory]
    [InlineData("In 2010 the port handled 863,808 containers.")]
    [InlineData("Florida (785), Georgia (186) and Alabama (68) have the most stores.")]
    // "one of …" is not a count.
    [InlineData("Publix is one of the largest employee-owned companies.")]
    [InlineData("Publix is an employee-owned supermarket chain.")]
    public void A_question_asking_how_many_keeps_a_sentence_that_holds_no_single_number(string sentence) =>
        Assert.Null(AnswerSpan.Extract(sentence, QuestionProfile.Of("How many stores are there?")));
}
