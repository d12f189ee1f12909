using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using ServerlessCovid.Core.Models;
using ServerlessCovid.Training.Training;

namespace ServerlessCovid.Cli.Commands;

/// <summary>
/// <c>covid bench learn --warm-start</c>: what retraining from the champion buys. One stratified split holds the
/// validation images fixed for all three runs, so no run is ever scored on an image it trained on. The champion
/// trains on two thirds of the training images (the "old" labels); then a challenger trains on all of them (old + new,
/// a 50% increase) twice, from random weights and from the champion's, with the same recipe and epochs. The champion
/// may train longer than the challengers, as a served model that ran its preset's full schedule has.
/// </summary>
internal static class WarmStartComparison
{
    public static async Task RunAsync(TextWriter writer, TrainingRequest request, int championEpochs, string workDirectory, CancellationToken cancellationToken)
    {
        DatasetSplit split = DatasetSplitter.Stratified(request.Images, request.ValidationFraction, request.Seed);
        List<LabelledImage> old = [.. split.Training.GroupBy(i => i.Label).SelectMany(g => g.Take(g.Count() * 2 / 3))];
        DatasetSplit championSplit = split with { Training = old };
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Warm start: champion on {old.Count} training images for {championEpochs} epochs; challengers on {split.Training.Count} (+{split.Training.Count - old.Count} new); "
            + $"all scored on the same {split.Validation.Count} validation images, never trained on."));

        Trainer trainer = new(new XrayPreprocessorImageLoader(), NullLogger<Trainer>.Instance);
        string weights = Path.Combine(workDirectory, "champion-weights.bin");
        List<EpochMetrics> champion;
        using (TrainingOutcome outcome = await trainer.TrainAsync(
            request with { FixedSplit = championSplit, Epochs = championEpochs, WarmupEpochs = Math.Min(request.WarmupEpochs, championEpochs - 1) }, Path.Combine(workDirectory, "champion"), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            champion = [.. outcome.History];
            outcome.Model.save(weights);
        }

        List<EpochMetrics> scratch = await TrainAsync(trainer, request with { FixedSplit = split }, Path.Combine(workDirectory, "scratch"), cancellationToken).ConfigureAwait(false);
        List<EpochMetrics> warm = await TrainAsync(
            trainer,
            request with { FixedSplit = split, InitialWeights = InitialWeights.FromFile(weights, request.Architecture, "champion") },
            Path.Combine(workDirectory, "warm"),
            cancellationToken).ConfigureAwait(false);

        writer.WriteLine("epoch | champion (old) val acc  AUC | scratch (old+new) val acc  AUC | warm (old+new) val acc  AUC");
        for (int e = 0; e < Math.Max(championEpochs, request.Epochs); e++)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{e + 1,5} | {Cell(champion, e, 22)} | {Cell(scratch, e, 25)} | {Cell(warm, e, 22)}"));
        }

        CultureInfo c = CultureInfo.InvariantCulture;
        writer.WriteLine(string.Create(c,
            $"From scratch after {scratch.Count} epochs ({scratch.Sum(m => m.Seconds) / 60:F1} min): validation accuracy {scratch[^1].ValidationAccuracy:F3}, AUC {scratch[^1].ValidationAuc:F3}."));
        writer.WriteLine("Warm start reached it: " + CaughtUp(warm, "accuracy", m => m.ValidationAccuracy, scratch[^1].ValidationAccuracy)
            + "; " + CaughtUp(warm, "AUC", m => m.ValidationAuc ?? 0, scratch[^1].ValidationAuc ?? 1) + ".");
    }

    private static string Cell(List<EpochMetrics> run, int epoch, int width) =>
        epoch < run.Count
            ? string.Create(CultureInfo.InvariantCulture, $"{run[epoch].ValidationAccuracy.ToString("F3", CultureInfo.InvariantCulture).PadLeft(width)} {run[epoch].ValidationAuc,4:F3}")
            : new string(' ', width + 6);

    /// <summary>The first epoch (and the minutes to it) at which <paramref name="run"/> matched <paramref name="target"/>.</summary>
    private static string CaughtUp(List<EpochMetrics> run, string name, Func<EpochMetrics, double> metric, double target)
    {
        EpochMetrics? reached = run.FirstOrDefault(m => metric(m) >= target);
        return reached is null
            ? string.Create(CultureInfo.InvariantCulture, $"{name} never (best {run.Max(metric):F3})")
            : string.Create(CultureInfo.InvariantCulture, $"{name} at epoch {reached.Epoch} ({run.Take(reached.Epoch).Sum(m => m.Seconds) / 60:F1} min)");
    }

    private static async Task<List<EpochMetrics>> TrainAsync(Trainer trainer, TrainingRequest request, string directory, CancellationToken cancellationToken)
    {
        using TrainingOutcome outcome = await trainer.TrainAsync(request, directory, cancellationToken: cancellationToken).ConfigureAwait(false);
        return [.. outcome.History];
    }
}
