namespace Orleans.SpecRag.Models.Extractive;

/// <summary>
/// Maps a cosine similarity of all-MiniLM-L6-v2 embeddings to a probability with a logistic curve:
/// p(s) = σ(<see cref="Slope"/> · (s − <see cref="Midpoint"/>)). Cosine 0.35 is roughly where MiniLM separates
/// related from unrelated text, so it maps to 0.5; a slope of 10 spreads the useful range 0.1..0.7 over
/// probabilities 0.08..0.97. See docs/scoring.md.
/// </summary>
public static class ExtractiveCalibration
{
    public const double Slope = 10.0;
    public const double Midpoint = 0.35;

    /// <summary>
    /// The drafter's midpoint for ρ_Draft = log p(relevance of the answer's sentence). Relevance adds up to
    /// <see cref="SentenceRanker.NameWeight"/> for the question's names to a cosine, and at <see cref="Midpoint"/> every
    /// sentence worth answering with scored p ≈ 1: ρ_Draft could not tell a draft from another, and the rationale-driven
    /// ρ_SC decided alone, so the same answer won or lost with whichever passage its subset was paired with. Measured over
    /// four K-means seeds on the dev sets (speculative / standard, questions right, summed over the seeds): PopQA 137 / 140
    /// at 0.35, 141 / 140 at 0.8; MuSiQue single-hop 166 / 176 and 183 / 176; MuSiQue 25 / 28 and 27 / 28.
    /// </summary>
    public const double DrafterMidpoint = 0.8;

    /// <summary>
    /// The verifier's midpoint. Its relevance adds up to <see cref="ExtractiveVerifierModel.NameWeight"/> for the
    /// question's names to a cosine, so a draft that names everything asked and is as close to the question as a good
    /// sentence (≈ 0.5) sits at 0.8; at 0.35 nearly every draft scored p ≈ 1 and ρ_SC chose nothing (PopQA dev: a
    /// right draft for 58 % of questions against 64 % at 0.8).
    /// </summary>
    public const double VerifierMidpoint = 0.8;

    /// <summary>log p(s), computed stably: log σ(x) = −log(1 + e^(−x)).</summary>
    public static double LogProbability(double cosine, double midpoint = Midpoint)
    {
        var x = Slope * (cosine - midpoint);
        return x >= 0 ? -double.LogP1(Math.Exp(-x)) : x - double.LogP1(Math.Exp(x));
    }
}
