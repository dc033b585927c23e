using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>The gateway with a drafter that stalls on every draft about the word "stall" until it is cancelled.</summary>
public sealed class StallingGatewayFactory : GatewayFactory, IAsyncLifetime
{
    public StallingDraftModel Stalling { get; } = new() { StallWhen = (_, passages) => passages.Any(p => p.Text.Contains("stall", StringComparison.Ordinal)) };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IDraftModel>(sp => Stalling.For(sp.GetRequiredService<ILocalSiloDetails>().SiloAddress));

    public new async Task DisposeAsync()
    {
        Stalling.ReleaseAll();
        await base.DisposeAsync();
    }
}

/// <summary>A client that goes away cancels its query's drafts on the drafters, whether it waited for JSON or read the event stream.</summary>
public sealed class DisconnectTests(StallingGatewayFactory gateway) : IClassFixture<StallingGatewayFactory>
{
    private static object Body(bool stream) => new
    {
        question = "Which passage stalls?",
        documents = new[] { new { id = "s1", text = "This passage makes the draft stall." }, new { id = "s2", text = "So does this one: stall." } },
        drafts = 1,
        docsPerDraft = 2,
        deadlineMs = 120_000,
        stream,
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_goes_away_cancels_the_drafts_and_the_query_is_not_stored(bool stream)
    {
        var cancelledBefore = gateway.Stalling.Cancelled.Count;
        var storedBefore = StoredQueryRecords().Length;
        using var abort = new CancellationTokenSource();
        var request = stream
            ? gateway.Client.PostAsJsonAsync("/v1/query", Body(stream: true), abort.Token)
                .ContinueWith(async t => await (await t).Content.ReadAsStringAsync(abort.Token), abort.Token).Unwrap()
            : gateway.Client.PostAsJsonAsync("/v1/query", Body(stream: false), abort.Token).ContinueWith(t => t.Result.ToString(), abort.Token);

        await Until(() => gateway.Stalling.Stalling > 0, "the draft to start");
        await abort.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        // The stalled draft is cancelled on its drafter (it would otherwise wait the whole 120 s deadline).
        await Until(() => gateway.Stalling.Cancelled.Count > cancelledBefore && gateway.Stalling.Stalling == 0, "the draft to be cancelled");

        // Nobody is left to read the answer, so the query is not stored (a stored record would be written right after
        // its drafts ended, as for any finished query).
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(storedBefore, StoredQueryRecords().Length);
    }

    [Fact]
    public async Task A_query_whose_client_waits_is_stored_where_the_disconnect_test_looks()
    {
        var storedBefore = StoredQueryRecords().Length;
        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new
        {
            question = "Which passage is calm?",
            documents = new[] { new { id = "c1", text = "This passage is calm." }, new { id = "c2", text = "So is this one." } },
            drafts = 1,
            docsPerDraft = 2,
        });
        response.EnsureSuccessStatusCode();
        Assert.Equal(storedBefore + 1, StoredQueryRecords().Length);
    }

    /// <summary>The query records the gateway's local grain storage holds (SpecRag:Storage=local, the default).</summary>
    private string[] StoredQueryRecords()
    {
        var grains = Path.Combine(gateway.DataPath, "records", "grains");
        return Directory.Exists(grains)
            ? Directory.EnumerateFiles(grains, "*", SearchOption.AllDirectories).Where(f => f.Contains($"{Path.DirectorySeparatorChar}query{Path.DirectorySeparatorChar}", StringComparison.Ordinal) && f.EndsWith(".json", StringComparison.Ordinal)).ToArray()
            : [];
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50);
        }
    }
}
