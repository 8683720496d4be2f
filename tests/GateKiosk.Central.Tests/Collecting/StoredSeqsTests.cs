using GateKiosk.Central.Collecting;

namespace GateKiosk.Central.Tests.Collecting;

/// <summary>The seqs a collector stored, used to skip the store's read only where the store's own check would accept.</summary>
public sealed class StoredSeqsTests
{
    [Fact]
    public void SurelyWithinAllowance_UnknownKiosk_No_AfterStored_UpToTheMinimumJumpOnly()
    {
        var seqs = new StoredSeqs();
        Assert.False(seqs.SurelyWithinAllowance("site-1", "kiosk-1", 1));

        seqs.Stored("site-1", "kiosk-1", 40);

        Assert.True(seqs.SurelyWithinAllowance("site-1", "kiosk-1", 41));
        Assert.True(seqs.SurelyWithinAllowance("site-1", "kiosk-1", 40 + MqttEventCollector.MinSeqJump));
        Assert.False(seqs.SurelyWithinAllowance("site-1", "kiosk-1", 40 + MqttEventCollector.MinSeqJump + 1));
        Assert.False(seqs.SurelyWithinAllowance("site-1", "kiosk-2", 2));
    }

    [Fact]
    public void Stored_AnOlderSeqLater_KeepsTheHighest()
    {
        var seqs = new StoredSeqs();
        seqs.Stored("site-1", "kiosk-1", 500);
        seqs.Stored("site-1", "kiosk-1", 7);

        Assert.True(seqs.SurelyWithinAllowance("site-1", "kiosk-1", 500 + MqttEventCollector.MinSeqJump));
    }

    [Fact]
    public void Stored_MoreKioskThanTheBound_StartsAgainEmpty()
    {
        var seqs = new StoredSeqs();
        for (var i = 0; i < StoredSeqs.MaxKiosks; i++)
        {
            seqs.Stored("site-1", $"k{i}", 1);
        }

        Assert.True(seqs.SurelyWithinAllowance("site-1", "k0", 2));
        seqs.Stored("site-1", "one-more", 1);

        Assert.False(seqs.SurelyWithinAllowance("site-1", "k0", 2));
        Assert.True(seqs.SurelyWithinAllowance("site-1", "one-more", 2));
    }
}
