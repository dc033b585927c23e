using Orleans.SpecRag.Models.Extractive;
using Orleans.SpecRag.Verification;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class DraftSelectorTests
{
    [Fact]
    public void Total_is_the_sum_of_the_three_log_probabilities()
    {
        var scores = DraftSelector.Combine(Math.Log(0.5), Math.Log(0.25), Math.Log(0.8));
        Assert.Equal(Math.Log(0.5 * 0.25 * 0.8), scores.Total, 12);
    }

    [Fact]
    public void Selection_is_argmax_of_the_product_not_of_any_single_score()
    {
        // Draft 0 has the best drafting score, draft 2 the best self-reflection, but draft 1 the best product.
        DraftScores[] scores =
        [
            DraftSelector.Combine(Math.Log(0.9), Math.Log(0.1), Math.Log(0.5)),
            DraftSelector.Combine(Math.Log(0.6), Math.Log(0.6), Math.Log(0.6)),
            DraftSelector.Combine(Math.Log(0.2), Math.Log(0.5), Math.Log(0.99)),
        ];
        Assert.Equal(1, DraftSelector.SelectBest(scores));
    }

    [Fact]
    public void Ties_go_to_the_earliest_draft()
    {
        var same = DraftSelector.Combine(-1, -1, -1);
        Assert.Equal(0, DraftSelector.SelectBest([same, same, same]));
    }

    [Theory]
    [InlineData(0.5, -1, -1)]
    [InlineData(-1, double.NaN, -1)]
    [InlineData(-1, -1, 2)]
    public void A_score_that_is_not_a_log_probability_is_rejected(double draft, double sc, double sr)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DraftSelector.Combine(draft, sc, sr));
    }

    [Fact]
    public void Selecting_from_no_drafts_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => DraftSelector.SelectBest([]));
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(0.0)]
    [InlineData(0.35)]
    [InlineData(0.7)]
    [InlineData(1.0)]
    public void Calibrated_log_probability_matches_the_logistic_definition_and_is_never_positive(double cosine)
    {
        var expected = Math.Log(1 / (1 + Math.Exp(-ExtractiveCalibration.Slope * (cosine - ExtractiveCalibration.Midpoint))));
        var actual = ExtractiveCalibration.LogProbability(cosine);
        Assert.Equal(expected, actual, 10);
        Assert.True(actual <= 0);
    }
}
