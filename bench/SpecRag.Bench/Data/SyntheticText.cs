using Orleans.SpecRag.Text;

namespace Orleans.SpecRag.Bench.Data;

/// <summary>Inputs the bench makes up itself, so that overhead, load and ingestion need no external data.</summary>
public static class SyntheticText
{
    /// <summary>
    /// Ten short documents on two clearly separate topics, five each, worded alike within a topic so that K-means
    /// with k = 2 separates the topics (5/5 for most seeds, including the default 0): 25 distinct one-per-cluster
    /// subsets, enough for m = 20 distinct drafts. The overhead report states the split it actually got.
    /// </summary>
    public static readonly IReadOnlyList<InlineDocument> TwoTopicDocuments =
    [
        new("river-1", "European rivers", "The river Seine flows through Paris, and the river reaches the sea at Le Havre."),
        new("river-2", "European rivers", "The river Danube flows through Vienna and Budapest, and the river reaches the Black Sea."),
        new("river-3", "European rivers", "The river Rhine flows through Cologne, and the river reaches the North Sea."),
        new("river-4", "European rivers", "The river Thames flows through London, and the river reaches the North Sea at its estuary."),
        new("river-5", "European rivers", "The river Loire flows through Orléans, and the river reaches the Atlantic at Saint-Nazaire."),
        new("chem-1", "Chemical reactions", "In a chemical reaction, sodium and chlorine react to form the salt sodium chloride."),
        new("chem-2", "Chemical reactions", "In a chemical reaction, hydrogen and oxygen react to form water and release heat."),
        new("chem-3", "Chemical reactions", "In a chemical reaction, methane and oxygen react to form carbon dioxide and water."),
        new("chem-4", "Chemical reactions", "In a chemical reaction, zinc and hydrochloric acid react to form zinc chloride and hydrogen."),
        new("chem-5", "Chemical reactions", "In a chemical reaction, an acid and a base react to form a salt and water."),
    ];

    private static readonly string[] OverheadQuestions =
    [
        "Which river flows through Paris?",
        "What do hydrogen and oxygen form?",
        "Where does the Rhine reach the sea?",
        "What do zinc and hydrochloric acid form?",
        "Which river is the longest in France?",
        "Which river flows through London?",
        "Which cities does the Danube flow through?",
        "What do an acid and a base form?",
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
