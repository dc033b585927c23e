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
public sealed partial class LlamaRuntime : IDisposable
{
    private readonly LlamaRuntimeOptions _options;
    private readonly ILogger _logger;
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;
    private readonly int _vocabSize;
    private readonly Channel<LlamaWork> _queue;
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
        _queue = Channel.CreateUnbounded<LlamaWork>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

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

        var work = new GenerateWork(
            tokens, maxTokens, _options.ContextSize, new StreamingTokenDecoder(Encoding.UTF8, _weights), _weights.Vocab, cancellationToken);
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
}
