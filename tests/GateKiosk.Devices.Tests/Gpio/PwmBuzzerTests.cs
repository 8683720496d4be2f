using System.Device.Pwm;
using GateKiosk.Devices.Gpio;

namespace GateKiosk.Devices.Tests.Gpio;

public sealed class PwmBuzzerTests
{
    [Fact]
    public void Tone_OnThenOff_SquareWaveAtPitchThenStopped()
    {
        var channel = new FakePwmChannel();
        using var buzzer = new PwmBuzzer(channel);

        buzzer.Tone(2700);
        Assert.Equal((2700, 0.5, true), (channel.Frequency, channel.DutyCycle, channel.Running));
        buzzer.Tone(0);

        Assert.False(channel.Running);
        Assert.Equal(0, channel.DutyCycle);
    }

    private sealed class FakePwmChannel : PwmChannel
    {
        public bool Running { get; private set; }

        public override int Frequency { get; set; }

        public override double DutyCycle { get; set; }

        public override void Start() => Running = true;

        public override void Stop() => Running = false;
    }
}
