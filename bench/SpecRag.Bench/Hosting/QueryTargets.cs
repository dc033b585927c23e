using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Bench.Hosting;

/// <summary>Where eval sends its queries: the in-process cluster, or a running gateway over HTTP.</summary>
public interface IQueryTarget : IAsyncDisposable
{
    string Description { get; }

    Task<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default);

    Task<IngestResult> IngestAsync(string collection, IReadOnlyList<IngestDocument> documents, CancellationToken cancellationToken = default);

    /// <summary>The exact top-K passages a query's retrieval sees; null when the target cannot tell (the REST API has no search endpoint).</summary>
    Task<IReadOnlyList<Passage>?> SearchAsync(string collection, string question, int topK, RetrievalMode mode, CancellationToken cancellationToken = default);
}

/// <summary>Queries the in-process cluster through its client, as the gateway does (one <c>IQueryGrain</c> per query id).</summary>
public sealed class ClusterQueryTarget(BenchCluster cluster, MiniLmEmbedder embedder) : IQueryTarget
{
    public string Description => cluster.Description;

    public Task<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default) =>
        cluster.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(request);

    public Task<IngestResult> IngestAsync(string collection, IReadOnlyList<IngestDocument> documents, CancellationToken cancellationToken = default) =>
        cluster.Grains.GetGrain<ICollectionGrain>(collection).UpsertAsync(documents);

    /// <summary>The same call QueryGrain makes (same model, same text, so the same vector and the same top-K).</summary>
    public async Task<IReadOnlyList<Passage>?> SearchAsync(string collection, string question, int topK, RetrievalMode mode, CancellationToken cancellationToken = default)
    {
        var vector = await embedder.EmbedAsync(question, cancellationToken);
        return await cluster.Grains.GetGrain<ICollectionGrain>(collection).SearchAsync(new RetrievalQuery(question, vector, topK, mode));
    }

    public ValueTask DisposeAsync() => cluster.DisposeAsync();
}

/// <summary>Queries a running gateway: <c>POST /v1/query</c> and <c>POST /v1/collections/{name}/documents</c>.</summary>
public sealed class HttpQueryTarget(Uri baseAddress) : IQueryTarget
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly HttpClient _client = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };

    public string Description => $"gateway {baseAddress}";

    public async Task<QueryResult> QueryAsync(QueryRequest request, CancellationToken cancellationToken = default)
    {
        var body = new
        {
            question = request.Question,
            collection = request.Documents is { Count: > 0 } ? null : request.Collection,
            documents = request.Documents?.Select(d => new { id = d.Id, title = d.Title, text = d.Text }).ToArray(),
            topK = request.TopK,
            drafts = request.Drafts,
            docsPerDraft = request.DocsPerDraft,
            mode = request.Mode == QueryMode.Standard ? "standard" : "speculative",
            seed = request.Seed,
        };
        using var response = await _client.PostAsJsonAsync("v1/query", body, Json, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<QueryResult>(Json, cancellationToken))!;
    }

    public async Task<IngestResult> IngestAsync(string collection, IReadOnlyList<IngestDocument> documents, CancellationToken cancellationToken = default)
    {
        var body = new { documents = documents.Select(d => new { id = d.Id, title = d.Title, text = d.Text }).ToArray() };
        using var response = await _client.PostAsJsonAsync($"v1/collections/{Uri.EscapeDataString(collection)}/documents", body, Json, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<IngestResult>(Json, cancellationToken))!;
    }

    public Task<IReadOnlyList<Passage>?> SearchAsync(string collection, string question, int topK, RetrievalMode mode, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<Passage>?>(null);

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {Reporting.Fmt.Truncate(problem, 500)}", null, response.StatusCode);
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
