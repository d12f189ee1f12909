using System.Globalization;
using System.Runtime.InteropServices;

namespace ServerlessCovid.Cli.Infrastructure;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for a real <c>covid</c> process: the first signal cancels the verb's
/// <see cref="CancellationToken"/> (training stops at the next batch, the last finished epoch stays checkpointed) and
/// says so on stderr; the process then exits with 130 (SIGINT) or 143 (SIGTERM). If the verb has not returned within
/// <see cref="GracePeriod"/> (an activity deep in the in-process Durable host, a native call), or on a second signal,
/// the process ends at once with the same code. Child processes cannot outlive it: the embedded Azurite exits when
/// its standard-input pipe from this process closes (<see cref="Core.Storage.Emulator.AzuriteProcess"/>).
/// The hard exit is libc <c>_exit</c>, not <see cref="Environment.Exit(int)"/>: hosts inside the process (the Durable
/// Task test host's ASP.NET Core sidecar) block process-exit handlers until their work finishes, which is the hang this
/// class exists to prevent.
/// </summary>
public sealed partial class CliTermination : IDisposable
{
    public const int SigIntExitCode = 130;
    public const int SigTermExitCode = 143;

    /// <summary>How long a cancelled verb gets to finish its current step and return.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _cancellation = new();
    private readonly TextWriter _error;
    private readonly PosixSignalRegistration[] _registrations;
    private int _signals;
    private int _exitCode;

    private CliTermination(TextWriter error)
    {
        _error = error;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Cancelled on the first SIGINT or SIGTERM.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>130 after SIGINT, 143 after SIGTERM, null while no signal has arrived.</summary>
    public int? ExitCode => Volatile.Read(ref _signals) > 0 ? Volatile.Read(ref _exitCode) : null;

    public static CliTermination Register(TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new CliTermination(error);
    }

    /// <summary>Ends the process now with <paramref name="exitCode"/>, skipping process-exit handlers.</summary>
    public static void ExitNow(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Exit(exitCode);
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }

        _cancellation.Dispose();
    }

    private void Handle(PosixSignalContext context)
    {
        // Keep the runtime from terminating on its own: we decide when and with which code.
        context.Cancel = true;
        int code = context.Signal == PosixSignal.SIGTERM ? SigTermExitCode : SigIntExitCode;
        if (Interlocked.Increment(ref _signals) > 1)
        {
            _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{context.Signal} again: exiting now ({Volatile.Read(ref _exitCode)})."));
            ExitNow(Volatile.Read(ref _exitCode));
            return;
        }

        Volatile.Write(ref _exitCode, code);
        _error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{context.Signal}: stopping (the current step finishes or is abandoned; finished epochs stay checkpointed). "
            + $"Exiting with {code} within {GracePeriod.TotalSeconds:0} s; signal again to exit at once."));
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The verb already finished.
        }

        _ = Task.Run(async () =>
        {
            await Task.Delay(GracePeriod).ConfigureAwait(false);
            _error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Still running {GracePeriod.TotalSeconds:0} s after {context.Signal}: exiting now ({code})."));
            ExitNow(code);
        });
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);
}
