using System.Numerics.Tensors;
using System.Text.RegularExpressions;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>One piece of a draft's text, weighted by its length in words.</summary>
public readonly record struct TextPiece(string Text, int Words);

/// <summary>
/// The texts the extractive verifier judges, α ⊕ β and β′ (the rationale without the answer's own words), as sentences
/// to embed one by one and pool. A mean-pooled sentence embedder such as all-MiniLM-L6-v2 averages its token vectors, so
/// the length-weighted mean of a text's sentence vectors stands for the text's own vector; the sentences repeat across
/// the drafts of a query and across queries, where the embedding cache already holds them.
/// </summary>
public sealed record DraftText(IReadOnlyList<TextPiece> Joined, IReadOnlyList<TextPiece> Remainder)
{
    /// <summary>α ⊕ β as one text: what the verifier reads names from (<see cref="Joined"/> is what it pools vectors from).</summary>
    public string JoinedText => string.Join(' ', Joined.Select(p => p.Text));

    /// <summary>β′ as one text: what the verifier reads names from (<see cref="Remainder"/> is what it pools vectors from).</summary>
    public string RemainderText => string.Join(' ', Remainder.Select(p => p.Text));

    public static DraftText Of(DraftOutput draft)
    {
        var sentences = SentenceSplitter.Split(draft.Rationale);
        var answer = draft.Answer.Trim();
        var joined = new List<TextPiece>();
        var remainder = new List<TextPiece>();
        var answerInRationale = answer.Length > 0 && ContainsPhrase(draft.Rationale, answer);
        if (!answerInRationale && answer.Length > 0)
        {
            joined.Add(Piece(answer));
        }

        foreach (var sentence in sentences)
        {
            joined.Add(Piece(sentence));
            // A sentence without the answer in it stays as it is (and keeps its cached vector).
            var rest = answer.Length == 0 || !ContainsPhrase(sentence, answer) ? sentence : RemovePhrase(sentence, answer);
            if (SentenceSplitter.CountWords(rest) > 0)
            {
                remainder.Add(Piece(rest));
            }
        }

        return new DraftText(joined, remainder);
    }

    /// <summary>The length-weighted mean of the pieces' vectors (the cosine with it is taken, so its norm does not matter).</summary>
    public static float[] Pool(IReadOnlyList<TextPiece> pieces, IReadOnlyDictionary<string, float[]> vectorOf)
    {
        var pooled = new float[vectorOf[pieces[0].Text].Length];
        foreach (var piece in pieces)
        {
            TensorPrimitives.MultiplyAdd(vectorOf[piece.Text], piece.Words, pooled, pooled);
        }

        return pooled;
    }

    /// <summary>Whether a text holds a phrase as whole words: the answer "12" is not in "2012".</summary>
    public static bool ContainsPhrase(string text, string phrase) => Bounded(phrase).IsMatch(text);

    /// <summary>The text without the phrase (as whole words), trimmed of the punctuation left at its ends.</summary>
    public static string RemovePhrase(string text, string phrase) => Bounded(phrase).Replace(text, " ").Trim(' ', '.', ',', ';');

    private static Regex Bounded(string phrase) =>
        new($@"(?<![\p{{L}}\p{{N}}]){Regex.Escape(phrase)}(?![\p{{L}}\p{{N}}])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private static TextPiece Piece(string text) => new(text, Math.Max(1, SentenceSplitter.CountWords(text)));
}
