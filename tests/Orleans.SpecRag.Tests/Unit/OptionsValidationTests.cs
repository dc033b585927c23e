using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.SpecRag.Drafting;
using Orleans.SpecRag.Hosting;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Querying;
using Orleans.SpecRag.Retrieval;

namespace Orleans.SpecRag.Tests.Unit;

/// <summary>A wrong setting stops the host at start with a message that names its key, instead of failing a query later.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("SpecRag:Query:DefaultDeadlineMs", "5")]
    [InlineData("SpecRag:Query:VerificationReserve", "1.5")]
    [InlineData("SpecRag:Query:Hedging:Quorum", "0")]
    [InlineData("SpecRag:Retrieval:Shards", "0")]
    [InlineData("SpecRag:Retrieval:Ann:Connectivity", "1")]
    [InlineData("SpecRag:Retrieval:Compaction:MaxDeletedRatio", "2")]
    [InlineData("SpecRag:Drafter:MaxInFlight", "0")]
    public async Task An_out_of_range_setting_fails_the_start_naming_its_key(string key, string value)
    {
        using var host = Host(new() { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key, error.Message);
    }

    [Fact]
    public async Task A_value_of_the_wrong_type_fails_the_start_naming_its_key()
    {
        using var host = Host(new() { ["SpecRag:Query:DefaultDeadlineMs"] = "soon" });

        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("SpecRag:Query:DefaultDeadlineMs", error.Message);
    }

    [Fact]
    public async Task Defaults_and_valid_settings_start()
    {
        using var host = Host(new() { ["SpecRag:Query:DefaultDeadlineMs"] = "5000", ["SpecRag:Drafter:MaxInFlight"] = "8" });

        await host.StartAsync();

        Assert.Equal(5000, host.Services.GetRequiredService<IOptions<QueryOptions>>().Value.DefaultDeadlineMs);
        Assert.Equal(8, host.Services.GetRequiredService<DraftAdmission>().MaxInFlight);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("SpecRag:Storage", "disk", "SpecRag:Storage 'disk'")]
    [InlineData("SpecRag:Clustering", "zookeeper", "SpecRag:Clustering 'zookeeper'")]
    [InlineData("Orleans:Endpoints:SiloPort", "70000", "Orleans:Endpoints:SiloPort")]
    public void A_wrong_hosting_setting_fails_while_the_host_is_built(string key, string value, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

        var error = Assert.ThrowsAny<Exception>(() => HostingSettings.Read(configuration));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Hosting_settings_read_the_documented_keys()
    {
        var settings = HostingSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SpecRag:Storage"] = "Azure",
            ["SpecRag:Storage:Container"] = "docs",
            ["SpecRag:Clustering"] = "kubernetes",
            ["ORLEANS_CLUSTER_ID"] = "prod",
            ["Orleans:Endpoints:GatewayPort"] = "0",
        }).Build());

        Assert.Equal(("azure", "docs", "kubernetes", "prod", 0), (settings.Storage, settings.Container, settings.Clustering, settings.ClusterId, settings.Endpoints.GatewayPort));
    }

    [Fact]
    public void A_model_setting_out_of_range_names_the_roles_key()
    {
        var options = new LanguageModelOptions { MaxTokens = 0, Scoring = "maybe" };

        var error = Assert.Throws<InvalidOperationException>(() => options.ValidateFor("SpecRag:Verifier"));

        Assert.Contains("SpecRag:Verifier:MaxTokens", error.Message);
        Assert.Contains("SpecRag:Verifier:Scoring", error.Message);
    }

    private static IHost Host(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddValidatedOptions<QueryOptions>(builder.Configuration, QueryOptions.Section);
        builder.Services.AddValidatedOptions<RetrievalOptions>(builder.Configuration, RetrievalOptions.Section);
        builder.Services.AddValidatedOptions<DraftAdmissionOptions>(builder.Configuration, DraftAdmissionOptions.Section);
        builder.Services.AddSingleton<DraftAdmission>();
        return builder.Build();
    }
}
