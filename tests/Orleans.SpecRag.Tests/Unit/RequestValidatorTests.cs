using Orleans.SpecRag.Gateway.Validation;

namespace Orleans.SpecRag.Tests.Unit;

public sealed class RequestValidatorTests
{
    private static QueryRequestBody Body(
        string? question = "What is Speculative RAG?", string? collection = null, IReadOnlyList<DocumentBody?>? documents = null,
        int? topK = null, int? drafts = null, int? docsPerDraft = null, string? mode = null, int? seed = null) =>
        new(question, collection, documents, topK, drafts, docsPerDraft, mode, seed);

    [Fact]
    public void Defaults_are_the_papers()
    {
        var outcome = RequestValidator.Validate(Body());
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
    public void Unknown_mode_is_reported() => AssertInvalid(Body(mode: "turbo"), "mode");

    [Fact]
    public void Mode_is_case_insensitive() => Assert.Equal(QueryMode.Standard, RequestValidator.Validate(Body(mode: "Standard")).Value!.Mode);

    [Fact]
    public void Empty_documents_list_is_reported() => AssertInvalid(Body(documents: []), "documents");

    [Fact]
    public void Document_without_text_is_reported_with_its_position() =>
        AssertInvalid(Body(documents: [new DocumentBody("a", null, "text", null), new DocumentBody("b", null, " ", null)]), "documents[1].text");

    [Fact]
    public void Ingestion_requires_ids_and_rejects_duplicates()
    {
        AssertInvalid(RequestValidator.Validate([new DocumentBody(null, null, "text", null)]).Errors, "documents[0].id");
        AssertInvalid(RequestValidator.Validate([new DocumentBody("x", null, "a", null), new DocumentBody("x", null, "b", null)]).Errors, "documents");
        AssertInvalid(RequestValidator.Validate([]).Errors, "documents");
        Assert.True(RequestValidator.Validate([new DocumentBody("x", "T", "a", null)]).IsValid);
    }

    private static void AssertInvalid(QueryRequestBody body, string field) => AssertInvalid(RequestValidator.Validate(body).Errors, field);

    private static void AssertInvalid(IDictionary<string, string[]> errors, string field)
    {
        Assert.True(errors.ContainsKey(field), $"Expected an error for '{field}', got: {string.Join(", ", errors.Keys)}");
        Assert.All(errors[field], m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }
}
