using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.AI.OpenAI;
using OpenAI;
using OpenAI.Chat;

namespace Orleans.SpecRag.Models.OpenAi;

/// <summary>
/// One OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server, OpenAI, Azure OpenAI). Chat calls go
/// through the official SDK; prompt log-probabilities (<c>/completions</c> with <c>echo</c>), which the SDK
/// does not cover, go through raw JSON. Both share one HttpClient whose handler adds timeouts, retries of
/// transient failures and a concurrency limit (see SpecRagSiloBuilderExtensions).
/// </summary>
public sealed class OpenAiEndpoint
{
    private readonly HttpClient _http;
    private readonly Uri _baseUri;

    public OpenAiEndpoint(LanguageModelOptions options, HttpClient http, string role)
    {
        if (string.IsNullOrWhiteSpace(options.Endpoint) || !Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var endpoint))
        {
            throw new InvalidOperationException($"SpecRag:{role}:Endpoint must be an absolute URL for the openai backend (e.g. http://127.0.0.1:8000/v1).");
        }

        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new InvalidOperationException($"SpecRag:{role}:Model is required for the openai backend.");
        }

        Options = options;
        _http = http;
        _baseUri = new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/");
        IsAzure = options.Provider.Equals("azure", StringComparison.OrdinalIgnoreCase)
            || (options.Provider.Equals("auto", StringComparison.OrdinalIgnoreCase)
                && (endpoint.Host.EndsWith(".openai.azure.com", StringComparison.OrdinalIgnoreCase)
                    || endpoint.Host.EndsWith(".cognitiveservices.azure.com", StringComparison.OrdinalIgnoreCase)));

        // The HttpClient's handler owns retries and timeouts; the SDK must not retry on top of it.
        var transport = new HttpClientPipelineTransport(http);
        var apiKey = options.ApiKey
            ?? Environment.GetEnvironmentVariable(IsAzure ? "AZURE_OPENAI_API_KEY" : "OPENAI_API_KEY");
        if (IsAzure)
        {
            var azureOptions = new AzureOpenAIClientOptions { Transport = transport, RetryPolicy = new ClientRetryPolicy(0) };
            var azure = apiKey is { Length: > 0 }
                ? new AzureOpenAIClient(endpoint, new ApiKeyCredential(apiKey), azureOptions)
                : new AzureOpenAIClient(endpoint, new Azure.Identity.DefaultAzureCredential(), azureOptions);
            Chat = azure.GetChatClient(options.Model);
        }
        else
        {
            // Local servers (vLLM, Ollama) accept any key; the SDK insists on one.
            var client = new OpenAIClient(new ApiKeyCredential(apiKey is { Length: > 0 } ? apiKey : "unused"), new OpenAIClientOptions
            {
                Endpoint = endpoint,
                Transport = transport,
                RetryPolicy = new ClientRetryPolicy(0),
            });
            Chat = client.GetChatClient(options.Model);
        }

        ApiKey = apiKey;
    }

    public LanguageModelOptions Options { get; }

    public bool IsAzure { get; }

    public ChatClient Chat { get; }

    private string? ApiKey { get; }

    public string Name => $"openai/{Options.Model}";

    /// <summary>A greedy chat completion with the log-probability of every generated token (and the alternatives to the first).</summary>
    public async Task<Generation> GenerateAsync(Prompt prompt, int maxTokens, int topLogProbs, CancellationToken cancellationToken)
    {
        var options = new ChatCompletionOptions
        {
            Temperature = 0,
            MaxOutputTokenCount = maxTokens,
            IncludeLogProbabilities = true,
            TopLogProbabilityCount = topLogProbs > 0 ? topLogProbs : null,
        };
        ChatCompletion completion = await Chat.CompleteChatAsync(
            [new SystemChatMessage(prompt.System), new UserChatMessage(prompt.User)], options, cancellationToken);
        var logProbs = completion.ContentTokenLogProbabilities;
        if (logProbs is null || logProbs.Count == 0)
        {
            throw new ModelScoringException($"{Name} returned no token log-probabilities; the endpoint must support 'logprobs' on chat completions.");
        }

        // Token bytes, when the server sends them, keep a character split over two tokens whole.
        var texts = logProbs.All(t => t.Utf8Bytes is not null)
            ? TokenSpans.DecodeUtf8(logProbs.Select(t => t.Utf8Bytes!.Value))
            : logProbs.Select(t => t.Token).ToArray();
        return new Generation(
            logProbs.Select((t, i) => new TokenLogProb(texts[i], t.LogProbability)).ToArray(),
            logProbs[0].TopLogProbabilities.Select(t => new TokenLogProb(t.Token, t.LogProbability)).ToArray());
    }

    /// <summary>
    /// Teacher forcing through <c>/completions</c> with <c>echo</c> and <c>logprobs</c>: the log-probability of
    /// every prompt token. Returns null when the endpoint does not support it (404, 400, 501).
    /// </summary>
    public async Task<(IReadOnlyList<TokenLogProb> Tokens, int[] Offsets)?> EchoAsync(string prompt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUri, "completions"))
        {
            Content = JsonContent.Create(new EchoRequest(Options.Model!, prompt, MaxTokens: 1, Echo: true, LogProbs: 1, Temperature: 0)),
        };
        if (ApiKey is { Length: > 0 })
        {
            request.Headers.Authorization = new("Bearer", ApiKey);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if ((int)response.StatusCode is 400 or 404 or 405 or 501)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<EchoResponse>(cancellationToken)
            ?? throw new ModelScoringException($"{Name} returned an empty /completions response.");
        var logprobs = body.Choices?.FirstOrDefault()?.LogProbs;
        if (logprobs?.Tokens is not { Count: > 0 } tokens || logprobs.TokenLogProbs is null || logprobs.TextOffset is null)
        {
            return null;
        }

        // The echoed prompt comes first; the one generated token (and anything past the prompt) is ignored.
        var result = new List<TokenLogProb>();
        var offsets = new List<int>();
        for (var i = 0; i < tokens.Count && logprobs.TextOffset[i] < prompt.Length; i++)
        {
            result.Add(new TokenLogProb(tokens[i], logprobs.TokenLogProbs[i] ?? 0)); // The first token has no conditional probability.
            offsets.Add(logprobs.TextOffset[i]);
        }

        return (result, offsets.ToArray());
    }

    private sealed record EchoRequest(
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("prompt")] string Prompt,
        [property: JsonPropertyName("max_tokens")] int MaxTokens,
        [property: JsonPropertyName("echo")] bool Echo,
        [property: JsonPropertyName("logprobs")] int LogProbs,
        [property: JsonPropertyName("temperature")] double Temperature);

    private sealed record EchoResponse([property: JsonPropertyName("choices")] IReadOnlyList<EchoChoice>? Choices);

    private sealed record EchoChoice([property: JsonPropertyName("logprobs")] EchoLogProbs? LogProbs);

    private sealed record EchoLogProbs(
        [property: JsonPropertyName("tokens")] IReadOnlyList<string>? Tokens,
        [property: JsonPropertyName("token_logprobs")] IReadOnlyList<double?>? TokenLogProbs,
        [property: JsonPropertyName("text_offset")] IReadOnlyList<int>? TextOffset);
}

