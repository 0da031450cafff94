namespace Stork.Integration.Tests.Attacks;

public static class AttackAssert
{
    /// <summary>
    /// Runs the victim's operation and asserts the typed error, that the guest did not change, and that the
    /// trusted metadata did not change (except, where the attack sits below it, a timestamp that verified).
    /// </summary>
    public static async Task<TException> Refused<TException>(AttackLab lab, Func<Task> victim, bool timestampMayAdvance = false)
        where TException : Exception
    {
        var trustedBefore = lab.TrustedMetadata();
        var guestBefore = lab.GuestTree();
        var error = await Assert.ThrowsAsync<TException>(victim);
        Assert.Equal(guestBefore, lab.GuestTree());
        var trustedAfter = lab.TrustedMetadata();
        if (timestampMayAdvance)
        {
            trustedBefore = trustedBefore.Where(p => p.Key != "timestamp.json").ToDictionary();
            trustedAfter = trustedAfter.Where(p => p.Key != "timestamp.json").ToDictionary();
        }
        Assert.Equal(trustedBefore, trustedAfter);
        return error;
    }
}
