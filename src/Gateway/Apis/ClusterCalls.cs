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

/// <summary>
/// Grain calls from the gateway, bounded by the request: each attempt is cancelled at the request's deadline plus
/// a grace, when the client goes away, or when a gateway is lost; a call that failed because its gateway or its
/// silo went away is sent again (through the gateways that remain) until the bound. Safe for queries: a query keeps
/// its id, so one that finished returns its stored result and one that did not runs again, with its first deadline.
/// </summary>
public static class ClusterCalls
{
    public static async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, DateTimeOffset until, GatewayLossSignal? gatewayLoss, CancellationToken aborted)
    {
        for (var attempt = 1; ; attempt++)
        {
            var remaining = until - DateTimeOffset.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException("The cluster did not answer before the request's deadline.");
            }

            using var bound = new CancellationTokenSource(remaining);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, bound.Token, gatewayLoss?.Token ?? CancellationToken.None);
            try
            {
                return await call(linked.Token);
            }
            catch (OperationCanceledException) when (!aborted.IsCancellationRequested && !bound.IsCancellationRequested)
            {
                // A gateway was lost while the call was in flight: send it again.
            }
            catch (OperationCanceledException) when (bound.IsCancellationRequested && !aborted.IsCancellationRequested)
            {
                throw new TimeoutException("The cluster did not answer before the request's deadline.");
            }
            catch (Exception e) when (TransientFaults.IsTransient(e) && DateTimeOffset.UtcNow < until && !aborted.IsCancellationRequested)
            {
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 1000)), aborted);
        }
    }
}

/// <summary>
/// Runs queries through <see cref="ClusterCalls"/>: the gateway fixes each query's deadline when the request arrives
/// (<c>deadlineMs</c>, else <c>SpecRag:Query:DefaultDeadlineMs</c>) and bounds the call by it plus
/// <c>SpecRag:Gateway:DeadlineGraceMs</c> (4,000), never the Orleans client's 5-minute response timeout. A client
/// that goes away cancels its query, drafts included; such a query is not stored.
/// </summary>
public sealed class QueryCalls(IOptions<GatewayOptions> gateway, IOptions<QueryOptions> query, GatewayLossSignal gatewayLoss)
{
    private readonly int _defaultDeadlineMs = query.Value.DefaultDeadlineMs;
    private readonly TimeSpan _grace = TimeSpan.FromMilliseconds(gateway.Value.DeadlineGraceMs);

    // Queries past this many at once wait here in arrival order (SemaphoreSlim's async waiters are FIFO): an overloaded
    // cluster then serves every query a little later instead of a few of them tens of seconds late.
    private readonly SemaphoreSlim _admission = new(gateway.Value.MaxQueriesInFlight);

    public QueryRequest WithDeadline(QueryRequest request) =>
        request with { DeadlineAt = DateTimeOffset.UtcNow.AddMilliseconds(request.DeadlineMs ?? _defaultDeadlineMs) };

    public async Task<QueryResult> RunAsync(IQueryGrain query, QueryRequest request, CancellationToken aborted)
    {
        var until = (request.DeadlineAt ?? DateTimeOffset.UtcNow.AddMilliseconds(_defaultDeadlineMs)) + _grace;
        var wait = until - DateTimeOffset.UtcNow;
        if (!await _admission.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, aborted))
        {
            throw new TimeoutException("The query waited for admission past its deadline.");
        }

        try
        {
            return await ClusterCalls.RunAsync(token => query.RunAsync(request, token), until, gatewayLoss, aborted);
        }
        finally
        {
            _admission.Release();
        }
    }
}
