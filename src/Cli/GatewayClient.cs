using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orleans.SpecRag.Cli;

/// <summary>
/// The gateway's REST API as the CLI uses it. Paths are relative, so a gateway behind a path prefix
/// (<c>--url https://host/specrag/</c>) works. The CLI is a plain HTTP client with its own small view of the JSON
/// (below), not a reference to the server's assemblies, so it works against any gateway version that keeps the API.
/// </summary>
public sealed class GatewayClient(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Uri? BaseAddress => http.BaseAddress;

    public async Task<IngestionJob> UploadAsync(string collection, IReadOnlyList<UploadFile> files, CancellationToken cancellationToken)
    {
        using var form = new MultipartFormDataContent();
        var streams = new List<Stream>();
        try
        {
            foreach (var file in files)
            {
                var stream = File.OpenRead(file.Path);
                streams.Add(stream);
                var part = new StreamContent(stream);
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "files", file.Name);
            }

            using var response = await http.PostAsync($"v1/collections/{Uri.EscapeDataString(collection)}/files", form, cancellationToken);
            return await ReadAsync<IngestionJob>(response, cancellationToken);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    public async Task<IngestionJob> GetJobAsync(string collection, string id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync($"v1/collections/{Uri.EscapeDataString(collection)}/jobs/{Uri.EscapeDataString(id)}", cancellationToken);
        return await ReadAsync<IngestionJob>(response, cancellationToken);
    }

    public async Task<QueryAnswer> AskAsync(object request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("v1/query", request, Json, cancellationToken);
        return await ReadAsync<QueryAnswer>(response, cancellationToken);
    }

    public async Task<CollectionList> ListCollectionsAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("v1/collections", cancellationToken);
        return await ReadAsync<CollectionList>(response, cancellationToken);
    }

    public async Task<IReadOnlyList<SiloStatus>> GetSilosAsync(CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync("v1/cluster/silos", cancellationToken);
        return await ReadAsync<SiloStatus[]>(response, cancellationToken);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await GatewayException.FromAsync(response, cancellationToken);
        }

        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
            ?? throw new GatewayException((int)response.StatusCode, "The gateway sent an empty answer.");
    }
}

/// <summary>A gateway answer that is not a success, with what its problem body says.</summary>
public sealed class GatewayException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;

    public static async Task<GatewayException> FromAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            var problem = JsonSerializer.Deserialize<Problem>(text, GatewayClient.Json);
            if (problem?.Title is not null)
            {
                var errors = problem.Errors is { Count: > 0 } e ? " " + string.Join(" ", e.SelectMany(kv => kv.Value.Select(v => $"{kv.Key}: {v}"))) : string.Empty;
                return new GatewayException(status, $"{status} {problem.Title}{(problem.Detail is null ? string.Empty : $": {problem.Detail}")}{errors}");
            }
        }
        catch (JsonException)
        {
            // Not a problem body: fall through to the status line.
        }

        var hint = status == 401 ? " (pass --key or set SPECRAG_API_KEY)" : string.Empty;
        return new GatewayException(status, $"{status} {response.ReasonPhrase}{hint}");
    }

    private sealed record Problem(string? Title, string? Detail, Dictionary<string, string[]>? Errors);
}

public sealed record UploadFile(string Name, string Path, long Bytes);

public sealed record FileOutcome(string Name, long Bytes, string Status, int Documents, int Passages, string? Error);

public sealed record IngestionJob(string Id, string Collection, string Status, int FilesTotal, int FilesDone, int DocumentsIngested, int PassagesIngested, IReadOnlyList<FileOutcome> Files)
{
    public bool Done => Status != "running";
}

public sealed record Citation(string Id, string? Title);

public sealed record DraftScores(double Draft, double? SelfConsistency, double SelfReflection, double Total);

public sealed record Draft(int Index, string Answer, IReadOnlyList<string> DocumentIds, DraftScores Scores, double LatencyMs, string Silo);

public sealed record ModelNames(string? Drafter, string Verifier);

public sealed record Timings(double TotalMs);

public sealed record QueryAnswer(string Id, string Answer, string Rationale, string Mode, IReadOnlyList<Citation> Citations, int? SelectedDraft,
    IReadOnlyList<Draft> Drafts, ModelNames Models, Timings Timings, string? Collection, bool Partial);

public sealed record CollectionInfo(string Name, int Documents, int Passages);

public sealed record CollectionList(IReadOnlyList<CollectionInfo> Collections);

public sealed record SiloStatus(string Address, string Status, IReadOnlyList<string> Roles, string? Name, int? DraftsInFlight, int? MaxDraftsInFlight);
