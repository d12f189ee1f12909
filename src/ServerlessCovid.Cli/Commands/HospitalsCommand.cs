using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using ServerlessCovid.Cli.Infrastructure;
using ServerlessCovid.Core.Security;
using ServerlessCovid.Core.Storage;
using Spectre.Console;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid hospitals add|list|revoke-key</c>: the operator issues and revokes the API keys that bind HTTP callers to
/// their hospital (or make them administrators). Only salted hashes are stored; a key is printed once, at creation.
/// </summary>
public static class HospitalsCommand
{
    /// <summary>The rows of <c>hospitals list --format csv|json</c>; there is no key column because no key is stored.</summary>
    internal static readonly IReadOnlyList<ListColumn<ApiKeyInfo>> Columns =
    [
        new("id", k => k.Id),
        new("role", k => k.Role == CallerRole.Admin ? "admin" : "hospital"),
        new("hospital", k => k.Hospital),
        new("name", k => k.Name),
        new("createdUtc", k => k.CreatedUtc),
        new("revokedUtc", k => k.RevokedUtc),
    ];

    public static Command Create()
    {
        Command command = new("hospitals", "Issue, list and revoke hospital (and administrator) API keys in a storage account.");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRevoke());
        return command;
    }

    private static Command CreateAdd()
    {
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Option<bool> admin = new("--admin") { Description = "Issue an administrator key (retraining, rollback); NAME only labels it." };
        Argument<string> name = new("HOSPITAL") { Description = "The hospital id the key is bound to (or, with --admin, the key's name)." };
        Command command = new("add", "Issue a new API key for a hospital (printed once; store it safely).") { storage, json, admin, name };
        command.Validators.Add(result =>
        {
            string? value = result.GetValue(name);
            if (value is not null && !HospitalIds.IsValid(value))
            {
                result.AddError($"'{value}' is not a valid hospital id: {HospitalIds.Rule}.");
            }
        });
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            ApiKeyStore keys = services.GetRequiredService<ApiKeyStore>();
            IssuedApiKey issued = context.Get(admin)
                ? await keys.AddAdminKeyAsync(context.Get(name)!, cancellationToken).ConfigureAwait(false)
                : await keys.AddHospitalKeyAsync(context.Get(name)!, cancellationToken).ConfigureAwait(false);
            if (context.Get(json))
            {
                context.WriteJson(issued);
            }
            else
            {
                context.Console.WriteLine(issued.Info.Role == CallerRole.Admin
                    ? $"Administrator key {issued.Info.Id} ({issued.Info.Name}):"
                    : $"API key {issued.Info.Id} for hospital {issued.Info.Hospital}:");
                context.Console.WriteLine(issued.Key);
                context.Console.WriteLine("This is the only time the key is shown; only its salted hash is stored. Send it in the x-api-key header.");
            }

            return CovidCli.Success;
        });
        return command;
    }

    private static Command CreateList()
    {
        Option<string?> storage = CommonOptions.Storage();
        Option<bool> json = CommonOptions.Json();
        Command command = new("list", "Issued keys: id, role, hospital, created, revoked (never the keys).") { storage, json };
        Option<ListFormat> format = ListOutput.AddFormatOption(command, json);
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            IReadOnlyList<ApiKeyInfo> keys = await services.GetRequiredService<ApiKeyStore>().ListAsync(cancellationToken).ConfigureAwait(false);
            if (context.Get(json))
            {
                context.WriteJson(keys);
                return CovidCli.Success;
            }

            if (context.Get(format) is ListFormat rowFormat and not ListFormat.Table)
            {
                ListOutput.Write(context.Out, rowFormat, keys, Columns);
                return CovidCli.Success;
            }

            if (keys.Count == 0)
            {
                context.Console.WriteLine("No API keys have been issued in this storage account.");
                return CovidCli.Success;
            }

            Table table = new Table().Border(TableBorder.Rounded).AddColumns("Key id", "Role", "Hospital", "Name", "Created (UTC)", "Revoked (UTC)");
            foreach (ApiKeyInfo key in keys)
            {
                table.AddRow(
                    key.Id,
                    key.Role == CallerRole.Admin ? "admin" : "hospital",
                    Markup.Escape(key.Hospital ?? "-"),
                    Markup.Escape(key.Name),
                    key.CreatedUtc.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                    key.RevokedUtc?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-");
            }

            context.Console.Write(table);
            return CovidCli.Success;
        });
        return command;
    }

    private static Command CreateRevoke()
    {
        Option<string?> storage = CommonOptions.Storage();
        Argument<string> id = new("KEY_ID") { Description = "The key id shown by `covid hospitals list` (12 hex characters)." };
        Command command = new("revoke-key", "Revoke an API key at once; it stays listed with its revocation time.") { storage, id };
        command.SetCliAction(async (context, cancellationToken) =>
        {
            ServiceProvider services = CliServices.Build(context, context.Get(storage));
            await using ConfiguredAsyncDisposable disposeServices = services.ConfigureAwait(false);
            string keyId = context.Get(id)!;
            if (!await services.GetRequiredService<ApiKeyStore>().RevokeAsync(keyId, cancellationToken).ConfigureAwait(false))
            {
                throw new CliFailureException($"No API key '{keyId}' in this storage account (see `covid hospitals list`).");
            }

            context.Console.WriteLine($"Key {keyId} revoked.");
            return CovidCli.Success;
        });
        return command;
    }
}
