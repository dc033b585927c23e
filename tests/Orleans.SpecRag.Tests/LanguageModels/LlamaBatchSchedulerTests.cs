using System.Threading.Channels;
using Orleans.SpecRag.Models.Llama;
using Xunit;

namespace Orleans.SpecRag.Tests.LanguageModels;

/// <summary>
/// The llama runtime's slot and batch decisions, driven with fake requests: no model, no native code. The fakes
/// advance the way the runtime's requests do: a prompt chunk moves the prompt on, the last chunk of a
/// generation samples its first token, and each generated-token row samples one more.
/// </summary>
public sealed class LlamaBatchSchedulerTests
{
    [Fact]
    public void AdmitsUpToMaxSequencesInArrivalOrder()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 3, batchSize: 16);
        var queue = Queue(Enumerable.Range(0, 5).Select(i => FakeWork.Score($"w{i}", 4)).ToArray());

        scheduler.Admit(queue.Reader);

        Assert.Equal(new[] { "w0", "w1", "w2" }, scheduler.Active.Select(w => w.Name));
        Assert.Equal(new[] { 0, 1, 2 }, scheduler.Active.Select(w => w.Slot));
        Assert.Equal(0, scheduler.FreeSlots);
        Assert.Equal(2, queue.Reader.Count);

        // No slot free: admission must not take (and so lose) queued work.
        scheduler.Admit(queue.Reader);
        Assert.Equal(3, scheduler.Active.Count);
        Assert.Equal(2, queue.Reader.Count);
    }

    [Fact]
    public void AFreedSlotIsClearedAndReusedByTheNextQueuedRequest()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 2, batchSize: 8);
        FakeWork a = FakeWork.Score("a", 3), b = FakeWork.Score("b", 3), c = FakeWork.Score("c", 3), d = FakeWork.Score("d", 3);
        var queue = Queue(a, b, c, d);
        scheduler.Admit(queue.Reader);
        int slotOfB = b.Slot;

        b.IsCompleted = true;
        var cleared = new List<FakeWork>();
        scheduler.ReleaseFinished(cleared.Add);

        Assert.Equal(new[] { b }, cleared);
        Assert.Equal(new[] { a }, scheduler.Active);
        Assert.Equal(1, scheduler.FreeSlots);

        scheduler.Admit(queue.Reader);
        Assert.Equal(new[] { a, c }, scheduler.Active);
        Assert.Equal(slotOfB, c.Slot);
        Assert.NotEqual(a.Slot, c.Slot);
        Assert.Equal(1, queue.Reader.Count); // d waits: FIFO, one slot at a time
    }

    [Fact]
    public void ReleasingRunsTheClearCallbackBeforeFreeingAndKeepsTheSlotWhenItThrows()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 1, batchSize: 4);
        FakeWork a = FakeWork.Score("a", 3), b = FakeWork.Score("b", 3);
        var queue = Queue(a, b);
        scheduler.Admit(queue.Reader);
        a.IsCompleted = true;

        Assert.Throws<InvalidOperationException>(() => scheduler.ReleaseFinished(_ => throw new InvalidOperationException("native failure")));
        Assert.Equal(new[] { a }, scheduler.Active);
        Assert.Equal(0, scheduler.FreeSlots);
        scheduler.Admit(queue.Reader);
        Assert.Equal(new[] { a }, scheduler.Active); // b may not share a slot whose cells were never cleared

        int freeWhenCleared = -1;
        scheduler.ReleaseFinished(_ => freeWhenCleared = scheduler.FreeSlots);
        Assert.Equal(0, freeWhenCleared);
        Assert.Empty(scheduler.Active);

        scheduler.Admit(queue.Reader);
        Assert.Equal(new[] { b }, scheduler.Active);
        Assert.Equal(a.Slot, b.Slot);
    }

    [Fact]
    public void ACancelledActiveRequestGetsNoRowsAndReleasesItsSlot()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 2, batchSize: 8);
        FakeWork a = FakeWork.Generate("a", prompt: 2, tokens: 50), b = FakeWork.Score("b", 20), c = FakeWork.Score("c", 2);
        var queue = Queue(a, b, c);
        scheduler.Admit(queue.Reader);
        Apply(scheduler.PlanStep());
        Assert.True(a.IsGenerating);

        a.IsCompleted = true; // cancelled by the caller between steps, before the loop released it
        Assert.DoesNotContain(scheduler.PlanStep(), s => s.Work == a);

        b.IsCompleted = true;
        Assert.Empty(scheduler.PlanStep());

        var cleared = new List<FakeWork>();
        scheduler.ReleaseFinished(cleared.Add);
        Assert.Equal(new[] { b, a }, cleared); // newest first, each exactly once
        Assert.Equal(2, scheduler.FreeSlots);
        scheduler.Admit(queue.Reader);
        Assert.Equal(new[] { c }, scheduler.Active);
    }

    [Fact]
    public void ARequestCancelledWhileQueuedNeverTakesASlot()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 1, batchSize: 4);
        FakeWork cancelled = FakeWork.Score("cancelled", 3), next = FakeWork.Score("next", 3);
        cancelled.IsCompleted = true;
        var queue = Queue(cancelled, next);

        scheduler.Admit(queue.Reader);

        Assert.Equal(new[] { next }, scheduler.Active);
        Assert.Equal(0, next.Slot);
        Assert.Equal(-1, cancelled.Slot);
        Assert.Equal(0, queue.Reader.Count);
        var cleared = new List<FakeWork>();
        scheduler.ReleaseFinished(cleared.Add);
        Assert.Empty(cleared); // it never touched the KV cache, so there is nothing to clear
    }

    [Fact]
    public void ALongPromptIsSplitIntoChunksOfAtMostTheBatchSize()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 2, batchSize: 8);
        FakeWork work = FakeWork.Score("long", 26);
        scheduler.Admit(Queue(work).Reader);

        var chunks = new List<int>();
        while (!work.IsCompleted)
        {
            var step = scheduler.PlanStep();
            var slice = Assert.Single(step);
            Assert.True(slice.IsPrompt);
            chunks.Add(slice.Rows);
            Apply(step);
        }

        Assert.Equal(new[] { 8, 8, 8, 1 }, chunks);
    }

    [Fact]
    public void EveryGeneratingSequenceGetsOneRowBeforeAnyPromptChunk()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 4, batchSize: 8);
        FakeWork g1 = FakeWork.Generate("g1", prompt: 3, tokens: 20), g2 = FakeWork.Generate("g2", prompt: 2, tokens: 20);
        var queue = Queue(g1, g2);
        scheduler.Admit(queue.Reader);
        Apply(scheduler.PlanStep()); // both prompts fit: 3 + 2 rows
        Assert.True(g1.IsGenerating && g2.IsGenerating);

        FakeWork p1 = FakeWork.Score("p1", 10), p2 = FakeWork.Score("p2", 10);
        queue.Writer.TryWrite(p1);
        queue.Writer.TryWrite(p2);
        scheduler.Admit(queue.Reader);
        var step = scheduler.PlanStep();

        Assert.Equal(
            new[] { ("g1", 1, false), ("g2", 1, false), ("p1", 6, true) },
            step.Select(s => (s.Work.Name, s.Rows, s.IsPrompt)));
    }

    [Fact]
    public void PromptChunksShareTheRoomLeftInArrivalOrder()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 3, batchSize: 10);
        scheduler.Admit(Queue(FakeWork.Score("a", 5), FakeWork.Score("b", 4), FakeWork.Score("c", 8)).Reader);

        var first = scheduler.PlanStep();
        Assert.Equal(new[] { ("a", 4), ("b", 3), ("c", 3) }, first.Select(s => (s.Work.Name, s.Rows)));
        Apply(first);

        var second = scheduler.PlanStep();
        Assert.Equal(new[] { ("c", 4) }, second.Select(s => (s.Work.Name, s.Rows)));
    }

    [Fact]
    public void GenerationRunsOneRowPerStepUntilItsLastToken()
    {
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences: 1, batchSize: 4);
        FakeWork work = FakeWork.Generate("g", prompt: 6, tokens: 3);
        scheduler.Admit(Queue(work).Reader);

        var steps = new List<(int Rows, bool IsPrompt)>();
        while (!work.IsCompleted)
        {
            var step = scheduler.PlanStep();
            steps.Add((Assert.Single(step).Rows, step[0].IsPrompt));
            Apply(step);
        }

        // The final prompt chunk samples the first token; each fed-back token samples one more.
        Assert.Equal(new[] { (4, true), (2, true), (1, false), (1, false) }, steps);
        Assert.Equal(3, work.Produced);
    }

    [Fact]
    public void RejectsABatchTooSmallForOneRowPerSequence()
    {
        Assert.Throws<ArgumentException>(() => new LlamaBatchScheduler<FakeWork>(maxSequences: 4, batchSize: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LlamaBatchScheduler<FakeWork>(maxSequences: 0, batchSize: 3));
        _ = new LlamaBatchScheduler<FakeWork>(maxSequences: 4, batchSize: 4);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(3, 10, 2)]
    [InlineData(4, 4, 3)]
    [InlineData(8, 32, 4)]
    public void RandomWorkloadsKeepEveryInvariant(int maxSequences, int batchSize, int seed)
    {
        var random = new Random(seed);
        var scheduler = new LlamaBatchScheduler<FakeWork>(maxSequences, batchSize);
        var queue = Channel.CreateUnbounded<FakeWork>();
        var all = new List<FakeWork>();
        var admitted = new List<FakeWork>();
        var slotOwner = new FakeWork?[maxSequences];
        int total = 60;

        for (int stepNumber = 0; stepNumber < 10_000 && (all.Count < total || all.Any(w => !w.IsCompleted)); stepNumber++)
        {
            // Arrivals and cancellations happen between steps, as callers do it from other threads.
            for (int i = random.Next(3); i > 0 && all.Count < total; i--)
            {
                var work = random.Next(2) == 0
                    ? FakeWork.Score($"s{all.Count}", random.Next(2, 3 * batchSize))
                    : FakeWork.Generate($"g{all.Count}", random.Next(1, 3 * batchSize), random.Next(1, 12));
                all.Add(work);
                Assert.True(queue.Writer.TryWrite(work));
            }

            foreach (FakeWork work in all.Where(w => !w.IsCompleted && random.Next(40) == 0))
            {
                work.IsCompleted = true;
                work.Cancelled = true;
            }

            scheduler.ReleaseFinished(work =>
            {
                Assert.True(work.IsCompleted);
                Assert.Same(work, slotOwner[work.Slot]);
                slotOwner[work.Slot] = null;
            });
            Assert.All(scheduler.Active, w => Assert.False(w.IsCompleted));

            var before = scheduler.Active.ToHashSet();
            scheduler.Admit(queue.Reader);
            foreach (FakeWork work in scheduler.Active.Where(w => !before.Contains(w)))
            {
                Assert.InRange(work.Slot, 0, maxSequences - 1);
                Assert.Null(slotOwner[work.Slot]); // a slot is handed out only once it was cleared
                slotOwner[work.Slot] = work;
                admitted.Add(work);
            }

            Assert.InRange(scheduler.Active.Count, 0, maxSequences);
            Assert.Equal(maxSequences, scheduler.Active.Count + scheduler.FreeSlots);
            Assert.Equal(scheduler.Active.Count, scheduler.Active.Select(w => w.Slot).Distinct().Count());
            Assert.True(scheduler.Active.Count == maxSequences || queue.Reader.Count == 0, "a free slot while work waits");

            var step = scheduler.PlanStep();
            Assert.InRange(step.Sum(s => s.Rows), scheduler.Active.Count > 0 ? 1 : 0, batchSize);
            Assert.Equal(step.Count, step.Select(s => s.Work).Distinct().Count());
            Assert.All(step, s => Assert.Contains(s.Work, scheduler.Active));
            var generating = scheduler.Active.Where(w => w.IsGenerating).ToArray();
            Assert.Equal(generating, step.TakeWhile(s => !s.IsPrompt).Select(s => s.Work));
            Assert.All(step.Where(s => !s.IsPrompt), s => Assert.Equal(1, s.Rows));
            Assert.All(step.Where(s => s.IsPrompt), s => Assert.InRange(s.Rows, 1, s.Work.PendingPromptTokens));
            Assert.DoesNotContain(step.SkipWhile(s => !s.IsPrompt), s => !s.IsPrompt);
            Apply(step);
        }

        Assert.All(all, w => Assert.True(w.IsCompleted, $"{w.Name} never finished"));
        Assert.All(all.Where(w => !w.Cancelled), w => Assert.True(w.IsDone, $"{w.Name} stopped early"));
        Assert.Equal(admitted, all.Where(admitted.Contains)); // FIFO
        Assert.All(all.Where(w => !w.Cancelled), w => Assert.Contains(w, admitted));
    }

    private static Channel<FakeWork> Queue(params FakeWork[] work)
    {
        var queue = Channel.CreateUnbounded<FakeWork>();
        foreach (FakeWork item in work)
        {
            queue.Writer.TryWrite(item);
        }

        return queue;
    }

    /// <summary>What the runtime does with a planned step once the decode succeeded.</summary>
    private static void Apply(IReadOnlyList<BatchSlice<FakeWork>> step)
    {
        foreach (BatchSlice<FakeWork> slice in step)
        {
            slice.Work.Consume(slice);
        }
    }

    private sealed class FakeWork : IBatchSequence
    {
        private readonly int _tokens;

        private FakeWork(string name, int prompt, int tokens)
        {
            Name = name;
            PendingPromptTokens = prompt;
            _tokens = tokens;
        }

        public string Name { get; }

        public int Slot { get; set; } = -1;

        public bool IsCompleted { get; set; }

        public bool Cancelled { get; set; }

        public int PendingPromptTokens { get; private set; }

        public bool IsGenerating => _tokens > 0 && PendingPromptTokens == 0;

        public int Produced { get; private set; }

        /// <summary>Finished on its own: whole prompt decoded and, for a generation, every token sampled.</summary>
        public bool IsDone => IsCompleted && PendingPromptTokens == 0 && Produced == _tokens;

        public static FakeWork Score(string name, int tokens) => new(name, tokens - 1, 0);

        public static FakeWork Generate(string name, int prompt, int tokens) => new(name, prompt, tokens);

        public void Consume(BatchSlice<FakeWork> slice)
        {
            Assert.False(IsCompleted, $"{Name} got rows after it completed");
            if (slice.IsPrompt)
            {
                Assert.InRange(slice.Rows, 1, PendingPromptTokens);
                PendingPromptTokens -= slice.Rows;
                if (PendingPromptTokens > 0)
                {
                    return;
                }
            }
            else
            {
                Assert.True(IsGenerating, $"{Name} got a generated-token row while prefilling");
                Assert.Equal(1, slice.Rows);
            }

            if (_tokens > 0)
            {
                Produced++;
            }

            IsCompleted = Produced == _tokens;
        }

        public override string ToString() => Name;
    }
}
