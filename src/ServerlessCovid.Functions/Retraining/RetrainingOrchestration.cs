using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using ServerlessCovid.Retraining.Orchestration;

namespace ServerlessCovid.Functions.Retraining;

/// <summary>
/// The Functions registration of <see cref="RetrainingOrchestrator"/>. The class-based registration needs the
/// Microsoft.DurableTask.Generators source generator, which is not available here, so this thin function delegates
/// to the same orchestrator class the CLI demo hosts in process.
/// </summary>
public sealed class RetrainingOrchestration
{
    [Function(nameof(RetrainingOrchestrator))]
    public Task<RetrainingOutcome> RunAsync([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        RetrainingRequest input = context.GetInput<RetrainingRequest>()
            ?? throw new InvalidOperationException("The retraining orchestration needs a RetrainingRequest input.");
        return new RetrainingOrchestrator().RunAsync(context, input);
    }
}
