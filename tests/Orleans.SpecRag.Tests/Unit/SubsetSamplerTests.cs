using Orleans.SpecRag.Grouping;
using Orleans.SpecRag.Models.Embedding;
using Orleans.SpecRag.Querying;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class SubsetSamplerTests
{
    private static readonly IReadOnlyList<IReadOnlyList<int>> TwoClusters = [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]];

    [Fact]
    public void Subsets_are_distinct_and_take_one_item_from_each_cluster()
    {
        var subsets = SubsetSampler.Sample(TwoClusters, count: 5, seed: 11);

        Assert.Equal(5, subsets.Count);
        Assert.Equal(5, subsets.Select(s => string.Join(',', s)).Distinct().Count());
        Assert.All(subsets, s =>
        {
            Assert.Equal(2, s.Length);
            Assert.Contains(s[0], TwoClusters[0]);
            Assert.Contains(s[1], TwoClusters[1]);
        });
    }

    [Fact]
    public void A_query_seed_is_the_same_for_the_same_question_and_seed_and_differs_between_questions_and_seeds()
    {
        Assert.Equal(QuerySeed.Of(0, "Who wrote Hamlet?"), QuerySeed.Of(0, "Who wrote Hamlet?"));
        Assert.NotEqual(QuerySeed.Of(0, "Who wrote Hamlet?"), QuerySeed.Of(0, "Who wrote Macbeth?"));
        Assert.NotEqual(QuerySeed.Of(0, "Who wrote Hamlet?"), QuerySeed.Of(1, "Who wrote Hamlet?"));
    }

    [Fact]
    public void The_papers_random_subsets_leave_out_the_best_passage_independently_from_question_to_question()
    {
        // Each cluster lists its passages by retrieval rank. One seed for every query drew the same positions every time,
        // so the best passage (0) was in every query's subsets or in none; per question it is in 1 − C(20,5)/C(25,5) ≈ 0.71 of them
        // (5 distinct subsets of the 25).
        var questions = Enumerable.Range(0, 300).Select(i => $"Question number {i}?").ToArray();
        var included = questions.Count(q => SubsetSampler.Sample(TwoClusters, 5, QuerySeed.Of(0, q)).Any(s => s.Contains(0)));

        Assert.InRange(included / (double)questions.Length, 0.55, 0.8);
    }

    [Fact]
    public void A_query_plan_draws_the_papers_subsets_per_question_with_the_same_passages_and_seed()
    {
        // Ten passages in two clear groups: the same clusters for every question, so only the subsets' seed differs.
        var passages = Enumerable.Range(0, 10)
            .Select(i => new Passage($"p{i}", $"d{i}", null, $"text {i}", i % 2 == 0 ? [1f, 0.01f * i] : [0.01f * i, 1f], 1 - (0.01 * i)))
            .ToArray();
        string[] SubsetsOf(string question) => SpeculativePipeline.Plan(new QueryRequest { Question = question }, passages, SubsetSampling.Paper, optionStatements: null)
            .Tasks.Select(t => string.Join(',', t.Passages.Select(p => p.Id))).ToArray();

        Assert.Equal(SubsetsOf("Who wrote Hamlet?"), SubsetsOf("Who wrote Hamlet?"));
        var plans = Enumerable.Range(0, 20).Select(i => string.Join(';', SubsetsOf($"Question number {i}?"))).Distinct().Count();
        Assert.True(plans > 10, $"only {plans} different plans for 20 questions");
    }

    [Fact]
    public void Sampling_is_deterministic_for_a_seed()
    {
        var a = SubsetSampler.Sample(TwoClusters, 7, seed: 5);
        var b = SubsetSampler.Sample(TwoClusters, 7, seed: 5);
        Assert.Equal(a.Select(s => string.Join(',', s)), b.Select(s => string.Join(',', s)));
    }

    [Fact]
    public void When_fewer_distinct_subsets_exist_than_requested_all_are_returned_once()
    {
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 1], [2], [3, 4]];
        var subsets = SubsetSampler.Sample(clusters, count: 32, seed: 0);

        Assert.Equal(4, subsets.Count);
        Assert.Equal(
            new[] { "0,2,3", "0,2,4", "1,2,3", "1,2,4" },
            subsets.Select(s => string.Join(',', s)).Order());
    }

    [Fact]
    public void Exactly_as_many_subsets_as_exist_returns_all()
    {
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 1, 2], [3, 4]];
        Assert.Equal(6, SubsetSampler.Sample(clusters, 6, seed: 1).Select(s => string.Join(',', s)).Distinct().Count());
    }

    [Fact]
    public void Distinct_subset_count_saturates_instead_of_overflowing()
    {
        var huge = Enumerable.Range(0, 40).Select(_ => (IReadOnlyList<int>)Enumerable.Range(0, 100).ToArray()).ToArray();
        Assert.Equal(long.MaxValue, SubsetSampler.DistinctSubsets(huge));
        Assert.Equal(3, SubsetSampler.Sample(huge, 3, seed: 0).Count);
    }

    [Fact]
    public void An_empty_cluster_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => SubsetSampler.Sample([[0], []], 1, 0));
    }
}

