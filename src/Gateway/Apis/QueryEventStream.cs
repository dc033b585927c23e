using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;

namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// Turns a query's events into server-sent events. The first event is awaited before the response starts, so
/// that a query that cannot run at all (a missing role, an unknown collection) still gets its proper status code.
/// </summary>
public static class QueryEventStream
{
    /// <summary>
    /// Starts <paramref name="source"/>; its enumerator is disposed with the response even if the stream is never read
    /// (the client left before the first write), which releases the query's admission slot and tells its grain.
    /// </summary>
    public static async Task<IAsyncEnumerable<T>> StartAsync<T>(IAsyncEnumerable<T> source, HttpContext context, CancellationToken cancellationToken)
    {
        var enumerator = source.GetAsyncEnumerator(cancellationToken);
        context.Response.RegisterForDisposeAsync(enumerator);
        if (!await enumerator.MoveNextAsync())
        {
            await enumerator.DisposeAsync();
            return Empty<T>();
        }

        return Continue(enumerator);
    }

    /// <summary>The native stream: events <c>retrieved</c>, <c>draft</c>, <c>draft-failed</c>, <c>verified</c>, <c>answer</c>.</summary>
    public static async IAsyncEnumerable<SseItem<object>> ToSse(IAsyncEnumerable<QueryEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in events.WithCancellation(cancellationToken))
        {
            yield return update switch
            {
                RetrievedEvent r => new SseItem<object>(new { passages = r.Passages, elapsedMs = r.ElapsedMs }, "retrieved"),
                DraftEvent d => new SseItem<object>(new
                {
                    index = d.Draft.Index,
                    answer = d.Draft.Answer,
                    rationale = d.Draft.Rationale,
                    documentIds = d.Draft.DocumentIds,
                    draftScore = d.Draft.DraftScore,
                    silo = d.Draft.Silo,
                    latencyMs = d.Draft.LatencyMs,
                    elapsedMs = d.ElapsedMs,
                }, "draft"),
                DraftFailedEvent f => new SseItem<object>(new { f.Failure.Index, f.Failure.DocumentIds, f.Failure.Error, elapsedMs = f.ElapsedMs }, "draft-failed"),
                VerifiedEvent v => new SseItem<object>(new { drafts = v.Drafts, selectedDraft = v.SelectedDraft, scoring = v.Scoring, elapsedMs = v.ElapsedMs }, "verified"),
                AnswerEvent a => new SseItem<object>(a.Result, "answer"),
                StreamFailedEvent f => new SseItem<object>(f.Problem, "error"),
                _ => new SseItem<object>(update, "event"),
            };
        }
    }

    private static async IAsyncEnumerable<T> Continue<T>(IAsyncEnumerator<T> enumerator)
    {
        await using (enumerator)
        {
            (bool More, StreamFailedEvent? Failed) next;
            do
            {
                yield return enumerator.Current;
                next = await MoveNextOrFailAsync(enumerator);
            }
            while (next.More);

            if (next.Failed is T failed)
            {
                yield return failed;
            }
        }
    }

    // Once the response has started its status cannot change: a query that fails after that (every draft missed the
    // deadline, every draft failed) ends the stream with an event saying so, instead of a connection cut mid-stream.
    private static async Task<(bool More, StreamFailedEvent? Failed)> MoveNextOrFailAsync<T>(IAsyncEnumerator<T> enumerator)
    {
        try
        {
            return (await enumerator.MoveNextAsync(), null);
        }
        catch (Exception e) when (e is not OperationCanceledException && typeof(T).IsAssignableFrom(typeof(StreamFailedEvent)))
        {
            var (status, title, detail, extensions) = Problems.SpecRagExceptionHandler.Describe(e);
            if (status == StatusCodes.Status500InternalServerError)
            {
                throw; // an unexpected error is left to the exception handler, which logs it
            }

            return (false, new StreamFailedEvent(status, title, detail, extensions));
        }
    }

    private static async IAsyncEnumerable<T> Empty<T>()
    {
        await Task.CompletedTask;
        yield break;
    }
}
