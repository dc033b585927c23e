using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Gateway;

/// <summary>
/// The real gateway (Program.cs) in memory, co-hosting its silo on free loopback ports, with the
/// embedded default models and the demo corpus. Tests wait until it reports ready.
/// </summary>
public class GatewayFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public HttpClient Client { get; private set; } = null!;

    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    protected virtual string Environment => "Production";

    /// <summary>The operator key tests send by default (ingestion needs one outside Development); null sends none.</summary>
    protected virtual string? DefaultApiKey => "test-operator-key";

    /// <summary>The gateway's data directory (its collections' segments); a fresh temporary one unless a test shares one.</summary>
    public string DataPath { get; init; } = Path.Combine(Path.GetTempPath(), "specrag-tests", "gateway-" + Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("SpecRag:DataPath", DataPath);
        builder.UseSetting("Orleans:Endpoints:SiloPort", FreePort.Next().ToString());
        builder.UseSetting("Orleans:Endpoints:GatewayPort", FreePort.Next().ToString());
        builder.UseSetting("Orleans:ClusterId", "gateway-tests-" + Guid.NewGuid().ToString("N")[..8]);
        if (DefaultApiKey is not null && !Settings.ContainsKey("SpecRag:Auth:ApiKeys"))
        {
            builder.UseSetting("SpecRag:Auth:ApiKeys", DefaultApiKey);
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton(SharedModels.MiniLm);
            services.AddSingleton(SharedModels.Embeddings);
            ConfigureServices(services);
        });
    }

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        Client = CreateClient();
        if (DefaultApiKey is not null)
        {
            Client.DefaultRequestHeaders.Add("X-Api-Key", DefaultApiKey);
        }

        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var response = await Client.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The gateway did not become ready: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Keeps <see cref="DataPath"/> when the gateway stops, for a test that starts another gateway on it.</summary>
    public bool KeepData { get; init; }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (!KeepData && Directory.Exists(DataPath))
        {
            Directory.Delete(DataPath, recursive: true);
        }
    }

    public async Task<T> PostJsonAsync<T>(string path, object body)
    {
        var response = await Client.PostAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"{path} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<T>(GatewayJson.Options))!;
    }
}

/// <summary>A gateway whose silo has only the verifier role.</summary>
public sealed class VerifierOnlyGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["SpecRag:Roles"] = "verifier",
        ["SpecRag:DemoCorpus:Enabled"] = "false",
    };
}

/// <summary>A gateway whose drafter model always fails, as an unreachable model endpoint would.</summary>
public sealed class FailingDrafterGatewayFactory : GatewayFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string> { ["SpecRag:DemoCorpus:Enabled"] = "false" };

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<SpecRag.Models.IDraftModel, FailingDraftModel>();

    private sealed class FailingDraftModel : SpecRag.Models.IDraftModel
    {
        public string Name => "test/failing";

        public Task<SpecRag.Models.DraftOutput> DraftAsync(string question, IReadOnlyList<Passage> passages, SpecRag.Models.DraftOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new HttpRequestException("The model endpoint is down.");
    }
}

public static class GatewayJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
    };
}
