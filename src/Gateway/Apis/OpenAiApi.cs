using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Validation;
using Orleans.SpecRag.Gateway.Validation;
using Orleans.SpecRag.ServiceDefaults;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// An OpenAI-compatible face for existing clients: <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>
/// (model <c>speculative-rag</c>, or <c>speculative-rag:COLLECTION</c>). The last user message is the question;
/// the answer comes back as the assistant message with its sources, and the full speculative result rides along
/// in the extension field <c>speculative_rag</c>. With <c>stream: true</c> it answers in standard SSE chunks
/// ending in <c>[DONE]</c>.
/// </summary>
public static class OpenAiApi
{
    public const string ModelId = "speculative-rag";

    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var configuration = app.ServiceProvider.GetRequiredService<IConfiguration>();
        var api = app.MapGroup("/v1").WithTags("OpenAI-compatible")
            .RequireRateLimiting(Limits.ClientRateLimiting.Policy)
            .RequireQueryKeyIfConfigured(configuration);

        api.MapGet("/models", () => TypedResults.Ok(new ModelList("list", [new ModelCard(ModelId, "model", 0, "orleans-specrag")])))
            .WithName("ListModels");
        api.MapPost("/chat/completions", CompleteAsync)
            .WithName("ChatCompletions")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(Limits.BodyLimits.From(app.ServiceProvider).QueryBytes))
            .ProducesValidationProblem();
        return app;
    }

    public sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

    public sealed record ModelCard(string Id, string Object, long Created, [property: JsonPropertyName("owned_by")] string OwnedBy);

    public sealed record ChatMessageBody(string? Role, JsonElement Content);

    /// <summary>The standard fields plus the Speculative RAG knobs as optional extensions.</summary>
    public sealed record ChatCompletionBody(
        string? Model,
        IReadOnlyList<ChatMessageBody?>? Messages,
        bool? Stream,
        string? Collection,
        int? Drafts,
        [property: JsonPropertyName("docs_per_draft")] int? DocsPerDraft,
        [property: JsonPropertyName("top_k")] int? TopK,
        int? Seed,
        [property: JsonPropertyName("deadline_ms")] int? DeadlineMs,
        IReadOnlyList<InlineDocumentBody?>? Documents,
        [property: JsonConverter(typeof(EnumNameConverter<RetrievalMode>))] RetrievalMode? Retrieval = null,
        IReadOnlyList<string?>? Choices = null,
        [property: JsonConverter(typeof(EnumNameConverter<SubsetSampling>))] SubsetSampling? Sampling = null);

    /// <summary>
    /// The body is not validated as it binds: the OpenAI fields are checked here, then the query it maps onto is validated
    /// as one sent to <c>/v1/query</c> (<see cref="QueryRequestBody"/>), so that both endpoints keep one set of rules.
    /// </summary>
    public static async Task<Results<JsonHttpResult<ChatCompletion>, ServerSentEventsResult<string>, ValidationProblem>> CompleteAsync(
#pragma warning disable ASP0029 // SkipValidation is marked experimental in ASP.NET Core 10.
        [SkipValidation] ChatCompletionBody body,
#pragma warning restore ASP0029
        // [FromServices]: otherwise the validation generator takes the options for input and emits validation for them.
        IGrainFactory grains, QueryCalls calls, HttpContext http, [Microsoft.AspNetCore.Mvc.FromServices] IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var collection = body.Collection;
        if (body.Model is null || !(body.Model == ModelId || body.Model.StartsWith(ModelId + ":", StringComparison.Ordinal)))
        {
            errors["model"] = [$"model must be '{ModelId}' or '{ModelId}:COLLECTION'; it was '{body.Model}'."];
        }
        else if (body.Model.Length > ModelId.Length + 1)
        {
            collection ??= body.Model[(ModelId.Length + 1)..];
        }

        var question = body.Messages?.LastOrDefault(m => m?.Role == "user") is { } last ? TextOf(last.Content) : null;
        if (body.Messages is null || body.Messages.Count == 0)
        {
            errors["messages"] = ["messages must hold at least one message."];
        }
        else if (question is null)
        {
            errors["messages"] = ["messages must end with a user message whose content is text."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The chat completion request is invalid");
        }

        var validation = BodyValidator.Validate(new QueryRequestBody(question, collection, body.Documents, body.TopK, body.Drafts, body.DocsPerDraft, null, body.Seed, body.DeadlineMs, Retrieval: body.Retrieval, Choices: body.Choices, Sampling: body.Sampling));
        if (!validation.IsValid)
        {
            return TypedResults.ValidationProblem(validation.Errors, title: "The chat completion request is invalid");
        }

        var id = Guid.NewGuid().ToString("N");
        var request = calls.WithDeadline(validation.Value! with { TraceId = Activity.Current?.TraceId.ToString() });
        var query = grains.GetGrain<IQueryGrain>(id);
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var model = body.Model!;
        if (body.Stream == true)
        {
            var events = await QueryEventStream.StartAsync(calls.StreamAsync(query, request, cancellationToken), http, cancellationToken);
            return TypedResults.ServerSentEvents(Chunks(events, $"chatcmpl-{id}", created, model, json.Value.SerializerOptions, cancellationToken));
        }

        var result = await calls.RunAsync(query, request, cancellationToken);
        return TypedResults.Json(new ChatCompletion(
            $"chatcmpl-{id}", "chat.completion", created, model,
            [new Choice(0, new Message("assistant", WithSources(result)), "stop")],
            new Usage(0, 0, 0),
            result), json.Value.SerializerOptions);
    }

    public sealed record Message(string Role, string Content);

    public sealed record Choice(int Index, Message Message, [property: JsonPropertyName("finish_reason")] string FinishReason);

    /// <summary>Token counts are not measured by the speculative pipeline: zeros, as several OpenAI-compatible servers send.</summary>
    public sealed record Usage(
        [property: JsonPropertyName("prompt_tokens")] int PromptTokens,
        [property: JsonPropertyName("completion_tokens")] int CompletionTokens,
        [property: JsonPropertyName("total_tokens")] int TotalTokens);

    public sealed record ChatCompletion(
        string Id, string Object, long Created, string Model, IReadOnlyList<Choice> Choices, Usage Usage,
        [property: JsonPropertyName("speculative_rag")] QueryResult SpeculativeRag);

    private static async IAsyncEnumerable<string> Chunks(
        IAsyncEnumerable<QueryEvent> events, string id, long created, string model, JsonSerializerOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string Chunk(object delta, string? finishReason, QueryResult? result = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finishReason } },
            ["speculative_rag"] = result,
        }, options);

        yield return Chunk(new { role = "assistant", content = "" }, null);
        await foreach (var update in events.WithCancellation(cancellationToken))
        {
            if (update is AnswerEvent answer)
            {
                // The answer is known only once the drafts are verified; it is sent in word-sized pieces as
                // streaming clients expect, then the result rides on the final chunk.
                foreach (var piece in Pieces(WithSources(answer.Result)))
                {
                    yield return Chunk(new { content = piece }, null);
                }

                yield return Chunk(new { }, "stop", answer.Result);
            }
            else if (update is StreamFailedEvent failed)
            {
                // As OpenAI-compatible servers do when a stream fails after it started: an error object, then [DONE].
                yield return JsonSerializer.Serialize(new Dictionary<string, object?> { ["error"] = new { message = failed.Detail, type = failed.Title, code = failed.Status } }, options);
            }
        }

        yield return "[DONE]";
    }

    private static IEnumerable<string> Pieces(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || (text[i] == ' ' && i - start >= 16))
            {
                yield return text[start..i];
                start = i;
            }
        }
    }

    private static string WithSources(QueryResult result)
    {
        if (result.Citations.Count == 0)
        {
            return result.Answer;
        }

        var text = new StringBuilder(result.Answer).Append("\n\nSources:");
        for (var i = 0; i < result.Citations.Count; i++)
        {
            var citation = result.Citations[i];
            text.Append($"\n[{i + 1}] ").Append(citation.Title is { Length: > 0 } title ? $"{title} ({citation.Id})" : citation.Id);
        }

        return text.ToString();
    }

    /// <summary>A message's text: a string, or the text parts of a content array.</summary>
    private static string? TextOf(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString(),
        JsonValueKind.Array => string.Join("\n", content.EnumerateArray()
            .Where(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("type", out var t) && t.GetString() == "text" && p.TryGetProperty("text", out _))
            .Select(p => p.GetProperty("text").GetString())) is { Length: > 0 } joined ? joined : null,
        _ => null,
    };
}
