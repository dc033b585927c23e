using Microsoft.Extensions.AI;
using System.Numerics.Tensors;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// Writes an extractive draft from some passages; the drafter uses it on its subset, standard mode on all retrieved
/// passages, so the two modes answer alike and their comparison is fair.
/// <list type="bullet">
/// <item>An open question: α is the most relevant sentence (for a multi-hop question the second hop instead, or without
/// one the sentence that best fits what the question asks of the bridge: <see cref="Bridge"/>), or its <see cref="AnswerSpan"/> when the question asks for
/// a description, a time or a number and the sentence shows which part answers; β is that sentence (when α is a span of it) and the next most relevant ones (for a description, those of α's own passage first), in reading order.</item>
/// <item>A multiple-choice question: α is the option the passages support best, stated as "(label) text"; β is the
/// sentences that support it (<see cref="OptionSupport"/>); ρ_Draft = log softmax(support / 0.5)[α].</item>
/// </list>
/// </summary>
public sealed class ExtractiveAnswerer(IEmbeddingGenerator<string, Embedding<float>> embedder)
{
    /// <summary>Sentences in a rationale.</summary>
    public const int RationaleSentences = 2;

    private readonly SentenceRanker _ranker = new(embedder);

    public async Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken)
    {
        var profile = QuestionProfile.Of(question);
        var ranking = await _ranker.RankAsync(profile, passages, cancellationToken);
        var ranked = ranking.Sentences;
        if (ranked.Count == 0)
        {
            throw new InvalidOperationException("The passages contain no text to draft from.");
        }

        var asked = profile.AskedOfBridge is { } part ? await embedder.EmbedAsync(part, cancellationToken) : null;
        var draft = profile.IsMultipleChoice
            ? await ChooseOptionAsync(profile, ranked, cancellationToken)
            : Compose(profile, ranked, asked);
        return draft with { Embeddings = EmbeddingsOf(profile, draft, ranking, asked) };
    }

    /// <summary>
    /// The vectors this draft's texts already have (the question's, and each rationale sentence's from the ranking), so
    /// a verifier on the same embedding model scores the draft without embedding them again.
    /// </summary>
    private TextEmbeddings EmbeddingsOf(QuestionProfile question, DraftOutput draft, SentenceRanking ranking, float[]? askedOfBridge)
    {
        // What the draft itself already carries (a multiple-choice draft: the option statements it weighed), then the rest.
        var vectors = new Dictionary<string, float[]>(draft.Embeddings?.Vectors ?? new Dictionary<string, float[]>(), StringComparer.Ordinal)
        {
            [question.Stem] = ranking.QuestionVector,
        };
        if (question.AskedOfBridge is { } asked && askedOfBridge is not null)
        {
            vectors[asked] = askedOfBridge;
        }

        var bySentence = ranking.Sentences.GroupBy(s => s.Text, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Vector, StringComparer.Ordinal);
        foreach (var sentence in Text.SentenceSplitter.Split(draft.Rationale).Append(draft.Answer))
        {
            if (bySentence.TryGetValue(sentence, out var vector))
            {
                vectors[sentence] = vector;
            }
        }

        return new TextEmbeddings(embedder.ModelName, vectors);
    }

    /// <summary>
    /// ρ_Draft: log P(α | Q, δ, β) = log p(relevance of the sentence α rests on), with p from
    /// <see cref="ExtractiveCalibration"/>; log P(β | Q, δ) = 0, because β is read off the same ranking
    /// deterministically and the drafter claims no separate probability for it. (Averaging the relevance of β's other
    /// sentences in, as an earlier version did, made selection worse: on PopQA dev the draft score alone chose a right
    /// draft for 48 % of questions that way, 68 % from the answer's sentence alone.)
    /// </summary>
    public static DraftOutput Compose(QuestionProfile question, IReadOnlyList<RankedSentence> ranked, float[]? askedOfBridge = null)
    {
        if (question.IsMultiHop && Bridge.Follow(question, ranked, askedOfBridge) is { } hop)
        {
            return hop;
        }

        // "When …?" is answered by the most relevant sentence that holds a time (the same for a number), when one does;
        // "What is X's occupation?" by the most relevant sentence that says what X is, one a description can be cut from
        // (a sentence cut off at a passage's end, "The union grew rapidly, to become", reads like a phrase but says nothing).
        // ("He was a defender" counts only in a passage whose title or text names him: not in his namesake's.)
        // A multi-hop question that found no second hop is answered, and its α judged (below), much as a second hop would be:
        // by the fit to what the question asks of the bridge, not by the relevance to the whole question, which a sentence
        // that only restates the question's own entity (the first hop) wins; a sentence that is the whole chain, naming
        // what identifies the bridge and the name asked for, gains for the bridge's names it holds (Bridge.FitWithoutSecondHop).
        var candidates = question.IsMultiHop && askedOfBridge is not null
            ? ranked.OrderByDescending(s => Bridge.FitWithoutSecondHop(question, s, askedOfBridge)).ToArray()
            : ranked;
        var best = (question.Expects == AnswerKind.Description
            ? candidates.FirstOrDefault(s => question.NameCoverage($"{s.Title} {s.Text}") >= 1 && AnswerSpan.Extract(s.Text, question) is not null)
            : candidates.FirstOrDefault(s => question.CanAnswer(s.Text))) ?? candidates[0];
        var span = AnswerSpan.Extract(best.Text, question);
        // What a name is, is explained by the rest of its own article: a sentence of another passage may be about a
        // namesake ("Mulvany qualified … as an engineer" beside the footballer Patrick F. Mulvany), and would splice two
        // people into one explanation. Other passages only when α's has nothing more to say.
        var rest = ranked.Where(s => !ReferenceEquals(s, best));
        var others = (question.Expects == AnswerKind.Description ? rest.OrderBy(s => s.PassageOrder == best.PassageOrder ? 0 : 1) : rest)
            .Take(span is null ? RationaleSentences : RationaleSentences - 1).ToArray();
        var rationaleSentences = (span is null ? others : [best, .. others])
            .OrderBy(s => s.PassageOrder).ThenBy(s => s.Position).ToArray();
        if (rationaleSentences.Length == 0)
        {
            rationaleSentences = [best];
        }

        var logAnswer = ExtractiveCalibration.LogProbability(
            question.IsMultiHop && askedOfBridge is not null ? Bridge.FitWithoutSecondHop(question, best, askedOfBridge) : best.Relevance,
            ExtractiveCalibration.DrafterMidpoint);
        var evidence = new[] { best }.Concat(others).Select(s => s.PassageId).Distinct().ToArray();
        return new DraftOutput(span ?? best.Text, string.Join(' ', rationaleSentences.Select(s => s.Text)), RationaleLogProb: 0, logAnswer) { EvidenceIds = evidence };
    }

    private async Task<DraftOutput> ChooseOptionAsync(QuestionProfile question, IReadOnlyList<RankedSentence> ranked, CancellationToken cancellationToken)
    {
        var statementTexts = question.Options.Select(o => OptionSupport.Statement(question, o)).ToArray();
        var statements = await embedder.EmbedAsync(statementTexts, cancellationToken);
        var support = question.Options
            .Select((option, i) => OptionSupport.Measure(statements[i], ranked.Select(s => (s.Text, s.Vector)).ToArray()))
            .ToArray();
        var chosen = Enumerable.Range(0, support.Length).MaxBy(i => support[i].Score);
        var evidence = support[chosen].Sentences.Select(i => ranked[i]).ToArray();
        var rationale = string.Join(' ', evidence.OrderBy(s => s.PassageOrder).ThenBy(s => s.Position).Select(s => s.Text));
        var logAnswer = OptionSupport.LogShare(support.Select(s => s.Score).ToArray(), chosen, OptionSupport.DraftTemperature);
        // As for open questions, β is read off the ranking and claims no probability of its own. Counting the absolute
        // support here as well (the verifier's ρ_SR already does) let confident but misled subsets win: ARC dev 42 % against 46 %.
        return new DraftOutput(question.Options[chosen].AsAnswer, rationale, RationaleLogProb: 0, logAnswer)
        {
            EvidenceIds = evidence.Select(s => s.PassageId).Distinct().ToArray(),
            // The verifier weighs the same option statements: they travel with the draft rather than being embedded again.
            Embeddings = new TextEmbeddings(embedder.ModelName, statementTexts.Select((t, i) => (t, statements[i])).ToDictionary(x => x.t, x => x.Item2, StringComparer.Ordinal)),
        };
    }
}

