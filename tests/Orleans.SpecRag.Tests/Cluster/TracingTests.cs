using System.Collections.Concurrent;
using System.Diagnostics;

namespace Orleans.SpecRag.Tests.Cluster;

/// <summary>One trace spans the query across silos, and its draft spans overlap: drafts really run in parallel.</summary>
public sealed class TracingTests(RoleClusterFixture fixture) : IClassFixture<RoleClusterFixture>, IDisposable
{
    private static readonly ActivitySource TestSource = new("Orleans.SpecRag.Tests");
    private readonly ConcurrentBag<Activity> _finished = [];
    private ActivityListener? _listener;

    private void Listen()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Orleans.SpecRag", StringComparison.Ordinal) || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => _finished.Add(activity),
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task Draft_spans_descend_from_the_query_span_overlap_in_time_and_name_their_drafter_silo()
    {
        Listen();
        fixture.Drafter.Reset(participants: 5);
        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test.request"))
        {
            traceId = root!.TraceId;
            await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(new QueryRequest
            {
                Question = "Which river runs through Paris?",
                Documents = Enumerable.Range(0, 6).Select(i => new InlineDocument($"d{i}", null, $"Passage {i} about rivers and cities.")).ToArray(),
                TopK = 6,
                Drafts = 5,
            });
        }

        var spans = _finished.Where(a => a.TraceId == traceId).ToArray();
        var query = Assert.Single(spans, s => s.OperationName == "specrag.query");
        var drafts = spans.Where(s => s.OperationName == "specrag.draft").ToArray();
        Assert.Equal(5, drafts.Length);
        Assert.Contains(spans, s => s.OperationName == "specrag.retrieve" && s.ParentSpanId == query.SpanId);
        Assert.Contains(spans, s => s.OperationName == "specrag.cluster" && s.ParentSpanId == query.SpanId);
        Assert.Contains(spans, s => s.OperationName == "specrag.verify" && IsDescendant(s, query, spans));

        // Each draft span hangs under the query span (through the grain-call spans between silos).
        Assert.All(drafts, d => Assert.True(IsDescendant(d, query, spans), $"draft span {d.SpanId} is not under the query span"));

        // Overlap: every draft started before any draft ended.
        var lastStart = drafts.Max(d => d.StartTimeUtc);
        var firstEnd = drafts.Min(d => d.StartTimeUtc + d.Duration);
        Assert.True(lastStart < firstEnd, $"draft spans do not all overlap: last start {lastStart:O}, first end {firstEnd:O}");

        var drafterSilos = fixture.SilosWithRole(SiloRoles.Drafter).Select(s => s.ToString()).ToHashSet();
        Assert.All(drafts, d =>
        {
            Assert.Contains((string)d.GetTagItem("specrag.silo")!, drafterSilos);
            Assert.NotNull(d.GetTagItem("specrag.draft.index"));
            Assert.NotNull(d.GetTagItem("specrag.draft.passage_ids"));
            Assert.Equal("test/barrier", d.GetTagItem("specrag.model"));
            Assert.NotNull(d.GetTagItem("specrag.score.draft"));
        });
    }

    [Fact]
    public async Task A_multiple_choice_query_pairs_its_subsets_by_option_and_an_open_one_does_not()
    {
        Listen();
        Task<object?> OptionStatementsOf(string question) => ClusterTagAsync("specrag.option_statements", participants: 5, new QueryRequest
        {
            Question = question,
            Documents = Enumerable.Range(0, 6).Select(i => new InlineDocument($"d{i}", null, $"Passage {i} about plants and the gases they take in.")).ToArray(),
            TopK = 6,
            Drafts = 5,
            Sampling = SubsetSampling.Coverage,
        });

        Assert.Equal(3, await OptionStatementsOf("Which gas do plants take in? (A) carbon dioxide (B) oxygen (C) helium"));
        Assert.Equal(0, await OptionStatementsOf("Which gas do plants take in?"));
    }

    [Fact]
    public async Task A_multi_hop_query_reports_the_chains_its_clustering_kept_apart()
    {
        Listen();
        Task<object?> HopChainsOf(string question) => ClusterTagAsync("specrag.hop_chains", participants: 3, new QueryRequest
        {
            Question = question,
            Documents =
            [
                new InlineDocument("born", null, "David Morse (born 1954 in Bridgewater) is a Canadian politician."),
                new InlineDocument("town", null, "Bridgewater is a town in the Lunenburg Municipal District."),
                new InlineDocument("seat", null, "David Morse represented Kings South in the House of Assembly."),
                new InlineDocument("bay", null, "Mahone Bay is a town on the coast of Nova Scotia."),
            ],
            TopK = 4,
            Drafts = 3,
            Sampling = SubsetSampling.Coverage,
        });

        Assert.True((int)(await HopChainsOf("What district is the place of birth of David Morse located in?"))! >= 1);
        Assert.Equal(0, await HopChainsOf("Who is David Morse?"));
    }

    /// <summary>Runs a query under a test root span and returns a tag of its clustering span.</summary>
    private async Task<object?> ClusterTagAsync(string tag, int participants, QueryRequest request)
    {
        fixture.Drafter.Reset(participants);
        ActivityTraceId traceId;
        using (var root = TestSource.StartActivity("test.request"))
        {
            traceId = root!.TraceId;
            await fixture.Grains.GetGrain<IQueryGrain>(Guid.NewGuid().ToString("N")).RunAsync(request);
        }

        return Assert.Single(_finished, a => a.TraceId == traceId && a.OperationName == "specrag.cluster").GetTagItem(tag);
    }

    private static bool IsDescendant(Activity span, Activity ancestor, IReadOnlyCollection<Activity> spans)
    {
        var byId = spans.ToDictionary(s => s.SpanId);
        for (var parent = span.ParentSpanId; parent != default; parent = byId.TryGetValue(parent, out var p) ? p.ParentSpanId : default)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _listener?.Dispose();
}
