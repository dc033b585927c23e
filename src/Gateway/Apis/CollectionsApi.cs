using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.ServiceDefaults;
using Orleans.SpecRag.Gateway.Validation;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>Ingestion and inspection of collections.</summary>
public static class CollectionsApi
{
    public const string NdjsonMediaType = "application/x-ndjson";

    public static IEndpointRouteBuilder MapCollectionsApi(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        var environment = app.ServiceProvider.GetRequiredService<IWebHostEnvironment>();
        var api = app.MapGroup("/v1/collections").WithTags("Collections")
            .RequireRateLimiting(Limits.ClientRateLimiting.Policy);

        api.MapPost("/{name}/documents", IngestAsync)
            .RequireOperator(environment, configuration)
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(Limits.BodyLimits.From(app.ServiceProvider).IngestBytes))
            .WithName("IngestDocuments")
            .WithSummary("Add or replace documents; each is split into ~100-word passages and embedded once.")
            .Accepts<IngestRequestBody>("application/json", NdjsonMediaType)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        api.MapGet("/", ListAsync)
            .RequireQueryKeyIfConfigured(configuration)
            .WithName("ListCollections")
            .WithSummary("Every collection with its document and passage counts.");

        api.MapGet("/{name}", GetAsync)
            .RequireQueryKeyIfConfigured(configuration)
            .WithName("GetCollection")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapGet("/{name}/shards", GetShardsAsync)
            .RequireQueryKeyIfConfigured(configuration)
            .WithName("GetCollectionShards")
            .WithSummary("Each shard's document and passage counts and the silo that hosts it now.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/{name}/compact", CompactAsync)
            .RequireOperator(environment, configuration)
            .WithName("CompactCollection")
            .WithSummary("Merge the collection's small segments and drop deleted passages now, instead of at the next background check.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        // A catch-all, so that ids with '/' (files ingested from subfolders: "guides/setup.md") can be deleted.
        api.MapDelete("/{name}/documents/{**id}", DeleteDocumentAsync)
            .RequireOperator(environment, configuration)
            .WithName("DeleteDocument")
            .ProducesProblem(StatusCodes.Status404NotFound);

        api.MapFilesApi(configuration, environment);
        return app;
    }

    public static async Task<Results<Ok<IngestResult>, ValidationProblem, ProblemHttpResult>> IngestAsync(
        // [FromServices]: otherwise the validation generator takes the options for input and emits validation for them.
        string name, HttpRequest request, IGrainFactory grains, ClusterCalls cluster, [Microsoft.AspNetCore.Mvc.FromServices] IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        if (!RequestLimits.IsValidCollectionName(name))
        {
            return InvalidName(name);
        }

        IngestRequestBody body;
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        switch (mediaType)
        {
            case "application/json":
                // Read here, not bound as a parameter, so that NDJSON can stream: the endpoint's validation does not see it.
                body = await JsonSerializer.DeserializeAsync<IngestRequestBody>(request.Body, json.Value.SerializerOptions, cancellationToken)
                    ?? new IngestRequestBody(null);
                break;
            case NdjsonMediaType:
                // Streamed: the body is validated line by line into a temporary file, then ingested in batches,
                // so a large upload is never held in memory and a bad line ingests nothing.
                return await NdjsonIngestion.IngestAsync(name, request, grains.GetGrain<ICollectionGrain>(name), cluster, json.Value.SerializerOptions, cancellationToken);
            default:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status415UnsupportedMediaType,
                    title: "Unsupported media type",
                    detail: $"Send documents as application/json ({{\"documents\": [...]}}) or {NdjsonMediaType} (one document per line), not '{request.ContentType ?? "nothing"}'.");
        }

        var validation = BodyValidator.Validate(body);
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors, title: "The documents are invalid");
        }

        var collection = grains.GetGrain<ICollectionGrain>(name);
        return TypedResults.Ok(await cluster.IngestAsync(() => collection.UpsertAsync(validation.Value!), cancellationToken));
    }

    public static async Task<Ok<CollectionList>> ListAsync(IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        var names = await cluster.ReadAsync(() => grains.GetGrain<ICollectionCatalogGrain>(0).ListAsync(), cancellationToken);
        var infos = await Task.WhenAll(names.Select(n => cluster.ReadAsync(() => grains.GetGrain<ICollectionGrain>(n).GetInfoAsync(), cancellationToken)));
        return TypedResults.Ok(new CollectionList(infos.OfType<CollectionInfo>().ToArray()));
    }

    public sealed record CollectionList(IReadOnlyList<CollectionInfo> Collections);

    public static async Task<Results<Ok<CollectionInfo>, ValidationProblem, ProblemHttpResult>> GetAsync(string name, IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        if (!RequestLimits.IsValidCollectionName(name))
        {
            return InvalidName(name);
        }

        var info = await cluster.ReadAsync(() => grains.GetGrain<ICollectionGrain>(name).GetInfoAsync(), cancellationToken);
        return info is null ? NotFound(name) : TypedResults.Ok(info);
    }

    public static async Task<Results<Ok<IReadOnlyList<ShardStatus>>, ValidationProblem, ProblemHttpResult>> GetShardsAsync(string name, IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        if (!RequestLimits.IsValidCollectionName(name))
        {
            return InvalidName(name);
        }

        var shards = await cluster.ReadAsync(() => grains.GetGrain<ICollectionGrain>(name).GetShardsAsync(), cancellationToken);
        return shards is null ? NotFound(name) : TypedResults.Ok(shards);
    }

    public static async Task<Results<Ok<CompactionResult>, ValidationProblem, ProblemHttpResult>> CompactAsync(string name, IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        if (!RequestLimits.IsValidCollectionName(name))
        {
            return InvalidName(name);
        }

        var collection = grains.GetGrain<ICollectionGrain>(name);
        return await cluster.ReadAsync(collection.GetInfoAsync, cancellationToken) is null
            ? NotFound(name)
            : TypedResults.Ok(await cluster.IngestAsync(collection.CompactAsync, cancellationToken));
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteDocumentAsync(string name, string id, IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        // Routing decodes everything but an encoded '/', which clients send for the '/' inside an id.
        id = id.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (!RequestLimits.IsValidCollectionName(name))
        {
            return InvalidName(name);
        }

        if (!RequestLimits.IsValidDocumentId(id))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["id"] = ["The document id is not valid."] });
        }

        var collection = grains.GetGrain<ICollectionGrain>(name);
        if (await cluster.ReadAsync(collection.GetInfoAsync, cancellationToken) is null)
        {
            return NotFound(name);
        }

        // Sent again after a fault, a delete the first attempt already made finds nothing: a 404 then, as for any repeated delete.
        return await cluster.IngestAsync(() => collection.DeleteDocumentAsync(id), cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Document not found",
                detail: $"Collection '{name}' has no document '{id}'.");
    }

    internal static ValidationProblem InvalidName(string name) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]>
        {
            ["name"] = [$"'{(name.Length > 80 ? name[..80] + "…" : name)}' is not a valid collection name ({RequestLimits.CollectionNameRule})."],
        }, title: "Invalid collection name");

    private static ProblemHttpResult NotFound(string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Collection not found", detail: $"Collection '{name}' does not exist.");
}
