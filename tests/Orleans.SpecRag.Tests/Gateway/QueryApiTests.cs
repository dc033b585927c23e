using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orleans.SpecRag.Gateway.DemoCorpus;

namespace Orleans.SpecRag.Tests.Gateway;

public sealed class QueryApiTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    [Fact]
    public async Task The_embedded_default_answers_from_its_own_docs_with_scored_drafts()
    {
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "How are drafts scored?" });

        Assert.Equal(QueryMode.Speculative, result.Mode);
        Assert.Equal(5, result.Drafts.Count);
        Assert.Empty(result.FailedDrafts);
        Assert.Equal("extractive/all-MiniLM-L6-v2", result.Models.Drafter);
        Assert.Equal("extractive/all-MiniLM-L6-v2", result.Models.Verifier);
        Assert.Matches("^[0-9a-f]{32}$", result.TraceId!);
        Assert.Equal(SubsetSampling.Coverage, result.Sampling);

        // Extractive means the answer is a sentence of the indexed docs, cited from the selected draft's passages.
        var corpus = DemoCorpusSeeder.LoadMarkdown(Path.Combine(AppContext.BaseDirectory, "docs"));
        Assert.NotEmpty(corpus);
        // Passages join a document's lines with spaces, so compare with all whitespace runs as one space.
        static string Words(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        var corpusText = Words(string.Join('\n', corpus.Select(d => d.Text.Replace("**", "").Replace("`", "").Replace("#", ""))));
        Assert.Contains(Words(result.Answer.TrimEnd('.')), corpusText);
        var selected = result.Drafts.Single(d => d.Index == result.SelectedDraft);
        Assert.Equal(selected.DocumentIds, result.Citations.Select(c => c.Id));
        Assert.All(result.Citations, c => Assert.Contains(corpus, d => c.Id.StartsWith(d.Id + "#", StringComparison.Ordinal)));
        Assert.Contains(result.Drafts.SelectMany(d => d.DocumentIds), id => id.StartsWith("scoring#", StringComparison.Ordinal));

        Assert.Equal(result.Drafts.Max(d => d.Scores.Total), selected.Scores.Total);
        Assert.All(result.Drafts, d => Assert.Equal(d.Scores.Draft + d.Scores.SelfConsistency!.Value + d.Scores.SelfReflection, d.Scores.Total, 9));
        Assert.True(result.Timings.TotalMs >= result.Timings.DraftingMs);
    }

    [Fact]
    public async Task A_stored_query_can_be_fetched_by_id()
    {
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "What does the verifier see?", drafts = 3, seed = 7 });

        var fetched = await gateway.Client.GetFromJsonAsync<QueryResult>($"/v1/queries/{result.Id}", GatewayJson.Options);

        Assert.NotNull(fetched);
        Assert.Equal(result.Id, fetched.Id);
        Assert.Equal(result.Answer, fetched.Answer);
        Assert.Equal(result.Drafts.Select(d => d.Scores.Total), fetched.Drafts.Select(d => d.Scores.Total));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-query-id")]
    public async Task An_unknown_query_id_is_404(string id)
    {
        var response = await gateway.Client.GetAsync($"/v1/queries/{id}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_drafts()
    {
        var body = new { question = "Where do drafter grains run?", seed = 11 };
        var a = await gateway.PostJsonAsync<QueryResult>("/v1/query", body);
        var b = await gateway.PostJsonAsync<QueryResult>("/v1/query", body);
        Assert.NotEqual(a.Id, b.Id);
        Assert.Equal(a.Drafts.Select(d => string.Join(',', d.DocumentIds)), b.Drafts.Select(d => string.Join(',', d.DocumentIds)));
        Assert.Equal(a.Answer, b.Answer);
    }

    [Fact]
    public async Task Standard_mode_answers_without_drafts()
    {
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "How are drafts scored?", mode = "standard" });
        Assert.Equal(QueryMode.Standard, result.Mode);
        Assert.Empty(result.Drafts);
        Assert.Null(result.Models.Drafter);
        Assert.NotEmpty(result.Citations);
    }

    [Fact]
    public async Task Documents_in_the_request_are_the_retrieved_set()
    {
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new
        {
            question = "Who wrote Hamlet?",
            documents = new object[]
            {
                new { id = "hamlet", title = "Hamlet", text = "Hamlet is a tragedy written by William Shakespeare around 1600." },
                new { id = "faust", title = "Faust", text = "Faust is a tragic play by Johann Wolfgang von Goethe." },
                new { id = "tea", text = "Green tea is made from unoxidised leaves." },
                new { title = "no id", text = "The Globe Theatre was built in 1599 by Shakespeare's playing company." },
            },
        });

        var ids = result.Drafts.SelectMany(d => d.DocumentIds).ToHashSet();
        Assert.Subset(new HashSet<string> { "hamlet", "faust", "tea", "doc-4" }, ids);
        Assert.Contains("Shakespeare", result.Answer);
        Assert.Null(result.Collection);
    }

    [Fact]
    public async Task Real_retriever_output_with_title_only_and_empty_passages_is_answered_and_the_empty_ones_are_named()
    {
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new
        {
            question = "What is Dominick Bellizzi's occupation?",
            documents = new object[]
            {
                new { id = "1", title = "Category:American jockeys", text = "" },
                new { id = "2", title = "", text = "" },
                new { id = "3", title = "Bellizzi", text = "Bellizzi is an Italian surname. Notable people with the surname include several footballers." },
                new { title = (string?)null, text = "  " },
            },
        });

        Assert.Equal(["2", "documents[3]"], result.SkippedDocuments);
        Assert.Equal(["1", "3"], result.Drafts.SelectMany(d => d.DocumentIds).Distinct().Order());
    }

    [Fact]
    public async Task The_start_banner_says_where_to_go_the_api_reference_is_served_and_framework_logs_are_quiet()
    {
        var banner = gateway.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Orleans.SpecRag.Gateway.Hosting.StartupBanner>().Single().Compose();

        Assert.Contains("/scalar/v1", banner);
        Assert.Contains("/dashboard/", banner);
        Assert.Contains("drafter extractive/all-MiniLM-L6-v2, verifier extractive/all-MiniLM-L6-v2", banner);
        Assert.Contains(gateway.DataPath, banner);

        var reference = await gateway.Client.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Equal("text/html", reference.Content.Headers.ContentType?.MediaType);

        var configuration = gateway.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
        Assert.Equal("Warning", configuration["Logging:LogLevel:Orleans"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Microsoft"]);
    }

    [Fact]
    public async Task The_cluster_lists_the_co_hosted_silo_with_both_roles()
    {
        var silos = await gateway.Client.GetFromJsonAsync<JsonElement[]>("/v1/cluster/silos");

        var silo = Assert.Single(silos!, s => s.GetProperty("status").GetString() == "Active");
        Assert.Equal(["drafter", "verifier"], silo.GetProperty("roles").EnumerateArray().Select(r => r.GetString()).Order());
        Assert.Equal(0, silo.GetProperty("draftsInFlight").GetInt32());
        Assert.Equal(256, silo.GetProperty("maxDraftsInFlight").GetInt32());
    }

    [Fact]
    public async Task Coverage_subsets_see_every_passage_the_paper_sampling_can_miss()
    {
        var documents = Enumerable.Range(1, 10).Select(i => new { id = $"d{i}", text = $"Passage number {i} is about river {i} and its bridges." }).ToArray();

        var coverage = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which river has bridges?", documents });
        var paper = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which river has bridges?", documents, sampling = "paper" });

        Assert.Equal(SubsetSampling.Coverage, coverage.Sampling);
        Assert.Equal(SubsetSampling.Paper, paper.Sampling);
        Assert.Contains("d1", coverage.Drafts.Single(d => d.Index == 0).DocumentIds);
        Assert.True(coverage.Drafts.SelectMany(d => d.DocumentIds).Distinct().Count() >= paper.Drafts.SelectMany(d => d.DocumentIds).Distinct().Count());
    }

    [Fact]
    public async Task A_multiple_choice_question_is_answered_with_an_option_in_both_modes()
    {
        var documents = new object[]
        {
            new { id = "p", text = "During photosynthesis, plants take in carbon dioxide from the air through their leaves. Using sunlight, they turn carbon dioxide and water into glucose." },
            new { id = "q", text = "Helium is a noble gas. It is lighter than air and is used to fill balloons." },
            new { id = "r", text = "Neon glows red in signs. It is one of the noble gases." },
        };
        foreach (var mode in new[] { "speculative", "standard" })
        {
            var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new
            {
                question = "Which gas do plants take in from the air to make food by photosynthesis?",
                choices = new[] { "oxygen", "carbon dioxide", "helium", "neon" },
                documents,
                mode,
                drafts = 3,
            });

            Assert.Equal("(B) carbon dioxide", result.Answer);
            Assert.EndsWith("Options: (A) oxygen (B) carbon dioxide (C) helium (D) neon", result.Question);
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_the_endpoints()
    {
        var document = await gateway.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/v1/query", "/v1/queries/{id}", "/v1/collections/{name}/documents", "/v1/collections/{name}", "/v1/collections/{name}/documents/{id}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI document lacks {path}");
        }
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_report_healthy(string path)
    {
        var response = await gateway.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}

public sealed class MissingDrafterRoleGatewayTests(VerifierOnlyGatewayFactory gateway) : IClassFixture<VerifierOnlyGatewayFactory>
{
    [Fact]
    public async Task A_cluster_without_drafters_answers_503_naming_the_role()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Anything?", documents = new[] { new { text = "Some text here." } } });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("drafter", problem.GetProperty("missingRole").GetString());
        Assert.Contains("drafter", problem.GetProperty("detail").GetString());
        Assert.True(response.Headers.RetryAfter is not null);
    }
}

public sealed class FailingDrafterGatewayTests(FailingDrafterGatewayFactory gateway) : IClassFixture<FailingDrafterGatewayFactory>
{
    [Fact]
    public async Task When_every_draft_fails_the_answer_is_503_with_each_failure()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Anything?", drafts = 2, documents = new[] { new { text = "One. Two." }, new { text = "Three. Four." } }, docsPerDraft = 1 });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var failures = problem.GetProperty("failedDrafts").EnumerateArray().ToArray();
        Assert.Equal(2, failures.Length);
        Assert.All(failures, f => Assert.Contains("model endpoint is down", f.GetProperty("error").GetString()));
    }
}
