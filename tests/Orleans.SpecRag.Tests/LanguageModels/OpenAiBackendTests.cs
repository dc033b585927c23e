using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Hosting;
using Orleans.SpecRag.Tests.Support;
using Orleans.SpecRag.Models.Prompting;

namespace Orleans.SpecRag.Tests.LanguageModels;

/// <summary>
/// The openai backend against a loopback server that speaks vLLM's and Azure OpenAI's response shapes.
/// Comparisons use 6 decimals: the OpenAI SDK carries log-probabilities as float.
/// </summary>
public sealed class OpenAiBackendTests : IAsyncLifetime
{
    private FakeOpenAiServer _server = null!;

    private static readonly Passage[] Passages =
    [
        new("p1", "p1", "France", "Paris is the capital of France.", [], 0),
        new("p2", "p2", "Seine", "The Seine flows through Paris.", [], 0),
    ];

    public async Task InitializeAsync() => _server = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ServiceProvider Models(params (string Key, string Value)[] settings) => Models(null, settings);

    private ServiceProvider Models(Action<IServiceCollection>? instrument, params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>
        {
            ["SpecRag:Drafter:Backend"] = "openai",
            ["SpecRag:Drafter:Endpoint"] = _server.BaseUrl + "/v1",
            ["SpecRag:Drafter:Model"] = "drafter-7b",
            ["SpecRag:Drafter:MaxTokens"] = "64",
            ["SpecRag:Drafter:TimeoutSeconds"] = "10",
            ["SpecRag:Drafter:Retries"] = "2",
            ["SpecRag:Verifier:Backend"] = "openai",
            ["SpecRag:Verifier:Endpoint"] = _server.BaseUrl + "/v1",
            ["SpecRag:Verifier:Model"] = "verifier-8x7b",
            ["SpecRag:Verifier:TimeoutSeconds"] = "10",
        };
        foreach (var (key, value) in settings)
        {
            values[key] = value;
        }

        return SharedModels.Wire(values, instrument);
    }

    [Fact]
    public async Task The_drafter_parses_rationale_and_answer_and_scores_each_from_its_own_token_logprobs()
    {
        _server.Chat = _ =>
        (
            [("###", -0.01), (" Rationale:", -0.02), (" Paris", -0.5), (" is", -0.25), (" the", -0.125), (" capital", -1.0), (".", -0.0625),
             ("\n", -0.03), ("###", -0.04), (" Response:", -0.05), (" Paris", -0.75)],
            []
        );
        using var services = Models();
        var drafter = services.GetRequiredService<IDraftModel>();

        var draft = await drafter.DraftAsync("What is the capital of France?", Passages);

        Assert.Equal("openai/drafter-7b", drafter.Name);
        Assert.True(draft.Parsed);
        Assert.Equal("Paris is the capital.", draft.Rationale);
        Assert.Equal("Paris", draft.Answer);
        Assert.Equal(-0.5 - 0.25 - 0.125 - 1.0 - 0.0625, draft.RationaleLogProb, 6);
        Assert.Equal(-0.75, draft.AnswerLogProb, 6);
        Assert.Equal(draft.RationaleLogProb + draft.AnswerLogProb, draft.DraftScore, 6);

        var request = Assert.Single(_server.Requests).Body;
        Assert.Equal("drafter-7b", request["model"]!.GetValue<string>());
        Assert.Equal(0, request["temperature"]!.GetValue<double>());
        Assert.True(request["logprobs"]!.GetValue<bool>());
        Assert.Equal(64, (request["max_completion_tokens"] ?? request["max_tokens"])!.GetValue<int>());
        var user = request["messages"]!.AsArray().Last()!["content"]!.ToString();
        Assert.Contains("What is the capital of France?", user);
        Assert.Contains("[1] France: Paris is the capital of France.", user);
        Assert.Contains("[2] Seine: The Seine flows through Paris.", user);
    }

