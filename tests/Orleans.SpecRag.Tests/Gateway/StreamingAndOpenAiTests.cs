using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using OpenAI;
using OpenAI.Chat;

namespace Orleans.SpecRag.Tests.Gateway;

public sealed class StreamingAndOpenAiTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private OpenAIClient Sdk() => new(new ApiKeyCredential("test-operator-key"), new OpenAIClientOptions
    {
        Endpoint = new Uri(gateway.Server.BaseAddress, "/v1"),
        Transport = new HttpClientPipelineTransport(gateway.CreateClient()),
    });

    [Fact]
    public async Task The_official_openai_sdk_gets_a_chat_completion_with_sources()
    {
        var chat = Sdk().GetChatClient("speculative-rag:docs");

        ChatCompletion completion = await chat.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("How are drafts scored?")]);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        var text = completion.Content[0].Text;
        Assert.Contains("Sources:", text);
        Assert.Contains("[1] ", text);
        Assert.StartsWith("chatcmpl-", completion.Id);
    }

    [Fact]
    public async Task The_official_openai_sdk_streams_the_same_answer_in_chunks()
    {
        var chat = Sdk().GetChatClient("speculative-rag");
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        var updates = 0;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("How are drafts scored?")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.True(updates > 2);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Contains("Sources:", text.ToString());
    }

    [Fact]
    public async Task A_chat_request_with_choices_is_answered_with_an_option()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "speculative-rag",
            messages = new[] { new { role = "user", content = "Which gas do plants take in from the air to make food by photosynthesis?" } },
            choices = new[] { "oxygen", "carbon dioxide", "helium", "neon" },
            documents = new object[]
            {
                new { id = "p", text = "During photosynthesis, plants take in carbon dioxide from the air through their leaves. Using sunlight, they turn carbon dioxide and water into glucose." },
                new { id = "q", text = "Helium is a noble gas. It is lighter than air and is used to fill balloons." },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("(B) carbon dioxide", body.GetProperty("speculative_rag").GetProperty("answer").GetString());
    }

    [Fact]
    public async Task The_chat_completion_carries_the_full_speculative_result_and_the_raw_stream_ends_in_done()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "speculative-rag",
            messages = new[] { new { role = "user", content = "What does the verifier see?" } },
            drafts = 3,
        });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var result = body.GetProperty("speculative_rag");
        Assert.Equal(3, result.GetProperty("drafts").GetArrayLength());
        Assert.StartsWith(result.GetProperty("answer").GetString()!, body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var stream = await gateway.Client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "speculative-rag",
            stream = true,
            messages = new[] { new { role = "user", content = "What does the verifier see?" } },
        });
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        var lines = (await stream.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).ToArray();
        Assert.Equal("data: [DONE]", lines[^1]);
        Assert.All(lines[..^1], l => Assert.Equal("chat.completion.chunk", JsonDocument.Parse(l[6..]).RootElement.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task Models_lists_speculative_rag_and_bad_chat_requests_are_problems()
    {
        var models = await gateway.Client.GetFromJsonAsync<JsonElement>("/v1/models");
        Assert.Contains(models.GetProperty("data").EnumerateArray(), m => m.GetProperty("id").GetString() == "speculative-rag");

        var wrongModel = await gateway.Client.PostAsJsonAsync("/v1/chat/completions", new { model = "gpt-4", messages = new[] { new { role = "user", content = "Q?" } } });
        Assert.Equal(HttpStatusCode.BadRequest, wrongModel.StatusCode);
        Assert.Contains("model", await wrongModel.Content.ReadAsStringAsync());

        var noUser = await gateway.Client.PostAsJsonAsync("/v1/chat/completions", new { model = "speculative-rag", messages = new[] { new { role = "system", content = "Hi" } } });
        Assert.Equal(HttpStatusCode.BadRequest, noUser.StatusCode);
        Assert.Contains("messages", await noUser.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_native_stream_sends_retrieved_each_draft_verified_and_the_answer_in_order()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/query") { Content = JsonContent.Create(new { question = "How are drafts scored?", drafts = 4 }) };
        request.Headers.Accept.ParseAdd("text/event-stream");

        var response = await gateway.Client.SendAsync(request);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ParseSse(await response.Content.ReadAsStringAsync());
        Assert.Equal("retrieved", events[0].Event);
        Assert.Equal(4, events.Count(e => e.Event == "draft"));
        Assert.Equal("verified", events[^2].Event);
        Assert.Equal("answer", events[^1].Event);
        var drafts = events.Where(e => e.Event == "draft").Select(e => JsonDocument.Parse(e.Data).RootElement).ToArray();
        Assert.All(drafts, d =>
        {
            Assert.StartsWith("S127.0.0.1:", d.GetProperty("silo").GetString());
            Assert.True(d.GetProperty("latencyMs").GetDouble() > 0);
        });
        var answer = JsonDocument.Parse(events[^1].Data).RootElement;
        Assert.Equal(4, answer.GetProperty("drafts").GetArrayLength());

        // The stored record is the streamed answer.
        var stored = await gateway.Client.GetFromJsonAsync<JsonElement>($"/v1/queries/{answer.GetProperty("id").GetString()}");
        Assert.Equal(answer.GetProperty("answer").GetString(), stored.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task A_stream_that_cannot_start_answers_with_its_problem_status()
    {
        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Q?", collection = "nowhere-" + Guid.NewGuid().ToString("N")[..6], stream = true });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static List<(string Event, string Data)> ParseSse(string text)
    {
        var events = new List<(string, string)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            var name = lines.FirstOrDefault(l => l.StartsWith("event: ", StringComparison.Ordinal))?[7..] ?? "message";
            var data = string.Join('\n', lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]));
            events.Add((name, data));
        }

        return events;
    }
}
