using System.CommandLine;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Triage;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid results reconcile</c>: the <c>ReconcileXrays</c> timer's pass run by hand, over the whole listing (page by
/// page, <c>Triage:ReconcileMaxBlobsPerRun</c> blobs each): blobs without a result row and pending rows are triaged
/// through the blob trigger's own path, with the active model.
/// </summary>
internal static class ResultsReconcileCommand
{
    public static Command Create()
    {
        Option<string> hospital = new("--hospital")
        {
            Description = "Only this hospital's folder under xrays/ and its pending rows. Default: every hospital.",
            HelpName = "H",
        };
        CommonOptions.RequireHospitalId(hospital);
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Command command = new("reconcile", "Triage every x-ray blob that has no result row, and pending rows once a model is published.")
        {
            hospital, storage, json,
        };
        command.Options.Add(CommonOptions.AccountUrl());
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage), configure: (s, _) => s.AddTriage());
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            string? hospitalId = context.Get(hospital);
            ReconcileReport report = await services.GetRequiredService<ResultReconciler>()
                .SweepAsync(hospitalId, cancellationToken).ConfigureAwait(false);
            if (context.Get(json))
            {
                context.WriteJson(new ReconcileSummary(hospitalId, report));
            }
            else
            {
                context.Out.WriteLine(
                    $"Reconciled {(hospitalId is null ? "all hospitals" : $"hospital '{hospitalId}'")}: {report.Listed} blob(s) listed, "
                    + $"{report.PendingOutsideListing} pending row(s) without a listed blob.");
                context.Out.WriteLine($"  already had a row  {report.AlreadyHadRow}");
                context.Out.WriteLine($"  newly triaged      {report.NewlyTriaged}");
                context.Out.WriteLine($"  pending rescored   {report.PendingRescored}");
                context.Out.WriteLine($"  rejected           {report.Rejected}");
                context.Out.WriteLine($"  failed             {report.Failed}");
                context.Out.WriteLine($"  still pending      {report.Pending}");
                context.Out.WriteLine($"  unkeyable          {report.Unkeyable}");
            }

            return CovidCli.Success;
        });
        return command;
    }
}

public sealed record ReconcileSummary(string? Hospital, ReconcileReport Report);
