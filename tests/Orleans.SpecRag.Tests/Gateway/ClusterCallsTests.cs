using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Gateway.Apis;
using Orleans.SpecRag.Gateway.Hosting;
using Orleans.SpecRag.Gateway.Problems;
using Orleans.Runtime.Messaging;
using Orleans.SpecRag.Querying;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>
/// The gateway's bounded, failed-over grain calls as plain code: which faults are sent again, what the caller gets when
/// the bound is spent, how a lost gateway re-sends calls in flight, and how admission turns away a burst.
/// </summary>
public sealed class ClusterCallsTests
{
    private static ClusterCalls Calls(GatewayLossSignal? signal = null, int readTimeoutMs = 400) =>
        new(Options.Create(new GatewayOptions { ReadTimeoutMs = readTimeoutMs }), signal ?? new GatewayLossSignal(), NullLogger<ClusterCalls>.Instance);

    private static DateTimeOffset In(int ms) => DateTimeOffset.UtcNow.AddMilliseconds(ms);

    [Fact]
    public async Task A_call_that_fails_on_a_silo_fault_is_sent_again_until_it_succeeds()
    {
        var attempts = 0;
        var result = await Calls().RunAsync(_ => ++attempts < 3 ? throw new SiloUnavailableException("gone") : Task.FromResult("answer"), In(5_000), "query", default);

        Assert.Equal("answer", result);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task When_every_attempt_fails_on_a_fault_until_the_bound_the_caller_gets_ClusterUnavailable_not_the_raw_fault()
    {
        var attempts = 0;
        var failure = await Assert.ThrowsAsync<ClusterUnavailableException>(() =>
            Calls().RunAsync<string>(_ => { attempts++; throw new ConnectionFailedException("the gateway is gone"); }, In(700), "query", default));

        Assert.True(attempts >= 2, $"{attempts} attempt(s)");
        Assert.Contains("ConnectionFailedException", failure.Message);
    }

    [Fact]
    public async Task A_call_that_never_answers_ends_at_its_bound_with_a_timeout()
    {
        var started = DateTimeOffset.UtcNow;
        await Assert.ThrowsAsync<TimeoutException>(() => Calls().RunAsync(async token => { await Task.Delay(Timeout.Infinite, token); return "never"; }, In(300), "query", default));
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_call_in_flight_when_a_gateway_is_lost_is_sent_again()
    {
        var signal = new GatewayLossSignal();
        var attempts = 0;
        var firstInFlight = new TaskCompletionSource();
        var call = Calls(signal).RunAsync(async token =>
        {
            if (++attempts == 1)
            {
                firstInFlight.SetResult();
                await Task.Delay(Timeout.Infinite, token); // its answer could only come back through the lost gateway
            }

            return attempts;
        }, In(10_000), "query", default);

        await firstInFlight.Task;
        signal.OnGatewayCountChanged(null, new GatewayCountChangedEventArgs(1, 2));

        Assert.Equal(2, await call);
    }

    [Fact]
    public async Task A_client_that_goes_away_is_not_retried()
    {
        using var aborted = new CancellationTokenSource();
        var attempts = 0;
        var call = Calls().RunAsync(async token => { attempts++; await Task.Delay(Timeout.Infinite, token); return 0; }, In(10_000), "query", aborted.Token);
        await Task.Delay(50);
        await aborted.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task An_application_error_is_the_callee_s_answer_and_is_not_retried()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<CollectionNotFoundException>(() => Calls().RunAsync<int>(_ => { attempts++; throw new CollectionNotFoundException("nope"); }, In(5_000), "query", default));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task Reads_have_their_own_bound()
    {
        await Assert.ThrowsAsync<TimeoutException>(() => Calls(readTimeoutMs: 200).ReadAsync(() => new TaskCompletionSource<int>().Task, default));
    }

    [Fact]
    public async Task Past_the_queue_limit_a_query_is_turned_away_at_once_and_the_ones_admitted_still_run()
    {
        var gateway = new GatewayOptions { MaxQueriesInFlight = 1, MaxQueriesQueued = 1 };
        var calls = new QueryCalls(Options.Create(gateway), Options.Create(new QueryOptions()), Calls());
        var grain = new HeldQueryGrain();
        var request = calls.WithDeadline(new QueryRequest { Question = "q" });

        var running = calls.RunAsync(grain, request, default);
        await grain.Started.Task;
        var queued = calls.RunAsync(grain, request, default);
        var busy = await Assert.ThrowsAsync<GatewayBusyException>(() => calls.RunAsync(grain, request, default));
        Assert.Equal(1, busy.MaxQueued);

        // A streamed query shares the same admission.
        await Assert.ThrowsAsync<GatewayBusyException>(async () => { await foreach (var _ in calls.StreamAsync(grain, request, default)) { } });

        grain.Release.SetResult();
        Assert.Equal("q", (await running).Question);
        Assert.Equal("q", (await queued).Question);
    }

    [Fact]
    public async Task A_stream_its_reader_abandons_gives_its_admission_slot_back_and_stops_its_grain_stream()
    {
        var calls = new QueryCalls(Options.Create(new GatewayOptions { MaxQueriesInFlight = 1, MaxQueriesQueued = 0 }), Options.Create(new QueryOptions()), Calls());
        var grain = new EndlessStreamGrain();
        var request = calls.WithDeadline(new QueryRequest { Question = "q" });

        var stream = calls.StreamAsync(grain, request, default).GetAsyncEnumerator();
        Assert.True(await stream.MoveNextAsync());
        await Assert.ThrowsAsync<GatewayBusyException>(() => calls.RunAsync(grain, request, default)); // the one slot is taken
        await stream.DisposeAsync(); // the client went away mid-stream

        Assert.True(grain.Disposed);
        Assert.Equal("q", (await calls.RunAsync(grain, request, default)).Question);
    }

    [Fact]
    public async Task A_stream_that_breaks_on_a_fault_ends_with_the_answer_of_the_same_query_run_again()
    {
        var calls = new QueryCalls(Options.Create(new GatewayOptions()), Options.Create(new QueryOptions()), Calls());
        var grain = new BreakingStreamGrain();
        var request = calls.WithDeadline(new QueryRequest { Question = "q" });

        var events = new List<QueryEvent>();
        await foreach (var e in calls.StreamAsync(grain, request, default))
        {
            events.Add(e);
        }

        Assert.IsType<RetrievedEvent>(events[0]);
        Assert.Equal("q", Assert.IsType<AnswerEvent>(events[^1]).Result.Question);
        Assert.Equal(2, events.Count);
        Assert.Equal(1, grain.Runs);
    }

    [Fact]
    public async Task A_query_that_fails_after_its_stream_started_ends_the_stream_with_its_problem()
    {
        static async IAsyncEnumerable<QueryEvent> Failing()
        {
            yield return new RetrievedEvent([]);
            await Task.Yield();
            throw new DeadlineExceededException(30_000, []);
        }

        var events = new List<QueryEvent>();
        await foreach (var e in await QueryEventStream.StartAsync(Failing(), new DefaultHttpContext(), default))
        {
            events.Add(e);
        }

        Assert.IsType<RetrievedEvent>(events[0]);
        var failed = Assert.IsType<StreamFailedEvent>(events[^1]);
        Assert.Equal(504, failed.Status);
        Assert.Contains("30000 ms", failed.Detail);
    }

    [Theory]
    [InlineData("busy", 503)]
    [InlineData("unavailable", 503)]
    [InlineData("silo", 503)]
    [InlineData("timeout", 504)]
    public async Task Silo_and_network_faults_are_503_with_Retry_After_never_500(string fault, int status)
    {
        Exception exception = fault switch
        {
            "busy" => new GatewayBusyException(4),
            "unavailable" => new ClusterUnavailableException("The cluster could not be reached.", new SiloUnavailableException()),
            "silo" => new SiloUnavailableException("gone"),
            _ => new TimeoutException(),
        };
        var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var handler = new SpecRagExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<SpecRagExceptionHandler>.Instance);
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();

        Assert.True(await handler.TryHandleAsync(context, exception, default));

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(status == 503, context.Response.Headers.RetryAfter.Count > 0);
        context.Response.Body.Position = 0;
        var problem = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }

    private static QueryResult Result(string question) => new()
    {
        Question = question,
        Answer = "a",
        Rationale = "r",
        Mode = QueryMode.Speculative,
        Citations = [],
        Drafts = [],
        Timings = new QueryTimings(0, 0, 0, 0, 0),
        Models = new ModelNames("d", "v"),
        VerifierSilo = "S127.0.0.1:11111:1",
    };

    /// <summary>A query grain whose runs wait until released.</summary>
    private sealed class HeldQueryGrain : IQueryGrain
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<QueryResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            await Release.Task.WaitAsync(cancellationToken);
            return Result(request.Question);
        }

        public IAsyncEnumerable<QueryEvent> StreamAsync(QueryRequest request) => throw new NotSupportedException();

        public Task<QueryResult?> GetResultAsync() => Task.FromResult<QueryResult?>(null);
    }

