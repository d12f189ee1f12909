using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ServerlessCovid.Functions;
using ServerlessCovid.Functions.Observability;
using ServerlessCovid.Functions.Security;

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseHospitalAccess();
builder.Services.AddServerlessCovid();
builder.Services.AddServerlessCovidTelemetry(builder.Configuration);
await builder.Build().RunAsync().ConfigureAwait(false);
