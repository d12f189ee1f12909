using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;

namespace ServerlessCovid.Functions.Security;

/// <summary>Puts <see cref="HospitalAccessMiddleware"/> in front of every HTTP function.</summary>
public static class AccessApplicationBuilderExtensions
{
    public static IFunctionsWorkerApplicationBuilder UseHospitalAccess(this IFunctionsWorkerApplicationBuilder builder) =>
        builder.UseWhen<HospitalAccessMiddleware>(HospitalAccessMiddleware.IsHttpFunction);
}
