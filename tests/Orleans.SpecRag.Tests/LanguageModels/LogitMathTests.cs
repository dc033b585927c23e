using Orleans.SpecRag.Models.Llama;
using Xunit;

namespace Orleans.SpecRag.Tests.LanguageModels;

/// <summary>The sampling arithmetic of the llama runtime, without a model.</summary>
public sealed class LogitMathTests
{
    [Fact]
    public void LogSoftmaxMatchesTheDefinition()
    {
        float[] logits = [1.5f, -2f, 0.25f, 3f, 0f];
        double normaliser = logits.Sum(l => Math.Exp(l));
        for (int i = 0; i < logits.Length; i++)
        {
            Assert.Equal(Math.Log(Math.Exp(logits[i]) / normaliser), LogitMath.LogSoftmaxAt(logits, i), 12);
        }
    }

    [Fact]
    public void LogSoftmaxIsANormalisedDistribution()
    {
        var random = new Random(7);
        float[] logits = Enumerable.Range(0, 1000).Select(_ => (float)(random.NextDouble() * 40 - 20)).ToArray();

        double total = Enumerable.Range(0, logits.Length).Sum(i => Math.Exp(LogitMath.LogSoftmaxAt(logits, i)));

        Assert.Equal(1, total, 10);
        Assert.All(Enumerable.Range(0, logits.Length), i => Assert.True(LogitMath.LogSoftmaxAt(logits, i) <= 0));
    }

    [Fact]
    public void LogSoftmaxDoesNotOverflowOnLargeLogits()
    {
        // exp(1000) is infinite in double: only the max subtraction keeps this finite.
        float[] logits = [1000f, 1001f, -1000f];

        Assert.Equal(1 - Math.Log(1 + Math.E), LogitMath.LogSoftmaxAt(logits, 1), 12);
        Assert.Equal(-Math.Log(1 + Math.E), LogitMath.LogSoftmaxAt(logits, 0), 12);
        Assert.True(double.IsFinite(LogitMath.LogSoftmaxAt(logits, 2)));
    }

    [Fact]
    public void LogSoftmaxIsShiftInvariant()
    {
        float[] logits = [0.5f, 2f, -1f, 4f];
        float[] shifted = logits.Select(l => l + 64f).ToArray();

        for (int i = 0; i < logits.Length; i++)
        {
            Assert.Equal(LogitMath.LogSoftmaxAt(logits, i), LogitMath.LogSoftmaxAt(shifted, i), 9);
        }
    }

    [Fact]
    public void LogSoftmaxAccumulatesInDoublePrecisionOverALargeVocabulary()
    {
        // Summing 200k exponentials in float drifts by around 1e-4 in the log; the runtime must stay near double's
        // precision, checked against a compensated (Kahan) sum of the same terms.
        var random = new Random(11);
        float[] logits = Enumerable.Range(0, 200_000).Select(_ => (float)(random.NextDouble() * 10 - 5)).ToArray();
        double sum = 0, compensation = 0;
        foreach (float logit in logits)
        {
            double term = Math.Exp(logit) - compensation;
            double next = sum + term;
            compensation = next - sum - term;
            sum = next;
        }

        foreach (int index in new[] { 0, 4242, 199_999 })
        {
            Assert.Equal(logits[index] - Math.Log(sum), LogitMath.LogSoftmaxAt(logits, index), 9);
        }
    }

    [Fact]
    public void LogSoftmaxOfAOneTokenVocabularyIsZero() =>
        Assert.Equal(0, LogitMath.LogSoftmaxAt([-3.5f], 0));

    [Fact]
    public void ArgMaxFindsTheLargestLogit()
    {
        Assert.Equal(3, LogitMath.ArgMax([0.1f, -5f, 2f, 7.5f, 7.25f]));
        Assert.Equal(0, LogitMath.ArgMax([9f, 1f, 2f]));
        Assert.Equal(2, LogitMath.ArgMax([-9f, -8f, -1f]));
        Assert.Equal(0, LogitMath.ArgMax([float.NegativeInfinity]));
    }

    [Fact]
    public void ArgMaxBreaksTiesTowardsTheLowestIndex()
    {
        Assert.Equal(1, LogitMath.ArgMax([0f, 4f, 4f, 4f]));
        Assert.Equal(0, LogitMath.ArgMax([2f, 2f]));
    }
}
