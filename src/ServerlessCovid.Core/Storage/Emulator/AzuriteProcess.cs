using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace ServerlessCovid.Core.Storage.Emulator;

/// <summary>
/// Runs the repository's pinned Azurite (<c>node_modules/.bin/azurite</c>, installed by <c>npm ci</c>) on loopback,
/// in memory, with telemetry off and ports chosen by the OS, for tests and <c>covid demo</c>.
/// Azurite runs under Node.js with a one-line parent watch: its standard input is a pipe held by this process, and
/// when that pipe closes (this process exited, crashed, was killed with SIGKILL or by the OOM killer) Azurite exits
/// too, so an embedded Azurite can never be orphaned.
/// </summary>
public sealed partial class AzuriteProcess : IAsyncDisposable
{
    /// <summary>The well-known development account every emulator accepts.</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// The flags every Azurite this project starts needs, the same as <c>npm run azurite</c> in package.json:
    /// <c>--skipApiVersionCheck</c> and <c>--loose</c> because the Azure SDKs here send a newer API version
    /// (2026-10-06) than Azurite 3.37 knows, and it otherwise answers <c>400 InvalidHeaderValue</c>.
    /// </summary>
    public static readonly IReadOnlyList<string> RequiredFlags =
        ["--silent", "--inMemoryPersistence", "--disableTelemetry", "--skipApiVersionCheck", "--loose"];

    /// <summary>
    /// Runs in Node.js ahead of Azurite: exit when standard input reaches end of file (the parent went away), then
    /// load Azurite with its own path restored as <c>argv[1]</c> (<c>node -e</c> leaves it out).
    /// </summary>
    private const string ParentWatch =
        "process.stdin.on('end',()=>process.exit(0));process.stdin.on('error',()=>process.exit(0));process.stdin.resume();"
        + "require(process.argv[1]);";

    private readonly Process _process;

    private AzuriteProcess(Process process, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>The process id (Node.js running Azurite, or whatever <see cref="StartAsync(ProcessStartInfo, TimeSpan?, CancellationToken)"/> started).</summary>
    public int ProcessId => _process.Id;

    public string ConnectionString =>
        string.Create(CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};"
            + $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};"
            + $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};"
            + $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};");

    /// <summary>Finds the repository's Azurite by walking up from <paramref name="startDirectory"/>.</summary>
    public static string? FindExecutable(string startDirectory)
    {
        for (DirectoryInfo? dir = new(startDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "node_modules", ".bin", "azurite");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Starts Azurite and waits until all three services listen.</summary>
    public static async Task<AzuriteProcess> StartAsync(string? executable = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        executable ??= FindExecutable(AppContext.BaseDirectory) ?? FindExecutable(Directory.GetCurrentDirectory())
            ?? throw new FileNotFoundException(
                "Azurite is not installed. Run `npm ci` in the repository root (the README's commands do this for you).");

        // node_modules/.bin/azurite is a link to Azurite's Node.js entry point; run that under the parent watch.
        string script = new FileInfo(executable).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? executable;
        ProcessStartInfo start = new("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])
        [
            "-e", ParentWatch, script, .. RequiredFlags,
            "--blobHost", "127.0.0.1", "--blobPort", "0",
            "--queueHost", "127.0.0.1", "--queuePort", "0",
            "--tableHost", "127.0.0.1", "--tablePort", "0",
        ])
        {
            start.ArgumentList.Add(argument);
        }

        return await StartAsync(start, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts Azurite as <paramref name="start"/> says (e.g. <c>npm run azurite -- --blobPort 0 ...</c>, to test the
    /// documented command) and waits until all three services listen. Output must be redirected.
    /// </summary>
    public static async Task<AzuriteProcess> StartAsync(ProcessStartInfo start, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(start);
        Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        Dictionary<string, int> ports = new(StringComparer.OrdinalIgnoreCase);
        TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
        List<string> output = [];
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(e.Data);
                Match match = ListeningLine().Match(e.Data);
                if (match.Success)
                {
                    ports[match.Groups["service"].Value] = int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture);
                    if (ports.Count == 3)
                    {
                        ready.TrySetResult();
                    }
                }
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            "Azurite exited during start-up: " + string.Join(Environment.NewLine, Snapshot(output))));

        // Generous because a loaded 2-core machine can take over a minute to start node; a clear message beats a bare timeout.
        TimeSpan startTimeout = timeout ?? TimeSpan.FromMinutes(3);
        try
        {
            await ready.Task.WaitAsync(startTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            Kill(process);
            process.Dispose();
            throw new TimeoutException(
                $"Azurite did not report its three listening ports within {startTimeout.TotalSeconds:0} s (the machine may be overloaded; "
                + "try again, or start Azurite yourself and pass --storage). Its output so far: " + string.Join(Environment.NewLine, Snapshot(output)),
                ex);
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }

        return new AzuriteProcess(process, ports["Blob"], ports["Queue"], ports["Table"]);
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone: nothing to stop.
        }
    }

    private static string[] Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return [.. lines];
        }
    }

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at http://127\.0\.0\.1:(?<port>\d+)")]
    private static partial Regex ListeningLine();
}
