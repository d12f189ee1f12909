namespace ServerlessCovid.Core.Models;

public static class Disclaimers
{
    public const string ResearchOnly =
        "Research tool, not a diagnostic device. Not for clinical use. Results on synthetic data show that the "
        + "pipeline works; they say nothing about clinical accuracy.";
}
