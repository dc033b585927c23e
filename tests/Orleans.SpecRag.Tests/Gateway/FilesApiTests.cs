using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Orleans.SpecRag.Gateway.Files;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>A gateway whose per-file limit is small enough for a test to exceed it.</summary>
public sealed class SmallFileLimitGatewayFactory : GatewayFactory
{
    public const int FileBytes = 256 * 1024;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["SpecRag:Limits:FileBytes"] = FileBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

public sealed class FilesApiTests(SmallFileLimitGatewayFactory gateway) : IClassFixture<SmallFileLimitGatewayFactory>
{
    private static readonly byte[] Report = TestFiles.Pdf(
        ["Quarterly report of the Brackwater observatory.", "The telescope dome was repainted in March."],
        ["Findings.", "The observatory's new spectrograph detected lithium in the comet Veyra-7 on 14 May."]);

    [Fact]
    public async Task Files_of_every_supported_type_are_ingested_and_bad_ones_fail_on_their_own()
    {
        using var form = Form(
            ("report.pdf", Report),
            ("guide.md", Encoding.UTF8.GetBytes("# Setup\n\nInstall the Brackwater client with the installer.\n\n# Use\n\nOpen the client and choose a telescope.")),
            ("notes.txt", Encoding.UTF8.GetBytes("The night shift starts at nine in the evening.")),
            ("page.html", Encoding.UTF8.GetBytes("<html><head><script>var x = 1;</script></head><body><h1>Visitors</h1><p>Visitors may tour the dome on Sundays.</p></body></html>")),
            ("minutes.docx", TestFiles.Word(("Heading1", "Budget"), (null, "The board approved a new roof for the library."))),
            ("broken.pdf", Encoding.ASCII.GetBytes("%PDF-1.7 this is not really a PDF")),
            ("binary.txt", [0x4D, 0x5A, 0x00, 0x01, 0xFF, 0xFE, 0x00]),
            ("empty.md", []),
            ("tool.exe", [1, 2, 3]),
            ("huge.txt", Encoding.UTF8.GetBytes(new string('a', SmallFileLimitGatewayFactory.FileBytes + 1))));

        var response = await gateway.Client.PostAsync("/v1/collections/files-mixed/files?wait=true", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var job = (await response.Content.ReadFromJsonAsync<IngestionJob>(GatewayJson.Options))!;

        Assert.Equal(IngestionJob.Completed, job.Status);
        Assert.Equal(10, job.FilesDone);
        var byName = job.Files.ToDictionary(f => f.Name);
        foreach (var good in new[] { "report.pdf", "guide.md", "notes.txt", "page.html", "minutes.docx" })
        {
            Assert.True(byName[good].Status == FileOutcome.Ingested, $"{good}: {byName[good].Error}");
            Assert.True(byName[good].Passages > 0);
        }

        Assert.Equal(2, byName["report.pdf"].Documents); // one per page
        Assert.Equal(2, byName["guide.md"].Documents); // one per heading
        Assert.Contains("not a readable PDF", byName["broken.pdf"].Error);
        Assert.Contains("binary", byName["binary.txt"].Error);
        Assert.Contains("empty", byName["empty.md"].Error);
        Assert.Contains("not supported", byName["tool.exe"].Error);
        Assert.Contains("The file is 262,145 bytes; at most 262,144 bytes per file", byName["huge.txt"].Error);
        Assert.All(job.Files.Where(f => f.Status == FileOutcome.Failed), f => Assert.Equal(0, f.Documents));

        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>("/v1/collections/files-mixed", GatewayJson.Options);
        Assert.Equal(2 + 2 + 1 + 1 + 1, info!.Documents);

        var list = await gateway.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/collections");
        var listed = list.GetProperty("collections").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "files-mixed");
        Assert.Equal(7, listed.GetProperty("documents").GetInt32());
        Assert.Contains(list.GetProperty("collections").EnumerateArray(), c => c.GetProperty("name").GetString() == "docs");
    }

    [Fact]
    public async Task A_question_answered_only_by_a_pdf_cites_its_page()
    {
        using var form = Form(("report.pdf", Report), ("other.txt", Encoding.UTF8.GetBytes("Bananas are rich in potassium and grow in the tropics.")));
        var accepted = await gateway.Client.PostAsync("/v1/collections/files-pdf/files", form);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var job = (await accepted.Content.ReadFromJsonAsync<IngestionJob>(GatewayJson.Options))!;
        Assert.Equal($"/v1/collections/files-pdf/jobs/{job.Id}", accepted.Headers.Location?.OriginalString);

        // The job's events end with 'completed'.
        var events = await gateway.Client.GetStringAsync($"/v1/collections/files-pdf/jobs/{job.Id}/events");
        Assert.Contains("event: completed", events);
        var done = await gateway.Client.GetFromJsonAsync<IngestionJob>($"/v1/collections/files-pdf/jobs/{job.Id}", GatewayJson.Options);
        Assert.All(done!.Files, f => Assert.Equal(FileOutcome.Ingested, f.Status));

        var result = await gateway.PostJsonAsync<QueryResult>("/v1/query", new { question = "What did the spectrograph detect in the comet?", collection = "files-pdf" });

        Assert.Contains("lithium", result.Answer);
        Assert.Contains(result.Citations, c => c.Id.StartsWith("report.pdf#page=2#", StringComparison.Ordinal) && c.Title == "report.pdf — page 2");
    }

