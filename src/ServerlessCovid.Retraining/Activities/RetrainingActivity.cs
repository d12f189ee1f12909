using Microsoft.DurableTask;
using ServerlessCovid.Retraining.Hosting;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Base of the retraining activities: the Durable Task worker (CLI demo, tests) calls <see cref="RunAsync"/>, the
/// Functions app's <c>[ActivityTrigger]</c> wrappers call <see cref="ExecuteAsync"/> with the invocation's
/// cancellation token. Same code either way; activities need nothing from the activity context. A long-running
/// activity takes the in-process host's <see cref="InProcessActivityCancellation"/> (null under the Functions app),
/// because the Durable Task worker gives it no token of its own.
/// </summary>
public abstract class RetrainingActivity<TInput, TOutput>(InProcessActivityCancellation? inProcess = null) : TaskActivity<TInput, TOutput>
{
    public sealed override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) =>
        ExecuteAsync(input, inProcess?.Token ?? CancellationToken.None);

    public abstract Task<TOutput> ExecuteAsync(TInput input, CancellationToken cancellationToken);
}
