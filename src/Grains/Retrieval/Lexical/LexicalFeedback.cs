using System.ComponentModel.DataAnnotations;

namespace Orleans.SpecRag.Retrieval.Lexical;

/// <summary>Pseudo-relevance feedback for the lexical side of hybrid retrieval (configuration <c>SpecRag:Retrieval:Feedback</c>).</summary>
public sealed class FeedbackOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>Top passages of the first fused ranking whose words expand the lexical query.</summary>
    [Range(1, 100, ErrorMessage = "SpecRag:Retrieval:Feedback:Passages must be between {1} and {2}.")]
    public int Passages { get; set; } = 1;

    /// <summary>Expansion terms added.</summary>
    [Range(1, 1_000, ErrorMessage = "SpecRag:Retrieval:Feedback:Terms must be between {1} and {2}.")]
    public int Terms { get; set; } = 20;

    /// <summary>Boost of the strongest expansion term (the question's own terms have 1).</summary>
    [Range(0.0, 100.0, ErrorMessage = "SpecRag:Retrieval:Feedback:Weight must be between {1} and {2}.")]
    public float Weight { get; set; } = 1f;
}

/// <summary>
/// RM3-style query expansion (Lavrenko and Croft's relevance model, as Anserini applies it to BM25): the words that
/// weigh most in the best first-round passages, by their share of each passage times their inverse document
/// frequency, join the question's words at a lower boost. A multi-hop question names its first hop; the passage
/// about it names the bridge (a person, a company) that the second hop's passage is about, and that word is what
/// the expanded query adds. The question's own words are never re-weighted.
/// </summary>
public static class LexicalFeedback
{
    /// <summary>Each analysed term of the feedback passages that is not in the question, with its summed within-passage share.</summary>
    public static IReadOnlyDictionary<string, double> Candidates(string question, IEnumerable<string> feedbackTexts)
    {
        var asked = LexicalIndex.Analyze(question).ToHashSet(StringComparer.Ordinal);
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var text in feedbackTexts)
        {
            var terms = LexicalIndex.Analyze(text);
            foreach (var term in terms)
            {
                if (!asked.Contains(term))
                {
                    weights[term] = weights.GetValueOrDefault(term) + (1.0 / terms.Count);
                }
            }
        }

        return weights;
    }

    /// <summary>
    /// The <paramref name="count"/> candidates with the highest share × idf, boosted relative to the strongest
    /// (which gets <paramref name="weight"/>). <paramref name="documentFrequencies"/> are in the order of
    /// <paramref name="terms"/>, over <paramref name="passages"/> passages.
    /// </summary>
    public static IReadOnlyList<WeightedTerm> Select(IReadOnlyList<string> terms, IReadOnlyDictionary<string, double> candidates,
        long passages, IReadOnlyList<long> documentFrequencies, int count, float weight)
    {
        var scored = terms
            .Select((term, i) => (Term: term, Score: candidates[term] * Math.Log(1 + (passages / (1.0 + documentFrequencies[i])))))
            .Where(t => t.Score > 0)
            .OrderByDescending(t => t.Score)
            .ThenBy(t => t.Term, StringComparer.Ordinal)
            .Take(Math.Max(0, count))
            .ToArray();
        if (scored.Length == 0)
        {
            return [];
        }

        var strongest = scored[0].Score;
        return scored.Select(t => new WeightedTerm(t.Term, (float)(weight * t.Score / strongest))).ToArray();
    }
}
