using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Configuration;
using Orleans.SpecRag.ServiceDefaults;
using Orleans.SpecRag.Tests.Support;

namespace Orleans.SpecRag.Tests.Processes;

/// <summary>
/// The gateway started as a user starts it, in Production with no key configured: on loopback it takes operator
/// calls from this machine at once; listening beyond loopback it generates a key, prints it once and requires it.
/// </summary>
[Collection(nameof(ProcessCollection))]
public sealed class OperatorAccessTests
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    private static Dictionary<string, string> Environment(string urls) => new()
    {
        ["ASPNETCORE_URLS"] = urls,
        ["SpecRag__DemoCorpus__Enabled"] = "false",
        ["Orleans__Endpoints__SiloPort"] = FreePort.Next().ToString(),
        ["Orleans__Endpoints__GatewayPort"] = FreePort.Next().ToString(),
        ["Orleans__ClusterId"] = "access-" + Guid.NewGuid().ToString("N")[..8],
    };

    private static object Documents => new { documents = new[] { new { id = "a", text = "Alpha is the first letter." } } };

    [Fact]
    public async Task A_gateway_on_loopback_without_keys_takes_operator_calls_from_this_machine()
    {
        await using var gateway = HostProcess.Start("gateway-loopback", "Gateway", "Orleans.SpecRag.Gateway", Environment("http://127.0.0.1:{port}"));
        await gateway.WaitUntilReadyAsync(_http, TimeSpan.FromSeconds(90));

        var ingest = await _http.PostAsJsonAsync($"{gateway.BaseUrl}/v1/collections/mine/documents", Documents);
        Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        Assert.Contains(gateway.Output, line => line.Contains("open to clients on this machine", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_gateway_listening_beyond_loopback_without_keys_generates_a_key_prints_it_and_requires_it()
    {
        await using var gateway = HostProcess.Start("gateway-any", "Gateway", "Orleans.SpecRag.Gateway", Environment("http://0.0.0.0:{port}"));
        await gateway.WaitUntilReadyAsync(_http, TimeSpan.FromSeconds(90));

        var keys = gateway.Output.Select(line => line.Trim()).Where(line => line.StartsWith("sr-", StringComparison.Ordinal)).ToArray();
        var key = Assert.Single(keys);
        Assert.Matches("^sr-[0-9a-f]{48}$", key);

        var without = await _http.PostAsJsonAsync($"{gateway.BaseUrl}/v1/collections/mine/documents", Documents);
        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"{gateway.BaseUrl}/v1/collections/mine/documents") { Content = JsonContent.Create(Documents) };
        request.Headers.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(request)).StatusCode);
        Assert.DoesNotContain(gateway.Output, line => line.Contains(key, StringComparison.Ordinal) && line.Contains("info:", StringComparison.Ordinal)); // printed, never logged
    }
}

public sealed class OperatorAccessUnitTests
{
    [Theory]
    [InlineData("http://127.0.0.1:5080", true)]
    [InlineData("http://localhost:5000", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://0.0.0.0:8080", false)]
    [InlineData("http://*:80", false)]
    [InlineData("http://+:80", false)]
    [InlineData("http://[::]:8080", false)]
    [InlineData("https://gateway.example:443", false)]
    public void Loopback_addresses_are_told_apart(string address, bool loopback) =>
        Assert.Equal(loopback, OperatorAccess.IsLoopback(address));

    [Fact]
    public void Listen_addresses_come_from_urls_ports_and_kestrel_endpoints_and_default_to_kestrels()
    {
        static IReadOnlyList<string> Of(Dictionary<string, string?> settings) =>
            OperatorAccess.ListenAddresses(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());

        Assert.Equal(["http://localhost:5000"], Of([]));
        Assert.Equal(["http://127.0.0.1:5080", "http://*:8080"], Of(new() { ["urls"] = "http://127.0.0.1:5080", ["http_ports"] = "8080" }));
        Assert.Equal(["http://0.0.0.0:9000"], Of(new() { ["Kestrel:Endpoints:Main:Url"] = "http://0.0.0.0:9000" }));
    }
}