/// <summary>
/// The second hop of a question that describes what it asks about ("What county borders the county in which
/// Johnnycake is located?"): the sentence that matches the question best names the bridge ("Johnnycake is … in
/// McDowell County"); the answer is the sentence of another passage that names the bridge and matches what the
/// question asks of it ("McDowell County borders Wyoming County …"). α is that sentence, β the two in hop order, so the
/// verifier can check that they connect.
/// </summary>
public static class Bridge
{
    /// <summary>Weight of how firmly a second-hop sentence names the bridge (<see cref="Link"/>, read off the sentence alone).</summary>
    public const double LinkWeight = 0.3;

    /// <summary>
    /// The second-hop sentence maximises <see cref="Fit"/> + <see cref="LinkWeight"/> · link. Its fit is its cosine to the
    /// question, or, given the vector of what the question asks of the bridge (<see cref="QuestionProfile.AskedOfBridge"/>),
    /// mostly its cosine to that, plus the names of what is asked it mentions: the second hop answers the main clause, not
    /// the relative clause the first hop already matched.
    /// </summary>
    public static DraftOutput? Follow(QuestionProfile question, IReadOnlyList<RankedSentence> ranked, float[]? askedOfBridge = null)
    {
        // The first hop is the most relevant sentence about what identifies the bridge ("The Jewel of the Nile", for "the
        // producer of The Jewel of the Nile") that introduces a name, not merely the most relevant sentence: one about the
        // question's other names ("… star both De Niro and Pacino …") leads to a bridge the question never asked about.
        // Without such a sentence there is no first hop, and the draft is a single-hop one. Text only, no titles: the
        // verifier checks the same chain and sees only the sentences. (A question whose bridge is identified by no
        // capitalised name has no BridgeNames: the most relevant sentence that introduces a name is the first hop.)
        var (first, bridge) = ranked
            .Where(s => question.IsAboutTheBridge(s.Text))
            .Select(s => (Sentence: s, Bridge: NewNames(question, s.Text)))
            .FirstOrDefault(s => s.Bridge.Count > 0);
        if (first is null)
        {
            return null;
        }

        var second = ranked
            .Where(s => s.PassageOrder != first.PassageOrder)
            .Select(s => (Sentence: s, Link: Link(bridge, s.Text)))
            .Where(s => s.Link > 0 && question.CanAnswer(s.Sentence.Text))
            .Select(s => (s.Sentence, Score: Fit(question, s.Sentence, askedOfBridge) + (LinkWeight * s.Link)))
            .OrderByDescending(s => s.Score)
            .FirstOrDefault();
        if (second.Sentence is null)
        {
            return null;
        }

        var logAnswer = ExtractiveCalibration.LogProbability(second.Score, ExtractiveCalibration.DrafterMidpoint);
        // "When …?" over two hops: the time itself when the second sentence holds just one, as for a single hop, the
        // name for "What county …?" and the country for "What country …?". (Not a description: the second hop's subject
        // is the bridge's answer, not a name the question asks about.)
        var span = question.Expects is AnswerKind.Time or AnswerKind.Number or AnswerKind.Name or AnswerKind.Country
            ? AnswerSpan.Extract(second.Sentence.Text, question)
            : null;
        var answer = span ?? second.Sentence.Text;
        return new DraftOutput(answer, $"{first.Text} {second.Sentence.Text}", RationaleLogProb: 0, logAnswer)
        {
            EvidenceIds = new[] { first.PassageId, second.Sentence.PassageId }.Distinct().ToArray(),
        };
    }

