namespace Orleans.SpecRag.Verification;

/// <summary>Combines the three scores of each draft and picks the answer, as in the paper: argmax ρ_Draft·ρ_SC·ρ_SR.</summary>
public static class DraftSelector
{
    /// <summary>
    /// Scores are natural logs, so the product of probabilities is the sum of logs. Non-positive by
    /// construction; a positive or NaN input is a bug in a model adapter and is rejected.
    /// </summary>
    public static DraftScores Combine(double draft, double? selfConsistency, double selfReflection)
    {
        foreach (var (name, value) in new[] { ("draft", draft), ("selfConsistency", selfConsistency ?? 0), ("selfReflection", selfReflection) })
        {
            if (double.IsNaN(value) || value > 1e-9)
            {
                throw new ArgumentOutOfRangeException(name, value, "A log-probability must be a number ≤ 0.");
            }
        }

        // Rounding in a model's log-softmax can leave a log-probability a hair above zero.
        return new DraftScores(Math.Min(draft, 0), selfConsistency is { } sc ? Math.Min(sc, 0) : null, Math.Min(selfReflection, 0));
    }

    /// <summary>The position of the highest total; ties go to the earlier draft so selection is deterministic.</summary>
    public static int SelectBest(IReadOnlyList<DraftScores> scores)
    {
        if (scores.Count == 0)
        {
            throw new ArgumentException("There are no drafts to select from.", nameof(scores));
        }

        var best = 0;
        for (var i = 1; i < scores.Count; i++)
        {
            if (scores[i].Total > scores[best].Total)
            {
                best = i;
            }
        }

        return best;
    }
}
