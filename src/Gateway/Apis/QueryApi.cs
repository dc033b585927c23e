using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orleans.SpecRag.Gateway.Validation;
using Orleans.SpecRag.ServiceDefaults;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary><c>POST /v1/query</c> and <c>GET /v1/queries/{id}</c>.</summary>
public static class QueryApi
{
    public static IEndpointRouteBuilder MapQueryApi(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        var api = app.MapGroup("/v1").WithTags("Query")
            .RequireRateLimiting(Limits.ClientRateLimiting.Policy)
            .RequireQueryKeyIfConfigured(configuration);

        api.MapPost("/query", AskAsync)
            .WithMetadata(new RequestSizeLimitAttribute(Limits.BodyLimits.From(app.ServiceProvider).QueryBytes))
            .WithName("Query")
            .WithSummary("Answer a question with Speculative RAG (or the standard-RAG baseline).")
            .Accepts<QueryRequestBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        api.MapGet("/queries/{id}", GetAsync)
            .WithName("GetQuery")
            .WithSummary("A stored query result.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }

    /// <summary>
    /// Answers the query; with <c>"stream": true</c> or <c>Accept: text/event-stream</c> it streams server-sent
    /// events instead: <c>retrieved</c>, one <c>draft</c> per draft as it finishes, <c>verified</c>, <c>answer</c>.
    /// The body has passed its validation (RequestBodies.cs) before this runs; an invalid one is a 400 validation problem.
    /// </summary>
    public static async Task<Results<Ok<QueryResult>, ServerSentEventsResult<object>>> AskAsync(
        QueryRequestBody body, HttpRequest http, IGrainFactory grains, QueryCalls calls, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        var request = calls.WithDeadline(body.ToQueryRequest() with { TraceId = Activity.Current?.TraceId.ToString() });
        var query = grains.GetGrain<IQueryGrain>(id);
        if (body.Stream == true || http.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true))
        {
            var events = await QueryEventStream.StartAsync(calls.StreamAsync(query, request, cancellationToken), http.HttpContext, cancellationToken);
            return TypedResults.ServerSentEvents(QueryEventStream.ToSse(events, cancellationToken));
        }

        var result = await calls.RunAsync(query, request, cancellationToken);
        return TypedResults.Ok(result);
    }

    public static async Task<Results<Ok<QueryResult>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains, ClusterCalls cluster, CancellationToken cancellationToken)
    {
        // Only ids the service could have issued reach a grain: anything else cannot exist.
        var result = Guid.TryParseExact(id, "N", out _)
            ? await cluster.ReadAsync(() => grains.GetGrain<IQueryGrain>(id.ToLowerInvariant()).GetResultAsync(), cancellationToken)
            : null;
        return result is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Query not found", detail: $"No query with id '{Shorten(id)}' has run.")
            : TypedResults.Ok(result);
    }

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
