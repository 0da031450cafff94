namespace Stork.Integration.Tests.Attacks;

public static class AttackAssert
{
    /// <summary>
    /// Runs the victim's operation and asserts the typed error, that the guest did not change, and that the
    /// trusted metadata did not change, except the files named in <paramref name="mayChange"/>: roles above the
    /// attacked one that verified (a newer timestamp, a rotated root) are rightly kept.
    /// </summary>
    public static async Task<TException> Refused<TException>(AttackLab lab, Func<Task> victim, params string[] mayChange)
        where TException : Exception
    {
        var trustedBefore = lab.TrustedMetadata();
        var guestBefore = lab.GuestTree();
        var error = await Assert.ThrowsAsync<TException>(victim);
        Assert.Equal(guestBefore, lab.GuestTree());
        var trustedAfter = lab.TrustedMetadata();
        trustedBefore = trustedBefore.Where(p => !mayChange.Contains(p.Key)).ToDictionary();
        trustedAfter = trustedAfter.Where(p => !mayChange.Contains(p.Key)).ToDictionary();
        Assert.Equal(trustedBefore, trustedAfter);
        return error;
    }
}