    /// <summary>Weight of the fit to what is asked of the bridge against the fit to the whole question (as in the verifier's ρ_SC).</summary>
    public const double AskedWeight = 0.75;

    /// <summary>Weight of the share of the names of what the question asks of the bridge that a sentence (or its title) mentions.</summary>
    public const double AskedNameWeight = 0.15;

    /// <summary>
    /// How well a sentence answers a multi-hop question: ¼ its cosine to the whole question, ¾ its cosine to what the
    /// question asks of the bridge (<see cref="QuestionProfile.AskedOfBridge"/>), plus <see cref="AskedNameWeight"/> · the
    /// share of the names of what is asked (<see cref="QuestionProfile.AskedNames"/>) it mentions; without what is asked,
    /// its cosine to the question.
    /// </summary>
    internal static double Fit(QuestionProfile question, RankedSentence sentence, float[]? askedOfBridge) =>
        askedOfBridge is null
            ? sentence.Similarity
            : ((1 - AskedWeight) * sentence.Similarity) + (AskedWeight * TensorPrimitives.Dot(askedOfBridge, sentence.Vector))
              + (AskedNameWeight * question.AskedNameCoverage($"{sentence.Title} {sentence.Text}"));

    /// <summary>Weight of the share of what identifies the bridge that an answer sentence without a second hop names itself (as <see cref="SentenceRanker.NameWeight"/> weighs the question's names).</summary>
    public const double BridgeNameWeight = 0.15;

