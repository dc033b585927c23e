using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace Orleans.SpecRag.Tests.Gateway;

public sealed class CollectionsApiTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private static string NewCollection() => "c-" + Guid.NewGuid().ToString("N")[..10];

    private static object[] Animals =>
    [
        new { id = "owl", title = "Owls", text = "Owls are nocturnal birds of prey. They hunt mice at night with silent flight." },
        new { id = "salmon", title = "Salmon", text = "Salmon hatch in rivers, migrate to the ocean and return upstream to spawn." },
        new { id = "cactus", title = "Cactus", text = "A cactus stores water in its thick stem and survives long droughts in the desert." },
        new { id = "bee", title = "Bees", text = "Honey bees pollinate flowers and make honey from nectar in their hives." },
    ];

    [Fact]
    public async Task Ingested_documents_are_retrieved_by_a_query()
    {
        var name = NewCollection();
        var ingest = await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Animals });
        Assert.Equal((name, 4, 0, 4), (ingest.Collection, ingest.Added, ingest.Updated, ingest.Passages));

        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "How do plants survive without rain in the desert?", collection = name, topK = 4 });

        Assert.Contains("cactus#1", result.Citations.Select(c => c.Id));
        Assert.Contains("water", result.Answer);
        Assert.Equal(name, result.Collection);
    }

    [Fact]
    public async Task Ingesting_the_same_id_again_replaces_the_document()
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Animals });

        var again = await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new
        {
            documents = new[] { new { id = "owl", title = "Owls", text = "Owls can rotate their heads by 270 degrees. Their eyes are fixed in their sockets." } },
        });
        Assert.Equal((0, 1), (again.Added, again.Updated));

        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>($"/v1/collections/{name}");
        Assert.Equal((4, 4), (info!.Documents, info.Passages));

        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "How far can an owl turn its head?", collection = name, topK = 2, docsPerDraft = 1 });
        Assert.Contains("270", result.Answer);
    }

    [Fact]
    public async Task Deleting_a_document_removes_its_passages()
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = Animals });

        var delete = await gateway.Client.DeleteAsync($"/v1/collections/{name}/documents/bee");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>($"/v1/collections/{name}");
        Assert.Equal((3, 3), (info!.Documents, info.Passages));

        var again = await gateway.Client.DeleteAsync($"/v1/collections/{name}/documents/bee");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);

        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "Which insects make honey?", collection = name, topK = 3 });
        Assert.DoesNotContain(result.Drafts.SelectMany(d => d.DocumentIds), id => id.StartsWith("bee#", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ndjson_ingestion_takes_one_document_per_line_and_splits_long_ones()
    {
        var name = NewCollection();
        var longText = string.Join(' ', Enumerable.Range(0, 50).Select(i => $"Sentence number {i} talks about lighthouses and ships at sea."));
        var ndjson = $"{{\"id\":\"light\",\"title\":\"Lighthouses\",\"text\":\"{longText}\"}}\n\n{{\"id\":\"short\",\"text\":\"A short note.\"}}\n";
        var response = await gateway.Client.PostAsync($"/v1/collections/{name}/documents", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var ingest = await response.Content.ReadFromJsonAsync<IngestResult>();
        Assert.Equal(2, ingest!.Added);
        Assert.Equal(5 + 1, ingest.Passages); // 50 ten-word sentences fill five 100-word passages; the note is one more
    }

    [Fact]
    public async Task A_query_against_a_collection_emptied_by_deletes_is_422()
    {
        var name = NewCollection();
        await gateway.PostJsonAsync<IngestResult>($"/v1/collections/{name}/documents", new { documents = new[] { new { id = "only", text = "The only document." } } });
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.Client.DeleteAsync($"/v1/collections/{name}/documents/only")).StatusCode);

        var response = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Anything?", collection = name });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task An_unknown_collection_is_404_for_reads_queries_and_deletes()
    {
        var name = NewCollection();
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.GetAsync($"/v1/collections/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await gateway.Client.DeleteAsync($"/v1/collections/{name}/documents/x")).StatusCode);

        var query = await gateway.Client.PostAsJsonAsync("/v1/query", new { question = "Anything?", collection = name });
        Assert.Equal(HttpStatusCode.NotFound, query.StatusCode);
        Assert.Equal("application/problem+json", query.Content.Headers.ContentType?.MediaType);
        Assert.Contains(name, await query.Content.ReadAsStringAsync());
    }
}