    /// <summary>A query grain whose stream never ends; it notes when its reader disposes it.</summary>
    private sealed class EndlessStreamGrain : IQueryGrain
    {
        public bool Disposed { get; private set; }

        public Task<QueryResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default) => Task.FromResult(Result(request.Question));

        public async IAsyncEnumerable<QueryEvent> StreamAsync(QueryRequest request)
        {
            try
            {
                while (true)
                {
                    yield return new RetrievedEvent([]);
                    await Task.Delay(10);
                }
            }
            finally
            {
                Disposed = true;
            }
        }

        public Task<QueryResult?> GetResultAsync() => Task.FromResult<QueryResult?>(null);
    }

    /// <summary>A query grain whose stream sends one event, then fails as when its silo dies; running the query again answers.</summary>
    private sealed class BreakingStreamGrain : IQueryGrain
    {
        public int Runs { get; private set; }

        public Task<QueryResult> RunAsync(QueryRequest request, CancellationToken cancellationToken = default)
        {
            Runs++;
            return Task.FromResult(Result(request.Question));
        }

        public async IAsyncEnumerable<QueryEvent> StreamAsync(QueryRequest request)
        {
            yield return new RetrievedEvent([]);
            await Task.Yield();
            throw new SiloUnavailableException("the silo died mid-stream");
        }

        public Task<QueryResult?> GetResultAsync() => Task.FromResult<QueryResult?>(null);
    }
}
