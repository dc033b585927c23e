using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.SpecRag.Models.Hosting;
using Orleans.SpecRag.Placement;

namespace Orleans.SpecRag.Hosting;

/// <summary>Wires Speculative RAG into a silo: roles, placement, storage, models. Shared by the silo host, the gateway and tests.</summary>
public static class SpecRagSiloBuilderExtensions
{
    /// <summary>Adds the grains' services and publishes the silo's roles (configuration <c>SpecRag:Roles</c>).</summary>
    public static ISiloBuilder AddSpecRag(this ISiloBuilder silo, IConfiguration configuration)
    {
        var roles = SiloRoles.Parse(configuration["SpecRag:Roles"]);
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = string.Join(',', roles) });
        silo.AddActivityPropagation();

        silo.AddSpecRagStorage(configuration);

        // Faster failure detection is configurable (Orleans:Membership:ProbeTimeout, NumMissedProbesLimit, …).
        // A query whose grain lived on a silo that died runs again only once membership declares that silo dead, and it
        // must still answer within its deadline (30 s by default). Orleans' 5 s probe timeout with 3 missed probes,
        // slower still on a loaded host, left too little of it; 2 s declares a dead silo in about 6-10 s.
        silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(2));
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));

        silo.Services.AddPlacementFilter<SiloRolePlacementFilterStrategy, SiloRolePlacementFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.AddSingleton<SiloRoleDirectory>();
        silo.Services.AddSingleton<Drafting.DraftDispatcher>();
        silo.Services.AddSingleton(new Drafting.DraftAdmission(configuration.GetValue("SpecRag:Drafter:MaxInFlight", 256)));
        silo.Services.Configure<Querying.QueryOptions>(configuration.GetSection("SpecRag:Query"));

        // Deadlines are the query's business (SpecRag:Query); the runtime's own timeout only catches lost messages.
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        silo.Services.Configure<Retrieval.RetrievalOptions>(configuration.GetSection("SpecRag:Retrieval"));
        silo.Services.AddSpecRagModels(configuration);
        silo.Services.AddSingleton(sp => new Models.Decorators.ModelHost(sp.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString()));
        return silo;
    }

    /// <summary>
    /// Storage, <c>SpecRag:Storage</c>: <c>local</c> (default: collections' segments and query records under
    /// <c>SpecRag:DataPath</c>), <c>memory</c> (nothing outlives the process; for tests) or <c>azure</c> (segments,
    /// manifests and query records in Azure Blob storage, connection string <c>ConnectionStrings:AzureStorage</c>;
    /// grain state written with Orleans' binary serializer).
    /// </summary>
    public static ISiloBuilder AddSpecRagStorage(this ISiloBuilder silo, IConfiguration configuration)
    {
        var storage = (configuration["SpecRag:Storage"] ?? "local").Trim().ToLowerInvariant();
        switch (storage)
        {
            case "memory":
                silo.AddMemoryGrainStorage(SpecRagStorage.Name);
                silo.Services.AddSegmentStore(storage, configuration, azureConnection: null);
                break;
            case "local":
                silo.Services.AddSegmentStore(storage, configuration, azureConnection: null);
                silo.Services.AddGrainStorage(SpecRagStorage.Name, (services, _) => new FileGrainStorage(
                    services.GetRequiredService<Retrieval.Segments.LocalSegmentStore>(),
                    new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>())));
                break;
            case "azure":
                var connection = AzureConnectionString(configuration, "SpecRag:Storage=azure");
                silo.Services.AddSegmentStore(storage, configuration, connection);
                silo.AddAzureBlobGrainStorage(SpecRagStorage.Name, (OptionsBuilder<AzureBlobStorageOptions> options) =>
                    options.Configure<IServiceProvider>((o, services) =>
                    {
                        o.BlobServiceClient = new BlobServiceClient(connection);
                        o.ContainerName = configuration["SpecRag:Storage:Container"] ?? "specrag";
                        o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>());
                    }));
                break;
            default:
                throw new InvalidOperationException($"SpecRag:Storage '{storage}' is not supported; use 'local', 'memory' or 'azure'.");
        }

        return silo;
    }

    /// <summary>
    /// Cluster membership, <c>SpecRag:Clustering</c>:
    /// <c>localhost</c> (default; ports <c>Orleans:Endpoints:SiloPort</c>/<c>GatewayPort</c>, further silos join
    /// <c>SpecRag:Clustering:PrimarySiloEndpoint</c>), <c>azure</c> (Azure Table membership, connection string
    /// <c>ConnectionStrings:AzureStorage</c>) or <c>kubernetes</c> (Azure Table membership plus Orleans'
    /// Kubernetes hosting, which takes the pod's identity and address from the environment).
    /// </summary>
    public static ISiloBuilder UseSpecRagClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        var mode = ClusteringMode(configuration);
        var siloPort = configuration.GetValue("Orleans:Endpoints:SiloPort", EndpointOptions.DEFAULT_SILO_PORT);
        var gatewayPort = configuration.GetValue("Orleans:Endpoints:GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
        if (mode == "localhost")
        {
            var primary = configuration["SpecRag:Clustering:PrimarySiloEndpoint"] is { Length: > 0 } text ? IPEndPoint.Parse(text) : null;
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, ServiceId(configuration), ClusterId(configuration));
            return silo;
        }

        var connection = AzureConnectionString(configuration, $"SpecRag:Clustering={mode}");
        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = ClusterId(configuration);
            o.ServiceId = ServiceId(configuration);
        });
        if (mode == "kubernetes")
        {
            silo.UseKubernetesHosting();
        }
        else
        {
            var advertised = configuration["Orleans:Endpoints:AdvertisedIPAddress"] is { Length: > 0 } ip ? IPAddress.Parse(ip) : IPAddress.Loopback;
            silo.ConfigureEndpoints(advertised, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        }

        return silo;
    }

    /// <summary>The gateway's side when it does not co-host a silo: an Orleans client that finds gateways through the membership table.</summary>
    public static IClientBuilder UseSpecRagClustering(this IClientBuilder client, IConfiguration configuration)
    {
        var mode = ClusteringMode(configuration);
        if (mode == "localhost")
        {
            var gatewayPort = configuration.GetValue("Orleans:Endpoints:GatewayPort", EndpointOptions.DEFAULT_GATEWAY_PORT);
            client.UseLocalhostClustering(gatewayPort, ServiceId(configuration), ClusterId(configuration));
        }
        else
        {
            var connection = AzureConnectionString(configuration, $"SpecRag:Clustering={mode}");
            client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId(configuration);
                o.ServiceId = ServiceId(configuration);
            });
        }

        client.AddActivityPropagation();
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        return client;
    }

    /// <summary><c>localhost</c>, <c>azure</c> or <c>kubernetes</c>.</summary>
    public static string ClusteringMode(IConfiguration configuration)
    {
        var mode = (configuration["SpecRag:Clustering"] ?? "localhost").Trim().ToLowerInvariant();
        return mode is "localhost" or "azure" or "kubernetes"
            ? mode
            : throw new InvalidOperationException($"SpecRag:Clustering '{mode}' is not supported; use 'localhost', 'azure' or 'kubernetes'.");
    }

    // Kubernetes hosting sets these from ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID; elsewhere configuration does.
    private static string ClusterId(IConfiguration configuration) =>
        configuration["Orleans:ClusterId"] ?? configuration["ORLEANS_CLUSTER_ID"] ?? "specrag-local";

    private static string ServiceId(IConfiguration configuration) =>
        configuration["Orleans:ServiceId"] ?? configuration["ORLEANS_SERVICE_ID"] ?? "specrag";

    private static string AzureConnectionString(IConfiguration configuration, string feature) =>
        configuration.GetConnectionString("AzureStorage") is { Length: > 0 } connection
            ? connection
            : throw new InvalidOperationException($"{feature} needs the connection string ConnectionStrings:AzureStorage (for Azurite: UseDevelopmentStorage=true).");
}