    [Fact]
    public async Task Output_that_does_not_follow_the_format_is_kept_whole_and_flagged()
    {
        _server.Chat = _ => ([("I", -0.1), (" think", -0.2), (" Paris", -0.3)], []);
        using var services = Models();

        var draft = await services.GetRequiredService<IDraftModel>().DraftAsync("Capital of France?", Passages);

        Assert.False(draft.Parsed);
        Assert.Equal("I think Paris", draft.Answer);
        Assert.Equal("", draft.Rationale);
        Assert.Equal(-0.6, draft.AnswerLogProb, 6);
        Assert.Equal(0, draft.RationaleLogProb);
    }

    [Fact]
    public async Task The_verifier_teacher_forces_question_answer_rationale_and_yes_through_echo()
    {
        using var services = Models();
        var verifier = services.GetRequiredService<IVerifierModel>();
        var draft = new DraftOutput("Paris", "Paris is the capital of France, as evidence 1 says.", -1, -1);

        var score = Assert.Single(await verifier.ScoreAsync("What is the capital of France?", [draft]));

        Assert.Equal(ScoringMethods.TeacherForced, verifier.Scoring);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/v1/completions", request.Path);
        Assert.True(request.Body["echo"]!.GetValue<bool>());
        Assert.True(request.Body["logprobs"]!.GetValue<int>() >= 1);
        Assert.Equal("verifier-8x7b", request.Body["model"]!.GetValue<string>());

        // The verifier sees Q, α, β and R, never the passages.
        var prompt = request.Body["prompt"]!.GetValue<string>();
        Assert.Contains("What is the capital of France?", prompt);
        Assert.Contains(SpeculativePrompts.SelfReflectionQuestion, prompt);
        Assert.DoesNotContain("Seine", prompt);
        Assert.EndsWith("Yes", prompt);

        // Recompute from the numbers the server returned: the tokens of α and β give ρ_SC, the last token ("Yes") ρ_SR.
        var tokens = FakeOpenAiServer.EchoTokens(prompt);
        var answerStart = prompt.IndexOf("Answer: Paris", StringComparison.Ordinal) + "Answer: ".Length;
        var rationaleStart = prompt.IndexOf(draft.Rationale, StringComparison.Ordinal);
        double Sum(int start, int end) => tokens.Select((t, i) => (t, i))
            .Where(x => x.t.Offset + (x.t.Token.Length - x.t.Token.TrimStart().Length) is var anchor && anchor >= start && anchor < end)
            .Sum(x => FakeOpenAiServer.EchoLogProb(x.i));
        var expectedSc = Sum(answerStart, answerStart + "Paris".Length) + Sum(rationaleStart, rationaleStart + draft.Rationale.Length);
        Assert.Equal(expectedSc, score.SelfConsistency!.Value, 6);
        Assert.Equal(FakeOpenAiServer.EchoLogProb(tokens.Count - 1), score.SelfReflection, 6);
    }

    [Fact]
    public async Task Without_echo_support_the_verifier_falls_back_to_the_yes_logprob_and_reports_no_self_consistency()
    {
        _server.SupportsEcho = false;
        _server.Chat = _ => ([("Yes", -0.3)], [("Yes", -0.3), (" yes", -2.0), ("No", -1.5)]);
        using var services = Models();
        var verifier = services.GetRequiredService<IVerifierModel>();

        var scores = await verifier.ScoreAsync("Q?", [new DraftOutput("A", "B", -1, -1), new DraftOutput("C", "D", -1, -1)]);

        Assert.Equal(ScoringMethods.ChatLogProbs, verifier.Scoring);
        Assert.All(scores, s =>
        {
            Assert.Null(s.SelfConsistency);
            Assert.Equal(Math.Log(Math.Exp(-0.3) + Math.Exp(-2.0)), s.SelfReflection, 6);
        });
        var chat = _server.Requests.Where(r => r.Path.EndsWith("chat/completions", StringComparison.Ordinal)).Select(r => r.Body).ToArray();
        Assert.Equal(2, chat.Length);
        Assert.All(chat, c =>
        {
            Assert.Equal(20, c["top_logprobs"]!.GetValue<int>());
            Assert.Equal(1, (c["max_completion_tokens"] ?? c["max_tokens"])!.GetValue<int>());
            Assert.Contains(SpeculativePrompts.SelfReflectionQuestion, c["messages"]!.AsArray().Last()!["content"]!.ToString());
        });
    }

