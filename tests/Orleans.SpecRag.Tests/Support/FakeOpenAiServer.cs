using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.SpecRag.Tests.Support;

/// <summary>
/// A test-only HTTP server on loopback that answers in the response shapes of vLLM's OpenAI-compatible API
/// (chat completions with <c>logprobs</c>, completions with <c>echo</c> + <c>logprobs</c>) and of Azure
/// OpenAI's deployment routes. Replies are scripted by the test; every request is recorded.
/// </summary>
public sealed partial class FakeOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _failuresLeft;
    private int _failureStatus;
    private int _stallsLeft;

    private FakeOpenAiServer(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>What the chat endpoint generates for a request: tokens with log-probabilities and, for the first token, alternatives.</summary>
    public Func<JsonNode, (IReadOnlyList<(string Token, double LogProb)> Tokens, IReadOnlyList<(string Token, double LogProb)> Alternatives)> Chat { get; set; } =
        _ => ([("### Rationale:", -0.1), (" It", -0.2), (" is", -0.3), ("\n", -0.01), ("### Response:", -0.05), (" yes", -0.4)], [("Yes", -0.2), ("No", -1.8)]);

    /// <summary>Requests for which the server always answers 500, as a broken model replica would.</summary>
    public Func<JsonNode, bool> FailWhen { get; set; } = _ => false;

    /// <summary>How long each request is held before it is answered.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>The most requests the server was working on at the same moment.</summary>
    public int MaxInFlight => _maxInFlight;

    private int _inFlight;
    private int _maxInFlight;

    /// <summary>When false, <c>/completions</c> answers 404 as servers without echo support do.</summary>
    public bool SupportsEcho { get; set; } = true;

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeOpenAiServer(app);
        app.MapPost("/v1/chat/completions", (Delegate)server.HandleChatAsync);
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (Delegate)server.HandleChatAsync);
        app.MapPost("/v1/completions", (Delegate)server.HandleCompletionsAsync);
        await app.StartAsync();
        server.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>The next <paramref name="count"/> requests fail with <paramref name="status"/>.</summary>
    public void FailNext(int count, HttpStatusCode status)
    {
        _failureStatus = (int)status;
        Interlocked.Exchange(ref _failuresLeft, count);
    }

    /// <summary>The next <paramref name="count"/> requests hang for a minute, like an overloaded model server.</summary>
    public void StallNext(int count) => Interlocked.Exchange(ref _stallsLeft, count);

    /// <summary>The log-probability the fake assigns to the i-th token of an echoed prompt.</summary>
    public static double EchoLogProb(int index) => -0.01 * (index % 17 + 1);

    /// <summary>How the fake splits an echoed prompt: words with their leading whitespace, and punctuation alone.</summary>
    public static IReadOnlyList<(string Token, int Offset)> EchoTokens(string prompt) =>
        EchoToken().Matches(prompt).Select(m => (m.Value, m.Index)).ToArray();

    private async Task<IResult> HandleChatAsync(HttpContext context)
    {
        var body = await RecordAsync(context);
        if (await InjectFaultAsync(context, body) is { } fault)
        {
            return fault;
        }

        var (tokens, alternatives) = Chat(body);
        var content = string.Concat(tokens.Select(t => t.Token));
        var logprobs = new JsonArray(tokens.Select((t, i) => (JsonNode)new JsonObject
        {
            ["token"] = t.Token,
            ["logprob"] = t.LogProb,
            ["bytes"] = new JsonArray(Encoding.UTF8.GetBytes(t.Token).Select(b => (JsonNode)JsonValue.Create((int)b)).ToArray()),
            ["top_logprobs"] = i == 0
                ? new JsonArray(alternatives.Select(a => (JsonNode)new JsonObject { ["token"] = a.Token, ["logprob"] = a.LogProb, ["bytes"] = new JsonArray() }).ToArray())
                : new JsonArray(),
        }).ToArray());
        return Results.Json(new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion",
            ["created"] = 1_700_000_000,
            ["model"] = body["model"]?.GetValue<string>() ?? "fake",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content },
                ["logprobs"] = new JsonObject { ["content"] = logprobs },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = tokens.Count, ["total_tokens"] = 10 + tokens.Count },
        });
    }

    private async Task<IResult> HandleCompletionsAsync(HttpContext context)
    {
        var body = await RecordAsync(context);
        if (await InjectFaultAsync(context, body) is { } fault)
        {
            return fault;
        }

        if (!SupportsEcho)
        {
            return Results.Json(new { error = new { message = "echo is not supported", type = "invalid_request_error" } }, statusCode: 404);
        }

        var prompt = body["prompt"]!.GetValue<string>();
        var tokens = EchoTokens(prompt);
        return Results.Json(new JsonObject
        {
            ["id"] = "cmpl-fake",
            ["object"] = "text_completion",
            ["model"] = body["model"]?.GetValue<string>() ?? "fake",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["text"] = prompt + " ok",
                ["logprobs"] = new JsonObject
                {
                    ["tokens"] = new JsonArray([.. tokens.Select(t => (JsonNode)t.Token), " ok"]),
                    ["token_logprobs"] = new JsonArray([null, .. tokens.Skip(1).Select((_, i) => (JsonNode)EchoLogProb(i + 1)), -0.5]),
                    ["text_offset"] = new JsonArray([.. tokens.Select(t => (JsonNode)t.Offset), prompt.Length]),
                },
                ["finish_reason"] = "length",
            }),
        });
    }

    private async Task<JsonNode> RecordAsync(HttpContext context)
    {
        var body = (await JsonNode.ParseAsync(context.Request.Body))!;
        Requests.Enqueue(new RecordedRequest(context.Request.Path, context.Request.QueryString.Value ?? "", context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        return body;
    }

    private async Task<IResult?> InjectFaultAsync(HttpContext context, JsonNode body)
    {
        var now = Interlocked.Increment(ref _inFlight);
        try
        {
            int seen;
            while (now > (seen = _maxInFlight) && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen)
            {
            }

            if (Latency > TimeSpan.Zero)
            {
                await Task.Delay(Latency);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }

        if (FailWhen(body))
        {
            return Results.Json(new { error = new { message = "replica failure", type = "server_error" } }, statusCode: 500);
        }

        if (Interlocked.Decrement(ref _stallsLeft) >= 0)
        {
            await Task.Delay(TimeSpan.FromMinutes(1), context.RequestAborted).ContinueWith(_ => { });
            return Results.StatusCode(504);
        }

        return Interlocked.Decrement(ref _failuresLeft) >= 0 ? Results.StatusCode(_failureStatus) : null;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [GeneratedRegex(@"\s*[\w']+|\s*[^\w\s]|\s+$")]
    private static partial Regex EchoToken();
}

public sealed record RecordedRequest(string Path, string Query, IReadOnlyDictionary<string, string> Headers, JsonNode Body);
