using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace ServerlessCovid.Functions.Security;

/// <summary>
/// Worker middleware over every HTTP-triggered function: hands the call to <see cref="HttpAccessGate"/> and, when
/// the gate answers instead of the function, makes that the invocation's result (the ASP.NET Core integration
/// executes an <see cref="IActionResult"/> result).
/// </summary>
public sealed class HospitalAccessMiddleware(HttpAccessGate gate) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        IActionResult? answer = await gate.RunAsync(
            context.FunctionDefinition.Name,
            context.GetHttpContext() ?? throw new InvalidOperationException("HTTP function invoked without an HttpContext."),
            context.BindingContext.BindingData,
            () => next(context)).ConfigureAwait(false);
        if (answer is not null)
        {
            context.GetInvocationResult().Value = answer;
        }
    }

    /// <summary>Whether a function has an HTTP trigger (the middleware's <c>UseWhen</c> predicate).</summary>
    public static bool IsHttpFunction(FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.FunctionDefinition.InputBindings.Values.Any(
            binding => string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase));
    }
}
