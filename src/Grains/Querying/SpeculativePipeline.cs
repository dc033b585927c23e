using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Orleans.SpecRag.Drafting;
using Orleans.SpecRag.Grouping;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Embedding;
using Orleans.SpecRag.Verification;

namespace Orleans.SpecRag.Querying;

/// <summary>A query's drafts before they run: how many clusters the passages fell into and one task per subset.</summary>
public sealed record DraftPlan(int Clusters, IReadOnlyList<DraftTask> Tasks)
{
    /// <summary>How many option statements paired the subsets (0 unless a multiple-choice question with coverage subsets).</summary>
    public int OptionStatements { get; init; }

    /// <summary>
    /// How many likely chains (two passages that share what a multi-hop question's bridge names) the clustering kept in
    /// different clusters, so that a subset can hold both; 0 unless a multi-hop question with coverage subsets.
    /// </summary>
    public int HopChains { get; init; }
}

/// <summary>
/// The steps of a speculative query that are pure work on its data, shared by <see cref="QueryGrain"/> and the bench's
/// in-process limit so the two cannot drift: passages from inline documents, the plan (K-means into k clusters, for
/// coverage subsets each at least m strong, then m subsets with one passage per cluster), a draft from a model's output, the verifier's scores combined per draft, and the result.
/// Orchestration (where drafts run, deadlines, events, persistence) stays with the grains.
/// </summary>
public static class SpeculativePipeline
{
    /// <summary>
    /// The paper's benchmark setting: the request carries its retrieved passages, in retriever order. The first
    /// <c>topK</c> usable ones are embedded with the question in one call; the score is their cosine to it.
    /// </summary>
    public static async Task<IReadOnlyList<Passage>> InlinePassagesAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder, string question, IReadOnlyList<InlineDocument> documents, int topK, CancellationToken cancellationToken = default)
    {
        var chosen = InlineDocuments.Prepare(documents).Usable.Take(topK).ToArray();
        if (chosen.Length == 0)
        {
            throw new ArgumentException("No inline document has a text or a title.", nameof(documents));
        }

        var ids = chosen.Select((d, i) => string.IsNullOrWhiteSpace(d.Id) ? $"doc-{i + 1}" : d.Id).ToArray();
        var vectors = await embedder.EmbedAsync([question, .. chosen.Select(d => Retrieval.Segments.PassageText.Of(d.Title, d.Text))], cancellationToken);
        return chosen.Select((d, i) => new Passage(ids[i], ids[i], d.Title, d.Text, vectors[i + 1], TensorPrimitives.Dot(vectors[0], vectors[i + 1]))).ToArray();
    }

    /// <summary>
    /// k = docsPerDraft clusters (fewer when there are fewer passages; for coverage subsets each holds at least m passages
    /// where there are m·k, so the subsets can read m·k different ones), then m subsets with one passage from each. The
    /// subsets' random choices use <see cref="QuerySeed.Of"/>: the same for the same question and seed, independent
    /// across questions.
    /// </summary>
    public static DraftPlan Plan(QueryRequest request, IReadOnlyList<Passage> passages, SubsetSampling sampling, IReadOnlyList<float[]>? optionStatements) =>
        Plan(request, Models.Extractive.QuestionProfile.Of(request.Question), passages, sampling, optionStatements);

    /// <summary>
    /// The plan as the query grain and the bench make it: for a multiple-choice question with coverage subsets, the
    /// option statements are embedded first (<see cref="OptionStatementsAsync(IEmbeddingGenerator{string, Embedding{float}}, string, SubsetSampling, CancellationToken)"/>),
    /// and the question is read once for both.
    /// </summary>
    public static async Task<DraftPlan> PlanAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder, QueryRequest request, IReadOnlyList<Passage> passages, SubsetSampling sampling, CancellationToken cancellationToken = default)
    {
        var question = Models.Extractive.QuestionProfile.Of(request.Question);
        var optionStatements = await OptionStatementsAsync(embedder, question, sampling, cancellationToken);
        return Plan(request, question, passages, sampling, optionStatements);
    }

    private static DraftPlan Plan(
        QueryRequest request, Models.Extractive.QuestionProfile question, IReadOnlyList<Passage> passages, SubsetSampling sampling, IReadOnlyList<float[]>? optionStatements)
    {
        var k = Math.Min(request.DocsPerDraft, passages.Count);
        var hops = sampling == SubsetSampling.Coverage ? HopAffinity(question, passages) : null;
        // The two hops of a chain are about the same bridge, so plain K-means tends to put them in one cluster, and
        // one-passage-per-cluster subsets then never show a drafter both: kept apart, one subset can hold the chain (and
        // does, even when the second hop ranks below the passages the subsets would otherwise cover).
        var chains = hops is null || k < 2 ? [] : Chains(hops, passages.Count);
        var points = passages.Select(p => p.Embedding).ToArray();
        var clustering = KMeans.Cluster(points, k, request.Seed, chains);
        // K-means often leaves a cluster of two or three of the ten, and m subsets of one passage per cluster then read
        // only those and m of the rest (PopQA dev: 76 % of the top 10). With every cluster at least m strong (where the
        // passages allow), the subsets read m·k different passages before any repeats; the chains stay apart.
        if (sampling == SubsetSampling.Coverage)
        {
            clustering = KMeans.WithMinimumSize(points, clustering, request.Drafts, chains);
        }

        var clusters = clustering.Clusters;
        var affinity = sampling == SubsetSampling.Coverage ? hops ?? OptionAffinity(passages, optionStatements) : null;
        var subsets = SubsetSampler.Sample(clusters, request.Drafts, QuerySeed.Of(request.Seed, request.Question), sampling, affinity,
            chained: chains.SelectMany(c => new[] { c.A, c.B }).ToHashSet());
        var tasks = subsets.Select((subset, index) => new DraftTask(index, request.Question, subset.Select(i => passages[i]).ToArray())).ToArray();
        return new DraftPlan(k, tasks) { OptionStatements = optionStatements?.Count ?? 0, HopChains = chains.Count(c => clustering.Assignments[c.A] != clustering.Assignments[c.B]) };
    }

    /// <summary>
    /// For a multi-hop question, how many names two passages share that the question does not mention ("LaHave" in "David
    /// Morse was born in LaHave" and "Walden … on the shore of the LaHave River"): the two hops of its chain share the
    /// bridge, and a drafter can follow it only when it reads both. A pair whose second passage has a sentence that names
    /// the shared bridge and can answer comes before any pair without one. Null for other questions, whose subsets need no pairing.
    /// The question is read by the extractive models' <see cref="Models.Extractive.QuestionProfile"/>, whatever model
    /// drafts: pairing the hops helps a language model as much, and reading the question needs no model.
    /// </summary>
    private static Func<int, int, int>? HopAffinity(Models.Extractive.QuestionProfile question, IReadOnlyList<Passage> passages)
    {
        if (!question.IsMultiHop)
        {
            return null;
        }

        var names = passages.Select(p => Models.Extractive.Bridge.DistinctiveNewNames(question, $"{p.Title} {p.Text}")).ToArray();
        // A chain starts from what identifies the bridge: two passages that share a name but neither of which mentions it
        // ("Al Pacino" in two films, for "the producer of The Jewel of the Nile") are no chain the question asks about.
        var firstHop = passages.Select(p => question.IsAboutTheBridge(p.Text)).ToArray();
        // The drafter's second hop is a sentence that names the bridge and can answer (holds a time for "When …?", a name
        // of the kind asked for): a partner with one comes first, however many names another shares, since that other
        // is only a passage about the same place ("Clonbrook is a village … of Guyana … from Georgetown" shares Guyana and
        // Georgetown with the CARICOM secretariat's passage, only Guyana with the list of CARICOM members and the dates
        // they joined).
        var answering = passages
            .Select(p => Text.SentenceSplitter.Split(p.Text).Where(question.CanAnswer).SelectMany(Models.Extractive.QuestionProfile.NamesIn).ToHashSet(StringComparer.Ordinal))
            .ToArray();
        var strength = new int[passages.Count, passages.Count];
        for (var a = 0; a < passages.Count; a++)
        {
            for (var b = 0; b < passages.Count; b++)
            {
                if (a == b || (!firstHop[a] && !firstHop[b]))
                {
                    continue;
                }

                var shared = names[a].Where(names[b].Contains).ToArray();
                var answers = (firstHop[a] && shared.Any(answering[b].Contains)) || (firstHop[b] && shared.Any(answering[a].Contains));
                strength[a, b] = (answers ? 1000 : 0) + shared.Length;
            }
        }

        return (a, b) => strength[a, b];
    }

    /// <summary>
    /// The likeliest chain of each passage: its strongest affinity, the best-ranked among equals (none without one).
    /// </summary>
    private static IReadOnlyCollection<(int A, int B)> Chains(Func<int, int, int> affinity, int count)
    {
        var chains = new HashSet<(int A, int B)>();
        for (var a = 0; a < count; a++)
        {
            var (partner, strongest) = (-1, 0);
            for (var b = 0; b < count; b++)
            {
                var strength = b == a ? 0 : affinity(a, b);
                if (strength > strongest)
                {
                    (partner, strongest) = (b, strength);
                }
            }

            if (partner >= 0)
            {
                chains.Add((Math.Min(a, partner), Math.Max(a, partner)));
            }
        }

        return chains;
    }

    /// <summary>
    /// For a multiple-choice question and coverage subsets, the vectors of "‹the question's last sentence› ‹option›" for
    /// each option (what the extractive models weigh an option by), embedded with the retrieval embedder so that they
    /// compare with the passages' vectors; null otherwise, and null when embedding them fails: the pairing is an
    /// improvement a query can do without, not a reason to fail it.
    /// </summary>
    public static Task<IReadOnlyList<float[]>?> OptionStatementsAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder, string question, SubsetSampling sampling, CancellationToken cancellationToken = default) =>
        OptionStatementsAsync(embedder, Models.Extractive.QuestionProfile.Of(question), sampling, cancellationToken);

    private static async Task<IReadOnlyList<float[]>?> OptionStatementsAsync(
        IEmbeddingGenerator<string, Embedding<float>> embedder, Models.Extractive.QuestionProfile profile, SubsetSampling sampling, CancellationToken cancellationToken)
    {
        if (sampling != SubsetSampling.Coverage || !profile.IsMultipleChoice)
        {
            return null;
        }

        try
        {
            return await embedder.EmbedAsync(profile.Options.Select(o => Models.Extractive.OptionSupport.Statement(profile, o)).ToArray(), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>
    /// For a multiple-choice question, whether two passages favour the same option (the option whose statement is closest
    /// to the passage). An option is decided by its two best sentences, as standard mode decides it over all passages;
    /// a subset whose two passages favour one option shows a drafter that option's evidence in full, and the verifier
    /// then weighs the drafts' cases for their options against each other. Null without option vectors.
    /// </summary>
    private static Func<int, int, int>? OptionAffinity(IReadOnlyList<Passage> passages, IReadOnlyList<float[]>? optionStatements)
    {
        if (optionStatements is not { Count: >= 2 } || passages.Any(p => p.Embedding.Length != optionStatements[0].Length))
        {
            return null;
        }

        var favoured = passages
            .Select(p => Enumerable.Range(0, optionStatements.Count).MaxBy(o => TensorPrimitives.Dot(optionStatements[o], p.Embedding)))
            .ToArray();
        return (a, b) => favoured[a] == favoured[b] ? 1 : 0;
    }

    /// <summary>The draft a model's output makes; ρ_Draft is clamped to a log-probability (≤ 0).</summary>
    public static Draft ToDraft(DraftTask task, DraftOutput output, double latencyMs, string silo, string model) => new()
    {
        Index = task.Index,
        Answer = output.Answer,
        Rationale = output.Rationale,
        DocumentIds = task.Passages.Select(p => p.Id).ToArray(),
        DraftScore = Math.Min(0, output.DraftScore),
        RationaleLogProb = output.RationaleLogProb,
        AnswerLogProb = output.AnswerLogProb,
        Parsed = output.Parsed,
        Embeddings = output.Embeddings,
        LatencyMs = latencyMs,
        Silo = silo,
        Model = model,
    };

    /// <summary>The verifier scores the drafts without their passages; each draft's ρ_Draft·ρ_SC·ρ_SR, as log-probabilities.</summary>
    public static async Task<IReadOnlyList<DraftScores>> ScoreAsync(IVerifierModel verifier, string question, IReadOnlyList<Draft> drafts, CancellationToken cancellationToken = default)
    {
        var outputs = drafts.Select(d => new DraftOutput(d.Answer, d.Rationale, d.RationaleLogProb ?? d.DraftScore, d.AnswerLogProb ?? 0) { Parsed = d.Parsed, Embeddings = d.Embeddings }).ToArray();
        var scores = await verifier.ScoreAsync(question, outputs, cancellationToken);
        return drafts.Select((d, i) => DraftSelector.Combine(d.DraftScore, scores[i].SelfConsistency, scores[i].SelfReflection)
            with { DraftRationale = d.RationaleLogProb, DraftAnswer = d.AnswerLogProb }).ToArray();
    }

    /// <summary>The argmax draft as the answer, with every draft and its scores, what failed or missed the deadline, and the timings.</summary>
    public static QueryResult Assemble(
        IReadOnlyList<Passage> passages, DraftRoundResult drafting, VerificationResult verification, SubsetSampling sampling, QueryTimings timings)
    {
        var drafts = drafting.Drafts;
        var selected = drafts[DraftSelector.SelectBest(verification.Scores)];
        return new QueryResult
        {
            Answer = selected.Answer,
            Rationale = selected.Rationale,
            Mode = QueryMode.Speculative,
            Citations = Cite(selected.DocumentIds, passages),
            SelectedDraft = selected.Index,
            Drafts = drafts.Select((d, i) => new ScoredDraft(d.Index, d.Answer, d.Rationale, d.DocumentIds, verification.Scores[i], d.LatencyMs, d.Silo) { Parsed = d.Parsed }).ToArray(),
            FailedDrafts = drafting.Failures,
            MissingDrafts = drafting.Missing,
            Partial = drafting.Missing.Count > 0,
            HedgedDrafts = drafting.Hedged,
            Timings = timings,
            Models = new ModelNames(drafts.Select(d => d.Model).Distinct().Order().Aggregate((a, b) => $"{a}, {b}"), verification.Model),
            VerifierSilo = verification.Silo,
            Scoring = verification.Scoring,
            Sampling = sampling,
        };
    }

    public static IReadOnlyList<Citation> Cite(IReadOnlyList<string> passageIds, IReadOnlyList<Passage> passages) =>
        passageIds.Select(id => passages.First(p => p.Id == id)).Select(Cite).ToArray();

    public static Citation Cite(Passage passage) =>
        new(passage.Id, passage.Title) { DenseRank = passage.DenseRank, LexicalRank = passage.LexicalRank };
}
