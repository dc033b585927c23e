using LLama;
using LLama.Native;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>The request queue and the batching loop, run by the one thread that owns the llama.cpp context.</summary>
public sealed partial class LlamaRuntime
{
    private void Enqueue(LlamaWork work, CancellationToken cancellationToken)
    {
        // Registered before the write so the loop can never complete a request whose registration is not yet
        // visible to it (the channel write publishes the field).
        if (cancellationToken.CanBeCanceled)
        {
            work.Registration = cancellationToken.Register(static state => ((LlamaWork)state!).Cancel(), work);
        }

        if (!_queue.Writer.TryWrite(work))
        {
            work.Registration.Dispose();
            throw new ObjectDisposedException(nameof(LlamaRuntime));
        }
    }

    private void RunLoop()
    {
        var scheduler = new LlamaBatchScheduler<LlamaWork>(_options.MaxSequences, _options.BatchSize);
        var batch = new LLamaBatch();
        try
        {
            while (!_shutdown.IsCancellationRequested)
            {
                try
                {
                    scheduler.ReleaseFinished(ClearSequence);
                    if (scheduler.Active.Count == 0 && !WaitForWork())
                    {
                        break;
                    }

                    scheduler.Admit(_queue.Reader);
                    if (scheduler.Active.Count == 0)
                    {
                        continue;
                    }

                    IReadOnlyList<BatchSlice<LlamaWork>> step = scheduler.PlanStep();
                    if (step.Count == 0)
                    {
                        continue;
                    }

                    FillBatch(batch, step);
                    DecodeResult result = _context.Decode(batch);
                    Interlocked.Increment(ref _decodeCount);
                    if (step.Count > _peakSequencesPerDecode)
                    {
                        Volatile.Write(ref _peakSequencesPerDecode, step.Count);
                    }

                    if (result != DecodeResult.Ok)
                    {
                        // Part of the batch may already be in the KV cache; failing (and thereby clearing) every
                        // sequence in it keeps later requests from attending to half-written state.
                        _logger.LogError("llama_decode failed with {Result} for {Count} sequences", result, step.Count);
                        var error = new InvalidOperationException($"llama.cpp decode failed: {result}.");
                        foreach (BatchSlice<LlamaWork> slice in step)
                        {
                            slice.Work.Fail(error);
                        }

                        continue;
                    }

                    foreach (BatchSlice<LlamaWork> slice in step)
                    {
                        if (!slice.Work.IsCompleted)
                        {
                            slice.Work.ConsumeLogits(_context.NativeHandle);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_shutdown.IsCancellationRequested)
                {
                    // A bug or native failure must not leave callers awaiting forever; fail what is in flight and
                    // keep serving, since the next request gets a fresh, cleared sequence.
                    _logger.LogError(ex, "LlamaRuntime loop iteration failed; failing {Count} active requests", scheduler.Active.Count);
                    foreach (LlamaWork work in scheduler.Active)
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
            foreach (LlamaWork work in scheduler.Active)
            {
                work.Fail(disposed);
            }

            while (_queue.Reader.TryRead(out LlamaWork? pending))
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

    // Removing the whole sequence (p0 = p1 = -1) is what makes the id safe to hand to the next request.
    private void ClearSequence(LlamaWork work) => _context.NativeHandle.MemorySequenceRemove(work.Sequence, -1, -1);

    /// <summary>Writes the rows <paramref name="step"/> gives each request into the batch, in that order.</summary>
    private static void FillBatch(LLamaBatch batch, IReadOnlyList<BatchSlice<LlamaWork>> step)
    {
        batch.Clear();
        foreach (BatchSlice<LlamaWork> slice in step)
        {
            if (slice.IsPrompt)
            {
                slice.Work.AddPromptChunk(batch, slice.Rows);
            }
            else
            {
                // Only a generation request past its prompt is given a single generated-token row.
                ((GenerateWork)slice.Work).AddNextToken(batch);
            }
        }
    }
}
