using System.Text;
using Orleans.SpecRag.Models;

namespace Orleans.SpecRag.Bench.Simulation;

/// <summary>
/// Bench-only settings of the simulated-latency models: how long a draft and a verification take. One instance is
/// shared by every silo of the bench cluster and by the in-process limit, and changed between phases (zero delay,
/// then the configured delay), so both sides always simulate the same models.
/// </summary>
public sealed class SimulatedLatencySettings
{
    public double DraftMs { get; set; } = 200;

    public double VerifyMs { get; set; } = 50;

    /// <summary>Each delay is its base ± up to this much.</summary>
    public double JitterMs { get; set; }

    public int Seed { get; set; }

    /// <summary>
    /// The delay of the draft written from these passages. Deterministic (a hash of question, passage ids and seed,
    /// not a random draw) so that the Orleans run and the in-process limit, given the same subsets, wait exactly as
    /// long, and the critical path of an Orleans result can be recomputed from its drafts' passage ids.
    /// </summary>
    public double DraftDelayMs(string question, IEnumerable<string> passageIds) =>
        Jittered(DraftMs, $"draft\u0000{question}\u0000{string.Join('\u0001', passageIds)}");

    public double VerifyDelayMs(string question) => Jittered(VerifyMs, $"verify\u0000{question}");

    private double Jittered(double baseMs, string key) =>
        baseMs <= 0 && JitterMs <= 0 ? 0 : Math.Max(0, baseMs + (JitterMs * ((2 * UnitHash(key)) - 1)));

    /// <summary>FNV-1a of the key and seed mapped to [0, 1): stable across processes, unlike string.GetHashCode.</summary>
    public double UnitHash(string key)
    {
        var hash = 2166136261u ^ (uint)Seed;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash / 4294967296.0;
    }

    public string Describe(double baseMs) => JitterMs > 0 ? $"{baseMs:0.#}±{JitterMs:0.#}ms" : $"{baseMs:0.#}ms";

    public static async ValueTask WaitAsync(double milliseconds, CancellationToken cancellationToken)
    {
        if (milliseconds > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), cancellationToken);
        }
    }
}

/// <summary>
/// A bench-only stand-in for a drafter LLM: it waits as long as a real model would take (from
/// <see cref="SimulatedLatencySettings"/>), uses no CPU meanwhile, and returns a deterministic draft built from
/// its passages. It exists to measure the orchestration around the models, never answer quality.
/// </summary>
public sealed class SimulatedLatencyDraftModel(SimulatedLatencySettings settings) : IDraftModel
{
    public string Name => $"simulated-latency/draft({settings.Describe(settings.DraftMs)})";

    public async Task<DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, DraftOptions? options = null, CancellationToken cancellationToken = default)
    {
        await SimulatedLatencySettings.WaitAsync(settings.DraftDelayMs(question, passages.Select(p => p.Id)), cancellationToken);
        var answer = passages[0].Text.Split('.', 2)[0].Trim();
        var rationale = string.Join(' ', passages.Skip(1).Select(p => p.Text));
        var confidence = settings.UnitHash(string.Join(',', passages.Select(p => p.Id)));
        return new DraftOutput(answer, rationale.Length > 0 ? rationale : passages[0].Text, -0.1 - confidence, -0.1 - (confidence / 2))
        {
            EvidenceIds = passages.Select(p => p.Id).ToArray(),
        };
    }
}

/// <summary>A bench-only stand-in for the verifier LLM: waits the simulated verification time, then scores deterministically.</summary>
public sealed class SimulatedLatencyVerifierModel(SimulatedLatencySettings settings) : IVerifierModel
{
    public string Name => $"simulated-latency/verify({settings.Describe(settings.VerifyMs)})";

    public string Scoring => "simulated";

    public async Task<IReadOnlyList<VerifierScores>> ScoreAsync(string question, IReadOnlyList<DraftOutput> drafts, CancellationToken cancellationToken = default)
    {
        await SimulatedLatencySettings.WaitAsync(settings.VerifyDelayMs(question), cancellationToken);
        return drafts.Select(d => new VerifierScores(-0.1 - settings.UnitHash(d.Answer), -0.1 - settings.UnitHash(d.Rationale))).ToArray();
    }

    public async Task<DraftOutput> AnswerAsync(string question, IReadOnlyList<Passage> passages, CancellationToken cancellationToken = default)
    {
        await SimulatedLatencySettings.WaitAsync(settings.VerifyDelayMs(question), cancellationToken);
        return new DraftOutput(passages[0].Text.Split('.', 2)[0].Trim(), passages[0].Text, -0.5, -0.5);
    }
}