/// <summary>Generated tokens with their log-probabilities, and the most likely alternatives to the first token.</summary>
public sealed record Generation(IReadOnlyList<TokenLogProb> Tokens, IReadOnlyList<TokenLogProb> FirstTokenAlternatives);

/// <summary>A model's output lacks what exact scoring needs; the draft or query reports it rather than guessing.</summary>
public sealed class ModelScoringException(string message) : Exception(message);

/// <summary>The drafter on an OpenAI-compatible endpoint: a greedy chat completion with token log-probabilities.</summary>
public sealed class OpenAiDraftModel(OpenAiEndpoint endpoint) : IDraftModel
{
    public string Name => endpoint.Name;

    public async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
    {
        var generation = await endpoint.GenerateAsync(SpeculativePrompts.Drafter(question, passages), endpoint.Options.MaxTokens, topLogProbs: 0, cancellationToken);
        return GeneratedDraft.FromTokens(generation.Tokens);
    }
}

/// <summary>
/// The verifier on an OpenAI-compatible endpoint. Exact when the server returns prompt log-probabilities
/// (teacher forcing on [Q, α, β, R, "Yes"]); otherwise ρ_SR comes from the log-probability of "Yes" as a
/// one-token answer and ρ_SC is null.
/// </summary>
public sealed class OpenAiVerifierModel(OpenAiEndpoint endpoint) : IVerifierModel
{
    private const int TopAlternatives = 20;

