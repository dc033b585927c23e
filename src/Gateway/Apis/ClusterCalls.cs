using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Gateway.Hosting;
using Orleans.SpecRag.Querying;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// Raised when the Orleans client loses a gateway connection. Calls in flight through that gateway would otherwise
/// wait for the client's response timeout: their answers can no longer reach this process. The client does not say
/// which gateway a call went through, so every call in flight is sent again; one that was not affected finds its
/// query finished (and returns the stored result) or runs it again within its first deadline.
/// </summary>
public sealed class GatewayLossSignal
{
    private CancellationTokenSource _lost = new();

    /// <summary>Cancelled the next time a gateway is lost.</summary>
    public CancellationToken Token => Volatile.Read(ref _lost).Token;

    public void OnGatewayCountChanged(object? sender, GatewayCountChangedEventArgs e)
    {
        if (e.NumberOfConnectedGateways < e.PreviousNumberOfConnectedGateways)
        {
            // Not disposed: a request may be linking to it right now, and an undisposed source holds no timer.
            Interlocked.Exchange(ref _lost, new CancellationTokenSource()).Cancel();
        }
    }
}

/// <summary>The cluster could not be reached (silos or gateways gone) for as long as the call was allowed to take: a 503.</summary>
public sealed class ClusterUnavailableException(string message, Exception? inner) : Exception(message, inner);

/// <summary>
/// Grain calls from the gateway, bounded by the request: each attempt is cancelled at the call's bound, when the
/// client goes away, or when a gateway is lost; a call that failed because its gateway or its silo went away is sent
/// again (through the gateways that remain) until the bound. When the bound is spent the caller gets a
/// <see cref="ClusterUnavailableException"/> (503) if the last attempt failed on a fault, or a
/// <see cref="TimeoutException"/> (504) if the cluster simply did not answer. Only idempotent calls come here:
/// a query keeps its id, ingestion replaces documents by id, reads change nothing.
/// </summary>
public sealed class ClusterCalls(IOptions<GatewayOptions> options, GatewayLossSignal gatewayLoss, ILogger<ClusterCalls> logger)
{
    private readonly TimeSpan _readBound = TimeSpan.FromMilliseconds(options.Value.ReadTimeoutMs);
    private readonly TimeSpan _ingestBound = TimeSpan.FromMilliseconds(options.Value.IngestTimeoutMs);

    /// <summary>Cancelled the next time the client loses a gateway.</summary>
    public CancellationToken GatewayLossToken => gatewayLoss.Token;

    /// <summary>A read (collection info, a stored query, the silo list): bounded by <c>SpecRag:Gateway:ReadTimeoutMs</c>.</summary>
    public Task<T> ReadAsync<T>(Func<Task<T>> call, CancellationToken aborted) =>
        RunAsync(token => call().WaitAsync(token), DateTimeOffset.UtcNow + _readBound, "read", aborted);