    [Fact]
    public async Task An_azure_endpoint_uses_deployment_routes_and_the_api_key_header()
    {
        _server.Chat = _ => ([("No", -0.1)], [("No", -0.1), ("Yes", -2.5)]);
        using var services = Models(("SpecRag:Verifier:Provider", "azure"), ("SpecRag:Verifier:Endpoint", _server.BaseUrl), ("SpecRag:Verifier:ApiKey", "secret-key"));
        var verifier = services.GetRequiredService<IVerifierModel>();

        var score = Assert.Single(await verifier.ScoreAsync("Q?", [new DraftOutput("A", "B", -1, -1)]));

        Assert.Equal(ScoringMethods.ChatLogProbs, verifier.Scoring);
        Assert.Null(score.SelfConsistency);
        Assert.Equal(-2.5, score.SelfReflection, 6);
        var request = Assert.Single(_server.Requests);
        Assert.Equal("/openai/deployments/verifier-8x7b/chat/completions", request.Path);
        Assert.Contains("api-version=", request.Query);
        Assert.Equal("secret-key", request.Headers["api-key"]);
    }

    [Fact]
    public async Task When_yes_is_not_among_the_alternatives_the_least_likely_alternative_bounds_it()
    {
        _server.SupportsEcho = false;
        _server.Chat = _ => ([("No", -0.01)], [("No", -0.01), ("Maybe", -4.0), ("Perhaps", -6.5)]);
        using var services = Models();
        var score = Assert.Single(await services.GetRequiredService<IVerifierModel>().ScoreAsync("Q?", [new DraftOutput("A", "B", -1, -1)]));
        Assert.Equal(-6.5, score.SelfReflection, 6);
    }

    [Fact]
    public async Task Transient_server_errors_are_retried()
    {
        _server.FailNext(2, HttpStatusCode.ServiceUnavailable);
        using var services = Models();

        var draft = await services.GetRequiredService<IDraftModel>().DraftAsync("Q?", Passages);

        Assert.Equal("yes", draft.Answer);
        Assert.Equal(3, _server.Requests.Count);
    }