    /// <summary>
    /// The fit of an answer to a multi-hop question that found no two-sentence chain: <see cref="Fit"/>, plus, when the
    /// question asks for a name (a country, a place or thing of a named kind) and the sentence holds one,
    /// <see cref="BridgeNameWeight"/> · the share of what identifies the bridge that the sentence's own text names. Such
    /// a sentence is the chain in one ("Brand is a play by the Norwegian playwright Henrik Ibsen" for "What country was
    /// the author of Brand a citizen of?"), where a sentence that only fits what is asked is about some other thing.
    /// <list type="bullet">
    /// <item>The text, not the passage's title: with the title every sentence of the bridge's own article would count.</item>
    /// <item>Not for a time or a number: the sentence that names what identifies the bridge is usually the first hop, and
    /// first hops are full of dates and counts ("José Jiménez Lozano (born 13 May 1930) is a Spanish writer" for "In the
    /// country that Jiménez is a part, what percentage …").</item>
    /// <item>Not when the bridge is of the kind asked for (<see cref="QuestionProfile.BridgeIsOfAskedKind"/>): there the
    /// first hop names a name of that kind, the bridge's ("Johnnycake is … in McDowell County" for "What county shares a
    /// border with the county in which Johnnycake is located?").</item>
    /// <item>Only a sentence that can answer: the ordering reaches one that cannot only when none can, and a first hop
    /// that says nothing of the kind asked for must not win there either.</item>
    /// </list>
    /// </summary>
    internal static double FitWithoutSecondHop(QuestionProfile question, RankedSentence sentence, float[] askedOfBridge) =>
        Fit(question, sentence, askedOfBridge)
        + (question.Expects is AnswerKind.Name or AnswerKind.Country && !question.BridgeIsOfAskedKind && question.CanAnswer(sentence.Text)
            ? BridgeNameWeight * question.BridgeNameCoverage(sentence.Text)
            : 0);

