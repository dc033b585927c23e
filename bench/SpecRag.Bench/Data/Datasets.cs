using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orleans.SpecRag.Models.Embedding;
using Orleans.SpecRag.Retrieval.Segments;
using Orleans.SpecRag.Bench.Measurement;

namespace Orleans.SpecRag.Bench.Data;

public enum DatasetFormat
{
    PopQa,
    Arc,
    Musique,

    /// <summary>
    /// MuSiQue's single-hop sub-questions ("Who is the performer of Hello Love?"), each asked over its item's 20
    /// paragraphs, ranked by the bench as a dense retriever would: questions of many kinds, unlike the PopQA dev slice,
    /// which asks only for occupations.
    /// </summary>
    MusiqueHops,

    /// <summary>
    /// MuSiQue's relation-form sub-questions ("Brand >> author"), asked as PopQA asks the same relation ("Who is the
    /// author of Brand?", with PopQA's own template where PopQA has the relation) over their item's paragraphs, ranked
    /// as for <see cref="MusiqueHops"/>: PopQA-style questions of the relations other than occupation, which is all the
    /// PopQA dev slice asks.
    /// </summary>
    MusiqueRelations,

    /// <summary>
    /// MuSiQue's multi-hop questions, each over its item's own 20 paragraphs sent in the request, ranked as for
    /// <see cref="MusiqueHops"/>: documents given in the request, as a retriever hands them over, not a corpus search.
    /// </summary>
    MusiqueInline,
}

/// <summary>A supporting paragraph of a MuSiQue question.</summary>
public sealed record GoldParagraph(string Title, string Text);

/// <summary>One benchmark question with what is needed to ask it and to score the answer.</summary>
/// <param name="Question">The question as the service receives it (for ARC, with its options appended).</param>
/// <param name="Golds">Gold answers and aliases (PopQA, MuSiQue); for ARC the answer key's option text.</param>
/// <param name="Documents">The item's own retrieved passages (PopQA, ARC <c>ctxs</c>), or null when the collection is searched.</param>
public sealed record EvalItem(
    string Id,
    string Question,
    IReadOnlyList<string> Golds,
    IReadOnlyList<InlineDocument>? Documents,
    IReadOnlyList<ArcOption>? Options,
    string? AnswerKey,
    IReadOnlyList<GoldParagraph> Supporting);

/// <summary>A document of the MuSiQue corpus, with the id it is ingested under.</summary>
public sealed record CorpusDocument(string Id, string Title, string Text);

/// <summary>Reads the JSONL files in <c>../shared/data</c> (fields as described in its README).</summary>
public static partial class Datasets
{
    public static DatasetFormat ParseFormat(string? format, string dataPath) =>
        (format ?? Path.GetFileName(dataPath)).ToLowerInvariant() switch
        {
            var f when f.Contains("popqa", StringComparison.Ordinal) => DatasetFormat.PopQa,
            var f when f.Contains("arc", StringComparison.Ordinal) => DatasetFormat.Arc,
            var f when f.Contains("relations", StringComparison.Ordinal) => DatasetFormat.MusiqueRelations,
            var f when f.Contains("inline", StringComparison.Ordinal) => DatasetFormat.MusiqueInline,
            var f when f.Contains("hops", StringComparison.Ordinal) => DatasetFormat.MusiqueHops,
            var f when f.Contains("musique", StringComparison.Ordinal) => DatasetFormat.Musique,
            var f => throw new ArgumentException($"Unknown format '{f}'; use popqa, arc, musique, musique-hops, musique-relations or musique-inline."),
        };

    /// <param name="topK">Only the first topK <c>ctxs</c> are kept: the request uses no more (the paper's top-10 setting).</param>
    public static IReadOnlyList<EvalItem> Load(string path, DatasetFormat format, int limit, int topK)
    {
        var items = new List<EvalItem>();
        foreach (var line in File.ReadLines(path))
        {
            if (items.Count >= limit)
            {
                break;
            }

            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (format is DatasetFormat.MusiqueHops or DatasetFormat.MusiqueRelations)
            {
                items.AddRange(MusiqueHops(root, relations: format == DatasetFormat.MusiqueRelations).Take(limit - items.Count));
                continue;
            }

            items.Add(format switch
            {
                DatasetFormat.PopQa => PopQa(root, topK),
                DatasetFormat.Arc => Arc(root, topK),
                DatasetFormat.MusiqueInline => Musique(root) with { Documents = Paragraphs(root) },
                _ => Musique(root),
            });
        }

        return items;
    }

