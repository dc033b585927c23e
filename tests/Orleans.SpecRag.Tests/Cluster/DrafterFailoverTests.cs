using System.Diagnostics;

namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>A cluster that loses a drafter silo during the tests (so it is not shared with others).</summary>
public sealed class FailoverClusterFixture : RoleClusterFixture
{
}

public sealed class DrafterFailoverTests(FailoverClusterFixture fixture) : IClassFixture<FailoverClusterFixture>
{
    [Fact]
    public async Task When_a_drafter_silo_dies_its_drafts_are_sent_to_the_surviving_drafter_and_every_query_answers()
    {
        var documents = Enumerable.Range(0, 6).Select(i => new InlineDocument($"d{i}", null, $"Passage {i} about the Rhine and the Danube.")).ToArray();
        var drafters = fixture.SilosWithRole(SiloRoles.Drafter);
        var victim = fixture.Cluster.Silos.Single(s => s.SiloAddress.Equals(drafters[0]));
        var survivor = drafters[1].ToString();

        fixture.Drafter.Reset(participants: 1);
        await fixture.Cluster.KillSiloAsync(victim);

        // Membership still lists the dead silo for a while; no query may fail or lose a draft meanwhile.
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < 6; i++)
        {
            var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
            {
                Question = $"Which rivers are named? ({i})",
                Documents = documents,
                TopK = 6,
                Drafts = 4,
                Seed = i,
            });

            Assert.Empty(result.FailedDrafts);
            Assert.Equal(4, result.Drafts.Count);
            Assert.All(result.Drafts, d => Assert.Equal(survivor, d.Silo));
        }

        Assert.True(Stopwatch.GetElapsedTime(started) < QueryGrainDeadline(), "the retries must fit in the draft deadline");
    }

    private static TimeSpan QueryGrainDeadline() => TimeSpan.FromMilliseconds(new Querying.QueryOptions().DefaultDeadlineMs);
}
