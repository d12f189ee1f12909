namespace ServerlessCovid.Core.Evaluation.Figures;

/// <summary>A rendered PNG with the paper's figure number and a caption for the HTML report.</summary>
public sealed record ReportFigure(string FileName, string Title, string Caption, ReadOnlyMemory<byte> Png);
