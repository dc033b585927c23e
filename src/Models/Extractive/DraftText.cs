using System.Numerics.Tensors;
using System.Text;
using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Models.Extractive;

/// <summary>One piece of a draft's text, weighted by its length in words.</summary>
public readonly record struct TextPiece(string Text, int Words);

/// <summary>
/// The texts the extractive verifier judges, α ⊕ β and β′ (the rationale without the answer's own words), as sentences
/// to embed one by one and pool. A mean-pooled sentence embedder such as all-MiniLM-L6-v2 averages its token vectors, so
/// the length-weighted mean of a text's sentence vectors stands for the text's own vector; the sentences repeat across
/// the drafts of a query and across queries, where the embedding cache already holds them. <see cref="AnswerSentence"/>
/// is the rationale's last sentence that holds α (α itself when none does): a span such as a date is read in it.
/// </summary>
public sealed record DraftText(IReadOnlyList<TextPiece> Joined, IReadOnlyList<TextPiece> Remainder, string AnswerSentence)
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
        var answerInRationale = answer.Length > 0 && Holds(draft.Rationale, answer);
        var answerSentence = draft.Answer;
        if (!answerInRationale && answer.Length > 0)
        {
            joined.Add(Piece(answer));
        }

        foreach (var sentence in sentences)
        {
            joined.Add(Piece(sentence));
            // A sentence without the answer in it stays as it is (and keeps its cached vector).
            var holdsAnswer = answer.Length > 0 && Holds(sentence, answer);
            answerSentence = holdsAnswer ? sentence : answerSentence;
            var rest = !holdsAnswer ? sentence
                : Countries.IsCountry(answer) ? Countries.WithoutMentionsOf(sentence, answer.Trim())
                : RemovePhrase(sentence, answer);
            if (SentenceSplitter.CountWords(rest) > 0)
            {
                remainder.Add(Piece(rest));
            }
        }

        return new DraftText(joined, remainder, answerSentence);
    }

    // A country answer may be read off its people's adjective: "Norway" is in "Henrik Ibsen was a Norwegian playwright".
    private static bool Holds(string text, string answer) =>
        ContainsPhrase(text, answer) || (Countries.IsCountry(answer) && Countries.Names(text, answer.Trim()));

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
    public static bool ContainsPhrase(string text, string phrase) => NextWhole(text, phrase, 0) >= 0;

    /// <summary>The text without the phrase (as whole words), trimmed of the punctuation left at its ends.</summary>
    public static string RemovePhrase(string text, string phrase)
    {
        var rest = new StringBuilder(text.Length);
        var from = 0;
        for (var at = NextWhole(text, phrase, 0); at >= 0; at = NextWhole(text, phrase, from))
        {
            rest.Append(text, from, at - from).Append(' ');
            from = at + phrase.Length;
        }

        return rest.Append(text, from, text.Length - from).ToString().Trim(' ', '.', ',', ';');
    }

    // The next place, from a position on, where the phrase stands as whole words (no letter or digit touches it). Called
    // for every sentence of every draft during verification, so it searches rather than compiling a pattern per phrase.
    private static int NextWhole(string text, string phrase, int from)
    {
        if (phrase.Length == 0)
        {
            return -1;
        }

        for (var at = text.IndexOf(phrase, from, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(phrase, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + phrase.Length;
            if ((at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (end == text.Length || !char.IsLetterOrDigit(text[end])))
            {
                return at;
            }
        }

        return -1;
    }

    private static TextPiece Piece(string text) => new(text, Math.Max(1, SentenceSplitter.CountWords(text)));
}
