using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>Operator keys, query-only keys and keys required for queries.</summary>
public sealed class KeyedGatewayFactory : GatewayFactory
{
    public const string Operator = "op-key-4c1f";
    public const string Reader = "query-key-9e2a";

    protected override string? DefaultApiKey => null;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["SpecRag:Auth:ApiKeys"] = Operator,
        ["SpecRag:Auth:QueryKeys"] = Reader,
        ["SpecRag:Auth:RequireForQueries"] = "true",
        ["SpecRag:DemoCorpus:Enabled"] = "false",
        ["SpecRag:RateLimit:PermitsPerSecond"] = "2",
        ["SpecRag:RateLimit:Burst"] = "40",
    };
}

public sealed class AuthenticationTests(KeyedGatewayFactory gateway) : IClassFixture<KeyedGatewayFactory>
{
    private static readonly object Ingest = new { documents = new[] { new { id = "a", text = "Some text." } } };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        return await gateway.Client.SendAsync(request);
    }

    [Fact]
    public async Task Ingestion_and_deletion_need_an_operator_key_401_without_one_and_403_with_a_query_key()
    {
        var anonymous = await SendAsync(HttpMethod.Post, "/v1/collections/keyed/documents", null, Ingest);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        var wrong = await SendAsync(HttpMethod.Post, "/v1/collections/keyed/documents", "not-a-key", Ingest);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        var reader = await SendAsync(HttpMethod.Post, "/v1/collections/keyed/documents", KeyedGatewayFactory.Reader, Ingest);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal("application/problem+json", reader.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "/v1/collections/keyed/documents", KeyedGatewayFactory.Operator, Ingest)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, "/v1/collections/keyed/documents/a", KeyedGatewayFactory.Reader)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, "/v1/collections/keyed/documents/a", KeyedGatewayFactory.Operator)).StatusCode);
    }

    [Fact]
    public async Task When_required_queries_take_a_query_key_or_an_operator_key()
    {
        var body = new { question = "Anything?", documents = new[] { new { text = "Alpha beta." } } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(HttpMethod.Post, "/v1/query", null, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "/v1/query", KeyedGatewayFactory.Reader, body)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, "/v1/query", KeyedGatewayFactory.Operator, body)).StatusCode);
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_retry_after_while_others_go_on()
    {
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 60 && limited is null; i++)
        {
            var response = await SendAsync(HttpMethod.Get, "/v1/queries/00000000000000000000000000000000", KeyedGatewayFactory.Reader);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);

        // Another client (the operator key) has its own budget.
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, "/v1/queries/00000000000000000000000000000000", KeyedGatewayFactory.Operator)).StatusCode);
    }
}

/// <summary>
/// A production gateway with no keys configured, reached by a client that is not on loopback (the in-memory test
/// server names no remote address): ingestion is closed, queries are open. Loopback clients: OperatorAccessTests.
/// </summary>
public sealed class KeylessProductionGatewayFactory : GatewayFactory
{
    protected override string? DefaultApiKey => null;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["SpecRag:DemoCorpus:Enabled"] = "false" };
}

public sealed class KeylessProductionTests(KeylessProductionGatewayFactory gateway) : IClassFixture<KeylessProductionGatewayFactory>
{
    [Fact]
    public async Task Outside_development_without_keys_ingestion_is_refused_to_clients_not_on_loopback()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/collections/open/documents", new { documents = new[] { new { id = "a", text = "x" } } });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var query = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Q?", documents = new[] { new { text = "Alpha." } } });
        Assert.Equal(HttpStatusCode.OK, query.StatusCode);
    }
}

/// <summary>One draft in flight per silo, with a drafter that holds its draft until released.</summary>
public sealed class SaturatedGatewayFactory : GatewayFactory
{
    public StallingDraftModel Stalling { get; } = new() { StallWhen = (_, _) => true };

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["SpecRag:DemoCorpus:Enabled"] = "false",
        ["SpecRag:Drafter:MaxInFlight"] = "1",
    };

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton<IDraftModel>(sp => Stalling.For(sp.GetRequiredService<ILocalSiloDetails>().SiloAddress));
}

public sealed class BackpressureTests(SaturatedGatewayFactory gateway) : IClassFixture<SaturatedGatewayFactory>
{
    [Fact]
    public async Task Beyond_the_bound_of_drafts_in_flight_a_query_gets_503_with_retry_after_instead_of_queueing()
    {
        var body = new { question = "Q?", drafts = 1, docsPerDraft = 1, deadlineMs = 20_000, documents = new[] { new { text = "Alpha." } } };
        var entered = new TaskCompletionSource();
        gateway.Stalling.StallWhen = (_, _) => entered.TrySetResult() || true;
        var first = gateway.Client.PostAsJsonAsync("/v1/query", body);
        try
        {
            await entered.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the first draft holds the only slot

            var second = await gateway.Client.PostAsJsonAsync("/v1/query", body);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
            Assert.NotNull(second.Headers.RetryAfter);
            var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, problem.GetProperty("maxInFlight").GetInt32());
        }
        finally
        {
            gateway.Stalling.ReleaseAll();
        }

        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
    }
}
