namespace Orleans.SpecRag.Text;

/// <summary>
/// Splits a document into passages of about <see cref="TargetWords"/> words on sentence boundaries, the
/// passage size the paper's retriever works with. A sentence longer than <see cref="MaxWords"/> is cut.
/// </summary>
public static class TextChunker
{
    public const int TargetWords = 100;
    public const int MaxWords = 150;

    public static IReadOnlyList<string> Chunk(string text, int targetWords = TargetWords, int maxWords = MaxWords)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(targetWords, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWords, targetWords);

        var passages = new List<string>();
        var current = new List<string>();
        var currentWords = 0;

        void Flush()
        {
            if (current.Count > 0)
            {
                passages.Add(string.Join(' ', current));
                current.Clear();
                currentWords = 0;
            }
        }

        foreach (var sentence in SentenceSplitter.Split(text))
        {
            foreach (var piece in CutLongSentence(sentence, maxWords))
            {
                var words = SentenceSplitter.CountWords(piece);
                if (currentWords > 0 && currentWords + words > targetWords)
                {
                    Flush();
                }

                current.Add(piece);
                currentWords += words;
            }
        }

        Flush();
        return passages;
    }

    private static IEnumerable<string> CutLongSentence(string sentence, int maxWords)
    {
        var words = sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length <= maxWords)
        {
            yield return sentence;
            yield break;
        }

        for (var start = 0; start < words.Length; start += maxWords)
        {
            yield return string.Join(' ', words.Skip(start).Take(maxWords));
        }
    }
}