    /// <summary>
    /// One batch of documents: bounded by <c>SpecRag:Gateway:IngestTimeoutMs</c>. A batch sent again after a fault
    /// replaces by id what the first attempt may already have written, so nothing is duplicated; the counts it
    /// reports may then call "updated" what the first attempt added.
    /// </summary>
    public Task<T> IngestAsync<T>(Func<Task<T>> call, CancellationToken aborted) =>
        RunAsync(token => call().WaitAsync(token), DateTimeOffset.UtcNow + _ingestBound, "ingestion", aborted);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, DateTimeOffset until, string what, CancellationToken aborted)
    {
        Exception? lastFault = null;
        for (var attempt = 1; ; attempt++)
        {
            var remaining = until - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw Spent(what, attempt - 1, lastFault);
            }

            lastFault = null; // a 503 says the last attempt failed on a fault; one that just got no answer is a 504
            var lost = gatewayLoss.Token;
            using var bound = new CancellationTokenSource(remaining);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, bound.Token, lost);
            try
            {
                return await call(linked.Token);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested)
            {
                throw Spent(what, attempt, lastFault);
            }
            catch (OperationCanceledException) when (lost.IsCancellationRequested)
            {
                logger.LogWarning("A gateway was lost while a {What} was in flight (attempt {Attempt}); sending it again through the gateways that remain", what, attempt);
                continue; // at once: the call did not fail, its way back did
            }
            catch (Exception e) when (IsRetried(e))
            {
                // A silo or path fault, or a cancellation that came from the cluster (an activation stopped under it).
                logger.LogWarning("A {What} failed on {Fault} (attempt {Attempt}); sending it again", what, e.GetBaseException().GetType().Name, attempt);
                lastFault = e;
            }

            try
            {
                var backoff = TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 1000));
                var left = until - DateTimeOffset.UtcNow;
                await Task.Delay(backoff < left ? backoff : left > TimeSpan.Zero ? left : TimeSpan.Zero, aborted);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                throw;
            }
        }
    }

    // A TimeoutException thrown inside the cluster is the callee's answer (it was slow), not a lost path: sending the
    // call again would only repeat the work when the cluster is already slow. It surfaces as a 504.
    private static bool IsRetried(Exception e) =>
        e is OperationCanceledException || (TransientFaults.IsTransient(e) && e.GetBaseException() is not TimeoutException);

    private static Exception Spent(string what, int attempts, Exception? lastFault) => lastFault is null
        ? new TimeoutException($"The cluster did not answer the {what} in time ({attempts} attempt(s)).")
        : new ClusterUnavailableException(
            $"The cluster could not be reached for the {what}: {attempts} attempt(s) failed, the last on {lastFault.GetBaseException().GetType().Name}. Silos may be restarting; try again shortly.",
            lastFault);
}

/// <summary>
/// Runs queries through <see cref="ClusterCalls"/>: the gateway fixes each query's deadline when the request arrives
/// (<c>deadlineMs</c>, else <c>SpecRag:Query:DefaultDeadlineMs</c>) and bounds the call by it plus
/// <c>SpecRag:Gateway:DeadlineGraceMs</c> (4,000), never the Orleans client's 5-minute response timeout. A client
/// that goes away cancels its query, drafts included; such a query is not stored. Streamed and plain queries share
/// one admission: at most <c>SpecRag:Gateway:MaxQueriesInFlight</c> run, up to <c>MaxQueriesQueued</c> wait in
/// arrival order within their deadline, and any further one is turned away at once (503 with Retry-After).
/// </summary>
public sealed class QueryCalls(IOptions<GatewayOptions> gateway, IOptions<QueryOptions> query, ClusterCalls cluster)
{
    private readonly int _defaultDeadlineMs = query.Value.DefaultDeadlineMs;
    private readonly TimeSpan _grace = TimeSpan.FromMilliseconds(gateway.Value.DeadlineGraceMs);
    private readonly int _maxQueued = gateway.Value.MaxQueriesQueued;
    private int _queued;

    // Queries past this many at once wait here in arrival order (SemaphoreSlim's async waiters are FIFO): an overloaded
    // cluster then serves every query a little later instead of a few of them tens of seconds late.
    private readonly SemaphoreSlim _admission = new(gateway.Value.MaxQueriesInFlight);

    public QueryRequest WithDeadline(QueryRequest request) =>
        request with { DeadlineAt = DateTimeOffset.UtcNow.AddMilliseconds(request.DeadlineMs ?? _defaultDeadlineMs) };

    private DateTimeOffset BoundOf(QueryRequest request) =>
        (request.DeadlineAt ?? DateTimeOffset.UtcNow.AddMilliseconds(_defaultDeadlineMs)) + _grace;

    public async Task<QueryResult> RunAsync(IQueryGrain query, QueryRequest request, CancellationToken aborted)
    {
        var until = BoundOf(request);
        await AdmitAsync(until, aborted);
        try
        {
            return await cluster.RunAsync(token => query.RunAsync(request, token), until, "query", aborted);
        }
        finally
        {
            _admission.Release();
        }
    }

