namespace Orleans.SpecRag.Models.Llama;

/// <summary>Greedy sampling arithmetic over one row of logits.</summary>
internal static class LogitMath
{
    /// <summary>
    /// log softmax(logits)[index] in double precision with max subtraction: float accumulation over a 100k+
    /// vocabulary loses enough precision to matter when comparing scores of long sequences.
    /// </summary>
    public static double LogSoftmaxAt(ReadOnlySpan<float> logits, int index)
    {
        float max = float.NegativeInfinity;
        foreach (float value in logits)
        {
            if (value > max)
            {
                max = value;
            }
        }

        double sum = 0;
        foreach (float value in logits)
        {
            sum += Math.Exp((double)value - max);
        }

        return (double)logits[index] - max - Math.Log(sum);
    }

    /// <summary>Index of the largest logit; on a tie the lowest index wins, so greedy decoding is deterministic.</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }
}
