using Microsoft.Extensions.DependencyInjection;

namespace Orleans.SpecRag.Models.Decorators;

/// <summary>
/// Stacks decorators around a model, Microsoft.Extensions.AI style: <c>model.AsBuilder().UseOpenTelemetry().UseLogging().Build(services)</c>.
/// The first decorator added is the outermost, so it sees each call first and its result last.
/// </summary>
public sealed class ModelBuilder<TModel> where TModel : class
{
    private readonly Func<IServiceProvider, TModel> _inner;
    private readonly List<Func<TModel, IServiceProvider, TModel>> _decorators = [];

    public ModelBuilder(TModel inner)
        : this(_ => inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
    }

    public ModelBuilder(Func<IServiceProvider, TModel> inner) => _inner = inner ?? throw new ArgumentNullException(nameof(inner));

    public ModelBuilder<TModel> Use(Func<TModel, TModel> decorator)
    {
        ArgumentNullException.ThrowIfNull(decorator);
        return Use((model, _) => decorator(model));
    }

    public ModelBuilder<TModel> Use(Func<TModel, IServiceProvider, TModel> decorator)
    {
        ArgumentNullException.ThrowIfNull(decorator);
        _decorators.Add(decorator);
        return this;
    }

    public TModel Build(IServiceProvider? services = null)
    {
        services ??= EmptyServices.Instance;
        var model = _inner(services);
        for (var i = _decorators.Count - 1; i >= 0; i--)
        {
            model = _decorators[i](model, services) ?? throw new InvalidOperationException($"Decorator {i} of the {typeof(TModel).Name} pipeline returned null.");
        }

        return model;
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}

public static class ModelBuilderExtensions
{
    public static ModelBuilder<IDraftModel> AsBuilder(this IDraftModel model) => new(model);

    public static ModelBuilder<IVerifierModel> AsBuilder(this IVerifierModel model) => new(model);

    /// <summary>Spans <c>specrag.draft</c> and the draft metrics, tagged with the host the model runs on (<see cref="ModelHost"/>).</summary>
    public static ModelBuilder<IDraftModel> UseOpenTelemetry(this ModelBuilder<IDraftModel> builder, string? host = null) =>
        builder.Use((model, services) => new OpenTelemetryDraftModel(model, host ?? services.GetService<ModelHost>()?.Name));

    /// <summary>Spans <c>specrag.verify</c> and <c>specrag.answer</c> and the verification metric.</summary>
    public static ModelBuilder<IVerifierModel> UseOpenTelemetry(this ModelBuilder<IVerifierModel> builder, string? host = null) =>
        builder.Use((model, services) => new OpenTelemetryVerifierModel(model, host ?? services.GetService<ModelHost>()?.Name));

    /// <summary>Every call and its outcome at Debug, through the given factory or the host's.</summary>
    public static ModelBuilder<IDraftModel> UseLogging(this ModelBuilder<IDraftModel> builder, ILoggerFactory? loggers = null) =>
        builder.Use((model, services) => new LoggingDraftModel(model, Logger<LoggingDraftModel>(loggers, services)));

    public static ModelBuilder<IVerifierModel> UseLogging(this ModelBuilder<IVerifierModel> builder, ILoggerFactory? loggers = null) =>
        builder.Use((model, services) => new LoggingVerifierModel(model, Logger<LoggingVerifierModel>(loggers, services)));

    private static ILogger Logger<T>(ILoggerFactory? loggers, IServiceProvider services) =>
        (ILogger?)(loggers ?? services.GetService<ILoggerFactory>())?.CreateLogger<T>() ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
}

/// <summary>Where this process's models run, for telemetry: a silo registers its address; elsewhere nothing is tagged.</summary>
public sealed record ModelHost(string Name);
