using System.Diagnostics;

namespace Orleans.SpecRag.Models.Decorators;

/// <summary>Logs each draft, its duration and its outcome at Debug; costs one level check when Debug is off.</summary>
public sealed partial class LoggingDraftModel(IDraftModel inner, ILogger logger) : DelegatingDraftModel(inner)
{
    public override async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return await base.DraftAsync(question, passages, options, cancellationToken);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var output = await base.DraftAsync(question, passages, options, cancellationToken);
            Drafted(options?.Index, Name, passages.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds, output.Parsed);
            return output;
        }
        catch (Exception ex)
        {
            DraftFailed(options?.Index, Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Draft {Index} by {Model} from {Passages} passages in {Ms:F1} ms (parsed: {Parsed})")]
    private partial void Drafted(int? index, string model, int passages, double ms, bool parsed);

    [LoggerMessage(LogLevel.Debug, "Draft {Index} by {Model} failed after {Ms:F1} ms: {Error}: {Message}")]
    private partial void DraftFailed(int? index, string model, double ms, string error, string message);
}

/// <summary>Logs each verification and standard answer, its duration and its outcome at Debug.</summary>
public sealed partial class LoggingVerifierModel(IVerifierModel inner, ILogger logger) : DelegatingVerifierModel(inner)
{
    public override Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default) =>
        Logged("score", drafts.Count, () => base.ScoreAsync(question, drafts, cancellationToken));

    public override Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default) =>
        Logged("answer", passages.Count, () => base.AnswerAsync(question, passages, cancellationToken));

    private async Task<T> Logged<T>(string call, int inputs, Func<Task<T>> run)
    {
        if (!logger.IsEnabled(LogLevel.Debug))
        {
            return await run();
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await run();
            Called(call, Name, inputs, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result;
        }
        catch (Exception ex)
        {
            CallFailed(call, Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, ex.GetType().Name, ex.Message);
            throw;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Verifier {Call} by {Model} over {Inputs} inputs in {Ms:F1} ms")]
    private partial void Called(string call, string model, int inputs, double ms);

    [LoggerMessage(LogLevel.Debug, "Verifier {Call} by {Model} failed after {Ms:F1} ms: {Error}: {Message}")]
    private partial void CallFailed(string call, string model, double ms, string error, string message);
}