    /// <summary>The names of a text that the question does not mention: the entities a hop leads to.</summary>
    public static IReadOnlySet<string> NewNames(QuestionProfile question, string text)
    {
        var asked = QuestionProfile.Terms(question.Stem).ToHashSet(StringComparer.Ordinal);
        return QuestionProfile.NamesIn(text).Where(n => !asked.Contains(n) && !NameWords.IsCommon(n)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>
    /// The names of a text that the question does not mention and that tell one thing apart (no designator such as
    /// "District" or "March"): two passages that share one are likely two hops of the same chain.
    /// </summary>
    public static IReadOnlySet<string> DistinctiveNewNames(QuestionProfile question, string text) =>
        NewNames(question, text).Where(n => !NameWords.IsDesignator(n)).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// How firmly a text names the bridge: 1 from two of its name words on ("American … Association"), ½ for one; 0 when
    /// it shares only designators with a bridge that has other words ("District" alone).
    /// </summary>
    public static double Link(IReadOnlySet<string> bridge, string text)
    {
        var names = QuestionProfile.NamesIn(text);
        var shared = bridge.Where(names.Contains).ToArray();
        var distinctive = bridge.Any(n => !NameWords.IsDesignator(n));
        return distinctive && shared.All(NameWords.IsDesignator) ? 0 : Math.Min(1, shared.Length / 2.0);
    }
}

/// <summary>
/// How strongly some sentences support an option of a multiple-choice question: the mean cosine similarity of the
/// best <see cref="SupportingSentences"/> sentences to the statement "‹stem› ‹option›". On the ARC-Challenge dev slice
/// this chose the key for 46 % of questions over all ten passages, against 38 % for the single best sentence and 22 %
/// for the option's similarity to the question alone (no passages). In a probe outside the repository, the other
/// encoder NuGet serves, snowflake-arctic-embed-xs, chose it for 34 % the same way (40 % with its query prefix on the
/// statement; 44 % with the two encoders' standardised supports added), so MiniLM stays.
/// </summary>
public static class OptionSupport
{
    public const int SupportingSentences = 2;

    /// <summary>Softmax temperature turning the support of each option into a probability of each (the verifier's, over all rationales).</summary>
    public const double Temperature = 0.02;

    /// <summary>
    /// The drafter's temperature: two passages are weak evidence, so its share is soft. At 0.1 a draft from a misled
    /// subset was sure enough of itself to outweigh the verifier's pooled evidence (ARC dev: 42 % against 46 % at 0.5).
    /// </summary>
    public const double DraftTemperature = 0.5;

    /// <summary>The last sentence of the stem (the actual question, after any scenario) followed by the option.</summary>
    public static string Statement(QuestionProfile question, Text.AnswerOption option)
    {
        var sentences = Text.SentenceSplitter.Split(question.Stem);
        var ask = sentences.Count > 0 ? sentences[^1] : question.Stem;
        return $"{ask} {option.Text}";
    }

    public static (double Score, int[] Sentences) Measure(float[] statement, IReadOnlyList<(string Text, float[] Vector)> sentences)
    {
        var best = sentences
            .Select((s, i) => (Index: i, Cosine: (double)TensorPrimitives.Dot(statement, s.Vector)))
            .OrderByDescending(s => s.Cosine)
            .Take(SupportingSentences)
            .ToArray();
        return best.Length == 0 ? (0, []) : (best.Average(s => s.Cosine), best.Select(s => s.Index).ToArray());
    }

    /// <summary>log softmax(scores / T)[index].</summary>
    public static double LogShare(IReadOnlyList<double> scores, int index, double temperature = Temperature)
    {
        var max = scores.Max();
        var logSum = Math.Log(scores.Sum(s => Math.Exp((s - max) / temperature)));
        return Math.Min(0, ((scores[index] - max) / temperature) - logSum);
    }
}
