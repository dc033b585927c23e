using Microsoft.Extensions.AI;
using System.Numerics.Tensors;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// The embedded default verifier. Like the paper's verifier it sees only the question and the drafts, never the
/// passages. See docs/scoring.md for the definitions and the measurements behind them.
/// <list type="bullet">
/// <item>Open question. Each draft is judged on its own, never by how many other drafts resemble it, so a majority of
/// look-alike wrong drafts cannot outvote the one right draft. ρ_SC = log P(α, β | Q) = log p(cos(Q, α ⊕ β) + w · names(α ⊕ β)),
/// names(·) being the share of the question's names the text mentions. ρ_SR = log P(Yes | Q, α, β): is the rest of the
/// explanation, β′ = β without α's own words, about what the question asks? log ½·(1 + p(cos(Q, β′) + w · names(β′)));
/// a rationale that only repeats its answer proves nothing, P = ½. For a multi-hop question the explanation must lead to
/// the answer (<see cref="LeadsTo"/>): a sentence about what identifies the bridge that names something the answer names
/// too; an unconnected explanation gets P = ½, and ρ_SC counts the question's names in α's sentence only, or in α's
/// sentence and a first hop another draft found that leads to it (the drafts read different passages; one such sentence
/// is evidence, and five drafts repeating it add nothing, so it is no vote).</item>
/// <item>Multiple-choice question. ρ_SC = log P(α | Q, all rationales): the share of α's option in what the sentences of
/// every draft's rationale support (a softmax over the options of <see cref="OptionSupport"/>). It pools evidence, not
/// votes: five drafts choosing an option count for nothing unless their sentences support it better. ρ_SR = log p(the
/// support of α's option by its own rationale).</item>
/// </list>
/// p is <see cref="ExtractiveCalibration"/> at <see cref="ExtractiveCalibration.VerifierMidpoint"/> (open questions) or
/// its default midpoint (a cosine). For a multi-hop question ρ_SC's cosine is ¼ cos(Q, α ⊕ β) + ¾ cos(what the question
/// asks of the bridge, α's sentence: α itself, or the sentence a span such as a date was cut from); for a question asking when or how many, an α without a time (a number) keeps a tenth of P,
/// and so does, for a question asking what a name is, an α that neither is a description phrase nor was cut from a sentence describing the name,
/// and, for a question asking for a place or thing of a kind its name states ("What county …"), an α that names none.
/// Standard mode answers like the drafter, over all passages.
/// </summary>
public sealed class ExtractiveVerifierModel(IEmbeddingGenerator<string, Embedding<float>> embedder) : IVerifierModel
{
    /// <summary>Weight of the question's names in the verifier's relevance; 0.3 (with the midpoint 0.8) selected best on PopQA dev.</summary>
    public const double NameWeight = 0.3;

    /// <summary>ρ_SC = log P(α, β | Q) keeps this share of its probability when α holds no answer of the kind the question asks for (a time, a number, a description of the name, a name of the kind asked for).</summary>
    public const double WrongKindProbability = 0.1;

    private readonly ExtractiveAnswerer _answerer = new(embedder);

    public string Name => $"extractive/{embedder.ModelName}";

    public string Scoring => ScoringMethods.Extractive;

