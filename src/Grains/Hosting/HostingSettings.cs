using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace Orleans.SpecRag.Hosting;

/// <summary>
/// The settings that decide what a host registers (roles, storage, cluster membership, endpoints). They are bound once
/// while the host is built, before there is a container to resolve options from, and a wrong one fails the start with
/// a message that names its key. Settings read while the host runs are options classes validated at start instead
/// (<see cref="SpecRagSiloBuilderExtensions.AddValidatedOptions{TOptions}"/>).
/// </summary>
public sealed class HostingSettings
{
    /// <summary><c>SpecRag:Roles</c>: <c>drafter</c>, <c>verifier</c> or both (the default), comma-separated.</summary>
    public string? Roles { get; init; }

    /// <summary><c>SpecRag:Storage</c>: <c>local</c> (default), <c>memory</c> or <c>azure</c>.</summary>
    public string Storage { get; init; } = "local";

    /// <summary><c>SpecRag:Storage:Container</c>: the Azure Blob container prefix.</summary>
    public string Container { get; init; } = "specrag";

    /// <summary><c>SpecRag:DataPath</c>: the data directory; by default <c>specrag/data</c> under the user's local application data.</summary>
    public string? DataPath { get; init; }

    /// <summary><c>SpecRag:Clustering</c>: <c>localhost</c> (default), <c>azure</c> or <c>kubernetes</c>.</summary>
    public string Clustering { get; init; } = "localhost";

    /// <summary><c>SpecRag:Clustering:PrimarySiloEndpoint</c>: the silo further localhost silos join.</summary>
    public string? PrimarySiloEndpoint { get; init; }

    /// <summary><c>Orleans:ClusterId</c>, else <c>ORLEANS_CLUSTER_ID</c> (set by Kubernetes hosting).</summary>
    public required string ClusterId { get; init; }

    /// <summary><c>Orleans:ServiceId</c>, else <c>ORLEANS_SERVICE_ID</c>.</summary>
    public required string ServiceId { get; init; }

    public EndpointSettings Endpoints { get; init; } = new();

    /// <summary><c>ConnectionStrings:AzureStorage</c>.</summary>
    public string? AzureStorage { get; init; }

    public static HostingSettings Read(IConfiguration configuration)
    {
        var specRag = configuration.GetSection("SpecRag").Get<SpecRagSection>() ?? new SpecRagSection();
        var orleans = configuration.GetSection("Orleans").Get<OrleansSection>() ?? new OrleansSection();
        var environment = configuration.Get<EnvironmentSection>() ?? new EnvironmentSection();
        var settings = new HostingSettings
        {
            Roles = specRag.Roles,
            Storage = Choice(specRag.Storage ?? "local", "SpecRag:Storage", "local", "memory", "azure"),
            Container = configuration.GetSection("SpecRag:Storage").Get<StorageSection>()?.Container ?? "specrag",
            DataPath = specRag.DataPath,
            Clustering = Choice(specRag.Clustering ?? "localhost", "SpecRag:Clustering", "localhost", "azure", "kubernetes"),
            PrimarySiloEndpoint = configuration.GetSection("SpecRag:Clustering").Get<ClusteringSection>()?.PrimarySiloEndpoint,
            ClusterId = orleans.ClusterId ?? environment.OrleansClusterId ?? "specrag-local",
            ServiceId = orleans.ServiceId ?? environment.OrleansServiceId ?? "specrag",
            Endpoints = orleans.Endpoints ?? new EndpointSettings(),
            AzureStorage = configuration.GetConnectionString("AzureStorage"),
        };
        Validator.ValidateObject(settings.Endpoints, new ValidationContext(settings.Endpoints), validateAllProperties: true);
        return settings;
    }

    /// <summary>The data directory as a full path.</summary>
    public string DataDirectory => DataPath is { Length: > 0 } path
        ? Path.GetFullPath(path)
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "specrag", "data");

    /// <summary>The Azure Storage connection string a feature needs, or a start-up error that says which key to set.</summary>
    public string AzureConnectionString(string feature) => AzureStorage is { Length: > 0 } connection
        ? connection
        : throw new InvalidOperationException($"{feature} needs the connection string ConnectionStrings:AzureStorage (for Azurite: UseDevelopmentStorage=true).");

    private static string Choice(string value, string key, params string[] allowed)
    {
        var normalized = value.Trim().ToLowerInvariant();
        return allowed.Contains(normalized)
            ? normalized
            : throw new InvalidOperationException($"{key} '{value}' is not supported; use {string.Join(", ", allowed.Select(a => $"'{a}'"))}.");
    }

    private sealed class SpecRagSection
    {
        public string? Roles { get; init; }

        public string? Storage { get; init; }

        public string? DataPath { get; init; }

        public string? Clustering { get; init; }
    }

    private sealed class StorageSection
    {
        public string? Container { get; init; }
    }

    private sealed class ClusteringSection
    {
        public string? PrimarySiloEndpoint { get; init; }
    }

    private sealed class OrleansSection
    {
        public string? ClusterId { get; init; }

        public string? ServiceId { get; init; }

        public EndpointSettings? Endpoints { get; init; }
    }

    private sealed class EnvironmentSection
    {
        [ConfigurationKeyName("ORLEANS_CLUSTER_ID")]
        public string? OrleansClusterId { get; init; }

        [ConfigurationKeyName("ORLEANS_SERVICE_ID")]
        public string? OrleansServiceId { get; init; }
    }
}

/// <summary><c>Orleans:Endpoints</c>: where this silo listens and what it advertises.</summary>
public sealed class EndpointSettings
{
    [Range(0, 65535, ErrorMessage = "Orleans:Endpoints:SiloPort must be a port number (0-65535).")]
    public int SiloPort { get; init; } = EndpointOptions.DEFAULT_SILO_PORT;

    [Range(0, 65535, ErrorMessage = "Orleans:Endpoints:GatewayPort must be a port number (0-65535; 0 opens no client gateway).")]
    public int GatewayPort { get; init; } = EndpointOptions.DEFAULT_GATEWAY_PORT;

    /// <summary>The address other silos and clients reach this one at; loopback when not set.</summary>
    public string? AdvertisedIPAddress { get; init; }
}
