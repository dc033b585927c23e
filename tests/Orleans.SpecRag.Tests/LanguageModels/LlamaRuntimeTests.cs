using System.Collections.Concurrent;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;
using Orleans.SpecRag.Models.Llama;
using Orleans.SpecRag.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace Orleans.SpecRag.Tests.LanguageModels;

/// <summary>Writes one tiny random-weight GGUF per test class and keeps reference weights for step-by-step checks.</summary>
public sealed class TinyModelFixture : IDisposable
{
    private readonly string _directory;

    public TinyModelFixture()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"llama-runtime-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        ModelPath = TinyLlamaGguf.Write(Path.Combine(_directory, "tiny-llama.gguf"), seed: 1234);

        // The first runtime installs the llama.cpp log hook, which only works before the native library loads,
        // so it must exist before the reference weights below touch native code.
        Runtime = new LlamaRuntime(Options(), Logger);
        ReferenceParams = new ModelParams(ModelPath) { ContextSize = 256, BatchSize = 256 };
        ReferenceWeights = LLamaWeights.LoadFromFile(ReferenceParams);
    }

    public string ModelPath { get; }

    public CapturingLogger Logger { get; } = new();

    /// <summary>Shared runtime for tests that do not look at its counters.</summary>
    public LlamaRuntime Runtime { get; }

    public ModelParams ReferenceParams { get; }

    public LLamaWeights ReferenceWeights { get; }

    public LlamaRuntimeOptions Options(int maxSequences = 4, int contextSize = 256, int batchSize = 512) =>
        new() { ModelPath = ModelPath, MaxSequences = maxSequences, ContextSize = contextSize, BatchSize = batchSize, Threads = 2 };

    public void Dispose()
    {
        Runtime.Dispose();
        ReferenceWeights.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class CapturingLogger : ILogger
{
    public ConcurrentQueue<string> Errors { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel >= LogLevel.Error)
        {
            Errors.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
        }
    }
}

public sealed class LlamaRuntimeTests(TinyModelFixture fixture, ITestOutputHelper output) : IClassFixture<TinyModelFixture>
{
    private const double Tolerance = 1e-3;

    private static readonly string[] Prompts =
    [
        "Question: is the sky blue? Answer:",
        "Is the grain a silo? Yes or No:",
        "Context: the cluster state is relevant. Question: what is the actor",
        "spec",
    ];

    [Fact]
    public async Task ScoreMatchesStepByStepReference()
    {
        var runtime = fixture.Runtime;
        int[] tokens = runtime.Tokenize("Question: is the sky blue? Answer: Yes it is", addBos: true);
        output.WriteLine($"{tokens.Length} tokens");
        Assert.InRange(tokens.Length, 12, 20);

        double[] scores = await runtime.ScoreAsync(tokens);
        double[] expected = ReferenceScore(tokens);

        Assert.Equal(tokens.Length, scores.Length);
        Assert.Equal(0, scores[0]);
        AssertClose(expected, scores);
        Assert.All(scores, s => Assert.True(s <= 0 && double.IsFinite(s)));
        AssertNoNativeErrors();
    }