    [Fact]
    public async Task A_stalled_endpoint_times_out_after_its_retries_and_the_error_surfaces()
    {
        _server.StallNext(10);
        var attempts = new AttemptCount();
        // Attempts are counted where the client sends them, inside the resilience handler: an attempt that times out
        // before the loopback server has read its body (a loaded CI machine) is still an attempt the product made.
        using var services = Models(
            s => s.AddHttpClient(ModelServiceCollectionExtensions.HttpClientName("Drafter")).AddHttpMessageHandler(() => new CountingHandler(attempts)),
            ("SpecRag:Drafter:Retries", "1"), ("SpecRag:Drafter:TimeoutSeconds", "1"));

        var error = await Record.ExceptionAsync(() => services.GetRequiredService<IDraftModel>().DraftAsync("Q?", Passages));

        Assert.NotNull(error);
        Assert.Equal(2, attempts.Value);
        Assert.InRange(_server.Requests.Count, 1, 2);
        Assert.Contains("timeout", error.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Standard_mode_asks_the_verifier_model_with_all_passages()
    {
        _server.Chat = _ => ([("### Rationale:", 0), (" Evidence", -0.1), (" 1.", -0.1), ("\n### Response:", 0), (" Paris", -0.2)], []);
        using var services = Models();

        var answer = await services.GetRequiredService<IVerifierModel>().AnswerAsync("Capital of France?", Passages);

        Assert.Equal("Paris", answer.Answer);
        var request = Assert.Single(_server.Requests).Body;
        Assert.Equal("verifier-8x7b", request["model"]!.GetValue<string>());
        var user = request["messages"]!.AsArray().Last()!["content"]!.ToString();
        Assert.Contains("[2] Seine", user);
    }
}

/// <summary>The openai backend in the running gateway: failures of single drafts are reported, the query answers.</summary>
public sealed class OpenAiGatewayTests : IAsyncLifetime
{
    private FakeOpenAiServer _server = null!;
    private Gateway.GatewayFactory _gateway = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeOpenAiServer.StartAsync();
        _gateway = new OpenAiGatewayFactory(_server.BaseUrl);
        await _gateway.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Drafts_whose_model_calls_fail_are_reported_and_the_others_answer()
    {
        // Every draft whose subset holds the "broken" passage fails on the server, retries included.
        _server.FailWhen = body => body.ToJsonString().Contains("unlucky passage", StringComparison.Ordinal);
        _server.Chat = body => body.ToJsonString().Contains("Self", StringComparison.Ordinal) || body.ToJsonString().Contains("Yes or No", StringComparison.Ordinal)
            ? ([("Yes", -0.2)], [("Yes", -0.2), ("No", -1.7)])
            : ([("### Rationale:", -0.1), (" Evidence", -0.2), (" says", -0.3), ("\n### Response:", -0.1), (" blue", -0.4)], []);

        var result = await _gateway.PostJsonAsync<QueryResult>("/v1/query", new
        {
            question = "What colour is the sky?",
            drafts = 4,
            docsPerDraft = 1,
            documents = new[]
            {
                new { id = "a", text = "The sky is blue." },
                new { id = "b", text = "An unlucky passage about nothing." },
                new { id = "c", text = "Clear skies look blue." },
                new { id = "d", text = "At dusk the sky turns red." },
            },
        });

        Assert.Equal("openai/drafter-7b", result.Models.Drafter);
        Assert.Equal("openai/verifier-8x7b", result.Models.Verifier);
        Assert.Equal(["b"], Assert.Single(result.FailedDrafts).DocumentIds);
        Assert.Contains("500", Assert.Single(result.FailedDrafts).Error);
        Assert.Equal(3, result.Drafts.Count);
        Assert.All(result.Drafts, d => Assert.Equal("blue", d.Answer));
        Assert.Equal("blue", result.Answer);
    }

    [Fact]
    public async Task Requests_to_one_endpoint_never_exceed_its_concurrency_limit()
    {
        _server.Latency = TimeSpan.FromMilliseconds(50);
        var result = await _gateway.PostJsonAsync<QueryResult>("/v1/query", new
        {
            question = "Q?",
            drafts = 6,
            docsPerDraft = 1,
            documents = Enumerable.Range(0, 6).Select(i => new { id = $"d{i}", text = $"Passage number {i}." }).ToArray(),
        });

        Assert.Equal(6, result.Drafts.Count);
        Assert.Equal(2, _server.MaxInFlight); // SpecRag:Drafter:MaxConcurrency = 2 and the verifier's calls come after
    }

    private sealed class OpenAiGatewayFactory(string baseUrl) : Gateway.GatewayFactory
    {
        protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
        {
            ["SpecRag:DemoCorpus:Enabled"] = "false",
            ["SpecRag:Drafter:Backend"] = "openai",
            ["SpecRag:Drafter:Endpoint"] = baseUrl + "/v1",
            ["SpecRag:Drafter:Model"] = "drafter-7b",
            ["SpecRag:Drafter:TimeoutSeconds"] = "2",
            ["SpecRag:Drafter:Retries"] = "1",
            ["SpecRag:Drafter:MaxConcurrency"] = "2",
            ["SpecRag:Verifier:Backend"] = "openai",
            ["SpecRag:Verifier:Endpoint"] = baseUrl + "/v1",
            ["SpecRag:Verifier:Model"] = "verifier-8x7b",
            ["SpecRag:Verifier:MaxConcurrency"] = "2",
        };
    }
}

file sealed class AttemptCount
{
    private int _value;

    public int Value => Volatile.Read(ref _value);

    public void Add() => Interlocked.Increment(ref _value);
}

/// <summary>Counts the requests the client sends: one per attempt when it sits inside the resilience handler.</summary>
file sealed class CountingHandler(AttemptCount count) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        count.Add();
        return base.SendAsync(request, cancellationToken);
    }
}
