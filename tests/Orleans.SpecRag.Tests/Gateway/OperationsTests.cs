using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>A production-like gateway with an API key configured and every log line captured.</summary>
public sealed class SecuredGatewayFactory : GatewayFactory
{
    public const string ApiKey = "sk-test-7f3a9c2e5b1d4e8f";

    public CapturedLogs Logs { get; } = new();

    protected override string? DefaultApiKey => null;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["SpecRag:Auth:ApiKeys"] = $"another-key, {ApiKey}",
        ["SpecRag:DemoCorpus:Enabled"] = "false",
    };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ILoggerProvider>(Logs);
}

public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.Lines.Enqueue($"scope {category}: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

public sealed class OperationsTests(SecuredGatewayFactory gateway) : IClassFixture<SecuredGatewayFactory>
{
    [Fact]
    public async Task The_dashboard_needs_an_api_key_outside_development()
    {
        var anonymous = await gateway.Client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var wrong = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        wrong.Headers.Add("X-Api-Key", "not-the-key");
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.Client.SendAsync(wrong)).StatusCode);

        var bearer = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        bearer.Headers.Authorization = new("Bearer", SecuredGatewayFactory.ApiKey);
        var page = await gateway.Client.SendAsync(bearer);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<html", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var header = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        header.Headers.Add("X-Api-Key", SecuredGatewayFactory.ApiKey);
        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.SendAsync(header)).StatusCode);
    }

    [Fact]
    public async Task Metrics_are_served_for_prometheus_after_a_query()
    {
        await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Q?", documents = new[] { new { text = "Alpha beta gamma." }, new { text = "Delta epsilon." } } });

        var metrics = await gateway.Client.GetStringAsync("/metrics");

        Assert.Contains("specrag_query_duration", metrics);
        Assert.Contains("specrag_draft_duration", metrics);
        Assert.Contains("specrag_drafts_inflight", metrics);
    }

    [Fact]
    public async Task The_query_span_joins_the_trace_of_the_http_request_and_logs_carry_the_query_id()
    {
        var finished = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Orleans.SpecRag",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = finished.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which is first?", documents = new[] { new { text = "First comes alpha." }, new { text = "Then beta." } } });

        Assert.Contains(finished, a => a.OperationName == "specrag.query" && a.TraceId.ToString() == result.TraceId);
        Assert.Contains(finished, a => a.OperationName == "specrag.draft" && a.TraceId.ToString() == result.TraceId);
        Assert.Contains(gateway.Logs.Lines, line => line.Contains(result.Id, StringComparison.Ordinal) && line.Contains("QueryId", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_api_key_ever_reaches_a_log()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Authorization = new("Bearer", SecuredGatewayFactory.ApiKey);
        await gateway.Client.SendAsync(request);
        var wrong = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        wrong.Headers.Add("X-Api-Key", SecuredGatewayFactory.ApiKey + "-typo");
        await gateway.Client.SendAsync(wrong);
        await gateway.Client.PostAsJsonAsync("/v1/query", new { question = SecuredGatewayFactory.ApiKey[..0] + "Q?", documents = new[] { new { text = "x y z." } } });

        Assert.NotEmpty(gateway.Logs.Lines);
        Assert.DoesNotContain(gateway.Logs.Lines, line => line.Contains("sk-test-7f3a9c2e5b1d4e8f", StringComparison.Ordinal));
        Assert.DoesNotContain(gateway.Logs.Lines, line => line.Contains("another-key", StringComparison.Ordinal));
    }
}

/// <summary>In Development the dashboard is open, as operators expect on their own machine.</summary>
public sealed class DevelopmentGatewayFactory : GatewayFactory
{
    protected override string Environment => "Development";

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["SpecRag:DemoCorpus:Enabled"] = "false" };
}

public sealed class DevelopmentDashboardTests(DevelopmentGatewayFactory gateway) : IClassFixture<DevelopmentGatewayFactory>
{
    [Fact]
    public async Task The_dashboard_is_open_in_development()
    {
        var page = await gateway.Client.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
