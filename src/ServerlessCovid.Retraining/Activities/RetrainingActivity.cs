using Microsoft.DurableTask;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>
/// Base of the retraining activities: the Durable Task worker (CLI demo, tests) calls <see cref="RunAsync"/>, the
/// Functions app's <c>[ActivityTrigger]</c> wrappers call <see cref="ExecuteAsync"/> with the invocation's
/// cancellation token. Same code either way; activities need nothing from the activity context.
/// </summary>
public abstract class RetrainingActivity<TInput, TOutput> : TaskActivity<TInput, TOutput>
{
    public sealed override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) =>
        ExecuteAsync(input, CancellationToken.None);

    public abstract Task<TOutput> ExecuteAsync(TInput input, CancellationToken cancellationToken);
}