    public async Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default)
    {
        if (drafts.Count == 0)
        {
            return [];
        }

        var profile = QuestionProfile.Of(question);
        return profile.IsMultipleChoice
            ? await ScoreOptionsAsync(profile, drafts, cancellationToken)
            : await ScoreOpenAsync(profile, drafts, cancellationToken);
    }

    public Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default) =>
        _answerer.AnswerAsync(question, passages, cancellationToken);

    /// <summary>The verifier's relevance of a text to the question, as a log-probability.</summary>
    public static double LogRelevance(QuestionProfile question, float[] questionVector, float[] textVector, string text) =>
        ExtractiveCalibration.LogProbability(
            TensorPrimitives.CosineSimilarity(questionVector, textVector) + (NameWeight * question.NameCoverage(text)),
            ExtractiveCalibration.VerifierMidpoint);

    /// <summary>
    /// A multi-hop question's ρ_SC: the draft fits the whole question as for any open question, and its answer α fits what
    /// the question asks of the bridge (<see cref="QuestionProfile.AskedOfBridge"/>), the two cosines weighted ¼ and ¾ (<see cref="Bridge.AskedWeight"/>). A draft
    /// that only restates the question's own entity (the first hop) fits the whole question well but not what is asked.
    /// </summary>
    public static double MultiHopLogRelevance(QuestionProfile question, float[] questionVector, float[] textVector, string text, float[] askedVector, float[] answerVector) =>
        ExtractiveCalibration.LogProbability(
            (((1 - Bridge.AskedWeight) * TensorPrimitives.CosineSimilarity(questionVector, textVector)) + (Bridge.AskedWeight * TensorPrimitives.CosineSimilarity(askedVector, answerVector)))
            + (NameWeight * question.NameCoverage(text)),
            ExtractiveCalibration.VerifierMidpoint);

    private async Task<IReadOnlyList<VerifierScores>> ScoreOpenAsync(QuestionProfile question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken)
    {
        // α ⊕ β and β′ are pooled from sentence vectors (DraftText), not embedded as two new long texts per draft: the
        // sentences come with their drafts' vectors, so verification embeds little or nothing after the last draft. The
        // 2·m + 1 long texts it embedded before kept speculative mode slower than standard on open questions.
        var parts = drafts.Select(DraftText.Of).ToArray();
        var asked = question.AskedOfBridge;
        var answerSentences = parts.Select(p => p.AnswerSentence).ToArray();
        var vectorOf = await VectorsAsync(
            [question.Stem, .. asked is null ? [] : new[] { asked }.Concat(answerSentences.Where(a => a.Trim().Length > 0)),
             .. parts.SelectMany(p => p.Joined.Concat(p.Remainder)).Select(piece => piece.Text)], drafts, cancellationToken);
        var questionVector = vectorOf[question.Stem];

        // What the drafts together say about what identifies the bridge: every sentence of theirs about it (an answer too:
        // a draft that found no second hop answers with its best sentence, often the first hop), with the names it leads to.
        var firstHops = question.IsMultiHop
            ? parts.SelectMany((p, draft) => p.Joined.Select(piece => (Draft: draft, piece.Text)))
                .Where(hop => question.IsAboutTheBridge(hop.Text))
                .Select(hop => (hop.Draft, hop.Text, Bridge: Bridge.NewNames(question, hop.Text)))
                .ToArray()
            : [];
        var scores = new VerifierScores[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            // A question one hop away from its answer: the explanation supports the answer only when it leads there, through
            // a sentence about what identifies the bridge that names something the answer names too (the bridge);
            // otherwise they are unconnected sentences, and the names the explanation shares with the question are no
            // evidence for the answer ("… lift the Siege of Cassel" beside "bodies of water … include the James River").
            var linked = !question.IsMultiHop || LeadsTo(question, Without(drafts[i].Rationale, answerSentences[i]), answerSentences[i]);
            // An answer its own explanation does not lead to may still continue a first hop another draft found (the drafts
            // read different passages): its names are then read with that first hop's, but its own explanation proves nothing.
            // (Another draft's: its own sentences already failed to lead there. The first such sentence in draft order.)
            var ledFrom = linked ? null : firstHops.FirstOrDefault(hop => hop.Draft != i && Bridge.Link(hop.Bridge, answerSentences[i]) > 0).Text;
            var namesText = linked ? parts[i].JoinedText : ledFrom is null ? answerSentences[i] : $"{ledFrom} {answerSentences[i]}";
            var consistency = parts[i].Joined.Count == 0
                ? ExtractiveCalibration.LogProbability(-1)
                : asked is null || drafts[i].Answer.Trim().Length == 0
                    ? LogRelevance(question, questionVector, DraftText.Pool(parts[i].Joined, vectorOf), parts[i].JoinedText)
                    : MultiHopLogRelevance(question, questionVector, DraftText.Pool(parts[i].Joined, vectorOf), namesText, vectorOf[asked], vectorOf[answerSentences[i]]);
            // An answer without a time for "When …?" (or a number for "How many …?") does not answer it, however close it is.
            // (A description cut from a sentence answers in its sentence's context: "Tunisian journalist" describes the
            // name its list entry names.)
            // (When α is its own sentence, CanAnswer has already tried to cut a description from it.)
            var answersTheKind = question.CanAnswer(drafts[i].Answer)
                || (question.Expects == AnswerKind.Description
                    && !string.Equals(answerSentences[i].Trim(), drafts[i].Answer.Trim(), StringComparison.Ordinal)
                    && AnswerSpan.Extract(answerSentences[i], question) is not null);
            consistency += answersTheKind ? 0 : Math.Log(WrongKindProbability);
            var remainder = parts[i].RemainderText;
            // P(Yes) = ½ · (1 + p(β′)): undecided (½) without evidence, towards Yes as the rest of the explanation is
            // about what was asked. Its full range (p(β′) alone) let ρ_SR overrule ρ_SC: PopQA dev 64 % against 68 %.
            // A multi-hop explanation that does not lead to its answer (above) is no evidence either way.
            var reflection = parts[i].Remainder.Count == 0 || !linked
                ? Math.Log(0.5)
                : Math.Log(0.5 * (1 + Math.Exp(LogRelevance(question, questionVector, DraftText.Pool(parts[i].Remainder, vectorOf), remainder))));
            scores[i] = new VerifierScores(consistency, reflection);
        }

        return scores;
    }

    private async Task<IReadOnlyList<VerifierScores>> ScoreOptionsAsync(QuestionProfile question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken)
    {
        var rationales = drafts.Select(d => SentenceSplitter.Split(d.Rationale)).ToArray();
        var sentences = rationales.SelectMany(r => r).Distinct(StringComparer.Ordinal).ToArray();
        var optionStatements = question.Options.Select(o => OptionSupport.Statement(question, o)).ToArray();
        var vectorOf = await VectorsAsync([.. optionStatements, .. sentences], drafts, cancellationToken);
        var statements = optionStatements.Select(s => vectorOf[s]).ToArray();
        double[] Support(IEnumerable<string> of)
        {
            var evidence = of.Select(s => (s, vectorOf[s])).ToArray();
            return statements.Select(s => OptionSupport.Measure(s, evidence).Score).ToArray();
        }

        var pooled = Support(sentences);
        var scores = new VerifierScores[drafts.Count];
        for (var i = 0; i < drafts.Count; i++)
        {
            var chosen = AnswerOptions.Find(drafts[i].Answer, question.Options) is { } option ? IndexOf(question.Options, option) : -1;
            if (chosen < 0 || rationales[i].Count == 0)
            {
                // An answer that names no option cannot be right; it loses to any draft that does.
                scores[i] = new VerifierScores(ExtractiveCalibration.LogProbability(-1), ExtractiveCalibration.LogProbability(-1));
                continue;
            }

            scores[i] = new VerifierScores(OptionSupport.LogShare(pooled, chosen), ExtractiveCalibration.LogProbability(Support(rationales[i])[chosen]));
        }

        return scores;
    }

    /// <summary>
    /// The vectors of the texts, each embedded once: those the drafters already embedded with this verifier's own model
    /// (their question and rationale sentences, <see cref="DraftOutput.Embeddings"/>) are taken as they are, the rest
    /// embedded in one call. The vectors are of the drafts' own texts, so the verifier still never sees a passage.
    /// </summary>
    private async Task<Dictionary<string, float[]>> VectorsAsync(IReadOnlyList<string> texts, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken)
    {
        var vectorOf = new Dictionary<string, float[]>(StringComparer.Ordinal);
        // Only vectors of this very model: an embedder that does not name its model ("unknown") takes none.
        var model = embedder.ModelName;
        foreach (var handed in drafts.Select(d => d.Embeddings).Where(e => e is not null && e.Model == model && model != "unknown"))
        {
            foreach (var (text, vector) in handed!.Vectors)
            {
                vectorOf.TryAdd(text, vector);
            }
        }

        var missing = texts.Where(t => !vectorOf.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            var vectors = await embedder.EmbedAsync(missing, cancellationToken);
            for (var i = 0; i < missing.Length; i++)
            {
                vectorOf[missing[i]] = vectors[i];
            }
        }

        return vectorOf;
    }

    private static int IndexOf(IReadOnlyList<AnswerOption> options, AnswerOption option)
    {
        for (var i = 0; i < options.Count; i++)
        {
            if (options[i] == option)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// Whether some sentence of <paramref name="explanation"/> is a first hop for <paramref name="answerSentence"/>: it
    /// mentions what identifies the bridge (<see cref="QuestionProfile.BridgeNames"/>) and names something the question does
    /// not that the answer names as well. A sentence of the answer's own passage ("The dam is in Osor" beside "Susqueda
    /// Reservoir is near Osor") shares its names but is about something the question never mentions.
    /// </summary>
    public static bool LeadsTo(QuestionProfile question, string explanation, string answerSentence) =>
        SentenceSplitter.Split(explanation).Any(sentence =>
            question.IsAboutTheBridge(sentence) && Bridge.Link(Bridge.NewNames(question, sentence), answerSentence) > 0);

    private static string Without(string text, string part) =>
        part.Trim().Length == 0 ? text : DraftText.RemovePhrase(text, part.Trim());
}