    private volatile string _scoring = Initial(endpoint);

    public string Name => endpoint.Name;

    public string Scoring => _scoring;

    public async Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default)
    {
        var scores = await Task.WhenAll(drafts.Select(d => ScoreOneAsync(question, d, cancellationToken)));
        return scores;
    }

    public async Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        var generation = await endpoint.GenerateAsync(SpeculativePrompts.Standard(question, passages), endpoint.Options.MaxTokens, topLogProbs: 0, cancellationToken);
        return GeneratedDraft.FromTokens(generation.Tokens);
    }

    private async Task<VerifierScores> ScoreOneAsync(string question, DraftOutput draft, CancellationToken cancellationToken)
    {
        if (_scoring == ScoringMethods.TeacherForced)
        {
            var scored = SpeculativePrompts.Verification(question, draft.Answer, draft.Rationale);
            var echo = await endpoint.EchoAsync(scored.Text, cancellationToken);
            if (echo is { } e)
            {
                return new VerifierScores(
                    TokenSpans.Sum(e.Tokens, e.Offsets, scored.Answer) + TokenSpans.Sum(e.Tokens, e.Offsets, scored.Rationale),
                    TokenSpans.Sum(e.Tokens, e.Offsets, scored.Yes));
            }

            if (endpoint.Options.Scoring.Equals("echo", StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelScoringException($"{Name} does not return prompt log-probabilities (/completions with echo), and SpecRag:Verifier:Scoring is 'echo'.");
            }

            _scoring = ScoringMethods.ChatLogProbs; // Remembered: this endpoint cannot echo, so later drafts skip the attempt.
        }

        return new VerifierScores(null, await YesLogProbabilityAsync(question, draft, cancellationToken));
    }

    private async Task<double> YesLogProbabilityAsync(string question, DraftOutput draft, CancellationToken cancellationToken)
    {
        var generation = await endpoint.GenerateAsync(SpeculativePrompts.SelfReflection(question, draft.Answer, draft.Rationale), maxTokens: 1, TopAlternatives, cancellationToken);
        var alternatives = generation.FirstTokenAlternatives;
        if (alternatives.Count == 0)
        {
            throw new ModelScoringException($"{Name} returned no top log-probabilities for the Yes/No answer.");
        }

        var yes = alternatives.Where(a => a.Text.Trim().Equals("yes", StringComparison.OrdinalIgnoreCase)).Select(a => a.LogProbability).ToArray();

        // "Yes", " yes" and "YES" are one answer: their probabilities add up. When "Yes" is not among the
        // alternatives its probability is below the least likely one shown, which is used as the bound.
        return yes.Length > 0 ? LogSumExp(yes) : alternatives.Min(a => a.LogProbability);
    }

    private static double LogSumExp(IReadOnlyList<double> values)
    {
        var max = values.Max();
        return max + Math.Log(values.Sum(v => Math.Exp(v - max)));
    }

    private static string Initial(OpenAiEndpoint endpoint) => endpoint.Options.Scoring.ToLowerInvariant() switch
    {
        "chat" => ScoringMethods.ChatLogProbs,
        "echo" => ScoringMethods.TeacherForced,
        _ => endpoint.IsAzure ? ScoringMethods.ChatLogProbs : ScoringMethods.TeacherForced,
    };
}
