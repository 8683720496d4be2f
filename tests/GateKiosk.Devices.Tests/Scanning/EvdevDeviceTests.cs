using GateKiosk.Devices.Scanning.Evdev;

namespace GateKiosk.Devices.Tests.Scanning;

public sealed class EvdevDeviceTests
{
    [Fact]
    public void Open_NotAnInputDevice_OpensButReportsFailedGrab()
    {
        var file = Path.GetTempFileName();
        try
        {
            var (stream, errno) = EvdevDevice.Open(file, grab: true);
            stream.Dispose();

            Assert.Equal(25, errno); // ENOTTY: a regular file has no EVIOCGRAB
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Open_MissingDevice_ThrowsIOExceptionForTheReconnectLoop()
    {
        Assert.ThrowsAny<IOException>(() => EvdevDevice.Open("/dev/input/by-id/usb-absent-scanner-event-kbd", grab: true));
    }
}
