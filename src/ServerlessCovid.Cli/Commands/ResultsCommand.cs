using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Core.Storage;
using Spectre.Console;

namespace ServerlessCovid.Cli.Commands;

/// <summary><c>covid results list</c>: one hospital's triage results from the results table, newest first; <c>covid results reconcile</c> (<see cref="ResultsReconcileCommand"/>).</summary>
public static class ResultsCommand
{
    /// <summary>The rows of <c>--format csv|json</c>: the table's columns, with the error's code and reason apart.</summary>
    internal static readonly IReadOnlyList<ListColumn<TriageResult>> Columns =
    [
        new("createdUtc", r => r.CreatedUtc),
        new("id", r => r.Id),
        new("image", r => r.SourceName ?? r.Id),
        new("status", r => r.Status),
        new("label", r => r.Label),
        new(ClassNames.Positive + "Probability", r => Probability(r.Probabilities, ClassNames.Positive)),
        new("threshold", r => r.Threshold),
        new("modelVersion", r => r.ModelVersion),
        new("confirmedLabel", r => r.ConfirmedLabel),
        new("errorCode", r => r.ErrorCode),
        new("errorReason", r => r.ErrorReason),
    ];

    // Null (an empty cell) for a row without that probability, as the table's "-"; never a made-up 0.
    private static double? Probability(IReadOnlyDictionary<string, double>? probabilities, string label) =>
        probabilities is not null && probabilities.TryGetValue(label, out double p) ? p : null;

    public static Command Create()
    {
        Command command = new("results", "Read the triage results table of a storage account.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(ResultsReconcileCommand.Create());
        return command;
    }

    private static Command CreateList()
    {
        Option<string> hospital = new("--hospital")
        {
            Description = "Hospital id (the folder under xrays/, the table partition).",
            Required = true,
            HelpName = "H",
        };
        CommonOptions.RequireHospitalId(hospital);
        Option<string?> label = new("--label") { Description = "Only results with this predicted label." };
        label.AcceptOnlyFromAmong([.. ClassNames.InOutputOrder]);
        Option<TriageStatus?> status = new("--status") { Description = "Only scored, rejected, failed or pending results." };
        Option<DateTimeOffset?> from = new("--from") { Description = "Created at or after (ISO 8601, UTC if no offset)." };
        Option<DateTimeOffset?> to = new("--to") { Description = "Created before (ISO 8601)." };
        Option<int> top = new Option<int>("--top")
        {
            Description = "At most this many results.",
            DefaultValueFactory = _ => 50,
        }.InRange(1, 100_000);
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();

        Command command = new("list", "List one hospital's results, newest first.")
        {
            hospital, label, status, from, to, top, storage, json,
        };
        command.Options.Add(CommonOptions.AccountUrl());
        Option<ListFormat> format = ListOutput.AddFormatOption(command, json);
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            TriageResultStore store = services.GetRequiredService<TriageResultStore>();
            string hospitalId = context.Get(hospital)!;
            IReadOnlyList<TriageResult> results = await ReadAsync(
                store,
                hospitalId,
                new TriageResultQuery
                {
                    Label = context.Get(label),
                    Status = context.Get(status),
                    From = context.Get(from),
                    To = context.Get(to),
                },
                context.Get(top),
                cancellationToken).ConfigureAwait(false);
            if (context.Get(json))
            {
                context.WriteJson(new ResultList(hospitalId, results, Disclaimers.ResearchOnly));
            }
            else if (context.Get(format) is ListFormat rowFormat and not ListFormat.Table)
            {
                ListOutput.Write(context.Out, rowFormat, results, Columns);
                context.Error.WriteLine(Disclaimers.ResearchOnly);
            }
            else
            {
                Render(context.Console, hospitalId, results);
            }

            return CovidCli.Success;
        });
        return command;
    }

    /// <summary>Reads pages until <paramref name="top"/> results or the end of the listing.</summary>
    public static async Task<IReadOnlyList<TriageResult>> ReadAsync(
        TriageResultStore store, string hospital, TriageResultQuery query, int top, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(query);
        List<TriageResult> results = [];
        string? token = null;
        do
        {
            TriageResultPage page = await store.ListAsync(
                hospital,
                query with { ContinuationToken = token, PageSize = Math.Min(top - results.Count, TriageResultQuery.MaxPageSize) },
                cancellationToken).ConfigureAwait(false);
            results.AddRange(page.Items.Take(top - results.Count));
            token = page.ContinuationToken;
        }
        while (token is not null && results.Count < top);
        return results;
    }

    /// <summary>The results table as the demo and <c>covid results list</c> print it.</summary>
    public static void Render(IAnsiConsole console, string hospital, IReadOnlyList<TriageResult> results)
    {
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            console.WriteLine($"No results for hospital '{hospital}'.");
            return;
        }

        Table table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Created (UTC)", "Image", "Status", "Label", $"P({ClassNames.Positive})", "Threshold", "Model", "Error");
        foreach (TriageResult result in results)
        {
            string probability = result.Probabilities is not null && result.Probabilities.TryGetValue(ClassNames.Positive, out double p)
                ? p.ToString("0.0000", CultureInfo.InvariantCulture)
                : "-";
            table.AddRow(
                result.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                Markup.Escape(result.SourceName ?? result.Id),
                result.Status.ToString(),
                Markup.Escape(result.Label ?? "-"),
                probability,
                result.Threshold?.ToString("0.###", CultureInfo.InvariantCulture) ?? "-",
                Markup.Escape(result.ModelVersion ?? "-"),
                Markup.Escape(result.ErrorCode is null ? string.Empty : $"{result.ErrorCode}: {result.ErrorReason}"));
        }

        console.Write(table);
        console.WriteLine($"{results.Count} result(s) for hospital '{hospital}'. {Disclaimers.ResearchOnly}");
    }
}

public sealed record ResultList(string Hospital, IReadOnlyList<TriageResult> Results, string Disclaimer);
