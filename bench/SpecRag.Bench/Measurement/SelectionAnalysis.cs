namespace Orleans.SpecRag.Bench.Measurement;

/// <summary>One draft of an eval query: what it answered, whether that was right, and the verifier's scores.</summary>
public sealed record DraftRecord(int Index, string Answer, string Rationale, bool Correct, double Draft, double? SelfConsistency, double SelfReflection, IReadOnlyList<string> DocumentIds);

/// <summary>
/// What the drafts of one run say about the mechanism of Speculative RAG, computed from the drafts each query returned
/// (so every figure comes from the same drafts the answers came from):
/// <list type="bullet">
/// <item>oracle@m: the share of questions where at least one draft holds the gold answer, the best any selection can do;</item>
/// <item>selection efficiency: accuracy ÷ oracle@m, how often the verifier finds a right draft when there is one;</item>
/// <item>for a multiple-choice question, oracle@m by chance: how often m drafts that each pick a uniformly random option
/// would hold the key, 1 − (1 − 1/options)^m. An oracle@m near it says that some draft being right is often luck, so
/// the efficiency is hard to raise;</item>
/// <item>the paper's ablations, by selecting again from the same scores: random selection (the expected accuracy of a
/// uniformly chosen draft), and the argmax without ρ_SC, without ρ_SR or without ρ_Draft.</item>
/// </list>
/// </summary>
public static class SelectionAnalysis
{
    public const string Random = "with random selection";
    public const string WithoutSelfConsistency = "without ρ_SC";
    public const string WithoutSelfReflection = "without ρ_SR";
    public const string WithoutDraft = "without ρ_Draft";

    public static IReadOnlyList<string> Ablations { get; } = [Random, WithoutSelfConsistency, WithoutSelfReflection, WithoutDraft];

    public static bool Oracle(IReadOnlyList<DraftRecord> drafts) => drafts.Any(d => d.Correct);

    /// <summary>The chance that <paramref name="drafts"/> uniformly random picks among <paramref name="options"/> options include the key.</summary>
    public static double ChanceOracle(int options, int drafts) =>
        options <= 0 || drafts <= 0 ? 0 : 1 - Math.Pow(1 - (1.0 / options), drafts);

    /// <summary>The accuracy (0..1) one question contributes under an ablation.</summary>
    public static double Ablated(IReadOnlyList<DraftRecord> drafts, string ablation)
    {
        if (drafts.Count == 0)
        {
            return 0;
        }

        Func<DraftRecord, double> total = ablation switch
        {
            Random => _ => 0,
            WithoutSelfConsistency => d => d.Draft + d.SelfReflection,
            WithoutSelfReflection => d => d.Draft + (d.SelfConsistency ?? 0),
            WithoutDraft => d => (d.SelfConsistency ?? 0) + d.SelfReflection,
            _ => throw new ArgumentOutOfRangeException(nameof(ablation), ablation, "Unknown ablation."),
        };

        if (ablation == Random)
        {
            return drafts.Count(d => d.Correct) / (double)drafts.Count;
        }

        // Ties go to the earlier draft, as in DraftSelector.
        var best = drafts[0];
        foreach (var draft in drafts.Skip(1))
        {
            if (total(draft) > total(best))
            {
                best = draft;
            }
        }

        return best.Correct ? 1 : 0;
    }
}
