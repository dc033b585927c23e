using System.Text;

namespace Orleans.SpecRag.Models.Prompting;

/// <summary>One token of a model's output or of a scored prompt, with log P(token | everything before it).</summary>
public readonly record struct TokenLogProb(string Text, double LogProbability);

/// <summary>
/// Maps token log-probabilities onto character spans of the text they spell. A token belongs to the span
/// that holds its first non-whitespace character (so " Paris" belongs to the answer that starts at "P");
/// a whitespace-only token belongs to the span holding its first character.
/// </summary>
public static class TokenSpans
{
    /// <summary>The start offset of each token in the concatenation of the token texts.</summary>
    public static int[] Offsets(IReadOnlyList<string> tokenTexts)
    {
        var offsets = new int[tokenTexts.Count];
        var position = 0;
        for (var i = 0; i < tokenTexts.Count; i++)
        {
            offsets[i] = position;
            position += tokenTexts[i].Length;
        }

        return offsets;
    }

    /// <summary>Sums the log-probabilities of the tokens that belong to <paramref name="span"/>.</summary>
    public static double Sum(IReadOnlyList<TokenLogProb> tokens, IReadOnlyList<int> offsets, TextSpan span)
    {
        var sum = 0.0;
        for (var i = 0; i < tokens.Count; i++)
        {
            if (span.Contains(Anchor(tokens[i].Text, offsets[i])))
            {
                sum += tokens[i].LogProbability;
            }
        }

        return sum;
    }

    /// <summary>Decodes the UTF-8 bytes of consecutive tokens, so a character split across two byte tokens is whole.</summary>
    public static IReadOnlyList<string> DecodeUtf8(IEnumerable<ReadOnlyMemory<byte>> tokenBytes)
    {
        var decoder = Encoding.UTF8.GetDecoder();
        var texts = new List<string>();
        foreach (var bytes in tokenBytes)
        {
            var chars = new char[Encoding.UTF8.GetMaxCharCount(bytes.Length)];
            var count = decoder.GetChars(bytes.Span, chars, flush: false);
            texts.Add(new string(chars, 0, count));
        }

        return texts;
    }

    private static int Anchor(string token, int offset)
    {
        for (var i = 0; i < token.Length; i++)
        {
            if (!char.IsWhiteSpace(token[i]))
            {
                return offset + i;
            }
        }

        return offset;
    }
}

/// <summary>Turns a generated text and its token log-probabilities into a draft with ρ_Draft's two parts.</summary>
public static class GeneratedDraft
{
    public static DraftOutput FromTokens(IReadOnlyList<TokenLogProb> tokens)
    {
        var texts = tokens.Select(t => t.Text).ToArray();
        var text = string.Concat(texts);
        var offsets = TokenSpans.Offsets(texts);
        var parsed = DraftParser.Parse(text);
        return new DraftOutput(
            parsed.AnswerOf(text),
            parsed.RationaleOf(text),
            TokenSpans.Sum(tokens, offsets, parsed.Rationale),
            TokenSpans.Sum(tokens, offsets, parsed.Answer))
        {
            Parsed = parsed.Parsed,
            GeneratedTokens = tokens.Count,
        };
    }
}