    [Fact]
    public async Task ScoreLongerThanBatchSizeIsChunkedAndStillExact()
    {
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 2, batchSize: 8), fixture.Logger);
        int[] tokens = runtime.Tokenize(
            "Context: Orleans is a cluster of actors. Question: which message does the grain call? Answer: the state", addBos: true);
        Assert.True(tokens.Length > 2 * 8, $"{tokens.Length} tokens");

        double[] scores = await runtime.ScoreAsync(tokens);

        AssertClose(ReferenceScore(tokens), scores);
        Assert.True(runtime.DecodeCount >= (tokens.Length - 1 + 7) / 8, "chunks of at most BatchSize");
        AssertNoNativeErrors();
    }

    [Fact]
    public async Task ConcurrentGenerationIsBatchedAndMatchesSequential()
    {
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 4), fixture.Logger);

        var sequential = new List<IReadOnlyList<GeneratedToken>>();
        foreach (string prompt in Prompts)
        {
            sequential.Add(await runtime.GenerateAsync(prompt, 12));
        }

        long sequentialDecodes = runtime.DecodeCount;
        Assert.Equal(1, runtime.PeakSequencesPerDecode);

        var concurrent = await Task.WhenAll(Prompts.Select(p => runtime.GenerateAsync(p, 12)));
        long concurrentDecodes = runtime.DecodeCount - sequentialDecodes;
        output.WriteLine($"decodes: sequential={sequentialDecodes} concurrent={concurrentDecodes} peak={runtime.PeakSequencesPerDecode}");

        for (int i = 0; i < Prompts.Length; i++)
        {
            Assert.Equal(12, sequential[i].Count);
            AssertSameTokens(sequential[i], concurrent[i]);
        }

        Assert.True(concurrentDecodes < sequentialDecodes, $"{concurrentDecodes} vs {sequentialDecodes}");
        Assert.True(runtime.PeakSequencesPerDecode >= 2, $"peak {runtime.PeakSequencesPerDecode}");

        // Independent check of the greedy loop itself against a one-token-at-a-time plain context.
        var reference = ReferenceGenerate(runtime.Tokenize(Prompts[0], addBos: true), 12);
        Assert.Equal(reference.Select(r => r.Id), sequential[0].Select(t => t.Id));
        AssertClose(reference.Select(r => r.LogProbability).ToArray(), sequential[0].Select(t => t.LogProbability).ToArray());
        AssertNoNativeErrors();
    }

    [Fact]
    public async Task MixedScoreAndGenerateMatchOneAtATime()
    {
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 3), fixture.Logger);
        int[][] scoreInputs = Prompts.Select(p => runtime.Tokenize(p + " Yes", addBos: true)).ToArray();

        var soloScores = new List<double[]>();
        foreach (int[] tokens in scoreInputs)
        {
            soloScores.Add(await runtime.ScoreAsync(tokens));
        }

        var soloGenerations = new List<IReadOnlyList<GeneratedToken>>();
        foreach (string prompt in Prompts)
        {
            soloGenerations.Add(await runtime.GenerateAsync(prompt, 10));
        }

        // Eight requests against three sequences: exercises admission, queuing and sequence reuse.
        var scoreTasks = scoreInputs.Select(t => runtime.ScoreAsync(t)).ToArray();
        var generateTasks = Prompts.Select(p => runtime.GenerateAsync(p, 10)).ToArray();
        await Task.WhenAll(scoreTasks.Cast<Task>().Concat(generateTasks));

        for (int i = 0; i < Prompts.Length; i++)
        {
            AssertClose(soloScores[i], await scoreTasks[i]);
            AssertClose(ReferenceScore(scoreInputs[i]), await scoreTasks[i]);
            AssertSameTokens(soloGenerations[i], await generateTasks[i]);
        }

        Assert.True(runtime.PeakSequencesPerDecode >= 2);
        AssertNoNativeErrors();
    }

    [Fact]
    public async Task ChunkedPromptsInterleavedWithDecodingAndCancellationsStayExact()
    {
        // BatchSize 10 forces prompt chunks to share decode calls with other sequences' generated tokens.
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 3, batchSize: 10), fixture.Logger);
        string[] texts = Prompts.Select(p => p + " " + p).ToArray();
        var soloGenerations = new List<IReadOnlyList<GeneratedToken>>();
        var soloScores = new List<double[]>();
        foreach (string text in texts)
        {
            soloGenerations.Add(await runtime.GenerateAsync(text, 8));
            soloScores.Add(await runtime.ScoreAsync(runtime.Tokenize(text, addBos: true)));
        }

        var random = new Random(42);
        var cancellations = new List<CancellationTokenSource>();
        var checks = new List<Task>();
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < texts.Length; i++)
            {
                int index = i;
                var cts = new CancellationTokenSource();
                cancellations.Add(cts);
                if (random.Next(3) == 0)
                {
                    cts.CancelAfter(random.Next(0, 5));
                }

                var generate = runtime.GenerateAsync(texts[index], 8, cts.Token);
                var score = runtime.ScoreAsync(runtime.Tokenize(texts[index], addBos: true), cts.Token);
                checks.Add(Check(generate, g => AssertSameTokens(soloGenerations[index], g)));
                checks.Add(Check(score, s => AssertClose(soloScores[index], s)));
            }
        }

        await Task.WhenAll(checks);
        cancellations.ForEach(c => c.Dispose());
        Assert.True(runtime.PeakSequencesPerDecode >= 2);
        AssertNoNativeErrors();

        static async Task Check<T>(Task<T> task, Action<T> assert)
        {
            try
            {
                assert(await task);
            }
            catch (OperationCanceledException)
            {
                // Cancelled requests only have to leave the others intact.
            }
        }
    }

    [Fact]
    public async Task GeneratedTokensAreConsistentWithDetokenize()
    {
        var runtime = fixture.Runtime;
        foreach (string prompt in Prompts)
        {
            var tokens = await runtime.GenerateAsync(prompt, 16);
            Assert.NotEmpty(tokens);
            Assert.All(tokens, t => Assert.True(t.LogProbability <= 0 && double.IsFinite(t.LogProbability), $"{t}"));
            Assert.DoesNotContain(tokens, t => t.Id == TinyLlamaGguf.EosTokenId);
            string streamed = string.Concat(tokens.Select(t => t.Text));
            Assert.Equal(runtime.Detokenize(tokens.Select(t => t.Id).ToArray()), streamed);
            output.WriteLine($"'{prompt}' -> '{streamed}'");
        }

        // Byte-fallback tokens of a multi-byte character must only produce text once the character is complete.
        int[] euro = runtime.Tokenize("€", addBos: false);
        Assert.Contains(euro, id => id >= TinyLlamaGguf.FirstByteTokenId && id < TinyLlamaGguf.FirstByteTokenId + 256);
        Assert.Equal(" €", runtime.Detokenize(euro)); // SentencePiece adds a leading space that detokenizing keeps.
        AssertNoNativeErrors();
    }

    [Fact]
    public async Task CancellingOneRequestDoesNotDisturbOthers()
    {
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 2, contextSize: 1024), fixture.Logger);
        int[] scoreTokens = runtime.Tokenize(Prompts[2], addBos: true);
        var expectedGeneration = await runtime.GenerateAsync(Prompts[1], 12);
        var expectedScores = await runtime.ScoreAsync(scoreTokens);

        using var cts = new CancellationTokenSource();
        long before = runtime.DecodeCount;
        var doomed = runtime.GenerateAsync(Prompts[0], 1000, cts.Token);
        var survivor = runtime.GenerateAsync(Prompts[1], 12);
        while (runtime.DecodeCount < before + 3 && !doomed.IsCompleted)
        {
            await Task.Delay(1);
        }

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed);
        AssertSameTokens(expectedGeneration, await survivor);

        // Both sequence ids are needed again, including the cancelled one: stale KV would change these results.
        var again = runtime.GenerateAsync(Prompts[1], 12);
        var score = runtime.ScoreAsync(scoreTokens);
        AssertSameTokens(expectedGeneration, await again);
        AssertClose(expectedScores, await score);
        AssertNoNativeErrors();
    }

    [Fact]
    public async Task CancellingAQueuedRequestNeverRunsIt()
    {
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 1), fixture.Logger);
        var expected = await runtime.GenerateAsync(Prompts[0], 30);

        using var cts = new CancellationTokenSource();
        var running = runtime.GenerateAsync(Prompts[0], 30);
        var queued = runtime.GenerateAsync(Prompts[1], 30, cts.Token);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        AssertSameTokens(expected, await running);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runtime.ScoreAsync([1, 2, 3], new CancellationToken(true)));
    }

    [Fact]
    public async Task RejectsOversizedAndInvalidInput()
    {
        using var runtime = new LlamaRuntime(fixture.Options(maxSequences: 1, contextSize: 32, batchSize: 32), fixture.Logger);
        string longPrompt = string.Join(' ', Enumerable.Repeat("the sky is blue", 20));

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => runtime.GenerateAsync(longPrompt, 4));
        Assert.Contains("ContextSize", ex.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => runtime.ScoreAsync(runtime.Tokenize(longPrompt, addBos: true)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => runtime.ScoreAsync([1, 99_999]));
        double[] single = await runtime.ScoreAsync([1]);
        Assert.Equal(new[] { 0d }, single);
        Assert.Empty(await runtime.GenerateAsync("sky", 0));

        Assert.Equal("tiny-llama", runtime.ModelName);
    }

    [Fact]
    public async Task GenerationStopsAtThePerSequenceWindow()
    {
        int promptLength = fixture.Runtime.Tokenize(Prompts[0], addBos: true).Length;

        // Two sequences fill their whole 24-token windows at the same time: neither may run out of KV cells.
        using (var runtime = new LlamaRuntime(fixture.Options(maxSequences: 2, contextSize: 24, batchSize: 24), fixture.Logger))
        {
            var both = await Task.WhenAll(runtime.GenerateAsync(Prompts[0], 100), runtime.GenerateAsync(Prompts[0], 100));
            Assert.All(both, r => Assert.Equal(24 - promptLength + 1, r.Count));
            AssertSameTokens(both[0], both[1]);
        }

        // A prompt of exactly ContextSize tokens fits, but there is no room to feed a generated token back.
        using (var runtime = new LlamaRuntime(fixture.Options(maxSequences: 1, contextSize: promptLength, batchSize: promptLength), fixture.Logger))
        {
            Assert.Single(await runtime.GenerateAsync(Prompts[0], 8));
        }

        using (var runtime = new LlamaRuntime(fixture.Options(maxSequences: 1, contextSize: promptLength - 1, batchSize: 64), fixture.Logger))
        {
            await Assert.ThrowsAsync<ArgumentException>(() => runtime.GenerateAsync(Prompts[0], 8));
        }

        AssertNoNativeErrors();
    }

    [Fact]
    public async Task DisposeFailsOutstandingWorkAndLaterCalls()
    {
        var runtime = new LlamaRuntime(fixture.Options(maxSequences: 1, contextSize: 1024), fixture.Logger);
        var running = runtime.GenerateAsync(Prompts[0], 1000);
        var queued = runtime.ScoreAsync([1, 2, 3]);
        runtime.Dispose();

        var failures = await Task.WhenAll(CatchAsync(running), CatchAsync(queued));
        Assert.All(failures, f => Assert.IsType<ObjectDisposedException>(f));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => runtime.GenerateAsync("sky", 1));
        Assert.Throws<ObjectDisposedException>(() => runtime.Tokenize("sky", addBos: false));
        runtime.Dispose();
    }

    private static async Task<Exception?> CatchAsync(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private double[] ReferenceScore(int[] tokens)
    {
        using var context = fixture.ReferenceWeights.CreateContext(fixture.ReferenceParams);
        var batch = new LLamaBatch();
        var result = new double[tokens.Length];
        for (int i = 0; i + 1 < tokens.Length; i++)
        {
            batch.Clear();
            batch.Add((LLamaToken)tokens[i], i, LLamaSeqId.Zero, logits: true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
            result[i + 1] = LogSoftmax(context.NativeHandle.GetLogitsIth(0), tokens[i + 1]);
        }

        return result;
    }

    private List<(int Id, double LogProbability)> ReferenceGenerate(int[] prompt, int maxTokens)
    {
        using var context = fixture.ReferenceWeights.CreateContext(fixture.ReferenceParams);
        var batch = new LLamaBatch();
        var result = new List<(int, double)>();
        int position = 0;
        foreach (int token in prompt)
        {
            batch.Clear();
            batch.Add((LLamaToken)token, position++, LLamaSeqId.Zero, logits: true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        }

        while (result.Count < maxTokens)
        {
            Span<float> logits = context.NativeHandle.GetLogitsIth(0);
            int best = 0;
            for (int i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[best])
                {
                    best = i;
                }
            }

            if (best == TinyLlamaGguf.EosTokenId)
            {
                break;
            }

            result.Add((best, LogSoftmax(logits, best)));
            batch.Clear();
            batch.Add((LLamaToken)best, position++, LLamaSeqId.Zero, logits: true);
            Assert.Equal(DecodeResult.Ok, context.Decode(batch));
        }

        return result;
    }

    private static double LogSoftmax(ReadOnlySpan<float> logits, int index)
    {
        double max = double.NegativeInfinity;
        foreach (float l in logits)
        {
            max = Math.Max(max, l);
        }

        double sum = 0;
        foreach (float l in logits)
        {
            sum += Math.Exp(l - max);
        }

        return logits[index] - max - Math.Log(sum);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"index {i}: expected {expected[i]}, actual {actual[i]}");
        }
    }

    private static void AssertSameTokens(IReadOnlyList<GeneratedToken> expected, IReadOnlyList<GeneratedToken> actual)
    {
        Assert.Equal(expected.Select(t => t.Id), actual.Select(t => t.Id));
        Assert.Equal(expected.Select(t => t.Text), actual.Select(t => t.Text));
        AssertClose(expected.Select(t => t.LogProbability).ToArray(), actual.Select(t => t.LogProbability).ToArray());
    }

    private void AssertNoNativeErrors() => Assert.Empty(fixture.Logger.Errors);
}
