using System.Text;
using System.Threading.Channels;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>
/// Shared, thread-safe, in-process llama.cpp runtime for a single GGUF model.
/// </summary>
/// <remarks>
/// <para>
/// A llama.cpp context is not thread-safe and a decode call costs roughly the same whether it carries one
/// sequence or several (the weights are streamed from memory once per call), so the context is owned by one
/// dedicated thread that merges every in-flight request into the same <see cref="LLamaBatch"/>, one
/// <see cref="LLamaSeqId"/> per request. Callers only enqueue work and await a task, so they never block on
/// native code and never contend for the context.
/// </para>
/// <para>
/// A plain <see cref="LLamaContext"/> with a hand-built batch is used instead of LLamaSharp's
/// <c>BatchedExecutor</c> because the loop needs exact control over which batch rows produce logits (every
/// position for scoring, only the last for generation) and over how long prompts are chunked; it also makes the
/// diagnostic counters below mean exactly "llama_decode calls".
/// </para>
/// <para>
/// Callers must not call <see cref="Dispose"/> concurrently with <see cref="Tokenize"/> or
/// <see cref="Detokenize"/>, which run on the caller's thread against the shared model.
/// </para>
/// </remarks>
public sealed class LlamaRuntime : IDisposable
{
    private readonly LlamaRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly int _vocabSize;
    private readonly Channel<Work> _queue;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Thread _loopThread;
    private int _disposed;
    private bool _disposedOnLoopThread;
    private long _decodeCount;
    private int _peakSequencesPerDecode;

