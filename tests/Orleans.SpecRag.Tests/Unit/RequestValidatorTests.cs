using System.Text.Json;
using Orleans.SpecRag.Gateway.Validation;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class RequestValidatorTests
{
    private static QueryRequestBody Body(
        string? question = "What is Speculative RAG?", string? collection = null, IReadOnlyList<InlineDocumentBody?>? documents = null,
        int? topK = null, int? drafts = null, int? docsPerDraft = null, QueryMode? mode = null, int? seed = null) =>
        new(question, collection, documents, topK, drafts, docsPerDraft, mode, seed);

    // Options such as mode are enums, read by their JSON converter: an unknown name fails there, as it does at the endpoint.
    private static ValidationOutcome<QueryRequest> Read(string json)
    {
        try
        {
            return BodyValidator.Validate(JsonSerializer.Deserialize<QueryRequestBody>(json, JsonSerializerOptions.Web)!);
        }
        catch (JsonException e)
        {
            return ValidationOutcome<QueryRequest>.Invalid(new Dictionary<string, string[]> { [e.Path!.TrimStart('$', '.')] = [e.Message] });
        }
    }

    [Fact]
    public void Defaults_are_the_papers()
    {
        var outcome = BodyValidator.Validate(Body());
        Assert.True(outcome.IsValid);
        var request = outcome.Value!;
        Assert.Equal(("docs", 10, 5, 2, QueryMode.Speculative), (request.Collection, request.TopK, request.Drafts, request.DocsPerDraft, request.Mode));
    }

    [Theory]
    [InlineData(null, "question")]
    [InlineData("   ", "question")]
    public void Missing_question_is_reported(string? question, string field) =>
        AssertInvalid(Body(question: question), field);

    [Fact]
    public void Oversized_question_is_reported() =>
        AssertInvalid(Body(question: new string('q', QueryDefaults.MaxQuestionLength + 1)), "question");

    [Theory]
    [InlineData(0, null, null, "topK")]
    [InlineData(101, null, null, "topK")]
    [InlineData(null, 0, null, "drafts")]
    [InlineData(null, 33, null, "drafts")]
    [InlineData(null, null, 0, "docsPerDraft")]
    [InlineData(3, null, 4, "docsPerDraft")]
    public void Out_of_range_numbers_are_reported(int? topK, int? drafts, int? docsPerDraft, string field) =>
        AssertInvalid(Body(topK: topK, drafts: drafts, docsPerDraft: docsPerDraft), field);

    [Theory]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("")]
    [InlineData("-leading")]
    public void Invalid_collection_names_are_reported(string name) => AssertInvalid(Body(collection: name), "collection");

    [Fact]
    public void Unknown_mode_is_reported() => AssertInvalid(Read("""{"question":"q","mode":"turbo"}""").Errors, "mode");

    [Fact]
    public void Mode_is_case_insensitive() => Assert.Equal(QueryMode.Standard, Read("""{"question":"q","mode":"Standard"}""").Value!.Mode);

    [Fact]
    public void Empty_documents_list_is_reported() => AssertInvalid(Body(documents: []), "documents");

    [Fact]
    public void A_document_without_text_stands_for_its_title_and_one_with_neither_is_skipped_and_named()
    {
        var request = BodyValidator.Validate(Body(documents:
        [
            new InlineDocumentBody("a", null, "text", null),
            new InlineDocumentBody("b", "Category:American jockeys", " ", null),
            new InlineDocumentBody("c", null, "", null),
            new InlineDocumentBody(null, " ", null, null),
        ])).Value!;

        Assert.Equal(["a", "b"], request.Documents!.Select(d => d.Id));
        Assert.Equal("Category:American jockeys", request.Documents![1].Text);
        Assert.Equal(["c", "documents[3]"], request.SkippedDocuments);
    }

    [Fact]
    public void Documents_of_which_none_has_text_or_title_are_reported() =>
        AssertInvalid(Body(documents: [new InlineDocumentBody("a", null, " ", null), new InlineDocumentBody("b", "", null, null)]), "documents");

    [Fact]
    public void Choices_are_written_into_the_question_as_labelled_options()
    {
        var request = BodyValidator.Validate(Body() with { Question = "Which gas do plants absorb?", Choices = ["oxygen", "carbon dioxide"] }).Value!;
        Assert.Equal("Which gas do plants absorb? Options: (A) oxygen (B) carbon dioxide", request.Question);
        AssertInvalid(Body() with { Choices = ["only one"] }, "choices");
        AssertInvalid(Body() with { Choices = ["a", " "] }, "choices");
    }

    [Fact]
    public void Sampling_is_parsed_and_an_unknown_one_is_reported()
    {
        Assert.Null(BodyValidator.Validate(Body()).Value!.Sampling);
        Assert.Equal(SubsetSampling.Paper, Read("""{"question":"q","sampling":"Paper"}""").Value!.Sampling);
        AssertInvalid(Read("""{"question":"q","sampling":"1"}""").Errors, "sampling");
        AssertInvalid(Read("""{"question":"q","sampling":"greedy"}""").Errors, "sampling");
    }

    [Fact]
    public void Ingestion_requires_ids_and_rejects_duplicates()
    {
        AssertInvalid(BodyValidator.Validate(new IngestRequestBody([new DocumentBody(null, null, "text", null)])).Errors, "documents[0].id");
        AssertInvalid(BodyValidator.Validate(new IngestRequestBody([new DocumentBody("x", null, "a", null), new DocumentBody("x", null, "b", null)])).Errors, "documents");
        AssertInvalid(BodyValidator.Validate(new IngestRequestBody([])).Errors, "documents");
        Assert.True(BodyValidator.Validate(new IngestRequestBody([new DocumentBody("x", "T", "a", null)])).IsValid);
    }

    private static void AssertInvalid(QueryRequestBody body, string field) => AssertInvalid(BodyValidator.Validate(body).Errors, field);

    private static void AssertInvalid(IDictionary<string, string[]> errors, string field)
    {
        Assert.True(errors.ContainsKey(field), $"Expected an error for '{field}', got: {string.Join(", ", errors.Keys)}");
        Assert.All(errors[field], m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }
}
