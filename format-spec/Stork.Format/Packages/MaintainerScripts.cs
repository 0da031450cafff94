namespace Stork.Format.Packages;

/// <summary>
/// Debian maintainer scripts carried in the manifest (PACKAGE-FORMAT.md §3.2): the full text of each script, run by
/// hosts only when their policy allows scripts for the signing role. Members appear in this order and are omitted
/// when absent.
/// </summary>
public sealed record MaintainerScripts
{
    public string? Preinst { get; init; }
    public string? Postinst { get; init; }
    public string? Prerm { get; init; }
    public string? Postrm { get; init; }
    /// <summary>The debconf config script: run by debconf itself when the postinst loads its confmodule.</summary>
    public string? Config { get; init; }
    /// <summary>The debconf templates (not a script): the questions and their defaults, loaded by debconf.</summary>
    public string? Templates { get; init; }

    public const int MaxScriptLength = 1024 * 1024;

    public static readonly string[] Names = ["preinst", "postinst", "prerm", "postrm", "config", "templates"];

    public string? Get(string name) => name switch
    {
        "preinst" => Preinst,
        "postinst" => Postinst,
        "prerm" => Prerm,
        "postrm" => Postrm,
        "config" => Config,
        "templates" => Templates,
        _ => throw new ArgumentException($"unknown maintainer script '{name}'", nameof(name)),
    };

    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsEmpty => Preinst is null && Postinst is null && Prerm is null && Postrm is null && Config is null && Templates is null;
}
