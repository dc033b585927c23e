using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>
/// More kinds of malformed requests, across every endpoint (BadInputTests has the first 30): each must be a
/// 4xx application/problem+json, never a 5xx, and afterwards the service is healthy and has lost nothing.
/// </summary>
public sealed class BadInputBatteryTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    public static TheoryData<string, string, string, string?, string?, int> Cases() => new()
    {
        // name, method, path, content type, body, expected status
        { "unknown field where strict", "POST", "/v1/query", "application/json", """{"question":"q","draft":3}""", 400 },
        { "null question", "POST", "/v1/query", "application/json", """{"question":null}""", 400 },
        { "seed as text", "POST", "/v1/query", "application/json", """{"question":"q","seed":"seven"}""", 400 },
        { "mode as number", "POST", "/v1/query", "application/json", """{"question":"q","mode":1}""", 400 },
        { "document as number", "POST", "/v1/query", "application/json", """{"question":"q","documents":[42]}""", 400 },
        { "document text as object", "POST", "/v1/query", "application/json", """{"question":"q","documents":[{"text":{"a":1}}]}""", 400 },
        { "deadline too short", "POST", "/v1/query", "application/json", """{"question":"q","deadlineMs":5}""", 400 },
        { "deadline too long", "POST", "/v1/query", "application/json", """{"question":"q","deadlineMs":999999999}""", 400 },
        { "stream as text", "POST", "/v1/query", "application/json", """{"question":"q","stream":"yes"}""", 400 },
        { "nesting deeper than allowed", "POST", "/v1/query", "application/json", "{\"question\":\"q\",\"documents\":" + new string('[', 80) + new string(']', 80) + "}", 400 },
        { "xml body", "POST", "/v1/query", "application/xml", "<question>q</question>", 415 },
        { "chat: model missing", "POST", "/v1/chat/completions", "application/json", """{"messages":[{"role":"user","content":"q"}]}""", 400 },
        { "chat: messages not a list", "POST", "/v1/chat/completions", "application/json", """{"model":"speculative-rag","messages":"q"}""", 400 },
        { "chat: content as number", "POST", "/v1/chat/completions", "application/json", """{"model":"speculative-rag","messages":[{"role":"user","content":7}]}""", 400 },
        { "chat: zero drafts", "POST", "/v1/chat/completions", "application/json", """{"model":"speculative-rag","drafts":0,"messages":[{"role":"user","content":"q"}]}""", 400 },
        { "choices: only one", "POST", "/v1/query", "application/json", """{"question":"q","choices":["a"]}""", 400 },
        { "choices: as text", "POST", "/v1/query", "application/json", """{"question":"q","choices":"a, b"}""", 400 },
        { "sampling unknown", "POST", "/v1/query", "application/json", """{"question":"q","sampling":"greedy"}""", 400 },
        { "documents: none has text or title", "POST", "/v1/query", "application/json", """{"question":"q","documents":[{"text":""},{"title":" ","text":" "}]}""", 400 },
        { "chat: choices empty", "POST", "/v1/chat/completions", "application/json", """{"model":"speculative-rag","choices":[],"messages":[{"role":"user","content":"q"}]}""", 400 },
        { "chat: bad collection in model", "POST", "/v1/chat/completions", "application/json", """{"model":"speculative-rag:../etc","messages":[{"role":"user","content":"q"}]}""", 400 },
        { "ingest: metadata as list", "POST", "/v1/collections/battery/documents", "application/json", """{"documents":[{"id":"x","text":"t","metadata":[1]}]}""", 400 },
        { "ingest: unknown field", "POST", "/v1/collections/battery/documents", "application/json", """{"documents":[{"id":"x","text":"t","colour":"red"}]}""", 400 },
        { "ingest: id with control characters", "POST", "/v1/collections/battery/documents", "application/json", "{\"documents\":[{\"id\":\"a\\u0000b\",\"text\":\"t\"}]}", 400 },
        { "ingest: documents null", "POST", "/v1/collections/battery/documents", "application/json", """{"documents":null}""", 400 },
        { "ingest: empty NDJSON", "POST", "/v1/collections/battery/documents", "application/x-ndjson", "\n\n", 400 },
        { "path trick in collection", "GET", "/v1/collections/..%2Fsecrets", null, null, 400 },
        // Dot segments are resolved before routing: "/v1/collections/../documents" is no route at all.
        { "path trick in ingestion", "POST", "/v1/collections/%2E%2E/documents", "application/json", """{"documents":[{"id":"x","text":"t"}]}""", 404 },
        { "delete: control character in id", "DELETE", "/v1/collections/battery/documents/a%01b", null, null, 400 },
        { "delete: overlong collection name", "DELETE", "/v1/collections/" + new string('c', 200) + "/documents/x", null, null, 400 },
        { "query id too long", "GET", "/v1/queries/" + new string('f', 300), null, null, 404 },
        { "unknown query id", "GET", "/v1/queries/ffffffffffffffffffffffffffffffff", null, null, 404 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_is_a_problem_never_a_server_error(string name, string method, string path, string? contentType, string? body, int status)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType!);
        }

        var response = await gateway.Client.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"{name}: expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(status, JsonDocument.Parse(text).RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task After_every_kind_of_bad_input_the_service_is_healthy_and_has_lost_nothing()
    {
        var ingest = await gateway.PostJsonAsync<IngestResult>("/v1/collections/keep/documents", new { documents = new[] { new { id = "k1", text = "Kept document one." }, new { id = "k2", text = "Kept document two." } } });
        var before = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which document is kept?", collection = "keep", topK = 2, docsPerDraft = 1 });

        foreach (var row in Cases().Concat(BadInputTests.Cases().Select(c => new object?[] { c[0], "POST", c[1], c[2], c[3], c[4] })))
        {
            var request = new HttpRequestMessage(new HttpMethod((string)row[1]!), (string)row[2]!);
            if (row[4] is string body)
            {
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = new((string)row[3]!);
            }

            var response = await gateway.Client.SendAsync(request);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{row[0]}: {(int)response.StatusCode}");
        }

        Assert.Equal(HttpStatusCode.OK, (await gateway.Client.GetAsync("/health/ready")).StatusCode);
        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>("/v1/collections/keep");
        Assert.Equal((2, ingest.Passages), (info!.Documents, info.Passages));
        var stored = await gateway.Client.GetFromJsonAsync<QueryResult>($"/v1/queries/{before.Id}", GatewayJson.Options);
        Assert.Equal(before.Answer, stored!.Answer);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync("/v1/collections/battery")).StatusCode);
    }
}

/// <summary>The gateway on Kestrel (which enforces body limits) with a small query body limit.</summary>
public sealed class SmallLimitsGatewayFactory : GatewayFactory
{
    public SmallLimitsGatewayFactory() => UseKestrel(Support.FreePort.Next());

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["SpecRag:DemoCorpus:Enabled"] = "false",
        ["SpecRag:Limits:QueryBytes"] = "65536",
    };
}

public sealed class BodyLimitTests(SmallLimitsGatewayFactory gateway) : IClassFixture<SmallLimitsGatewayFactory>
{
    [Fact]
    public async Task A_query_body_over_its_limit_is_413_while_ingestion_keeps_its_larger_limit()
    {
        gateway.StartServer();
        var documents = Enumerable.Range(0, 20).Select(i => new { id = $"d{i}", text = new string('x', 5000) + " end." }).ToArray();

        var query = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Q?", documents });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, query.StatusCode);
        Assert.Equal("application/problem+json", query.Content.Headers.ContentType?.MediaType);

        var ingest = await gateway.Client.PostAsJsonAsync("/v1/collections/large/documents", new { documents });
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
    }
}
