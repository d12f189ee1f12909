using System.Text;
using static ServerlessCovid.Core.Evaluation.Report.ReportHtml;

namespace ServerlessCovid.Core.Evaluation.Report;

/// <summary>The misclassified-images section: thumbnails embedded as data URIs, so the page stays one file.</summary>
internal static class GalleryHtml
{
    public const string Css = """
        .gallery{display:flex;flex-wrap:wrap;gap:.6rem}.gallery figure{margin:0;width:170px;font-size:.8rem}
        .gallery img{max-width:100%;border:1px solid #ccc}
        """;

    public static void Append(StringBuilder html, IReadOnlyList<MisclassifiedImage> gallery, string positiveClass)
    {
        html.Append("<h2>Misclassified images at the operating point</h2>\n");
        if (gallery.Count == 0)
        {
            html.Append("<p>None: every image is on the right side of the threshold.</p>\n");
            return;
        }

        if (gallery.Any(image => image.HeatMap is not null))
        {
            html.Append("<p>Beside each image, the model's class activation map for ").Append(E(positiveClass))
                .Append(" minus the other class's, over the image it saw (256×256), scaled to that image's own range (colour bar: bottom low, top high). ")
                .Append("It shows where the model's evidence lies, not a diagnosis: it has 8×8 cells of 32×32 pixels, and it lights up ")
                .Append("shortcuts (markers, borders, devices, text) as readily as findings. The highest-scoring true positives come first.</p>\n");
        }

        foreach (IGrouping<string, MisclassifiedImage> kind in gallery.GroupBy(image => image.Kind))
        {
            html.Append("<h3>").Append(E(kind.Key)).Append("</h3><div class=\"gallery\">");
            foreach (MisclassifiedImage image in kind)
            {
                html.Append("<figure>");
                Img(html, "thumbnail of " + image.Path, image.Thumbnail);
                if (image.HeatMap is ReadOnlyMemory<byte> heatMap)
                {
                    Img(html, "heat map of " + image.Path, heatMap);
                }

                html.Append("<figcaption>").Append(E(Path.GetFileName(image.Path))).Append("<br>true ").Append(E(image.TrueClass))
                    .Append(", P(").Append(E(positiveClass)).Append(") = ").Append(F(image.Score)).Append("</figcaption></figure>");
            }

            html.Append("</div>\n");
        }
    }

    private static void Img(StringBuilder html, string alt, ReadOnlyMemory<byte> png) =>
        html.Append("<img alt=\"").Append(E(alt)).Append("\" src=\"data:image/png;base64,").Append(Convert.ToBase64String(png.Span)).Append("\">");
}
