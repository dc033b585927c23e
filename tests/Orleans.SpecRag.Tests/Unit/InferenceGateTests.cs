using Orleans.SpecRag.Models.Embedding;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class InferenceGateTests
{
    [Fact]
    public async Task A_query_that_arrives_behind_waiting_ingestion_batches_gets_the_next_free_slot()
    {
        var gate = new InferenceGate(slots: 2);
        var held = new[] { await gate.EnterAsync(EmbeddingPriority.Bulk), await gate.EnterAsync(EmbeddingPriority.Bulk) };
        var bulk = Enumerable.Range(0, 5).Select(_ => gate.EnterAsync(EmbeddingPriority.Bulk).AsTask()).ToArray();
        var query = gate.EnterAsync(EmbeddingPriority.Interactive).AsTask();

        held[0].Dispose();

        var querySlot = await query.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(bulk, b => Assert.False(b.IsCompleted));

        querySlot.Dispose(); // only now does the first bulk waiter get a slot
        await bulk[0].WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(bulk.Skip(1), b => Assert.False(b.IsCompleted));
    }

    [Fact]
    public async Task Bulk_work_uses_every_slot_while_no_query_waits()
    {
        var gate = new InferenceGate(slots: 2);
        using var first = await gate.EnterAsync(EmbeddingPriority.Bulk);
        var second = gate.EnterAsync(EmbeddingPriority.Bulk);

        Assert.True(second.IsCompletedSuccessfully); // the second core is not kept idle for a query that may come
        (await second).Dispose();
    }

    [Fact]
    public async Task Waiters_of_one_kind_are_served_in_arrival_order()
    {
        var gate = new InferenceGate(slots: 1);
        var held = await gate.EnterAsync(EmbeddingPriority.Bulk);
        var order = new List<int>();
        var waiters = Enumerable.Range(0, 4).Select(Enter).ToArray();
        async Task Enter(int i)
        {
            using var slot = await gate.EnterAsync(EmbeddingPriority.Bulk);
            lock (order)
            {
                order.Add(i);
            }
        }

        held.Dispose();
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([0, 1, 2, 3], order);
    }

    [Fact]
    public async Task A_waiter_that_gives_up_is_skipped_and_no_slot_is_lost()
    {
        var gate = new InferenceGate(slots: 1);
        var held = await gate.EnterAsync(EmbeddingPriority.Bulk);
        using var leaving = new CancellationTokenSource();
        var gaveUp = gate.EnterAsync(EmbeddingPriority.Interactive, leaving.Token).AsTask();
        var next = gate.EnterAsync(EmbeddingPriority.Bulk).AsTask();

        leaving.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        held.Dispose();
        (await next.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();

        // The one slot is free again: entering does not wait.
        var again = gate.EnterAsync(EmbeddingPriority.Interactive);
        Assert.True(again.IsCompletedSuccessfully);
        (await again).Dispose();
    }

    [Fact]
    public async Task Giving_a_slot_back_twice_frees_it_once()
    {
        var gate = new InferenceGate(slots: 1);
        var slot = await gate.EnterAsync(EmbeddingPriority.Interactive);
        slot.Dispose();
        slot.Dispose();

        var first = gate.EnterAsync(EmbeddingPriority.Interactive);
        var second = gate.EnterAsync(EmbeddingPriority.Interactive);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        (await first).Dispose();
        (await second).Dispose();
    }

    [Fact]
    public async Task A_steady_stream_of_queries_leaves_one_slot_in_eight_to_a_waiting_ingestion()
    {
        var gate = new InferenceGate(slots: 1);
        var held = await gate.EnterAsync(EmbeddingPriority.Interactive);
        var waiting = new List<(Task<InferenceGate.Slot> Slot, string Name)> { (gate.EnterAsync(EmbeddingPriority.Bulk).AsTask(), "ingestion") };
        waiting.AddRange(Enumerable.Range(0, 2 * InferenceGate.BulkShare).Select(i => (gate.EnterAsync(EmbeddingPriority.Interactive).AsTask(), $"query {i}")));

        var order = new List<string>();
        while (waiting.Count > 0)
        {
            held.Dispose(); // one slot: exactly one waiter gets it
            var granted = await Task.WhenAny(waiting.Select(w => w.Slot)).WaitAsync(TimeSpan.FromSeconds(10));
            var next = waiting.Single(w => w.Slot == granted);
            waiting.Remove(next);
            order.Add(next.Name);
            held = await granted;
        }

        held.Dispose();
        Assert.Equal(InferenceGate.BulkShare - 1, order.IndexOf("ingestion"));
        Assert.Equal(Enumerable.Range(0, 2 * InferenceGate.BulkShare).Select(i => $"query {i}"), order.Where(n => n != "ingestion"));
    }

    [Fact]
    public async Task A_slot_granted_just_before_its_caller_gives_up_is_still_the_callers_to_give_back()
    {
        var gate = new InferenceGate(slots: 1);
        var held = await gate.EnterAsync(EmbeddingPriority.Bulk);
        using var leaving = new CancellationTokenSource();
        var waiting = gate.EnterAsync(EmbeddingPriority.Interactive, leaving.Token).AsTask();

        held.Dispose(); // granted…
        leaving.Cancel(); // …then the caller gives up: it has the slot nonetheless
        var slot = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        var next = gate.EnterAsync(EmbeddingPriority.Interactive);
        Assert.False(next.IsCompleted);

        slot.Dispose();
        (await next).Dispose();
    }
}