    [Fact]
    public async Task Uploads_that_are_not_multipart_or_hold_no_files_are_problems()
    {
        var json = await gateway.Client.PostAsJsonAsync("/v1/collections/files-bad/files", new { files = "x" });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, json.StatusCode);
        Assert.Equal("application/problem+json", json.Content.Headers.ContentType?.MediaType);

        using var empty = new MultipartFormDataContent { { new StringContent("value"), "other" } };
        var none = await gateway.Client.PostAsync("/v1/collections/files-bad/files", empty);
        Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
        Assert.Contains("files", await none.Content.ReadAsStringAsync());

        var unknown = await gateway.Client.GetAsync("/v1/collections/files-bad/jobs/0123456789abcdef0123456789abcdef");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var noBoundary = new StringContent("--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.txt\"\r\n\r\nhello\r\n--x--\r\n");
        noBoundary.Headers.ContentType = new MediaTypeHeaderValue("multipart/form-data");
        var malformed = await gateway.Client.PostAsync("/v1/collections/files-bad/files", noBoundary);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);

        using var twice = Form(("same.txt", Encoding.UTF8.GetBytes("One.")), ("same.txt", Encoding.UTF8.GetBytes("Two.")));
        var job = (await (await gateway.Client.PostAsync("/v1/collections/files-bad/files?wait=true", twice)).Content.ReadFromJsonAsync<IngestionJob>(GatewayJson.Options))!;
        Assert.Equal([FileOutcome.Ingested, FileOutcome.Failed], job.Files.Select(f => f.Status));
        Assert.Contains("same name", job.Files[1].Error);
    }

    [Fact]
    public async Task A_file_sent_again_replaces_its_documents_and_leaves_no_stale_pages()
    {
        async Task<IngestionJob> SendAsync(byte[] pdf)
        {
            using var form = Form(("manual.pdf", pdf), ("other.txt", Encoding.UTF8.GetBytes("A different file that must stay.")));
            return (await (await gateway.Client.PostAsync("/v1/collections/files-again/files?wait=true", form)).Content.ReadFromJsonAsync<IngestionJob>(GatewayJson.Options))!;
        }

        var first = await SendAsync(TestFiles.Pdf(["Page one of the manual."], ["Page two of the manual."], ["Page three of the manual."]));
        Assert.Equal(3, first.Files[0].Documents);
        Assert.Equal(0, first.Files[0].Removed);

        var second = await SendAsync(TestFiles.Pdf(["The manual now has one page."]));

        Assert.Equal(1, second.Files[0].Documents);
        Assert.Equal(3, second.Files[0].Removed); // manual.pdf#page=1..3; the one page is now "manual.pdf"
        var info = await gateway.Client.GetFromJsonAsync<CollectionInfo>("/v1/collections/files-again", GatewayJson.Options);
        Assert.Equal(2, info!.Documents);
    }

    [Fact]
    public async Task A_document_from_a_subfolder_can_be_deleted_by_its_id_with_a_slash()
    {
        using var form = Form(("guides/setup.md", Encoding.UTF8.GetBytes("Install the client with the installer.")));
        var job = (await (await gateway.Client.PostAsync("/v1/collections/files-slash/files?wait=true", form)).Content.ReadFromJsonAsync<IngestionJob>(GatewayJson.Options))!;
        Assert.Equal(FileOutcome.Ingested, job.Files.Single().Status);

        var deleted = await gateway.Client.DeleteAsync("/v1/collections/files-slash/documents/guides%2Fsetup.md");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var again = await gateway.Client.DeleteAsync("/v1/collections/files-slash/documents/guides/setup.md");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Theory]
    [InlineData("guides/setup.md", "guides/setup.md")]
    [InlineData("C:\\Users\\me\\..\\notes.txt", "Users/me/notes.txt")]
    [InlineData("/etc/../passwd.txt", "etc/passwd.txt")]
    [InlineData("", "file-3")]
    public void File_names_keep_their_relative_path_without_roots_or_dot_segments(string sent, string expected) =>
        Assert.Equal(expected, Orleans.SpecRag.Gateway.Apis.FilesApi.FileName(sent, 2));

    private static MultipartFormDataContent Form(params (string Name, byte[] Content)[] files)
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, content) in files)
        {
            var part = new ByteArrayContent(content);
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            form.Add(part, "files", name);
        }

        return form;
    }
}
