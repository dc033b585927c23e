using Lucene.Net.Analysis;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.TokenAttributes;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using Lucene.Net.Util;
using Directory = Lucene.Net.Store.Directory;

namespace Orleans.SpecRag.Retrieval.Lexical;

/// <summary>
/// BM25 over passage texts with Lucene.Net: one small index per segment, written once, and one searcher over
/// all of a shard's segments at a time so that term statistics (IDF, average length) are the shard's, not a
/// single segment's.
/// </summary>
public static class LexicalIndex
{
    private const LuceneVersion Version = LuceneVersion.LUCENE_48;
    private const string TextField = "text";
    private const string SegmentField = "segment";
    private const string OrdinalField = "ordinal";

    /// <summary>English stemming and stop words: questions and passages rarely share exact word forms.</summary>
    public static Analyzer CreateAnalyzer() => new EnglishAnalyzer(Version);

    public static Similarity Similarity { get; } = new BM25Similarity();

    // Analyzers are thread-safe (per-thread token stream components) and costly to create: one serves every query.
    private static readonly Analyzer Shared = CreateAnalyzer();

    /// <summary>Indexes <paramref name="texts"/> (title and passage, as embedded) in <paramref name="directory"/>, keyed by ordinal.</summary>
    public static void Build(string directory, string segmentId, IEnumerable<string> texts)
    {
        using var store = FSDirectory.Open(directory);
        using var analyzer = CreateAnalyzer();
        var config = new IndexWriterConfig(Version, analyzer)
        {
            OpenMode = OpenMode.CREATE,
            Similarity = Similarity,
            RAMBufferSizeMB = 64,
        };
        using var writer = new IndexWriter(store, config);
        var ordinal = 0;
        foreach (var text in texts)
        {
            writer.AddDocument(new Document
            {
                new TextField(TextField, text, Field.Store.NO),
                new StringField(SegmentField, segmentId, Field.Store.YES),
                new Int32Field(OrdinalField, ordinal++, Field.Store.YES),
            });
        }

        writer.Commit();
    }

    public static DirectoryReader Open(string directory) => DirectoryReader.Open(MMapDirectory.Open(directory));

    /// <summary>The analysed terms of <paramref name="text"/>, in order, repeats included.</summary>
    public static List<string> Analyze(string text)
    {
        using var stream = Shared.GetTokenStream(TextField, text);
        var term = stream.AddAttribute<ICharTermAttribute>();
        var terms = new List<string>();
        stream.Reset();
        while (stream.IncrementToken())
        {
            terms.Add(term.ToString());
        }

        stream.End();
        return terms;
    }

    /// <summary>
    /// A query that matches passages sharing any analysed term with <paramref name="text"/> or any
    /// <paramref name="expansion"/> term (at its boost), scored by BM25; null when there is no term at all.
    /// </summary>
    public static Query? ParseQuery(string text, IReadOnlyList<WeightedTerm>? expansion = null)
    {
        var terms = Analyze(text).Distinct(StringComparer.Ordinal).Take(BooleanQuery.MaxClauseCount).ToArray();
        var extra = (expansion ?? []).Where(e => !terms.Contains(e.Term, StringComparer.Ordinal)).Take(BooleanQuery.MaxClauseCount - terms.Length).ToArray();
        if (terms.Length + extra.Length == 0)
        {
            return null;
        }

        var query = new BooleanQuery();
        foreach (var t in terms)
        {
            query.Add(new TermQuery(new Term(TextField, t)), Occur.SHOULD);
        }

        foreach (var e in extra)
        {
            query.Add(new TermQuery(new Term(TextField, e.Term)) { Boost = e.Weight }, Occur.SHOULD);
        }

        return query;
    }

    /// <summary>Passages in the searcher's index, and how many contain each term.</summary>
    public static TermStatistics Statistics(IndexSearcher? searcher, IReadOnlyList<string> terms) =>
        searcher is null
            ? new TermStatistics(0, terms.Select(_ => 0L).ToArray())
            : new TermStatistics(searcher.IndexReader.NumDocs, terms.Select(t => (long)searcher.IndexReader.DocFreq(new Term(TextField, t))).ToArray());

    /// <summary>
    /// The best hits as (segment id, passage ordinal, BM25 score), skipping those <paramref name="isDeleted"/> rejects;
    /// the search widens until <paramref name="topK"/> live hits are found or the matches run out.
    /// </summary>
    public static List<(string Segment, int Ordinal, float Score)> Search(
        IndexSearcher searcher, Query query, int topK, Func<string, int, bool> isDeleted)
    {
        var wanted = topK;
        while (true)
        {
            var top = searcher.Search(query, wanted);
            var hits = new List<(string, int, float)>(topK);
            foreach (var hit in top.ScoreDocs)
            {
                var stored = searcher.Doc(hit.Doc);
                var segment = stored.Get(SegmentField);
                var ordinal = stored.GetField(OrdinalField).GetInt32Value() ?? -1;
                if (!isDeleted(segment, ordinal))
                {
                    hits.Add((segment, ordinal, hit.Score));
                    if (hits.Count == topK)
                    {
                        return hits;
                    }
                }
            }

            if (top.TotalHits <= wanted)
            {
                return hits;
            }

            wanted *= 4;
        }
    }

    public static IndexSearcher CreateSearcher(IReadOnlyList<DirectoryReader> readers) =>
        new(new MultiReader(readers.Cast<IndexReader>().ToArray(), closeSubReaders: false)) { Similarity = Similarity };
}
