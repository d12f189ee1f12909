namespace ServerlessCovid.Core.Models;

/// <summary>
/// One row of the training history (the paper's Fig. 4): loss, accuracy and MSE (softmax probabilities vs one-hot
/// labels, as Keras' <c>mse</c> metric) on the training and validation data after an epoch, and the validation ROC AUC
/// of the positive class (null in histories written before it was recorded, or when validation holds one class).
/// </summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double TrainMse,
    double ValidationLoss,
    double ValidationAccuracy,
    double ValidationMse,
    double Seconds,
    double? ValidationAuc = null);
