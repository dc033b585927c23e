global using Microsoft.Extensions.Logging;
global using Orleans.SpecRag.Models.Embedding;
global using Orleans.SpecRag.Models.Prompting;
