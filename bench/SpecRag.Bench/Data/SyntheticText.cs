using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Bench.Data;

/// <summary>Inputs the bench makes up itself, so that overhead, load and ingestion need no external data.</summary>
public static class SyntheticText
{
    /// <summary>
    /// Ten short documents on two clearly separate topics, five each. K-means with k = 2 splits them 5/5, giving
    /// 25 distinct one-per-cluster subsets: enough for m = 20 distinct drafts (with a lopsided split there would be fewer).
    /// </summary>
    public static readonly IReadOnlyList<InlineDocument> TwoTopicDocuments =
    [
        new("river-1", "Rivers", "The Seine flows through Paris before it reaches the English Channel at Le Havre."),
        new("river-2", "Rivers", "The Danube crosses ten countries and four capitals on its way to the Black Sea."),
        new("river-3", "Rivers", "The Rhine rises in the Swiss Alps and flows north through Germany to the North Sea."),
        new("river-4", "Rivers", "The Thames runs through London and is tidal as far upstream as Teddington Lock."),
        new("river-5", "Rivers", "The Loire is the longest river in France and is lined with Renaissance castles."),
        new("chem-1", "Chemistry", "Sodium chloride forms cubic crystals held together by ionic bonds."),
        new("chem-2", "Chemistry", "Water molecules are polar, which is why water dissolves many salts."),
        new("chem-3", "Chemistry", "An exothermic reaction releases heat, as when methane burns in oxygen."),
        new("chem-4", "Chemistry", "Catalysts lower the activation energy of a reaction without being consumed."),
        new("chem-5", "Chemistry", "The pH scale measures how acidic or basic an aqueous solution is."),
    ];

    private static readonly string[] OverheadQuestions =
    [
        "Which river flows through Paris?",
        "Why does water dissolve salt?",
        "Where does the Rhine rise?",
        "What does a catalyst do in a reaction?",
        "Which river is the longest in France?",
        "What kind of bonds hold salt crystals together?",
        "How many countries does the Danube cross?",
        "What does the pH scale measure?",
    ];

    /// <summary>The i-th question of the overhead bench; questions differ so their (deterministic) simulated delays differ.</summary>
    public static string OverheadQuestion(int i) => $"{OverheadQuestions[i % OverheadQuestions.Length]} (case {i / OverheadQuestions.Length})";

    private static readonly string[] DocsQuestions =
    [
        "How are drafts scored?",
        "What does the verifier see?",
        "Where do drafter grains run?",
        "How are passages clustered before drafting?",
        "What is the self-consistency score?",
        "What is the self-reflection score?",
        "How is a collection sharded?",
        "Which embedding model is used?",
        "What happens when a drafter silo fails?",
        "How does standard mode differ from speculative mode?",
        "How are documents split into passages?",
        "Which models can the drafter use?",
        "How is the best draft selected?",
        "What does the query grain do?",
        "How is a local GGUF model configured?",
        "What does the extractive drafter return?",
    ];

    /// <summary>
    /// The n-th question of the load bench: a question about the demo corpus (the project's docs), numbered so that
    /// no two requests share a question and every request pays for embedding its question, as real traffic does.
    /// </summary>
    public static string LoadQuestion(int n) => $"{DocsQuestions[n % DocsQuestions.Length]} (request {n})";

    /// <summary>
    /// <paramref name="count"/> passages of ~100 words (TextChunker's size, at least 60 words each) of real prose:
    /// Wikipedia paragraphs from the MuSiQue corpus when ../shared/data holds it, else the project's docs (Markdown,
    /// with code and tables). When there are too few, they repeat with a numbered prefix (MiniLM caches nothing, so
    /// a repeat costs as much as new text).
    /// </summary>
    public static (IReadOnlyList<string> Passages, string Source) Passages(int count)
    {
        var chunks = new List<string>();
        var source = "";
        var musique = Path.Combine(Reporting.RepoPaths.SharedData, "musique-corpus.jsonl");
        if (File.Exists(musique))
        {
            source = "MuSiQue corpus paragraphs (Wikipedia)";
            foreach (var line in File.ReadLines(musique).Where(l => l.Length > 0))
            {
                using var json = System.Text.Json.JsonDocument.Parse(line);
                chunks.AddRange(TextChunker.Chunk(json.RootElement.GetProperty("text").GetString()!).Where(c => c.Split(' ').Length >= 60));
                if (chunks.Count >= count)
                {
                    break;
                }
            }
        }
        else if (Reporting.RepoPaths.Root is { } root && Directory.Exists(Path.Combine(root, "docs")))
        {
            source = "the project's docs/*.md";
            foreach (var file in Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Order(StringComparer.Ordinal))
            {
                chunks.AddRange(TextChunker.Chunk(File.ReadAllText(file)).Where(c => c.Split(' ').Length >= 60));
            }
        }

        if (chunks.Count == 0)
        {
            source = "made-up sentences";
            chunks.AddRange(TwoTopicDocuments.Chunk(5).Select(group => string.Join(' ', Enumerable.Repeat(string.Join(' ', group.Select(d => d.Text)), 2))));
        }

        return (Enumerable.Range(0, count).Select(i => i < chunks.Count ? chunks[i] : $"Copy {i / chunks.Count}. {chunks[i % chunks.Count]}").ToArray(), source);
    }
}
