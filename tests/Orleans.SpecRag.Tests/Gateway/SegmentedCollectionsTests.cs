using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>Collections on the embedded default's segment store, through the REST API: retrieval modes, streaming NDJSON, compaction.</summary>
public sealed class SegmentedCollectionsTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private static string NewCollection() => "s-" + Guid.NewGuid().ToString("N")[..10];

    private static readonly object[] Facts =
    [
        new { id = "zq-17", title = "Part numbers", text = "The replacement gasket for the pump is part ZQ-17X, sold in packs of four." },
        new { id = "lakes", title = "Lakes", text = "Lake Baikal in Siberia is the deepest lake in the world and holds a fifth of its fresh water." },
        new { id = "bees", title = "Bees", text = "Honey bees pollinate flowers and make honey from nectar in their hives." },
        new { id = "owls", title = "Owls", text = "Owls are nocturnal birds of prey that hunt mice at night with silent flight." },
    ];

    [Theory]
    [InlineData("lexical")]
    [InlineData("dense")]
    [InlineData("hybrid")]
    public async Task Each_retrieval_mode_is_used_as_asked_and_citations_carry_its_ranks(string retrieval)
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Facts });

        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which part is the ZQ-17X gasket?", collection = name, topK = 1, docsPerDraft = 1, drafts = 1, retrieval });

        Assert.Equal(Enum.Parse<RetrievalMode>(retrieval, ignoreCase: true), result.Retrieval);
        var citation = Assert.Single(result.Citations);
        Assert.Equal("zq-17#1", citation.Id);
        Assert.Equal(retrieval == "dense" ? null : 1, citation.LexicalRank);
        Assert.Equal(retrieval == "lexical" ? null : 1, citation.DenseRank);
    }

    [Fact]
    public async Task The_default_retrieval_is_hybrid_and_is_reported()
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Facts });
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "How deep is Lake Baikal?", collection = name, topK = 1, docsPerDraft = 1 });
        Assert.Equal(RetrievalMode.Hybrid, result.Retrieval);
        var citation = Assert.Single(result.Citations);
        Assert.Equal(("lakes#1", 1, 1), (citation.Id, citation.DenseRank, citation.LexicalRank));
    }

    [Fact]
    public async Task A_lexical_query_that_shares_no_word_with_any_passage_is_a_422_that_says_so()
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Facts });
        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Xylophones?", collection = name, retrieval = "lexical" });
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("lexical", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task An_unknown_retrieval_mode_is_a_400_naming_the_field()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "q", retrieval = "fuzzy" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("'fuzzy'", problem.RootElement.GetProperty("errors").GetProperty("retrieval")[0].GetString());
    }

    [Fact]
    public async Task A_large_ndjson_upload_streams_through_in_batches_and_a_bad_line_ingests_nothing()
    {
        var name = NewCollection();
        var lines = Enumerable.Range(0, 2500).Select(i => JsonSerializer.Serialize(new { id = $"n{i}", text = $"Record {i} is about topic {i % 17}." })).ToList();
        var bad = new List<string>(lines) { [1800] = """{"id":"n1800"}""" };
        var rejected = await gateway.Client.PostAsync($"/v1/collections/{name}/documents", new StringContent(string.Join('\n', bad), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains("line 1801", await rejected.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync($"/v1/collections/{name}")).StatusCode);

        var accepted = await gateway.Client.PostAsync($"/v1/collections/{name}/documents", new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var result = await accepted.Content.ReadFromJsonAsync<IngestResult>(GatewayJson.Options);
        Assert.Equal((2500, 2500), (result!.Added, result.Passages));
        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>($"/v1/collections/{name}");
        Assert.Equal((2500, 2500), (info!.Documents, info.Passages));
    }

    [Fact]
    public async Task Queries_keep_answering_while_documents_are_ingested_replaced_deleted_and_compacted()
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Facts });
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var answered = 0;
        var slowest = TimeSpan.Zero;
        var clients = Enumerable.Range(0, 2).Select(c => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Which lake is the deepest?", collection = name, topK = 4, mode = c == 0 ? "standard" : "speculative", drafts = 2, deadlineMs = 10_000 });
                var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
                lock (failures) { slowest = elapsed > slowest ? elapsed : slowest; }
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    lock (failures) { failures.Add($"{(int)response.StatusCode}: {body}"); }
                    continue;
                }

                // Standard mode answers from the best sentence of all retrieved passages: the lake's, whatever else is added.
                // (The speculative client's drafts sample subsets of the passages, so it is only checked for drafts.)
                var result = (await response.Content.ReadFromJsonAsync<QueryResult>(GatewayJson.Options))!;
                var found = result.Mode == QueryMode.Standard ? result.Citations.Any(citation => citation.Id == "lakes#1") : result.Drafts.Count == 2;
                if (!found)
                {
                    lock (failures) { failures.Add($"{result.Mode}: citations {string.Join(", ", result.Citations.Select(c => c.Id))}, {result.Drafts.Count} drafts"); }
                }

                Interlocked.Increment(ref answered);
            }
        })).ToArray();

        for (var round = 0; round < 8; round++)
        {
            var batch = Enumerable.Range(round * 10, 10).Select(i => new { id = $"r{i}", title = (string?)null, text = $"Filler record {i} mentions rivers and hills." }).ToArray();
            await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = batch });
            await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = new[] { new { id = $"r{round}", title = (string?)null, text = $"Rewritten record {round}." } } });
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.Client.DeleteAsync($"/v1/collections/{name}/documents/r{(round * 10) + 9}")).StatusCode);
            if (round % 2 == 1)
            {
                var compact = await gateway.Client.PostAsync($"/v1/collections/{name}/compact", null);
                Assert.Equal(HttpStatusCode.OK, compact.StatusCode);
            }
        }

        stop.Cancel();
        await Task.WhenAll(clients);
        Assert.Empty(failures);
        Assert.True(answered >= 4, $"only {answered} queries answered");
        Assert.True(slowest <= TimeSpan.FromSeconds(15), $"the slowest query took {slowest.TotalSeconds:F1} s, past its 10 s deadline + 5 s");

        // 4 facts + 80 records − 8 deleted, each passage counted once, after the background and explicit compactions.
        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>($"/v1/collections/{name}");
        Assert.Equal((76, 76), (info!.Documents, info.Passages));
    }
}

