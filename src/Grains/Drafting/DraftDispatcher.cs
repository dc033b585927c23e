using Orleans.SpecRag.Placement;

namespace Orleans.SpecRag.Drafting;

/// <summary>
/// Sends the drafts of one query to drafter silos: round-robin over the active drafter silos, so a query's
/// drafts spread over the GPU pool, and when a silo fails (it died, or its connection broke) the draft is
/// sent again to another drafter silo until the deadline. A model error (the silo is fine, the model call
/// failed) is not retried here: the model adapter already retried it, and the draft is reported as failed.
/// </summary>
public sealed class DraftDispatcher(IGrainFactory grains, SiloRoleDirectory roles, DraftAdmission admission, ILogger<DraftDispatcher> logger)
{
    /// <summary>The configured bound of drafts in flight per drafter silo, for error messages.</summary>
    public int MaxInFlightHint => admission.MaxInFlight;

    /// <summary>How long a silo that failed a draft is avoided by this silo's later queries.</summary>
    public static readonly TimeSpan SuspectFor = TimeSpan.FromSeconds(30);

    public async Task<Draft> DraftAsync(DraftTask task, int slot, DateTimeOffset deadline, CancellationToken cancellationToken = default)
    {
        var tried = new HashSet<SiloAddress>();
        var busy = new HashSet<SiloAddress>();
        for (var attempt = 0; ; attempt++)
        {
            var candidates = roles.ActiveSilosWithRole(SiloRoles.Drafter)
                .Where(s => !tried.Contains(s) && !roles.IsSuspect(s))
                .OrderBy(s => s.ToParsableString(), StringComparer.Ordinal)
                .ToArray();
            if (candidates.Length == 0)
            {
                // Every drafter failed this draft once: membership may not have caught up yet. Try any again.
                candidates = roles.ActiveSilosWithRole(SiloRoles.Drafter).Where(s => !busy.Contains(s)).OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
                if (candidates.Length == 0)
                {
                    throw new RoleUnavailableException(SiloRoles.Drafter);
                }
            }

            var silo = candidates[(slot + attempt) % candidates.Length];
            try
            {
                RequestContext.Set(SiloRolePlacementFilterDirector.TargetSiloKey, silo.ToParsableString());
                var call = grains.GetGrain<IDrafterGrain>(WorkerKey(silo)).DraftAsync(task, cancellationToken);
                RequestContext.Remove(SiloRolePlacementFilterDirector.TargetSiloKey);
                return await call.WaitAsync(Remaining(deadline), cancellationToken);
            }
            catch (DraftersBusyException) when (DateTimeOffset.UtcNow < deadline)
            {
                // That silo is at its bound: try the others once each, then give up rather than queue without limit.
                tried.Add(silo);
                busy.Add(silo);
                if (busy.Count >= roles.ActiveSilosWithRole(SiloRoles.Drafter).Count)
                {
                    throw;
                }
            }
            catch (TimeoutException)
            {
                // The wait above ran into the draft's deadline: the draft is late, the silo is not at fault.
                throw;
            }
            catch (Exception ex) when (TransientFaults.IsTransient(ex) && DateTimeOffset.UtcNow < deadline)
            {
                tried.Add(silo);
                roles.Suspect(silo, SuspectFor);
                logger.LogWarning("Draft {Index} failed on drafter silo {Silo} ({Error}); sending it to another drafter silo",
                    task.Index, silo, ex.GetType().Name);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * (attempt + 1), 500)), cancellationToken);
            }
            finally
            {
                RequestContext.Remove(SiloRolePlacementFilterDirector.TargetSiloKey);
            }
        }
    }

    // One stateless-worker identity per drafter silo: Orleans places (and remembers) each identity on the
    // silo the request context names, so "send this draft to silo X" is a choice of grain key.
    private static long WorkerKey(SiloAddress silo) => (long)silo.GetConsistentHashCode();

    private static TimeSpan Remaining(DateTimeOffset deadline)
    {
        var left = deadline - DateTimeOffset.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
