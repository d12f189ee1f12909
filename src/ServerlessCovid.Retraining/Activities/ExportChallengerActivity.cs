using ServerlessCovid.Core.Models;
using ServerlessCovid.Retraining.Datasets;
using ServerlessCovid.Retraining.Orchestration;
using ServerlessCovid.Retraining.Training;

namespace ServerlessCovid.Retraining.Activities;

/// <summary>Exports the last checkpoint to ONNX, proves parity with TorchSharp, and stores the candidate package.</summary>
public sealed class ExportChallengerActivity(
    IChallengerTrainer trainer,
    ILabelledImageSource source,
    RetrainingWorkspace workspace) : RetrainingActivity<ExportInput, ExportResult>
{
    public override async Task<ExportResult> ExecuteAsync(ExportInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        DatasetManifest manifest = await workspace.ReadManifestAsync(input.Dataset.ManifestBlob, cancellationToken).ConfigureAwait(false);
        MaterializedDataset dataset = await workspace.MaterializeAsync(manifest, source, cancellationToken).ConfigureAwait(false);
        string checkpoints = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "checkpoints"));
        await workspace.DownloadPrefixAsync(RetrainingWorkspace.CheckpointPrefix(input.RunId), checkpoints, cancellationToken).ConfigureAwait(false);
        if (trainer.LastCompletedEpoch(checkpoints) == 0)
        {
            throw new PermanentRetrainingException($"Run {input.RunId} has no training checkpoint to export.");
        }

        string output = RetrainingWorkspace.ResetDirectory(workspace.LocalRunDirectory(input.RunId, "candidate"));
        ModelPackage package = await trainer.ExportAsync(
            new ChallengerExportJob(dataset, checkpoints, input.Settings.Preset, input.RunId, input.Settings.Seed, output, input.Dataset.ManifestBlob),
            cancellationToken).ConfigureAwait(false);
        if (package.Manifest.Parity is not { Passed: true } parity)
        {
            throw new PermanentRetrainingException(
                $"Run {input.RunId}: the ONNX export does not match the TorchSharp model "
                + $"(max difference {package.Manifest.Parity?.MaxAbsoluteDifference}); the candidate is not published.");
        }

        package.SaveToDirectory(output);
        await workspace.UploadDirectoryAsync(output, RetrainingWorkspace.CandidatePrefix(input.RunId), cancellationToken).ConfigureAwait(false);
        return new ExportResult(package.Manifest.Version, package.Manifest.OnnxSha256, parity);
    }
}
