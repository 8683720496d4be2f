using System.Device.Gpio;
using System.Device.Pwm;

namespace GateKiosk.Devices.Gpio;

/// <summary>A buzzer: silent at 0, sounding otherwise (a passive buzzer at that pitch in Hz).</summary>
public interface IBuzzer : IDisposable
{
    void Tone(int frequencyHz);
}

/// <summary>An active buzzer on a plain output pin, opened silent.</summary>
public sealed class PinBuzzer : IBuzzer
{
    private readonly GpioController _controller;
    private readonly int _pin;
    private readonly PinValue _on;
    private readonly PinValue _off;

    public PinBuzzer(GpioController controller, int pin, bool activeLow)
    {
        ArgumentNullException.ThrowIfNull(controller);
        _controller = controller;
        _pin = pin;
        _on = activeLow ? PinValue.Low : PinValue.High;
        _off = activeLow ? PinValue.High : PinValue.Low;
        GpioOutputs.OpenAt(controller, pin, _off);
    }

    public void Tone(int frequencyHz) => _controller.Write(_pin, frequencyHz > 0 ? _on : _off);

    public void Dispose()
    {
        // Nothing to release: the controller (and the pin with it) belongs to whoever created it, and the door
        // signal silences the buzzer in its safe state before that controller goes.
    }
}

/// <summary>A passive buzzer on a hardware PWM channel: a 50 % square wave at the pattern's pitch.</summary>
public sealed class PwmBuzzer : IBuzzer
{
    private readonly PwmChannel _channel;
    private bool _running;

    public PwmBuzzer(PwmChannel channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        _channel = channel;
        _channel.DutyCycle = 0;
        _channel.Stop();
    }

    /// <summary>Opens the configured channel (<c>dtoverlay=pwm</c> must route it to the buzzer pin).</summary>
    public static PwmBuzzer Create(GpioOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new PwmBuzzer(PwmChannel.Create(options.PwmChip, options.PwmChannel, 2000, 0));
    }

    public void Tone(int frequencyHz)
    {
        if (frequencyHz <= 0)
        {
            _channel.DutyCycle = 0;
            if (_running)
            {
                _channel.Stop();
                _running = false;
            }

            return;
        }

        _channel.Frequency = frequencyHz;
        _channel.DutyCycle = 0.5;
        if (!_running)
        {
            _channel.Start();
            _running = true;
        }
    }

    public void Dispose()
    {
        Tone(0);
        _channel.Dispose();
    }
}

/// <summary>Opening outputs without a glitch.</summary>
public static class GpioOutputs
{
    /// <summary>Opens <paramref name="pin"/> as an output directly at <paramref name="level"/> (one driver request, no glitch).</summary>
    public static void OpenAt(GpioController controller, int pin, PinValue level)
    {
        if (controller.IsPinOpen(pin))
        {
            controller.Write(pin, level);
            controller.SetPinMode(pin, PinMode.Output);
        }
        else
        {
            controller.OpenPin(pin, PinMode.Output, level);
        }
    }
}
