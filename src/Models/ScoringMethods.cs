namespace Orleans.SpecRag.Models;

/// <summary>
/// How a verifier computed its scores, as reported in every result's <c>scoring</c> field. One list for every
/// backend, so a user comparing runs reads the same name for the same method.
/// </summary>
public static class ScoringMethods
{
    /// <summary>Exact: one teacher-forced pass over [Q, α, β, R, "Yes"] gives ρ_SC and ρ_SR from token log-probabilities.</summary>
    public const string TeacherForced = "teacher-forced";

    /// <summary>ρ_SR from the top log-probabilities of a one-token Yes/No answer; ρ_SC is not available (null).</summary>
    public const string ChatLogProbs = "chat-logprobs";

    /// <summary>The extractive verifier's embedding-based estimates (docs/scoring.md).</summary>
    public const string Extractive = "extractive";
}
