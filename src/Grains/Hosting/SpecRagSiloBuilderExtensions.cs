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
        var settings = HostingSettings.Read(configuration);
        var roles = SiloRoles.Parse(settings.Roles);
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = string.Join(',', roles) });
        silo.AddActivityPropagation();

        silo.AddSpecRagStorage(settings);

        // Failure detection is configurable (Orleans:Membership:ProbeTimeout, MaxProbeTimeout, NumMissedProbesLimit, …).
        // A query whose grain lived on a silo that died runs again only once membership declares that silo dead, and it
        // must still answer within its deadline (30 s by default). Orleans' 5 s probe timeout with 3 missed probes,
        // slower still on a loaded host, left too little of it; 2 s declares a killed silo in about 2-3 s (measured).
        // A silo cut off by the network is different: its connections stay open, and Orleans suppresses votes against a
        // silo that sent anything within MaxProbeTimeout x NumMissedProbesLimit (by default 4 x ProbeTimeout x 3 = 24 s),
        // so a 20 s partition was never detected. A 3 s MaxProbeTimeout shortens that window to 9 s and still lets a
        // degraded prober extend its probes by half.
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(2);
            o.MaxProbeTimeout = TimeSpan.FromSeconds(3);
        });
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));
        // An operator who raises ProbeTimeout alone keeps Orleans' own relation (a maximum above the timeout).
        silo.Services.PostConfigure<ClusterMembershipOptions>(o =>
        {
            if (o.MaxProbeTimeout < o.ProbeTimeout * 1.5)
            {
                o.MaxProbeTimeout = o.ProbeTimeout * 1.5;
            }
        });

        silo.Services.AddPlacementFilter<SiloRolePlacementFilterStrategy, SiloRolePlacementFilterDirector>(ServiceLifetime.Singleton);
        silo.Services.AddSingleton<SiloRoleDirectory>();
        silo.Services.AddSingleton<Drafting.DraftDispatcher>();
        silo.Services.AddValidatedOptions<Drafting.DraftAdmissionOptions>(configuration, Drafting.DraftAdmissionOptions.Section);
        silo.Services.AddSingleton<Drafting.DraftAdmission>();
        silo.Services.AddValidatedOptions<Querying.QueryOptions>(configuration, Querying.QueryOptions.Section);

        // Deadlines are the query's business (SpecRag:Query); the runtime's own timeout only catches lost messages.
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        silo.Services.AddValidatedOptions<Retrieval.RetrievalOptions>(configuration, Retrieval.RetrievalOptions.Section);
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
    public static ISiloBuilder AddSpecRagStorage(this ISiloBuilder silo, HostingSettings settings)
    {
        switch (settings.Storage)
        {
            case "memory":
                silo.AddMemoryGrainStorage(SpecRagStorage.Name);
                silo.Services.AddSegmentStore(settings, azureConnection: null);
                break;
            case "local":
                silo.Services.AddSegmentStore(settings, azureConnection: null);
                silo.Services.AddGrainStorage(SpecRagStorage.Name, (services, _) => new FileGrainStorage(
                    services.GetRequiredService<Retrieval.Segments.LocalSegmentStore>(),
                    new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>())));
                break;
            default:
                var connection = settings.AzureConnectionString("SpecRag:Storage=azure");
                silo.Services.AddSegmentStore(settings, connection);
                silo.AddAzureBlobGrainStorage(SpecRagStorage.Name, (OptionsBuilder<AzureBlobStorageOptions> options) =>
                    options.Configure<IServiceProvider>((o, services) =>
                    {
                        o.BlobServiceClient = new BlobServiceClient(connection);
                        o.ContainerName = settings.Container;
                        o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>());
                    }));
                break;
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
        var settings = HostingSettings.Read(configuration);
        var endpoints = settings.Endpoints;
        if (settings.Clustering == "localhost")
        {
            var primary = settings.PrimarySiloEndpoint is { Length: > 0 } text ? IPEndPoint.Parse(text) : null;
            silo.UseLocalhostClustering(endpoints.SiloPort, endpoints.GatewayPort, primary, settings.ServiceId, settings.ClusterId);
            return silo;
        }

        var connection = settings.AzureConnectionString($"SpecRag:Clustering={settings.Clustering}");
        silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (settings.Clustering == "kubernetes")
        {
            silo.UseKubernetesHosting();
        }
        else
        {
            var advertised = endpoints.AdvertisedIPAddress is { Length: > 0 } ip ? IPAddress.Parse(ip) : IPAddress.Loopback;
            silo.ConfigureEndpoints(advertised, endpoints.SiloPort, endpoints.GatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertised));
        }

        return silo;
    }

    /// <summary>The gateway's side when it does not co-host a silo: an Orleans client that finds gateways through the membership table.</summary>
    public static IClientBuilder UseSpecRagClustering(this IClientBuilder client, IConfiguration configuration)
    {
        var settings = HostingSettings.Read(configuration);
        if (settings.Clustering == "localhost")
        {
            client.UseLocalhostClustering(settings.Endpoints.GatewayPort, settings.ServiceId, settings.ClusterId);
        }
        else
        {
            var connection = settings.AzureConnectionString($"SpecRag:Clustering={settings.Clustering}");
            client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connection));
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
        }

        client.AddActivityPropagation();
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(5));
        // A gateway silo cut off by the network drops no connection: the client only learns it is gone when it reads the
        // membership table again and closes the connection to a silo declared dead, which fails over its calls in flight.
        // Orleans reads every minute; every 5 s keeps that failover inside a query's deadline (Orleans:Gateway).
        client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        client.Configure<GatewayOptions>(configuration.GetSection("Orleans:Gateway"));
        return client;
    }

    /// <summary>
    /// Options read while the host runs: bound from their section, checked with their data annotations (and
    /// <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) when the host starts, so a wrong value
    /// stops the start with a message naming its key instead of surfacing on the first query.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
}
