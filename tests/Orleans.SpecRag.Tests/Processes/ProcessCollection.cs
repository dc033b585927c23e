namespace Orleans.SpecRag.Tests.Processes;

/// <summary>Tests that start gateways and silos as OS processes run one at a time: each is several processes on two cores.</summary>
[CollectionDefinition(nameof(ProcessCollection))]
public sealed class ProcessCollection;
