using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>The three-silo cluster with a drafter that stalls on purpose; hedging of stragglers on.</summary>
public sealed class StallingClusterFixture : RoleClusterFixture
{
    public StallingDraftModel Stalling { get; } = new();

    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["SpecRag:Query:Hedging:Enabled"] = "true",
        ["SpecRag:Query:Hedging:Quorum"] = "0.5",
        ["SpecRag:Query:Hedging:MinDelayMs"] = "20",
    };

    protected override void ConfigureModels(IServiceCollection services) =>
        services.AddSingleton<IDraftModel>(sp => Stalling.For(sp.GetRequiredService<ILocalSiloDetails>().SiloAddress));

    public override async Task DisposeAsync()
    {
        Stalling.ReleaseAll();
        await base.DisposeAsync();
    }
}

public sealed class DeadlineTests(StallingClusterFixture fixture) : IClassFixture<StallingClusterFixture>
{
    private static readonly InlineDocument[] Documents =
    [
        new("fast-1", null, "The first fast passage."),
        new("fast-2", null, "The second fast passage."),
        new("fast-3", null, "The third fast passage."),
        new("slow", null, "The passage whose draft never finishes."),
    ];

    private Task<QueryResult> AskAsync(int deadlineMs) =>
        fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "Which passage is fast?",
            Documents = Documents,
            TopK = 4,
            Drafts = 4,
            DocsPerDraft = 1,
            DeadlineMs = deadlineMs,
        });

    [Fact]
    public async Task At_the_deadline_the_drafts_that_arrived_are_verified_and_the_answer_is_partial()
    {
        // The slow draft stalls on every silo, so hedging cannot save it: the deadline must.
        fixture.Stalling.StallWhen = (_, passages) => passages.Any(p => p.Id == "slow");

        var result = await AskAsync(deadlineMs: 1500);

        Assert.True(result.Partial, $"drafts {string.Join(';', result.Drafts.Select(d => string.Join(',', d.DocumentIds)))}, failed {string.Join(';', result.FailedDrafts.Select(f => f.Error))}");
        var missing = Assert.Single(result.MissingDrafts);
        Assert.Equal(["slow"], missing.DocumentIds);
        Assert.Contains("deadline", missing.Error);
        Assert.Equal(3, result.Drafts.Count);
        Assert.DoesNotContain(result.Drafts, d => d.DocumentIds.Contains("slow"));
        Assert.NotNull(result.SelectedDraft);

        // The stalled drafts were cancelled rather than left running on the drafters.
        await WaitUntilAsync(() => fixture.Stalling.Cancelled.Contains("slow") && fixture.Stalling.Stalling == 0);
    }

    [Fact]
    public async Task When_no_draft_arrives_before_the_deadline_the_query_fails_with_the_missing_drafts()
    {
        fixture.Stalling.StallWhen = (_, _) => true;

        var error = await Assert.ThrowsAsync<DeadlineExceededException>(() => AskAsync(deadlineMs: 800));

        Assert.Equal(800, error.DeadlineMs);
        Assert.Equal(4, error.Missing.Count);
        // Drafts that had reached the model were cancelled there; none is left running.
        await WaitUntilAsync(() => fixture.Stalling.Stalling == 0);
    }

    [Fact]
    public async Task A_draft_stuck_on_one_drafter_silo_is_hedged_on_the_other_and_the_first_copy_wins()
    {
        var stuck = fixture.SilosWithRole(SiloRoles.Drafter)[0];
        fixture.Stalling.StallWhen = (silo, _) => silo.Equals(stuck);

        var result = await AskAsync(deadlineMs: 20_000);

        Assert.False(result.Partial);
        Assert.Empty(result.MissingDrafts);
        Assert.Equal(4, result.Drafts.Count);
        Assert.NotEmpty(result.HedgedDrafts);
        Assert.All(result.Drafts, d => Assert.NotEqual(stuck.ToString(), d.Silo));
        Assert.All(result.HedgedDrafts, index => Assert.Contains(result.Drafts, d => d.Index == index));

        // The copies that lost on the stuck silo were cancelled, not left holding its slots.
        await WaitUntilAsync(() => fixture.Stalling.Stalling == 0);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 400 && !condition(); i++)
        {
            await Task.Delay(50);
        }

        Assert.True(condition());
    }
}
