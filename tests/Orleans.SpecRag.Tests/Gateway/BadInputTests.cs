using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>Every client mistake is a 4xx application/problem+json that names what is wrong, never a 5xx.</summary>
public sealed class BadInputTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    public static TheoryData<string, string, string, string, int, string?> Cases()
    {
        var longQuestion = new string('q', QueryDefaults.MaxQuestionLength + 1);
        return new()
        {
            // name, path, content type, body, expected status, field the problem must name (null: none)
            { "missing question", "/v1/query", "application/json", "{}", 400, "question" },
            { "empty question", "/v1/query", "application/json", """{"question":"  "}""", 400, "question" },
            { "oversized question", "/v1/query", "application/json", $$"""{"question":"{{longQuestion}}"}""", 400, "question" },
            { "malformed JSON", "/v1/query", "application/json", """{"question": "unterminated""", 400, null },
            { "question of wrong type", "/v1/query", "application/json", """{"question": 42}""", 400, "question" },
            { "topK of wrong type", "/v1/query", "application/json", """{"question":"q","topK":"ten"}""", 400, "topK" },
            { "fractional drafts", "/v1/query", "application/json", """{"question":"q","drafts":2.5}""", 400, "drafts" },
            { "topK zero", "/v1/query", "application/json", """{"question":"q","topK":0}""", 400, "topK" },
            { "topK too large", "/v1/query", "application/json", """{"question":"q","topK":101}""", 400, "topK" },
            { "topK beyond int", "/v1/query", "application/json", """{"question":"q","topK":99999999999}""", 400, "topK" },
            { "negative drafts", "/v1/query", "application/json", """{"question":"q","drafts":-1}""", 400, "drafts" },
            { "too many drafts", "/v1/query", "application/json", """{"question":"q","drafts":33}""", 400, "drafts" },
            { "docsPerDraft zero", "/v1/query", "application/json", """{"question":"q","docsPerDraft":0}""", 400, "docsPerDraft" },
            { "docsPerDraft above topK", "/v1/query", "application/json", """{"question":"q","topK":3,"docsPerDraft":4}""", 400, "docsPerDraft" },
            { "unknown mode", "/v1/query", "application/json", """{"question":"q","mode":"turbo"}""", 400, "mode" },
            { "empty documents", "/v1/query", "application/json", """{"question":"q","documents":[]}""", 400, "documents" },
            { "no document with text or title", "/v1/query", "application/json", """{"question":"q","documents":[{"id":"a"}]}""", 400, "documents" },
            { "document text too long", "/v1/query", "application/json", "{\"question\":\"q\",\"documents\":[{\"text\":\"" + new string('x', 100_001) + "\"}]}", 400, "documents[0].text" },
            { "documents not a list", "/v1/query", "application/json", """{"question":"q","documents":"text"}""", 400, "documents" },
            { "invalid collection name", "/v1/query", "application/json", """{"question":"q","collection":"../secrets"}""", 400, "collection" },
            { "JSON array body", "/v1/query", "application/json", """["question"]""", 400, null },
            { "empty body", "/v1/query", "application/json", "", 400, null },
            { "wrong content type", "/v1/query", "text/plain", "question?", 415, null },
            { "ingest: no documents", "/v1/collections/ok/documents", "application/json", """{"documents":[]}""", 400, "documents" },
            { "ingest: missing id", "/v1/collections/ok/documents", "application/json", """{"documents":[{"text":"t"}]}""", 400, "documents[0].id" },
            { "ingest: duplicate ids", "/v1/collections/ok/documents", "application/json", """{"documents":[{"id":"a","text":"t"},{"id":"a","text":"u"}]}""", 400, "documents" },
            { "ingest: bad collection name", "/v1/collections/bad.name/documents", "application/json", """{"documents":[{"id":"a","text":"t"}]}""", 400, "name" },
            { "ingest: malformed JSON", "/v1/collections/ok/documents", "application/json", """{"documents":[{"id":""", 400, null },
            { "ingest: bad NDJSON line", "/v1/collections/ok/documents", "application/x-ndjson", "{\"id\":\"a\",\"text\":\"t\"}\nnot json\n", 400, "line 2" },
            { "ingest: wrong content type", "/v1/collections/ok/documents", "text/csv", "id,text", 415, null },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_problem_that_names_the_field(string name, string path, string contentType, string body, int status, string? field)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);

        var response = await gateway.Client.PostAsync(path, content);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _), $"{name}: the problem does not name '{field}': {text}");
        }
    }

    [Fact]
    public async Task Invalid_utf8_is_400()
    {
        var content = new ByteArrayContent([.. "{\"question\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
        content.Headers.ContentType = new("application/json");
        var response = await gateway.Client.PostAsync("/v1/query", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        var ndjson = new ByteArrayContent([.. "{\"id\":\"a\",\"text\":\""u8, 0xFF, .. "\"}\n"u8]);
        ndjson.Headers.ContentType = new("application/x-ndjson");
        var ingest = await gateway.Client.PostAsync("/v1/collections/ok/documents", ndjson);
        Assert.Equal(HttpStatusCode.BadRequest, ingest.StatusCode);
        Assert.Equal("application/problem+json", ingest.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_service_keeps_serving_after_a_burst_of_bad_input()
    {
        foreach (var row in Cases())
        {
            var content = new StringContent((string)row[3], Encoding.UTF8);
            content.Headers.ContentType = new((string)row[2]);
            await gateway.Client.PostAsync((string)row[1], content);
        }

        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/health/ready")).StatusCode);
        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "How are drafts scored?" });
        Assert.NotEmpty(result.Answer);

        // Nothing of the rejected ingestions was half-stored.
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/v1/collections/ok")).StatusCode);
    }
}
