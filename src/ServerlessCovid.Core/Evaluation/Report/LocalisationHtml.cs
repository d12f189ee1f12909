using System.Text;
using ServerlessCovid.Core.Evaluation.Localisation;
using static ServerlessCovid.Core.Evaluation.Report.ReportHtml;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>The report's localisation section: CAM against the generator's lesion masks, with what it cannot show.</summary>
internal static class LocalisationHtml
{
    public static void Append(StringBuilder html, LocalisationMetrics? localisation)
    {
        if (localisation is null)
        {
            return;
        }

        LocalisationMetrics l = localisation;
        html.Append("<h2>Where the evidence is, against ground-truth lesions</h2>\n")
            .Append("<p>The class activation map (CAM) of the positive class, minus the other class's (the part of the map ")
            .Append("the decision depends on), shows where the model's evidence lies, on a ")
            .Append(E(l.MapGrid)).Append(" grid upsampled to each image: coarse, and not a diagnosis. It shows shortcuts ")
            .Append("(markers, borders, devices) as readily as findings, which is why it is measured here against masks of ")
            .Append("where the synthetic opacities really are. Synthetic images: this says nothing about real radiographs.</p>\n");
        html.Append("<div class=\"headline\">");
        Tile(html, "Pointing game", P(l.PointingGame));
        Tile(html, "Chance level (lesion share of lungs)", l.ChanceLevel is double c ? F(c) : "n/a");
        Tile(html, "Energy inside lesions", l.EnergyInsideLesions is double e ? F(e) : "n/a");
        Tile(html, "Energy of a uniform map", l.EnergyChanceLevel is double u ? F(u) : "n/a");
        html.Append("</div>\n<p>Over ").Append(I(l.Evaluated)).Append(" of ").Append(I(l.TruePositives))
            .Append(" true positives (at the operating threshold); left out: ").Append(I(l.WithoutMasks)).Append(" without masks, ")
            .Append(I(l.WithEmptyLesion)).Append(" with an empty lesion mask, ").Append(I(l.WithoutMap))
            .Append(" without a map (a model without the <code>cam</code> output). A hit is the map's maximum inside a lesion; ")
            .Append("the energy is the share of the map's positive mass inside the lesions (over ").Append(I(l.EnergySamples))
            .Append(" images with positive mass). A pointing game far above its chance level says the evidence sits on the ")
            .Append("findings; near chance, it may sit on a shortcut.</p>\n");
        if (l.LungSidePointingGame is { } side)
        {
            html.Append("<p>Lung-side pointing game: over the ").Append(I(side.Trials))
                .Append(" true positives whose lesions lie in one lung, the map's maximum falls on that lung's side of the ")
                .Append("midline in ").Append(P(side)).Append(" (chance level, the findings' lung as a share of both: ")
                .Append(l.LungSideChanceLevel is double sc ? F(sc) : "n/a")
                .Append("). The ").Append(E(l.MapGrid)).Append(" map can answer which lung more reliably than which cell: with findings in both lungs, ")
                .Append("a single maximum between them counts as a miss in the pointing game above.</p>\n");
        }

        if (l.PointingGameRelativeToNormals is { } relative)
        {
            html.Append("<p>Diagnostic, not the pointing game: with the mean map of ").Append(I(l.NormalsInBaseline))
                .Append(" true negatives subtracted cell by cell first, the same hits score ").Append(P(relative))
                .Append(". Far above the pointing game, it says the misses come from a position the model favours on every ")
                .Append("film rather than from evidence off the lesions.</p>\n");
        }
    }
}