public sealed class CoverageSamplingTests
{
    [Fact]
    public void Balanced_clusters_are_covered_completely_before_any_passage_repeats()
    {
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]];

        var subsets = SubsetSampler.Cover(clusters, count: 5, seed: 0);

        Assert.Equal(5, subsets.Count);
        Assert.Equal(Enumerable.Range(0, 10), subsets.SelectMany(s => s).Order());
        Assert.Equal([0, 1], subsets[0]);
    }

    [Fact]
    public void The_best_ranked_passages_of_a_large_cluster_are_the_ones_covered()
    {
        IReadOnlyList<IReadOnlyList<int>> clusters = [[9, 0, 1, 2, 3, 5, 6, 8], [7, 4]];

        var subsets = SubsetSampler.Cover(clusters, count: 5, seed: 0);

        Assert.Equal(5, subsets.Select(s => string.Join(',', s)).Distinct().Count());
        Assert.Equal([0, 1, 2, 3, 5], subsets.Select(s => s[0]).Order());
        Assert.Equal([0, 4], subsets[0]);
        Assert.All(subsets, s => Assert.Contains(s[1], new[] { 4, 7 }));
    }

    [Fact]
    public void A_chained_passage_is_read_with_its_partner_even_below_the_ranks_the_subsets_would_cover()
    {
        // Rank 11 continues the chain rank 0 starts (a second hop the retriever ranks low: it does not name the question's
        // entity). Three subsets cover each cluster's three best-ranked passages, which leave it out.
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 2, 4, 6], [1, 3, 5, 7, 9, 11]];
        static int Affinity(int a, int b) => (a, b) is (0, 11) or (11, 0) ? 1 : 0;

        var plain = SubsetSampler.Cover(clusters, count: 3, seed: 0, Affinity);
        var chained = SubsetSampler.Cover(clusters, count: 3, seed: 0, Affinity, chained: new HashSet<int> { 0, 11 });

        Assert.DoesNotContain(plain, s => s.Contains(11));
        Assert.Equal([0, 11], chained[0]);
        // The rest are covered in rank order as before.
        Assert.Equal([2, 4], chained.Skip(1).Select(s => s[0]).Order());
    }

    [Fact]
    public void Small_clusters_still_give_distinct_subsets_and_never_more_than_exist()
    {
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 1], [2, 3]];

        var subsets = SubsetSampler.Cover(clusters, count: 5, seed: 0);

        Assert.Equal(4, subsets.Count);
        Assert.Equal(4, subsets.Select(s => string.Join(',', s)).Distinct().Count());
        Assert.Equal(Enumerable.Range(0, 4), subsets.Take(2).SelectMany(s => s).Order());
    }

    [Fact]
    public void With_an_affinity_linked_passages_are_read_together_and_the_same_passages_are_covered()
    {
        // Rank 0 (first hop) names the bridge that rank 7 (second hop) describes; rank 4 and rank 9 share another name.
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 2, 4, 6, 8], [1, 3, 5, 7, 9]];
        static int Affinity(int a, int b) => (Math.Min(a, b), Math.Max(a, b)) switch { (0, 7) => 2, (4, 9) => 1, _ => 0 };

        var plain = SubsetSampler.Cover(clusters, count: 5, seed: 0);
        var paired = SubsetSampler.Cover(clusters, count: 5, seed: 0, Affinity);

        Assert.DoesNotContain(plain, s => s.SequenceEqual([0, 7]));
        Assert.Equal([0, 7], paired[0]);
        Assert.Contains(paired, s => s.SequenceEqual([4, 9]));
        Assert.Equal(plain.SelectMany(s => s).Order(), paired.SelectMany(s => s).Order());
        Assert.Equal(5, paired.Select(s => string.Join(',', s)).Distinct().Count());
    }

    [Fact]
    public void With_an_affinity_an_uneven_cluster_still_covers_its_best_ranked_passages()
    {
        // Five subsets take five of the large cluster's seven: ranks 0–4. Rank 6 shares a name with rank 8, but pairing
        // them would leave rank 4 unread.
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]];
        static int Affinity(int a, int b) => (Math.Min(a, b), Math.Max(a, b)) is (6, 8) or (3, 9) ? 1 : 0;

        var plain = SubsetSampler.Cover(clusters, count: 5, seed: 0);
        var paired = SubsetSampler.Cover(clusters, count: 5, seed: 0, Affinity);

        Assert.Equal(plain.SelectMany(s => s).Distinct().Order(), paired.SelectMany(s => s).Distinct().Order());
        Assert.Contains(paired, s => s.SequenceEqual([3, 9]));
        Assert.Equal(5, paired.Select(s => string.Join(',', s)).Distinct().Count());
    }

    [Fact]
    public void With_an_affinity_a_subset_starts_from_the_best_ranked_passage_of_any_cluster()
    {
        // The retriever's best passage is in the second cluster: the first subset is built around it.
        IReadOnlyList<IReadOnlyList<int>> clusters = [[1, 2, 3], [0, 4, 5]];
        static int Affinity(int a, int b) => (Math.Min(a, b), Math.Max(a, b)) switch { (0, 3) => 1, (1, 5) => 1, _ => 0 };

        var subsets = SubsetSampler.Cover(clusters, count: 3, seed: 0, Affinity);

        Assert.Equal([3, 0], subsets[0]);
        Assert.Equal([1, 5], subsets[1]);
        Assert.Equal([2, 4], subsets[2]);
    }

    [Fact]
    public void Coverage_subsets_read_m_times_k_different_passages_even_when_K_means_leaves_a_small_cluster()
    {
        // Eight passages about one thing, two about another: K-means makes clusters of 8 and 2, and one passage per cluster
        // would read the two small-cluster passages again and again (5 + 2 = 7 of the 10).
        var passages = Enumerable.Range(0, 10)
            .Select(i => new Passage($"p{i}", $"d{i}", null, $"text {i}", i < 8 ? [1f, 0.01f * i] : [0.01f * i, 1f], 1 - (0.01 * i)))
            .ToArray();
        Passage[][] SubsetsOf(SubsetSampling sampling) => SpeculativePipeline.Plan(new QueryRequest { Question = "Who is David Morse?" }, passages, sampling, optionStatements: null)
            .Tasks.Select(t => t.Passages.ToArray()).ToArray();

        var coverage = SubsetsOf(SubsetSampling.Coverage);
        var paper = SubsetsOf(SubsetSampling.Paper);

        Assert.Equal(5, coverage.Length);
        Assert.Equal(10, coverage.SelectMany(s => s).Select(p => p.Id).Distinct().Count());
        Assert.Contains(coverage[0], p => p.Id == "p0");
        // The paper's subsets keep plain K-means: every one of them takes p8 or p9.
        Assert.All(paper, s => Assert.Contains(s, p => p.Id is "p8" or "p9"));
    }

    [Fact]
    public void A_plan_for_a_multi_hop_question_pairs_the_passages_that_share_its_bridge()
    {
        // Two clear clusters. The best passage names the bridge (Bridgewater); the third-ranked one of the other cluster describes it.
        string[] texts =
        [
            "David Morse (born 1954 in Bridgewater) is a Canadian politician.",
            "Kings South is an electoral district.",
            "David Morse represented Kings South.",
            "Halifax is the capital of Nova Scotia.",
            "Morse was re-elected in 2006.",
            "Bridgewater is a town in the Lunenburg Municipal District.",
            "He served as Minister of Natural Resources.",
            "Mahone Bay is a town on the coast.",
            "Morse is a member of the Progressive Conservatives.",
            "Lunenburg is a port town.",
        ];
        var passages = texts
            .Select((t, i) => new Passage($"p{i}", $"d{i}", null, t, i % 2 == 0 ? [1f, 0.01f * i] : [0.01f * i, 1f], 1 - (0.01 * i)))
            .ToArray();
        string[] SubsetsOf(string question) => SpeculativePipeline.Plan(new QueryRequest { Question = question }, passages, SubsetSampling.Coverage, optionStatements: null)
            .Tasks.Select(t => string.Join(',', t.Passages.Select(p => p.Id).Order())).ToArray();

        var multiHop = SubsetsOf("What district is the place of birth of David Morse located in?");
        var singleHop = SubsetsOf("Who is David Morse?");

        Assert.Equal("p0,p5", multiHop[0]);
        Assert.DoesNotContain("p0,p5", singleHop);
        Assert.Equal(singleHop.SelectMany(s => s.Split(',')).Order(), multiHop.SelectMany(s => s.Split(',')).Order());
    }

    [Fact]
    public void A_plan_for_a_multi_hop_question_keeps_the_two_hops_of_its_chain_in_different_clusters_so_one_subset_holds_both()
    {
        // Two clear clusters; the first hop (rank 0) and the passage about its bridge (rank 4) lie in the same one, as two
        // passages about one place do. One passage per cluster would never show a drafter both.
        string[] texts =
        [
            "David Morse (born 1954 in Bridgewater) is a Canadian politician.",
            "Kings South is an electoral district.",
            "He served as Minister of Natural Resources.",
            "Halifax is the capital of Nova Scotia.",
            "Bridgewater is a town in the Lunenburg Municipal District.",
            "Mahone Bay is a town on the coast.",
            "Morse was re-elected in 2006.",
            "Lunenburg is a port town.",
            "He is a member of the Progressive Conservatives.",
            "Chester is a village on the coast.",
        ];
        var passages = texts
            .Select((t, i) => new Passage($"p{i}", $"d{i}", null, t, i % 2 == 0 ? [1f, 0.01f * i] : [0.01f * i, 1f], 1 - (0.01 * i)))
            .ToArray();
        const string question = "What district is the place of birth of David Morse located in?";
        DraftPlan PlanOf(SubsetSampling sampling) => SpeculativePipeline.Plan(new QueryRequest { Question = question }, passages, sampling, optionStatements: null);
        string[] SubsetsOf(SubsetSampling sampling) => PlanOf(sampling).Tasks.Select(t => string.Join(',', t.Passages.Select(p => p.Id).Order())).ToArray();

        Assert.Contains("p0,p4", SubsetsOf(SubsetSampling.Coverage));
        Assert.Equal(1, PlanOf(SubsetSampling.Coverage).HopChains);
        Assert.Equal(0, PlanOf(SubsetSampling.Paper).HopChains);
        // The paper's clusters are plain K-means: there the two hops share a cluster and never a subset.
        Assert.DoesNotContain(SubsetsOf(SubsetSampling.Paper), s => s.Split(',').Contains("p0") && s.Split(',').Contains("p4"));

        // One passage, or one passage per draft, leaves nothing to keep apart: the plan is made as before.
        var one = SpeculativePipeline.Plan(new QueryRequest { Question = question }, passages[..1], SubsetSampling.Coverage, optionStatements: null);
        Assert.Equal("p0", Assert.Single(one.Tasks).Passages.Single().Id);
        var single = SpeculativePipeline.Plan(new QueryRequest { Question = question, DocsPerDraft = 1 }, passages, SubsetSampling.Coverage, optionStatements: null);
        Assert.Equal(0, single.HopChains);
        Assert.All(single.Tasks, t => Assert.Single(t.Passages));
    }

    [Fact]
    public void A_first_hop_is_paired_with_the_passage_that_continues_its_chain_with_an_answer_of_the_kind_asked_for()
    {
        // Two clear clusters. The best passage is the first hop (Clonbrook → Guyana); two passages of the other cluster
        // mention Guyana, and only the lower-ranked one, which shares fewer names with it, says when something happened there.
        string[] texts =
        [
            "Clonbrook is a village in the Demerara-Mahaica region of Guyana, not far from Georgetown.",
            "The CARICOM Secretariat was first housed in Georgetown, Guyana.",
            "Rice is grown along the coast.",
            "Guyana joined CARICOM on 1 August 1973.",
            "The climate is tropical and humid.",
            "Its members hold regular summits.",
            "The region is known for its many rivers.",
            "Trade between its members grew quickly.",
            "Sugar was long the main export.",
            "The secretariat employs many staff.",
        ];
        var passages = texts
            .Select((t, i) => new Passage($"p{i}", $"d{i}", null, t, i % 2 == 0 ? [1f, 0.01f * i] : [0.01f * i, 1f], 1 - (0.01 * i)))
            .ToArray();
        string FirstSubset(string question) => string.Join(',', SpeculativePipeline.Plan(new QueryRequest { Question = question }, passages, SubsetSampling.Coverage, optionStatements: null)
            .Tasks[0].Passages.Select(p => p.Id).Order());

        Assert.Equal("p0,p3", FirstSubset("When did the country where the village of Clonbrook is located, become a member of CARICOM?"));
        // A question that asks for anything: both partners can answer, and the better-ranked one is taken.
        Assert.Equal("p0,p1", FirstSubset("Which body governs the country where the village of Clonbrook is located?"));
    }

    [Fact]
    public void A_plan_for_a_multi_hop_question_pairs_no_passages_that_share_a_name_but_say_nothing_of_its_bridge()
    {
        // Two clear clusters. Two passages share "Halifax", but neither mentions David Morse, whom the question's bridge is
        // identified by: they are no chain the question asks about, and the plain order pairs them as it pairs the rest.
        string[] texts =
        [
            "David Morse (born 1954 in Bridgewater) is a Canadian politician.",
            "Kings South is an electoral district.",
            "Halifax Harbour is one of the deepest harbours.",
            "Halifax is the capital of Nova Scotia.",
            "Morse was re-elected in 2006.",
            "Bridgewater is a town in the Lunenburg Municipal District.",
            "He served as Minister of Natural Resources.",
            "Mahone Bay is a town on the coast.",
            "He is a member of the Progressive Conservatives.",
            "Lunenburg is a port town.",
        ];
        var passages = texts
            .Select((t, i) => new Passage($"p{i}", $"d{i}", null, t, i % 2 == 0 ? [1f, 0.01f * i] : [0.01f * i, 1f], 1 - (0.01 * i)))
            .ToArray();
        var subsets = SpeculativePipeline.Plan(new QueryRequest { Question = "What district is the place of birth of David Morse located in?" }, passages, SubsetSampling.Coverage, optionStatements: null)
            .Tasks.Select(t => string.Join(',', t.Passages.Select(p => p.Id).Order())).ToArray();

        Assert.Equal("p0,p5", subsets[0]);
        Assert.DoesNotContain("p2,p3", subsets);
    }

    [Fact]
    public void A_plan_for_a_multiple_choice_question_pairs_passages_that_favour_the_same_option()
    {
        // Two clear clusters (the first two dimensions); the third says which option a passage favours: + for (A), − for (B).
        // In rank order the two clusters alternate between the options, so the plain pairs never agree.
        float[] favour = [0.1f, -0.1f, -0.1f, 0.1f, 0.1f, -0.1f, -0.1f, 0.1f, 0.1f, -0.1f];
        var passages = Enumerable.Range(0, 10)
            .Select(i => new Passage($"p{i}", $"d{i}", null, $"text {i}", i % 2 == 0 ? [1f, 0f, favour[i]] : [0f, 1f, favour[i]], 1 - (0.01 * i)))
            .ToArray();
        float[][] options = [[0f, 0f, 1f], [0f, 0f, -1f]];
        var request = new QueryRequest { Question = "Which gas do plants take in? (A) carbon dioxide (B) oxygen" };
        int[][] SubsetsOf(IReadOnlyList<float[]>? statements) => SpeculativePipeline.Plan(request, passages, SubsetSampling.Coverage, statements)
            .Tasks.Select(t => t.Passages.Select(p => int.Parse(p.Id[1..])).ToArray()).ToArray();

        var plain = SubsetsOf(null);
        var paired = SubsetsOf(options);

        Assert.All(plain, s => Assert.NotEqual(Math.Sign(favour[s[0]]), Math.Sign(favour[s[1]])));
        // The first cluster has three passages for (A), the second two: one pair cannot agree.
        Assert.Equal(4, paired.Count(s => Math.Sign(favour[s[0]]) == Math.Sign(favour[s[1]])));
        Assert.Contains(0, paired[0]);
        Assert.Equal(plain.SelectMany(s => s).Order(), paired.SelectMany(s => s).Order());

        // The paper's random subsets stay random: option statements change nothing there.
        string PaperPlan(IReadOnlyList<float[]>? statements) => string.Join(';', SpeculativePipeline.Plan(request, passages, SubsetSampling.Paper, statements)
            .Tasks.Select(t => string.Join(',', t.Passages.Select(p => p.Id))));
        Assert.Equal(PaperPlan(null), PaperPlan(options));
    }

    [Fact]
    public async Task Option_statements_are_embedded_only_for_a_multiple_choice_question_with_coverage_subsets()
    {
        using var embedder = new BorrowedEmbeddingGenerator(SharedModels.MiniLm);
        const string choice = "Which gas do plants take in? (A) carbon dioxide (B) oxygen (C) helium";

        var statements = await SpeculativePipeline.OptionStatementsAsync(embedder, choice, SubsetSampling.Coverage);

        Assert.Equal(3, statements!.Count);
        Assert.All(statements, v => Assert.Equal(SharedModels.MiniLm.Dimensions, v.Length));
        Assert.Null(await SpeculativePipeline.OptionStatementsAsync(embedder, choice, SubsetSampling.Paper));
        Assert.Null(await SpeculativePipeline.OptionStatementsAsync(embedder, "Which gas do plants take in?", SubsetSampling.Coverage));
    }

    [Fact]
    public void Coverage_sees_more_passages_than_random_subsets_on_uneven_clusters()
    {
        IReadOnlyList<IReadOnlyList<int>> clusters = [[0, 1, 2, 3, 4, 5, 6], [7, 8, 9]];
        var covered = SubsetSampler.Cover(clusters, 5, seed: 3).SelectMany(s => s).Distinct().Count();
        var random = Enumerable.Range(0, 20).Average(seed => SubsetSampler.Sample(clusters, 5, seed).SelectMany(s => s).Distinct().Count());
        Assert.Equal(8, covered);
        Assert.True(random < covered, $"random subsets saw {random:F1} passages on average");
    }
}