    /// <summary>Loads the model and starts the batching loop.</summary>
    /// <param name="options">Model and capacity settings.</param>
    /// <param name="logger">
    /// Receives runtime diagnostics and llama.cpp error messages (see <see cref="NativeLog"/> for why only
    /// errors are forwarded).
    /// </param>
    public LlamaRuntime(LlamaRuntimeOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));

        if (!File.Exists(options.ModelPath))
        {
            throw new FileNotFoundException("GGUF model file not found.", options.ModelPath);
        }

        _options = options;
        _logger = logger ?? NullLogger.Instance;
        ModelName = GetModelName(options.ModelPath);
        NativeLog.Attach(_logger);

        ModelParams parameters = options.ToModelParams();
        _weights = LLamaWeights.LoadFromFile(parameters);
        try
        {
            _context = _weights.CreateContext(parameters);
            if (_context.ContextSize < options.TotalContextSize)
            {
                throw new InvalidOperationException(
                    $"llama.cpp created a context of {_context.ContextSize} tokens, less than the {options.TotalContextSize} requested.");
            }

            _vocabSize = _weights.Vocab.Count;
        }
        catch
        {
            _context?.Dispose();
            _weights.Dispose();
            throw;
        }

        // Single reader (the loop), many writers (callers); unbounded because admission control is the
        // MaxSequences limit inside the loop, and callers must never block on enqueue.
        _queue = Channel.CreateUnbounded<Work>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

        // A dedicated thread rather than a pool task: each decode blocks in native code for milliseconds to
        // seconds, which would starve the thread pool that the callers (e.g. Orleans grains) depend on.
        _loopThread = new Thread(RunLoop)
        {
            IsBackground = true,
            Name = $"llama-runtime:{ModelName}",
        };
        _loopThread.Start();

        _logger.LogInformation(
            "Loaded {Model}: {Sequences} sequences × {Context} tokens, batch {Batch}, vocab {Vocab}",
            ModelName, options.MaxSequences, options.ContextSize, options.BatchSize, _vocabSize);
    }

    /// <summary>File name of the model without the ".gguf" extension, for reporting which model answered.</summary>
    public string ModelName { get; }

    /// <summary>
    /// Number of llama_decode calls made so far. Diagnostic: under concurrent load it grows more slowly than
    /// the total number of steps requested, which is the evidence that requests are actually batched.
    /// </summary>
    public long DecodeCount => Interlocked.Read(ref _decodeCount);

    /// <summary>Largest number of distinct sequences that have shared one decode call (diagnostic).</summary>
    public int PeakSequencesPerDecode => Volatile.Read(ref _peakSequencesPerDecode);

    /// <summary>
    /// Converts text to token ids. Control tokens are not parsed from the text, so user-provided strings
    /// cannot inject e.g. an end-of-sequence marker.
    /// </summary>
    public int[] Tokenize(string text, bool addBos)
    {
        ArgumentNullException.ThrowIfNull(text);
        ThrowIfDisposed();
        LLamaToken[] tokens = _weights.Tokenize(text, addBos, special: false, Encoding.UTF8);
        var ids = new int[tokens.Length];
        for (int i = 0; i < tokens.Length; i++)
        {
            ids[i] = (int)tokens[i];
        }

        return ids;
    }

    /// <summary>
    /// Converts token ids back to text with the same streaming decoder generation uses, so concatenating
    /// <see cref="GeneratedToken.Text"/> values gives exactly this result. Control tokens render as "".
    /// </summary>
    public string Detokenize(IReadOnlyList<int> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ThrowIfDisposed();
        ValidateTokenIds(tokens, nameof(tokens));
        var decoder = new StreamingTokenDecoder(Encoding.UTF8, _weights);
        foreach (int token in tokens)
        {
            decoder.Add(token);
        }

        return decoder.Read();
    }

    /// <summary>
    /// Greedy (argmax) continuation of <paramref name="prompt"/>, which is tokenized with BOS. Stops at an
    /// end-of-generation token (not returned), after <paramref name="maxTokens"/> tokens, or when the
    /// sequence reaches <see cref="LlamaRuntimeOptions.ContextSize"/>.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The prompt is empty after tokenization or longer than ContextSize. Thrown synchronously: it is a caller
    /// error that no retry can fix, so it should not be deferred into the returned task.
    /// </exception>
    public Task<IReadOnlyList<GeneratedToken>> GenerateAsync(string prompt, int maxTokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        ThrowIfDisposed();

        // Tokenizing here (not on the loop) validates length synchronously and keeps the loop on decode work.
        LLamaToken[] tokens = _weights.Tokenize(prompt, true, special: false, Encoding.UTF8);
        if (tokens.Length == 0)
        {
            throw new ArgumentException("The prompt produced no tokens.", nameof(prompt));
        }

        if (tokens.Length > _options.ContextSize)
        {
            throw new ArgumentException(
                $"The prompt is {tokens.Length} tokens long, more than the per-sequence ContextSize of {_options.ContextSize}.",
                nameof(prompt));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<GeneratedToken>>(cancellationToken);
        }

        if (maxTokens == 0)
        {
            return Task.FromResult<IReadOnlyList<GeneratedToken>>(Array.Empty<GeneratedToken>());
        }

        var work = new GenerateWork(tokens, maxTokens, new StreamingTokenDecoder(Encoding.UTF8, _weights), cancellationToken);
        Enqueue(work, cancellationToken);
        return work.Task;
    }

    /// <summary>
    /// Teacher-forced log-likelihood: element i is log P(tokens[i] | tokens[0..i-1]) and element 0 is 0.
    /// The sequence is evaluated in one forward pass with logits at every position (split only when it is
    /// longer than <see cref="LlamaRuntimeOptions.BatchSize"/>), sharing decode calls with other requests.
    /// </summary>
    /// <exception cref="ArgumentException">The sequence is longer than ContextSize (thrown synchronously).</exception>
    /// <exception cref="ArgumentOutOfRangeException">A token id is outside the vocabulary.</exception>
    public Task<double[]> ScoreAsync(IReadOnlyList<int> tokens, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ThrowIfDisposed();
        if (tokens.Count > _options.ContextSize)
        {
            throw new ArgumentException(
                $"The sequence is {tokens.Count} tokens long, more than the per-sequence ContextSize of {_options.ContextSize}.",
                nameof(tokens));
        }

        // Out-of-range ids would make llama.cpp abort the whole process rather than return an error.
        ValidateTokenIds(tokens, nameof(tokens));

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<double[]>(cancellationToken);
        }

        if (tokens.Count <= 1)
        {
            // Nothing is conditioned on anything: no model call needed.
            return Task.FromResult(new double[tokens.Count]);
        }

        var native = new LLamaToken[tokens.Count];
        for (int i = 0; i < native.Length; i++)
        {
            native[i] = (LLamaToken)tokens[i];
        }

        var work = new ScoreWork(native, cancellationToken);
        Enqueue(work, cancellationToken);
        return work.Task;
    }

    /// <summary>
    /// Stops the loop, fails requests that have not finished with <see cref="ObjectDisposedException"/>, and
    /// frees the native context and weights. Waits for a decode that is already running, because freeing the
    /// context under it would crash the process.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Completing the writer first means every successful TryWrite happened before it, so the loop's final
        // drain sees (and fails) every request that was accepted.
        _queue.Writer.TryComplete();
        _shutdown.Cancel();
        NativeLog.Detach(_logger);
        if (Thread.CurrentThread == _loopThread)
        {
            // Disposed from inside the loop (e.g. by a logger callback): joining would deadlock and freeing
            // now would pull the context out from under the current step, so the loop frees on exit instead.
            _disposedOnLoopThread = true;
            return;
        }

        _loopThread.Join();
        ReleaseNative();
    }

    private void ReleaseNative()
    {
        _context.Dispose();
        _weights.Dispose();
        _shutdown.Dispose();
    }

    private static string GetModelName(string path)
    {
        string fileName = Path.GetFileName(path);
        return fileName.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? fileName[..^5] : fileName;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private void ValidateTokenIds(IReadOnlyList<int> tokens, string paramName)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if ((uint)tokens[i] >= (uint)_vocabSize)
            {
                throw new ArgumentOutOfRangeException(
                    paramName, $"Token {tokens[i]} at index {i} is outside the vocabulary (size {_vocabSize}).");
            }
        }
    }

    private void Enqueue(Work work, CancellationToken cancellationToken)
    {
        // Registered before the write so the loop can never complete a request whose registration is not yet
        // visible to it (the channel write publishes the field).
        if (cancellationToken.CanBeCanceled)
        {
            work.Registration = cancellationToken.Register(static state => ((Work)state!).Cancel(), work);
        }

        if (!_queue.Writer.TryWrite(work))
        {
            work.Registration.Dispose();
            throw new ObjectDisposedException(nameof(LlamaRuntime));
        }
    }

    private void RunLoop()
    {
        var active = new List<Work>(_options.MaxSequences);
        var freeSequences = new Stack<int>(Enumerable.Range(0, _options.MaxSequences).Reverse());
        var batch = new LLamaBatch();
        var inBatch = new List<Work>(_options.MaxSequences);
        try
        {
            while (!_shutdown.IsCancellationRequested)
            {
                try
                {
                    ReleaseFinished(active, freeSequences);
                    if (active.Count == 0 && !WaitForWork())
                    {
                        break;
                    }

                    Admit(active, freeSequences);
                    if (active.Count == 0)
                    {
                        continue;
                    }

                    BuildBatch(active, batch, inBatch);
                    if (inBatch.Count == 0)
                    {
                        continue;
                    }

                    DecodeResult result = _context.Decode(batch);
                    Interlocked.Increment(ref _decodeCount);
                    if (inBatch.Count > _peakSequencesPerDecode)
                    {
                        Volatile.Write(ref _peakSequencesPerDecode, inBatch.Count);
                    }

                    if (result != DecodeResult.Ok)
                    {
                        // Part of the batch may already be in the KV cache; failing (and thereby clearing) every
                        // sequence in it keeps later requests from attending to half-written state.
                        _logger.LogError("llama_decode failed with {Result} for {Count} sequences", result, inBatch.Count);
                        var error = new InvalidOperationException($"llama.cpp decode failed: {result}.");
                        foreach (Work work in inBatch)
                        {
                            work.Fail(error);
                        }

                        continue;
                    }

                    foreach (Work work in inBatch)
                    {
                        if (!work.IsCompleted)
                        {
                            work.ConsumeLogits(this);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_shutdown.IsCancellationRequested)
                {
                    // A bug or native failure must not leave callers awaiting forever; fail what is in flight and
                    // keep serving, since the next request gets a fresh, cleared sequence.
                    _logger.LogError(ex, "LlamaRuntime loop iteration failed; failing {Count} active requests", active.Count);
                    foreach (Work work in active)
                    {
                        work.Fail(ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
            // Normal shutdown while idle.
        }
        finally
        {
            var disposed = new ObjectDisposedException(nameof(LlamaRuntime));
            foreach (Work work in active)
            {
                work.Fail(disposed);
            }

            while (_queue.Reader.TryRead(out Work? pending))
            {
                pending.Fail(disposed);
            }

            if (_disposedOnLoopThread)
            {
                ReleaseNative();
            }
        }
    }

    /// <summary>Blocks the loop thread (only) until work arrives; false when the runtime is shutting down.</summary>
    private bool WaitForWork() =>
        _queue.Reader.WaitToReadAsync(_shutdown.Token).AsTask().GetAwaiter().GetResult();

    private void Admit(List<Work> active, Stack<int> freeSequences)
    {
        while (freeSequences.Count > 0 && _queue.Reader.TryRead(out Work? work))
        {
            if (work.IsCompleted)
            {
                // Cancelled while queued: it never touched the KV cache.
                continue;
            }

            work.Sequence = (LLamaSeqId)freeSequences.Pop();
            active.Add(work);
        }
    }

    private void ReleaseFinished(List<Work> active, Stack<int> freeSequences)
    {
        for (int i = active.Count - 1; i >= 0; i--)
        {
            Work work = active[i];
            if (!work.IsCompleted)
            {
                continue;
            }

            // Removing the whole sequence (p0 = p1 = -1) is what makes the id safe to hand to the next request.
            _context.NativeHandle.MemorySequenceRemove(work.Sequence, -1, -1);
            freeSequences.Push((int)work.Sequence);
            active.RemoveAt(i);
        }
    }

    /// <summary>
    /// Fills one batch: first the single next token of every generating sequence (cheap, and keeps their
    /// per-token latency flat), then prompt chunks in arrival order with whatever room is left.
    /// </summary>
    private void BuildBatch(List<Work> active, LLamaBatch batch, List<Work> inBatch)
    {
        batch.Clear();
        inBatch.Clear();
        int room = _options.BatchSize;
        foreach (Work work in active)
        {
            if (work is GenerateWork { IsCompleted: false, IsPrefilled: true } generate)
            {
                generate.AddNextToken(batch);
                inBatch.Add(work);
                room--;
            }
        }

        foreach (Work work in active)
        {
            if (room == 0)
            {
                break;
            }

            if (!work.IsCompleted && !work.IsPrefilled)
            {
                room -= work.AddPromptChunk(batch, room);
                inBatch.Add(work);
            }
        }
    }

    /// <summary>A request owned by the loop once dequeued; only its completion is touched by other threads.</summary>
    private abstract class Work
    {
        protected Work(LLamaToken[] tokens, CancellationToken cancellationToken)
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

        public LLamaSeqId Sequence { get; set; }

        public CancellationTokenRegistration Registration { get; set; }

        public abstract bool IsCompleted { get; }

        public bool IsPrefilled => Prefilled == PrefillLength;

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
        public abstract void ConsumeLogits(LlamaRuntime runtime);

        public abstract void Cancel();

        public abstract void Fail(Exception error);
    }

    private abstract class Work<TResult> : Work
    {
        // Continuations must not run on the loop thread: a caller's code would stall every other request.
        private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected Work(LLamaToken[] tokens, CancellationToken cancellationToken)
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

    private sealed class ScoreWork : Work<double[]>
    {
        private readonly double[] _scores;

        public ScoreWork(LLamaToken[] tokens, CancellationToken cancellationToken)
            : base(tokens, cancellationToken) => _scores = new double[tokens.Length];

        // The last token is only ever predicted, never conditioned on, so it need not enter the cache.
        protected override int PrefillLength => Tokens.Length - 1;

        protected override bool NeedsLogits(int position) => true;

        public override void ConsumeLogits(LlamaRuntime runtime)
        {
            SafeLLamaContextHandle handle = runtime._context.NativeHandle;
            for (int i = 0; i < BatchCount; i++)
            {
                int position = ChunkPosition + i;
                _scores[position + 1] = LogitMath.LogSoftmaxAt(handle.GetLogitsIth(BatchStart + i), (int)Tokens[position + 1]);
            }

            if (IsPrefilled)
            {
                Complete(_scores);
            }
        }
    }

    private sealed class GenerateWork : Work<IReadOnlyList<GeneratedToken>>
    {
        private readonly int _maxTokens;
        private readonly StreamingTokenDecoder _decoder;
        private readonly List<GeneratedToken> _output = [];
        private LLamaToken _next;

        public GenerateWork(LLamaToken[] prompt, int maxTokens, StreamingTokenDecoder decoder, CancellationToken cancellationToken)
            : base(prompt, cancellationToken)
        {
            _maxTokens = maxTokens;
            _decoder = decoder;
        }

        protected override int PrefillLength => Tokens.Length;

        // Only the last prompt row is sampled from; requesting more would waste vocabulary-sized output rows.
        protected override bool NeedsLogits(int position) => position == Tokens.Length - 1;

        public void AddNextToken(LLamaBatch batch)
        {
            // Every generated token except the newest one is already in the cache.
            int position = Tokens.Length + _output.Count - 1;
            BatchStart = batch.Add(_next, position, Sequence, logits: true);
            BatchCount = 1;
        }

        public override void ConsumeLogits(LlamaRuntime runtime)
        {
            if (!IsPrefilled)
            {
                return; // An intermediate prompt chunk: nothing to sample yet.
            }

            // Both the final prompt chunk and a fed-back token put their logits in the last row they added.
            Span<float> logits = runtime._context.NativeHandle.GetLogitsIth(BatchStart + BatchCount - 1);
            int id = LogitMath.ArgMax(logits);
            var token = (LLamaToken)id;
            if (token.IsEndOfGeneration(runtime._weights.Vocab))
            {
                Complete(_output);
                return;
            }

            double logProbability = LogitMath.LogSoftmaxAt(logits, id);
            _decoder.Add(token);
            _output.Add(new GeneratedToken(id, _decoder.Read(), logProbability));

            // Feeding the token back needs one more KV cell; stop when the per-sequence window is full.
            int nextPosition = Tokens.Length + _output.Count - 1;
            if (_output.Count >= _maxTokens || nextPosition >= runtime._options.ContextSize)
            {
                Complete(_output);
                return;
            }

            _next = token;
        }
    }
}
