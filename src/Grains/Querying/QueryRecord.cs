namespace Orleans.SpecRag.Querying;

[GenerateSerializer]
public sealed class QueryRecord
{
    [Id(0)] public QueryResult? Result { get; set; }
}
