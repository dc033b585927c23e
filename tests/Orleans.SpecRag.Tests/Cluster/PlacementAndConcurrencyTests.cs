namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>The query path on a real multi-silo cluster: placement by role and truly parallel drafts.</summary>
public sealed class PlacementAndConcurrencyTests(RoleClusterFixture fixture) : IClassFixture<RoleClusterFixture>
{
    private static readonly InlineDocument[] Documents =
    [
        new("paris", "Paris", "Paris is the capital of France. It lies on the Seine."),
        new("lyon", "Lyon", "Lyon is a French city known for its cuisine. It lies on the Rhone and the Saone."),
        new("berlin", "Berlin", "Berlin is the capital of Germany. It lies on the Spree."),
        new("munich", "Munich", "Munich is the capital of Bavaria. It hosts the Oktoberfest."),
        new("rome", "Rome", "Rome is the capital of Italy. It lies on the Tiber."),
        new("milan", "Milan", "Milan is a city in northern Italy known for fashion and finance."),
    ];

    [Fact]
    public async Task All_drafts_run_at_once_on_drafter_silos_and_verification_on_the_verifier_silo()
    {
        fixture.Drafter.Reset(participants: 5);

        var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "What is the capital of France?",
            Documents = Documents,
            TopK = 6,
            Drafts = 5,
            DocsPerDraft = 2,
            Seed = 3,
        });

        // The barrier only opens when all five drafts are inside the model at the same time.
        Assert.Empty(result.FailedDrafts);
        Assert.Equal(5, result.Drafts.Count);
        Assert.Equal(5, fixture.Drafter.MaxConcurrent);

        var drafters = fixture.SilosWithRole(SiloRoles.Drafter).Select(s => s.ToString()).ToHashSet();
        var verifier = Assert.Single(fixture.SilosWithRole(SiloRoles.Verifier)).ToString();
        Assert.All(result.Drafts, d => Assert.Contains(d.Silo, drafters));
        Assert.Equal(verifier, result.VerifierSilo);

        Assert.Equal(["test/barrier"], result.Models.Drafter!.Split(", "));
        Assert.Equal("extractive/all-MiniLM-L6-v2", result.Models.Verifier);
    }

    [Fact]
    public async Task The_drafts_of_one_query_are_spread_over_all_drafter_silos()
    {
        fixture.Drafter.Reset(participants: 4);
        var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "Where is Lyon?",
            Documents = Documents,
            TopK = 6,
            Drafts = 4,
        });

        var perSilo = result.Drafts.GroupBy(d => d.Silo).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(fixture.SilosWithRole(SiloRoles.Drafter).Select(s => s.ToString()).Order(), perSilo.Keys.Order());
        Assert.All(perSilo.Values, count => Assert.Equal(2, count));
    }

    [Fact]
    public async Task Every_drafter_and_verifier_activation_lives_on_a_silo_with_its_role()
    {
        // Queries land on random silos, the verifier silo included: without the role filter some drafts would run there.
        for (var i = 0; i < 10; i++)
        {
            fixture.Drafter.Reset(participants: 3);
            await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
            {
                Question = $"Which city lies on the Tiber? ({i})",
                Documents = Documents,
                TopK = 6,
                Drafts = 3,
                Seed = i,
            });
        }

        var drafters = fixture.SilosWithRole(SiloRoles.Drafter);
        var verifiers = fixture.SilosWithRole(SiloRoles.Verifier);
        var calls = fixture.CallLog.Calls.ToArray();
        Assert.Contains(calls, c => c.Role == SiloRoles.Drafter);
        Assert.Contains(calls, c => c.Role == SiloRoles.Verifier);
        Assert.All(calls.Where(c => c.Role == SiloRoles.Drafter), c => Assert.Contains(c.Silo, drafters));
        Assert.All(calls.Where(c => c.Role == SiloRoles.Verifier), c => Assert.Contains(c.Silo, verifiers));
    }

    [Fact]
    public async Task Ingested_collection_is_retrieved_clustered_drafted_verified_and_persisted()
    {
        var collection = fixture.Grains.GetGrain<ICollectionGrain>("cities-" + Guid.NewGuid().ToString("N")[..8]);
        var ingest = await collection.UpsertAsync(Documents.Select(d => new IngestDocument(d.Id!, d.Title, d.Text, null)).ToArray());
        Assert.Equal((6, 0, 6), (ingest.Added, ingest.Updated, ingest.Passages));

        fixture.Drafter.Reset(participants: 5);
        var id = Guid.NewGuid().ToString("N");
        var query = fixture.Grains.GetGrain<IQueryGrain>(id);
        var result = await query.RunAsync(new QueryRequest
        {
            Question = "Which river runs through Berlin?",
            Collection = collection.GetPrimaryKeyString(),
            TopK = 6,
            Drafts = 5,
        });

        Assert.Equal(5, result.Drafts.Count);
        Assert.All(result.Drafts, d => Assert.Equal(2, d.DocumentIds.Count));
        Assert.Equal(5, result.Drafts.Select(d => string.Join(',', d.DocumentIds.Order())).Distinct().Count());
        var best = result.Drafts.MaxBy(d => d.Scores.Total)!;
        Assert.Equal(best.Index, result.SelectedDraft);
        Assert.Equal(best.Answer, result.Answer);
        Assert.All(result.Drafts, d =>
        {
            Assert.True(d.Scores.Draft <= 0 && d.Scores.SelfConsistency <= 0 && d.Scores.SelfReflection <= 0);
            Assert.Equal(d.Scores.Draft + d.Scores.SelfConsistency!.Value + d.Scores.SelfReflection, d.Scores.Total, 12);
        });

        var stored = await query.GetResultAsync();
        Assert.NotNull(stored);
        Assert.Equal(result.Answer, stored.Answer);
        Assert.Equal(result.Drafts.Count, stored.Drafts.Count);
    }

    [Fact]
    public async Task A_failed_draft_is_reported_and_the_answer_comes_from_the_others()
    {
        // Two clusters of six documents give 5 to 9 distinct subsets; ask for all of them and fail those using "paris".
        fixture.Drafter.Reset(participants: 1, failWhen: passages => passages.Any(p => p.Id == "paris"));
        var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "What is the capital of Germany?",
            Documents = Documents,
            TopK = 6,
            Drafts = 32,
        });

        Assert.NotEmpty(result.FailedDrafts);
        Assert.All(result.FailedDrafts, f =>
        {
            Assert.Contains("paris", f.DocumentIds);
            Assert.Contains("refuses", f.Error);
        });
        Assert.All(result.Drafts, d => Assert.DoesNotContain("paris", d.DocumentIds));
        var subsets = result.Drafts.Select(d => d.DocumentIds).Concat(result.FailedDrafts.Select(f => f.DocumentIds)).Select(ids => string.Join(',', ids)).ToArray();
        Assert.InRange(subsets.Length, 5, 9);
        Assert.Equal(subsets.Length, subsets.Distinct().Count());
        Assert.Contains(result.SelectedDraft!.Value, result.Drafts.Select(d => d.Index));
    }

    [Fact]
    public async Task When_every_draft_fails_the_query_fails_with_each_reason()
    {
        fixture.Drafter.Reset(participants: 1, failWhen: _ => true);
        var error = await Assert.ThrowsAsync<DraftsFailedException>(() => fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "What is the capital of Germany?",
            Documents = Documents,
            TopK = 6,
            Drafts = 3,
        }));

        Assert.Equal(3, error.Failures.Count);
        Assert.All(error.Failures, f => Assert.Contains("refuses", f.Error));
    }

    [Fact]
    public async Task Standard_mode_answers_on_the_verifier_without_drafts()
    {
        var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "What is the capital of Italy?",
            Documents = Documents,
            Mode = QueryMode.Standard,
        });

        Assert.Empty(result.Drafts);
        Assert.Null(result.SelectedDraft);
        Assert.Null(result.Models.Drafter);
        Assert.Contains("Rome", result.Answer);
        Assert.Contains(result.Citations, c => c.Id == "rome");
        Assert.Equal(fixture.SilosWithRole(SiloRoles.Verifier)[0].ToString(), result.VerifierSilo);
    }
}

/// <summary>Without any drafter silo a speculative query cannot run and says so.</summary>
public sealed class MissingRoleTests(VerifierOnlyClusterFixture fixture) : IClassFixture<VerifierOnlyClusterFixture>
{
    [Fact]
    public async Task A_speculative_query_fails_fast_naming_the_missing_drafter_role()
    {
        var query = fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N"));
        var error = await Assert.ThrowsAsync<RoleUnavailableException>(() => query.RunAsync(new QueryRequest
        {
            Question = "Anything?",
            Documents = [new InlineDocument("a", null, "Some text. More text.")],
        }));
        Assert.Equal(SiloRoles.Drafter, error.Role);
        Assert.Contains("drafter", error.Message);
    }

    [Fact]
    public async Task Standard_mode_still_works_because_it_needs_only_a_verifier()
    {
        var result = await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
        {
            Question = "What colour is the sky?",
            Documents = [new InlineDocument("sky", null, "The sky is blue on a clear day. Grass is green.")],
            Mode = QueryMode.Standard,
        });
        Assert.Contains("sky", result.Answer);
    }
}
