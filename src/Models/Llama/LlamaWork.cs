using LLama;
using LLama.Native;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>A request owned by the loop once dequeued; only its completion is touched by other threads.</summary>
internal abstract class LlamaWork : IBatchSequence
{
    protected LlamaWork(LLamaToken[] tokens, CancellationToken cancellationToken)
    {
        Tokens = tokens;
        CancellationToken = cancellationToken;
    }

    /// <summary>Tokens that must be in the KV cache before the first useful logits exist.</summary>
    protected LLamaToken[] Tokens { get; }

    /// <summary>
    /// How many leading <see cref="Tokens"/> have been submitted for decoding. Advanced when a chunk is
    /// added to a batch; if that decode fails the request is failed, so the optimism is never observed.
    /// </summary>
    protected int Prefilled { get; private set; }

    /// <summary>Sequence position of the first row this request added to the current batch.</summary>
    protected int ChunkPosition { get; private set; }

    /// <summary>Batch row of the first token this request added to the current batch.</summary>
    protected int BatchStart { get; set; }

    /// <summary>Number of rows this request added to the current batch.</summary>
    protected int BatchCount { get; set; }

    public CancellationToken CancellationToken { get; }

    /// <inheritdoc />
    public int Slot { get; set; }

    /// <summary>The llama.cpp sequence id of <see cref="Slot"/>.</summary>
    public LLamaSeqId Sequence => (LLamaSeqId)Slot;

    public CancellationTokenRegistration Registration { get; set; }

    public abstract bool IsCompleted { get; }

    public bool IsPrefilled => Prefilled == PrefillLength;

    /// <inheritdoc />
    public int PendingPromptTokens => PrefillLength - Prefilled;

    /// <inheritdoc />
    public abstract bool IsGenerating { get; }

    /// <summary>Prompt tokens that must be decoded before this request is done prefilling.</summary>
    protected abstract int PrefillLength { get; }

    /// <summary>Whether the prompt row at <paramref name="position"/> must produce logits.</summary>
    protected abstract bool NeedsLogits(int position);

    /// <summary>Adds up to <paramref name="room"/> prompt tokens to the batch; returns how many were added.</summary>
    public int AddPromptChunk(LLamaBatch batch, int room)
    {
        int count = Math.Min(room, PrefillLength - Prefilled);
        ChunkPosition = Prefilled;
        BatchStart = batch.TokenCount;
        BatchCount = count;
        for (int i = 0; i < count; i++)
        {
            int position = Prefilled + i;
            batch.Add(Tokens[position], position, Sequence, NeedsLogits(position));
        }

        Prefilled += count;
        return count;
    }

    /// <summary>Reads this request's rows of the last decode and advances or completes it.</summary>
    public abstract void ConsumeLogits(SafeLLamaContextHandle context);

    public abstract void Cancel();

    public abstract void Fail(Exception error);
}

internal abstract class LlamaWork<TResult> : LlamaWork
{
    // Continuations must not run on the loop thread: a caller's code would stall every other request.
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected LlamaWork(LLamaToken[] tokens, CancellationToken cancellationToken)
        : base(tokens, cancellationToken)
    {
    }

    public Task<TResult> Task => _completion.Task;

    public override bool IsCompleted => _completion.Task.IsCompleted;

    // Runs on the cancelling thread: only flips the task; the loop notices and frees the sequence.
    public override void Cancel() => _completion.TrySetCanceled(CancellationToken);

    public override void Fail(Exception error)
    {
        Registration.Unregister();
        _completion.TrySetException(error);
    }

    protected void Complete(TResult result)
    {
        // Unregister (not Dispose) because Dispose would wait for a concurrently running callback.
        Registration.Unregister();
        _completion.TrySetResult(result);
    }
}

internal sealed class ScoreWork : LlamaWork<double[]>
{
    private readonly double[] _scores;

    public ScoreWork(LLamaToken[] tokens, CancellationToken cancellationToken)
        : base(tokens, cancellationToken) => _scores = new double[tokens.Length];

    // The last token is only ever predicted, never conditioned on, so it need not enter the cache.
    protected override int PrefillLength => Tokens.Length - 1;

    // Scoring only conditions on its tokens; it never decodes past them.
    public override bool IsGenerating => false;

    protected override bool NeedsLogits(int position) => true;

    public override void ConsumeLogits(SafeLLamaContextHandle context)
    {
        for (int i = 0; i < BatchCount; i++)
        {
            int position = ChunkPosition + i;
            _scores[position + 1] = LogitMath.LogSoftmaxAt(context.GetLogitsIth(BatchStart + i), (int)Tokens[position + 1]);
        }

        if (IsPrefilled)
        {
            Complete(_scores);
        }
    }
}

internal sealed class GenerateWork : LlamaWork<IReadOnlyList<GeneratedToken>>
{
    private readonly int _maxTokens;
    private readonly int _contextSize;
    private readonly SafeLlamaModelHandle.Vocabulary _vocab;
    private readonly StreamingTokenDecoder _decoder;
    private readonly List<GeneratedToken> _output = [];
    private LLamaToken _next;

    /// <param name="contextSize">The per-sequence token window (<see cref="LlamaRuntimeOptions.ContextSize"/>).</param>
    public GenerateWork(
        LLamaToken[] prompt,
        int maxTokens,
        int contextSize,
        StreamingTokenDecoder decoder,
        SafeLlamaModelHandle.Vocabulary vocab,
        CancellationToken cancellationToken)
        : base(prompt, cancellationToken)
    {
        _maxTokens = maxTokens;
        _contextSize = contextSize;
        _vocab = vocab;
        _decoder = decoder;
    }

    protected override int PrefillLength => Tokens.Length;

    // Only the last prompt row is sampled from; requesting more would waste vocabulary-sized output rows.
    protected override bool NeedsLogits(int position) => position == Tokens.Length - 1;

    public override bool IsGenerating => IsPrefilled;

    public void AddNextToken(LLamaBatch batch)
    {
        // Every generated token except the newest one is already in the cache.
        int position = Tokens.Length + _output.Count - 1;
        BatchStart = batch.Add(_next, position, Sequence, logits: true);
        BatchCount = 1;
    }

    public override void ConsumeLogits(SafeLLamaContextHandle context)
    {
        if (!IsPrefilled)
        {
            return; // An intermediate prompt chunk: nothing to sample yet.
        }

        // Both the final prompt chunk and a fed-back token put their logits in the last row they added.
        Span<float> logits = context.GetLogitsIth(BatchStart + BatchCount - 1);
        int id = LogitMath.ArgMax(logits);
        var token = (LLamaToken)id;
        if (token.IsEndOfGeneration(_vocab))
        {
            Complete(_output);
            return;
        }

        double logProbability = LogitMath.LogSoftmaxAt(logits, id);
        _decoder.Add(token);
        _output.Add(new GeneratedToken(id, _decoder.Read(), logProbability));

        // Feeding the token back needs one more KV cell; stop when the per-sequence window is full.
        int nextPosition = Tokens.Length + _output.Count - 1;
        if (_output.Count >= _maxTokens || nextPosition >= _contextSize)
        {
            Complete(_output);
            return;
        }

        _next = token;
    }
}