    /// <summary>
    /// The query's events as they happen, within the same bound and admission as <see cref="RunAsync"/>. When the
    /// stream breaks on a fault (its gateway or its silo went away), the query is finished through
    /// <see cref="RunAsync"/>'s retries under the same id and its answer ends the stream: events already sent are not
    /// repeated. The answer is the query's stored result, which may come from a run that started again, so its drafts
    /// can differ from the <c>draft</c> events sent before the break.
    /// </summary>
    public async IAsyncEnumerable<QueryEvent> StreamAsync(IQueryGrain query, QueryRequest request, [EnumeratorCancellation] CancellationToken aborted)
    {
        var until = BoundOf(request);
        await AdmitAsync(until, aborted);
        try
        {
            var broken = false;
            using (var bound = new CancellationTokenSource(Max(until - DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(1))))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, bound.Token, cluster.GatewayLossToken))
            {
                var events = query.StreamAsync(request).GetAsyncEnumerator(linked.Token);
                try
                {
                    while (true)
                    {
                        var next = await MoveNextAsync(events, bound, aborted);
                        if (next is null)
                        {
                            broken = true;
                            break;
                        }

                        if (next is false)
                        {
                            break;
                        }

                        yield return events.Current;
                    }
                }
                finally
                {
                    await DisposeQuietlyAsync(events);
                }
            }

            if (broken)
            {
                var result = await cluster.RunAsync(token => query.RunAsync(request, token), until, "query", aborted);
                yield return new AnswerEvent(result) { ElapsedMs = result.Timings.TotalMs };
            }
        }
        finally
        {
            _admission.Release();
        }
    }

    /// <summary>True: an event; false: the end; null: the stream broke on a fault or a lost gateway and the query must be finished otherwise.</summary>
    private static async Task<bool?> MoveNextAsync(IAsyncEnumerator<QueryEvent> events, CancellationTokenSource bound, CancellationToken aborted)
    {
        try
        {
            return await events.MoveNextAsync();
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested && !aborted.IsCancellationRequested)
        {
            throw new TimeoutException("The cluster did not finish the query's stream in time.");
        }
        catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e) when (TransientFaults.IsTransient(e) && !aborted.IsCancellationRequested)
        {
            return null;
        }
        catch (EnumerationAbortedException) when (!aborted.IsCancellationRequested)
        {
            // The grain no longer knows this enumerator: it was deactivated, or the stream sat idle past Orleans'
            // expiry while a draft waited on a drafter silo that had gone. The query itself may well be running still.
            return null;
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Disposing tells the query grain its reader is gone. After a fault that message may find no one, or wait behind a
    /// gateway that is cut off: it gets a second, and then goes on without this request.
    /// </summary>
    private static async Task DisposeQuietlyAsync(IAsyncEnumerator<QueryEvent> events)
    {
        var disposing = events.DisposeAsync().AsTask();
        try
        {
            await disposing.WaitAsync(TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (TransientFaults.IsTransient(e) || e is OperationCanceledException)
        {
            _ = disposing.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }
    }

    private async Task AdmitAsync(DateTimeOffset until, CancellationToken aborted)
    {
        if (_admission.Wait(0))
        {
            return;
        }

        if (Interlocked.Increment(ref _queued) > _maxQueued)
        {
            Interlocked.Decrement(ref _queued);
            throw new GatewayBusyException(_maxQueued);
        }

        try
        {
            var wait = until - DateTimeOffset.UtcNow;
            if (!await _admission.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, aborted))
            {
                throw new TimeoutException("The query waited for admission past its deadline.");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }
}

/// <summary>More queries wait at this gateway than <c>SpecRag:Gateway:MaxQueriesQueued</c> allows: a 503 with Retry-After.</summary>
public sealed class GatewayBusyException(int maxQueued)
    : Exception($"This gateway already has {maxQueued} queries waiting for admission; try again shortly or through another gateway.")
{
    public int MaxQueued { get; } = maxQueued;
}