    private static EvalItem PopQa(JsonElement root, int topK) => new(
        Text(root.GetProperty("id")),
        root.GetProperty("question").GetString()!,
        root.GetProperty("answers").EnumerateArray().Select(a => a.GetString()!).ToArray(),
        Contexts(root, topK),
        null,
        null,
        []);

    private static EvalItem Arc(JsonElement root, int topK)
    {
        var choices = root.GetProperty("choices");
        var labels = choices.GetProperty("label").EnumerateArray().Select(l => l.GetString()!).ToArray();
        var texts = choices.GetProperty("text").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var options = labels.Zip(texts, (l, t) => new ArcOption(l, t)).ToArray();
        var key = root.GetProperty("answerKey").GetString()!;
        return new EvalItem(
            Text(root.GetProperty("id")),
            ArcMetric.QuestionWithOptions(root.GetProperty("question").GetString()!, options),
            options.Where(o => o.Label == key).Select(o => o.Text).ToArray(),
            Contexts(root, topK),
            options,
            key,
            []);
    }

    private static EvalItem Musique(JsonElement root)
    {
        var golds = new List<string> { root.GetProperty("answer").GetString()! };
        if (root.TryGetProperty("answer_aliases", out var aliases))
        {
            golds.AddRange(aliases.EnumerateArray().Select(a => a.GetString()!));
        }

        var supporting = root.GetProperty("paragraphs").EnumerateArray()
            .Where(p => p.GetProperty("is_supporting").GetBoolean())
            .Select(p => new GoldParagraph(p.GetProperty("title").GetString()!, p.GetProperty("paragraph_text").GetString()!))
            .ToArray();
        return new EvalItem(Text(root.GetProperty("id")), root.GetProperty("question").GetString()!, golds, null, null, null, supporting);
    }

    /// <summary>
    /// Dense retrieval over each item's own documents: the top <paramref name="topK"/> by the cosine of question and
    /// passage (title and text, as the service embeds them), best first, as a retriever would hand them to the service.
    /// </summary>
    public static async Task<IReadOnlyList<EvalItem>> RankDocumentsAsync(IReadOnlyList<EvalItem> items, MiniLmEmbedder embedder, int topK, CancellationToken cancellationToken)
    {
        // The sub-questions of one MuSiQue item share its paragraphs: each passage text is embedded once.
        var texts = items.SelectMany(i => i.Documents ?? []).Select(d => PassageText.Of(d.Title, d.Text)).Distinct(StringComparer.Ordinal).ToArray();
        var passageVectors = (await embedder.EmbedAsync(texts, cancellationToken)).Select((v, i) => (texts[i], v)).ToDictionary(x => x.Item1, x => x.v, StringComparer.Ordinal);
        var questionVectors = await embedder.EmbedAsync(items.Select(i => i.Question).ToArray(), cancellationToken);
        return items.Select((item, i) => item.Documents is not { Count: > 0 } documents ? item : item with
        {
            Documents = documents
                .Select(d => (Document: d, Score: TensorPrimitives.Dot(questionVectors[i], passageVectors[PassageText.Of(d.Title, d.Text)])))
                .OrderByDescending(d => d.Score).Take(topK).Select(d => d.Document).ToArray(),
        }).ToArray();
    }

    [GeneratedRegex(@"#\d")]
    private static partial Regex PlaceholderLeft();

    [GeneratedRegex(@"\s+,")]
    private static partial Regex SpaceBeforeComma();

    /// <summary>
    /// The sub-questions of a MuSiQue item, "#1" replaced by the first hop's answer, each with the item's 20 paragraphs as
    /// its documents and the hop's answer as its gold. The documents are in the file's order, not a retriever's: call
    /// <see cref="RankDocumentsAsync"/> before asking (the service takes the first top-k as given). Without
    /// <paramref name="relations"/>, the questions written in words; with it, those in MuSiQue's relation form
    /// ("#1 >> country"), asked with <see cref="RelationQuestions"/>.
    /// </summary>
    /// <summary>A MuSiQue item's paragraphs as inline documents, in the file's order (ids "‹item›-p‹idx›").</summary>
    private static IReadOnlyList<InlineDocument> Paragraphs(JsonElement root)
    {
        var id = Text(root.GetProperty("id"));
        return root.GetProperty("paragraphs").EnumerateArray()
            .Select(p => new InlineDocument($"{id}-p{p.GetProperty("idx").GetInt32()}", p.GetProperty("title").GetString(), p.GetProperty("paragraph_text").GetString() ?? string.Empty))
            .ToArray();
    }

