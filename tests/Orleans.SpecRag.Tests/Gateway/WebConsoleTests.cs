using Microsoft.Playwright;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>The gateway on a real loopback port, for a real browser.</summary>
public sealed class KestrelGatewayFactory : GatewayFactory
{
    public KestrelGatewayFactory()
    {
        Port = FreePort.Next();
        UseKestrel(Port);
    }

    public int Port { get; }

    public string BaseUrl => $"http://127.0.0.1:{Port}";
}

/// <summary>A fact that needs Debian's Chromium; skipped with the reason when it is not installed (test.sh installs it).</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath))
        {
            Skip = $"Chromium is not installed at {ExecutablePath} (apt-get install chromium, or set CHROMIUM_PATH); ./test.sh installs it.";
        }
    }
}

public sealed class WebConsoleTests(KestrelGatewayFactory gateway) : IClassFixture<KestrelGatewayFactory>
{
    [ChromiumFact]
    public async Task A_question_asked_in_the_console_shows_the_answer_every_draft_and_the_timeline()
    {
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });

        await page.GotoAsync(gateway.BaseUrl + "/");
        Assert.Equal("Orleans.SpecRag console", await page.TitleAsync());
        await page.FillAsync("#question", "How are drafts scored?");
        await page.FillAsync("#drafts", "4");
        await page.ClickAsync("#ask");

        await page.WaitForSelectorAsync("#drafts-table tbody tr >> nth=3", new PageWaitForSelectorOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync("#timeline svg rect.bar.verification");

        var answer = await page.TextContentAsync("#answer");
        Assert.False(string.IsNullOrWhiteSpace(answer));
        Assert.Equal(4, await page.Locator("#drafts-table tbody tr").CountAsync());
        Assert.Equal(1, await page.Locator("#drafts-table tbody tr.selected").CountAsync());

        // The selected row is the draft with the highest total, and the chart has one bar per draft, labelled with its silo.
        var totals = await page.Locator("#drafts-table tbody tr td:nth-child(7)").AllTextContentsAsync();
        var selectedTotal = await page.Locator("#drafts-table tbody tr.selected td:nth-child(7)").TextContentAsync();
        Assert.Equal(totals.Select(double.Parse).Max(), double.Parse(selectedTotal!));
        Assert.Equal(4, await page.Locator("#timeline rect.bar.draft").CountAsync());
        Assert.Equal(1, await page.Locator("#timeline rect.bar.draft.selected").CountAsync());
        var labels = await page.Locator("#timeline text.label").AllTextContentsAsync();
        Assert.Contains("Retrieval", labels);
        Assert.Contains("Verification", labels);
        Assert.Equal(4, labels.Count(l => l.StartsWith("Draft ", StringComparison.Ordinal) && l.Contains("127.0.0.1", StringComparison.Ordinal)));
        Assert.Contains("extractive/all-MiniLM-L6-v2", await page.TextContentAsync("#meta"));

        var screenshots = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(screenshots);
        var file = Path.Combine(screenshots, "web-console.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file, FullPage = true });
        Assert.True(new FileInfo(file).Length > 10_000);

        // A mistake shows the problem the API returned, naming the field.
        await page.FillAsync("#question", " ");
        await page.EvaluateAsync("document.getElementById('question').removeAttribute('required')");
        await page.ClickAsync("#ask");
        await page.WaitForSelectorAsync("#error:not([hidden])");
        Assert.Contains("question", await page.TextContentAsync("#error"));
    }

    [ChromiumFact]
    public async Task A_pdf_dropped_into_the_collections_view_is_indexed_and_cited_in_an_answer_and_the_cluster_view_lists_the_silo()
    {
        await using var browser = await LaunchAsync();
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1000 } });
        await page.GotoAsync(gateway.BaseUrl + "/");

        // Uploading needs the operator key this gateway is configured with.
        await page.FillAsync("#api-key", "test-operator-key");
        await page.PressAsync("#api-key", "Tab");
        await page.ClickAsync("#tab-collections");
        await page.WaitForSelectorAsync("#collections-table tbody tr[data-collection='docs']");
        await page.FillAsync("#upload-collection", "browser-pdf");
        var pdf = TestFiles.Pdf(["Station log of the Kerrow lighthouse."], ["The lighthouse lamp was replaced by a Fresnel lens made in Paris in 1887."]);
        await page.SetInputFilesAsync("#upload-files", new FilePayload { Name = "lighthouse.pdf", MimeType = "application/pdf", Buffer = pdf });

        await page.WaitForSelectorAsync("#upload-table tbody tr[data-file='lighthouse.pdf'] td.ingested", new PageWaitForSelectorOptions { Timeout = 60_000 });
        await page.WaitForSelectorAsync("#collections-table tbody tr[data-collection='browser-pdf']");
        Assert.Equal("2", await page.TextContentAsync("#collections-table tbody tr[data-collection='browser-pdf'] td:nth-child(2)"));

        // Ask about it: the answer is only in the PDF's second page, and the citation says so.
        await page.ClickAsync("#collections-table tbody tr[data-collection='browser-pdf'] button");
        await page.FillAsync("#question", "What was the lighthouse lamp replaced by?");
        await page.ClickAsync("#ask");
        await page.WaitForSelectorAsync("#drafts-table tbody tr.selected", new PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.Contains("Fresnel", await page.TextContentAsync("#answer"));
        Assert.Contains("lighthouse.pdf#page=2", await page.TextContentAsync("#citations"));
        Assert.Contains("What was the lighthouse lamp replaced by?", await page.TextContentAsync("#recent"));

        await page.ClickAsync("#tab-cluster");
        await page.WaitForSelectorAsync("#silos-table tbody tr");
        Assert.Contains("drafter, verifier", await page.TextContentAsync("#silos-table tbody"));
        Assert.Contains("/ 256", await page.TextContentAsync("#silos-table tbody"));
    }

    /// <summary>Debian's Chromium, headless, on the started gateway; disposing it closes the browser and Playwright.</summary>
    private async Task<Browser> LaunchAsync()
    {
        gateway.StartServer();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        return new Browser(playwright, browser);
    }

    private sealed class Browser(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public Task<IPage> NewPageAsync(BrowserNewPageOptions options) => browser.NewPageAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }
}
