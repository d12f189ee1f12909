using ServerlessCovid.Core.Evaluation.Audit;
using ServerlessCovid.Core.Imaging;
using ServerlessCovid.Core.Inference;
using ServerlessCovid.Core.Models;

namespace ServerlessCovid.Core.Evaluation;

/// <summary>An image the classifier refused, listed in the report rather than silently dropped.</summary>
public sealed record RejectedImage(string Path, string Code, string Reason);

/// <summary>A scored labelled folder: the scores, one audit item per scored image, and the refused images.</summary>
public sealed record LabelledFolderScores(ScoredSet Scores, IReadOnlyList<AuditItem> AuditItems, IReadOnlyList<RejectedImage> Rejected)
{
    /// <summary>The file of each scored image, in <see cref="Scores"/>' order (refused images are not in it).</summary>
    public IReadOnlyList<string> ScoredPaths { get; init; } = [];

    /// <summary>Each scored image's positive-class activation map, in <see cref="Scores"/>' order (null without a cam output).</summary>
    public IReadOnlyList<ActivationMap?> ActivationMaps { get; init; } = [];
}

/// <summary>
/// Scores a folder laid out as Keras' <c>flow_from_directory</c> expects (<c>covid/</c>, <c>normal/</c>: one
/// sub-folder per class of the active model) with an <see cref="IXrayClassifier"/>, in batches.
/// </summary>
public static class LabelledFolderScorer
{
    public const string DefaultSplit = "evaluation";

    public static Task<LabelledFolderScores> ScoreAsync(
        IXrayClassifier classifier, string dataDirectory, int batchSize = 32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        ModelManifest model = classifier.CurrentModel ?? throw new ModelUnavailableException("Activate a model before scoring a folder.");
        List<(string Path, string Label)> files = ListLabelledFiles(dataDirectory, model.ClassNames);
        return ScoreFilesAsync(classifier, files, DefaultSplit, dataDirectory, batchSize, cancellationToken);
    }

    /// <summary>
    /// Scores labelled files in batches; audit items carry <paramref name="split"/> and paths relative to
    /// <paramref name="relativeTo"/> (file names when null). Refused images are listed, never dropped silently.
    /// </summary>
    public static async Task<LabelledFolderScores> ScoreFilesAsync(
        IXrayClassifier classifier,
        IReadOnlyList<(string Path, string Label)> files,
        string split,
        string? relativeTo = null,
        int batchSize = 32,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ModelManifest model = classifier.CurrentModel ?? throw new ModelUnavailableException("Activate a model before scoring images.");

        List<string> labels = [];
        List<IReadOnlyList<double>> probabilities = [];
        List<AuditItem> items = [];
        List<RejectedImage> rejected = [];
        List<string> scoredPaths = [];
        List<ActivationMap?> maps = [];
        foreach ((string Path, string Label)[] chunk in files.Chunk(batchSize))
        {
            List<byte[]> bytes = [];
            foreach ((string path, _) in chunk)
            {
                bytes.Add(await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false));
            }

            IReadOnlyList<BatchItemResult> results = await classifier
                .ScoreBatchAsync([.. bytes.Select(b => (ReadOnlyMemory<byte>)b)], cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < chunk.Length; i++)
            {
                string name = relativeTo is null
                    ? Path.GetFileName(chunk[i].Path)
                    : Path.GetRelativePath(relativeTo, chunk[i].Path).Replace('\\', '/');
                if (results[i].Prediction is not TriagePrediction prediction)
                {
                    rejected.Add(new RejectedImage(name, results[i].ErrorCode ?? ImageErrorCodes.Corrupt, results[i].ErrorReason ?? "rejected"));
                    continue;
                }

                labels.Add(chunk[i].Label);
                scoredPaths.Add(chunk[i].Path);
                maps.Add(prediction.ActivationMap);
                probabilities.Add([.. model.ClassNames.Select(c => prediction.Probabilities[c])]);
                ImageFingerprint fingerprint = ImageFingerprint.Compute(bytes[i]);
                items.Add(new AuditItem(name, chunk[i].Label, split, null, null, fingerprint));
            }
        }

        if (labels.Count == 0)
        {
            throw new EvaluationInputException(
                $"None of the {files.Count} images{(relativeTo is null ? string.Empty : $" in '{relativeTo}'")} could be scored "
                + $"({rejected.Count} rejected): nothing to evaluate.");
        }

        return new LabelledFolderScores(ScoredSet.FromLabelNames(model.ClassNames, labels, probabilities), items, rejected)
        {
            ScoredPaths = scoredPaths,
            ActivationMaps = maps,
        };
    }

    /// <summary>Files under one folder per class, sorted for a reproducible order; other folders are an error.</summary>
    public static List<(string Path, string Label)> ListLabelledFiles(string dataDirectory, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (!Directory.Exists(dataDirectory))
        {
            throw new EvaluationInputException($"Data folder '{dataDirectory}' does not exist.");
        }

        List<(string Path, string Label)> files = [];
        foreach (string folder in Directory.GetDirectories(dataDirectory).Order(StringComparer.Ordinal))
        {
            string label = Path.GetFileName(folder);
            if (label.StartsWith('.'))
            {
                continue;
            }

            if (!classNames.Contains(label, StringComparer.Ordinal))
            {
                throw new EvaluationInputException(
                    $"Folder '{label}' in '{dataDirectory}' is not one of the model's classes ({string.Join(", ", classNames)}); "
                    + "move it out or rename it.");
            }

            files.AddRange(Directory.GetFiles(folder, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetFileName(f).StartsWith('.'))
                .Order(StringComparer.Ordinal)
                .Select(f => (f, label)));
        }

        if (files.Count == 0)
        {
            throw new EvaluationInputException(
                $"'{dataDirectory}' holds no images: expected one sub-folder per class ({string.Join(", ", classNames)}).");
        }

        return files;
    }
}