    private static IEnumerable<EvalItem> MusiqueHops(JsonElement root, bool relations)
    {
        var id = Text(root.GetProperty("id"));
        var paragraphs = root.GetProperty("paragraphs").EnumerateArray().ToArray();
        var documents = Paragraphs(root);
        var answers = new List<string>();
        var hops = root.GetProperty("question_decomposition").EnumerateArray().ToArray();
        for (var h = 0; h < hops.Length; h++)
        {
            var question = hops[h].GetProperty("question").GetString()!;
            for (var previous = answers.Count; previous >= 1; previous--)
            {
                question = question.Replace($"#{previous}", answers[previous - 1], StringComparison.Ordinal);
            }

            var answer = hops[h].GetProperty("answer").GetString()!;
            answers.Add(answer);
            // MuSiQue writes "Midway (near Pleasant Plains), #2 , #1 >> country": the filled-in subject loses the space before its commas.
            var relationForm = SpaceBeforeComma().Replace(question, ",").Split(">>", StringSplitOptions.TrimEntries);
            if (relationForm.Length == 2 && relations && RelationQuestions.Ask(relationForm[0], relationForm[1]) is { } asked)
            {
                question = asked;
            }
            else if (relations || relationForm.Length > 1)
            {
                // Each set takes one form only: the questions in words, or the relations.
                continue;
            }

            if (PlaceholderLeft().IsMatch(question))
            {
                continue;
            }

            var support = hops[h].GetProperty("paragraph_support_idx");
            var supporting = support.ValueKind == JsonValueKind.Number
                ? paragraphs.Where(p => p.GetProperty("idx").GetInt32() == support.GetInt32())
                    .Select(p => new GoldParagraph(p.GetProperty("title").GetString()!, p.GetProperty("paragraph_text").GetString()!)).ToArray()
                : [];
            yield return new EvalItem($"{id}#{h + 1}", question.Trim(), [answer], documents, null, null, supporting);
        }
    }

    /// <summary>
    /// The first topK passages exactly as the retriever returned them, empty ones included: the PopQA file has passages
    /// with a title and no text (category pages), which the service uses by their title, and it names any with neither
    /// in <c>skippedDocuments</c>. A passage without an id, or with a repeated one, gets <c>ctx-{position}</c>.
    /// </summary>
    private static InlineDocument[] Contexts(JsonElement root, int topK)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return root.GetProperty("ctxs").EnumerateArray()
            .Take(topK)
            .Select((c, i) =>
            {
                var id = c.TryGetProperty("id", out var value) ? Text(value) : null;
                id = id is { Length: > 0 } && seen.Add(id) ? id : $"ctx-{i + 1}";
                return new InlineDocument(id, c.TryGetProperty("title", out var t) ? t.GetString() : null, (c.GetProperty("text").GetString() ?? string.Empty).Trim());
            })
            .ToArray();
    }

    private static string Text(JsonElement element) => element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();

    /// <summary>The MuSiQue corpus, each line <c>{title, text}</c>; the id is a stable slug of the title plus the line number.</summary>
    public static IReadOnlyList<CorpusDocument> LoadCorpus(string path) =>
        File.ReadLines(path)
            .Where(l => !string.IsNullOrWhiteSpace(l))
            .Select((line, index) =>
            {
                using var json = JsonDocument.Parse(line);
                var title = json.RootElement.GetProperty("title").GetString()!;
                return new CorpusDocument($"{Slug(title)}-{index}", title, json.RootElement.GetProperty("text").GetString()!);
            })
            .ToArray();

    /// <summary>Lower-case letters and digits of the title joined by '-', at most 80 characters: readable in citations, valid as a document id.</summary>
    public static string Slug(string title)
    {
        var builder = new StringBuilder();
        foreach (var c in title.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var slug = builder.ToString().Trim('-');
        slug = slug.Length > 80 ? slug[..80].TrimEnd('-') : slug;
        return slug.Length > 0 ? slug : "untitled";
    }
}