/// <summary>The embedded default keeps its collections and query records in its data directory: a restarted gateway still has them.</summary>
public sealed class GatewayRestartTests
{
    [Fact]
    public async Task A_restarted_embedded_gateway_still_has_its_collections_and_query_records()
    {
        var dataPath = Path.Combine(Path.GetTempPath(), "specrag-tests", "restart-" + Guid.NewGuid().ToString("N"));
        QueryResult asked;
        var documents = new object[]
        {
            new { id = "baikal", title = "Lakes", text = "Lake Baikal in Siberia is the deepest lake in the world." },
            new { id = "bees", title = "Bees", text = "Honey bees make honey from nectar in their hives." },
        };

        await using (var first = new GatewayFactory { DataPath = dataPath, KeepData = true })
        {
            await first.InitializeAsync();
            await first.PostJsonAsync<IngestResult>("/v1/collections/mine/documents", new { documents });
            asked = await first.PostJsonAsync<QueryResult>("/v1/query", new { question = "What do bees make?", collection = "mine", topK = 1, docsPerDraft = 1 });
            Assert.Equal(HttpStatusCode.NoContent, (await first.Client.DeleteAsync("/v1/collections/mine/documents/bees")).StatusCode);
        }

        var second = new GatewayFactory { DataPath = dataPath };
        await second.InitializeAsync();
        var info = await second.Client.GetFromJsonAsync<CollectionInfo>("/v1/collections/mine");
        Assert.Equal((1, 1), (info!.Documents, info.Passages));
        var result = await second.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which lake is the deepest?", collection = "mine", topK = 1, docsPerDraft = 1 });
        Assert.Equal("baikal#1", Assert.Single(result.Citations).Id);

        var stored = await second.Client.GetFromJsonAsync<QueryResult>($"/v1/queries/{asked.Id}", GatewayJson.Options);
        Assert.Equal((asked.Answer, asked.Citations.Single().Id), (stored!.Answer, stored.Citations.Single().Id));
        await second.DisposeAsync();
    }
}
