using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.SpecRag.Models;
using Orleans.SpecRag.Models.Hosting;
using Orleans.SpecRag.Placement;
using Orleans.SpecRag.Querying;

namespace Orleans.SpecRag.Verification;

/// <summary>
/// Runs the generalist model: scores drafts (never seeing their passages) or, in standard mode, answers.
/// Telemetry and logging are the model's decorators (<see cref="ServedModels"/>), not the grain's.
/// </summary>
[StatelessWorker, Reentrant, VerifierSilosOnly]
public sealed class VerifierGrain([FromKeyedServices(ServedModels.Key)] IVerifierModel model, ILocalSiloDetails silo) : Grain, IVerifierGrain
{
    public async Task<VerificationResult> VerifyAsync(string question, IReadOnlyList<Draft> drafts)
    {
        var scores = await SpeculativePipeline.ScoreAsync(model, question, drafts);
        return new VerificationResult(scores, silo.SiloAddress.ToString(), model.Name, model.Scoring);
    }

    public async Task<StandardAnswer> AnswerAsync(string question, IReadOnlyList<Passage> passages)
    {
        var output = await model.AnswerAsync(question, passages);
        return new StandardAnswer(output.Answer, output.Rationale, output.EvidenceIds ?? passages.Select(p => p.Id).ToArray(),
            silo.SiloAddress.ToString(), model.Name);
    }
}
