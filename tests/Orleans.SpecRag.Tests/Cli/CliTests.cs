using System.Text;
using Orleans.SpecRag.Cli;
using Orleans.SpecRag.Cli.Commands;
using Orleans.SpecRag.Tests.Gateway;
using Orleans.SpecRag.Tests.Support;
using Spectre.Console;

namespace Orleans.SpecRag.Tests.Cli;

/// <summary>The <c>specrag</c> commands against a running (in-memory) gateway, through their real HTTP calls.</summary>
public sealed class CliTests(GatewayFactory gateway) : IClassFixture<GatewayFactory>
{
    private const string Key = "test-operator-key";

    [Fact]
    public async Task Ingest_a_folder_then_ask_a_question_only_its_pdf_answers_then_list_and_status()
    {
        var folder = Directory.CreateTempSubdirectory("specrag-cli-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "guides"));
        Directory.CreateDirectory(Path.Combine(folder, ".git"));
        await File.WriteAllTextAsync(Path.Combine(folder, "guides", "setup.md"), "# Setup\n\nInstall the Brackwater client with the installer.");
        await File.WriteAllTextAsync(Path.Combine(folder, "notes.txt"), "The night shift at the observatory starts at nine in the evening.");
        await File.WriteAllBytesAsync(Path.Combine(folder, "report.pdf"), TestFiles.Pdf(["Findings.", "The new spectrograph detected lithium in the comet Veyra-7."]));
        await File.WriteAllBytesAsync(Path.Combine(folder, "broken.txt"), [0x00, 0x01, 0xFF]);
        await File.WriteAllTextAsync(Path.Combine(folder, ".git", "HEAD.md"), "not mine to ingest");
        await File.WriteAllBytesAsync(Path.Combine(folder, "photo.png"), [0x89, 0x50]);

        var (ingestCode, ingest) = await RunAsync("ingest", folder, "--collection", "cli-mine");

        Assert.Equal(2, ingestCode); // broken.txt failed; the others went in
        Assert.Contains("guides/setup.md", ingest);
        Assert.Contains("report.pdf", ingest);
        Assert.Contains("binary", ingest);
        Assert.DoesNotContain("HEAD.md", ingest);
        Assert.DoesNotContain("photo.png", ingest);
        Assert.Contains("3 of 4 files ingested into cli-mine", ingest);

        var (askCode, ask) = await RunAsync("ask", "What did the spectrograph detect in the comet?", "--collection", "cli-mine");
        Assert.Equal(0, askCode);
        Assert.Contains("lithium", ask);
        Assert.Contains("report.pdf", ask);
        Assert.Contains("ρ_SC", ask);
        Assert.Contains("✓", ask);

        var (_, collections) = await RunAsync("collections");
        Assert.Contains("cli-mine", collections);

        var (_, status) = await RunAsync("status");
        Assert.Contains("drafter, verifier", status);
        Assert.Contains("1 active of", status);
        Assert.Contains("0 / 256", status);
    }

    [Fact]
    public async Task Gateway_problems_are_printed_with_their_detail_and_a_nonzero_exit()
    {
        var (code, output) = await RunAsync("ask", "Anything?", "--collection", "no-such-collection-here");
        Assert.Equal(1, code);
        Assert.Contains("error:", output);
        Assert.Contains("404", output);

        var (unreachable, message) = await RunAsync(new GatewayConnector(), "status", "--url", $"http://127.0.0.1:{FreePort.Next()}");
        Assert.Equal(1, unreachable);
        Assert.Contains("cannot be reached", message);
    }

    [Fact]
    public void Folders_are_read_recursively_with_relative_names_and_without_hidden_or_build_folders()
    {
        var folder = Directory.CreateTempSubdirectory("specrag-cli-collect-").FullName;
        Directory.CreateDirectory(Path.Combine(folder, "a", "b"));
        Directory.CreateDirectory(Path.Combine(folder, "bin"));
        File.WriteAllText(Path.Combine(folder, "a", "b", "deep.md"), "x");
        File.WriteAllText(Path.Combine(folder, "top.HTML"), "x");
        File.WriteAllText(Path.Combine(folder, "bin", "out.txt"), "x");
        File.WriteAllText(Path.Combine(folder, "skip.exe"), "x");

        var files = IngestCommand.Collect([folder]);

        Assert.Equal(["a/b/deep.md", "top.HTML"], files.Select(f => f.Name));
    }

    private Task<(int Code, string Output)> RunAsync(params string[] args) =>
        RunAsync(new GatewayConnector(_ => gateway.Server.CreateHandler()), [.. args, "--url", "http://localhost", "--key", Key]);

    private static async Task<(int Code, string Output)> RunAsync(GatewayConnector connector, params string[] args)
    {
        var output = new StringWriter(new StringBuilder());
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 200;
        var code = await SpecRagCli.RunAsync(args, console, connector);
        return (code, output.ToString());
    }
}
