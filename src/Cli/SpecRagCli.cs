using Orleans.SpecRag.Cli.Commands;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Orleans.SpecRag.Cli;

/// <summary>
/// <c>specrag</c>: the command-line client of a gateway. <see cref="RunAsync"/> is the whole program; tests call it
/// with their own console and an HTTP handler that reaches an in-memory gateway.
/// </summary>
public static class SpecRagCli
{
    public static Task<int> Main(string[] args) => RunAsync(args, AnsiConsole.Console, new GatewayConnector());

    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, GatewayConnector connector)
    {
        var registrar = new InstanceRegistrar();
        registrar.RegisterInstance(typeof(IAnsiConsole), console);
        registrar.RegisterInstance(typeof(GatewayConnector), connector);
        var app = new CommandApp(registrar);
        app.Configure(config =>
        {
            config.SetApplicationName("specrag");
            config.ConfigureConsole(console);
            config.SetExceptionHandler((exception, _) =>
            {
                var message = exception switch
                {
                    GatewayException gateway => gateway.Message,
                    HttpRequestException http => $"The gateway cannot be reached: {http.Message} (start it with 'dotnet run --project src/Gateway --urls {GatewaySettings.DefaultUrl}', or pass --url)",
                    TaskCanceledException => "The gateway did not answer in time.",
                    _ => exception.Message,
                };
                console.MarkupLine($"[red]error:[/] {Markup.Escape(message)}");
                return 1;
            });
            config.AddCommand<IngestCommand>("ingest")
                .WithDescription("Ingest files and folders (.md, .txt, .html, .pdf, .docx) into a collection, with progress and a summary.")
                .WithExample("ingest", "./notes", "--collection", "mine");
            config.AddCommand<AskCommand>("ask")
                .WithDescription("Ask a question: the answer, its citations and the drafts with their scores.")
                .WithExample("ask", "\"What is in my notes?\"", "--collection", "mine");
            config.AddCommand<CollectionsCommand>("collections").WithDescription("List the collections with their document and passage counts.");
            config.AddCommand<StatusCommand>("status").WithDescription("The cluster's silos, their status and roles.");
        });
        return await app.RunAsync(args);
    }

    /// <summary>Spectre's registrar, as small as the CLI needs: given instances, and commands built from them.</summary>
    private sealed class InstanceRegistrar : ITypeRegistrar, ITypeResolver
    {
        private readonly Dictionary<Type, object> _instances = [];
        private readonly Dictionary<Type, Type> _types = [];

        public void Register(Type service, Type implementation) => _types[service] = implementation;

        public void RegisterInstance(Type service, object implementation) => _instances[service] = implementation;

        public void RegisterLazy(Type service, Func<object> factory) => _instances[service] = factory();

        public ITypeResolver Build() => this;

        public object? Resolve(Type? type)
        {
            if (type is null)
            {
                return null;
            }

            if (_instances.TryGetValue(type, out var instance))
            {
                return instance;
            }

            // Spectre asks for IEnumerable<T> of optional services (interceptors, help providers): none are registered.
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
            {
                var element = type.GetGenericArguments()[0];
                return _types.TryGetValue(element, out var single) ? CreateArray(element, Resolve(single)) : Array.CreateInstance(element, 0);
            }

            var implementation = _types.GetValueOrDefault(type, type);
            if (implementation.IsAbstract || implementation.IsInterface)
            {
                return null;
            }

            var constructor = implementation.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            return constructor.Invoke(constructor.GetParameters().Select(p => Resolve(p.ParameterType)).ToArray());
        }

        private static Array CreateArray(Type element, object? item)
        {
            var array = Array.CreateInstance(element, item is null ? 0 : 1);
            if (item is not null)
            {
                array.SetValue(item, 0);
            }

            return array;
        }
    }
}
