using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace GateKiosk.Devices.Scanning.Camera;

/// <summary>
/// Iot.Device.Media sizes its V4L2 request structures with <see cref="Marshal.SizeOf(Type)"/> the first time it talks
/// to a camera (plain <c>int</c> and <c>uint</c> among them). In the native (ahead-of-time) kiosk, marshalling data exists
/// only for types the compiler sees sized, and the library's structures are internal to it, so they are named here by
/// their metadata names: each call below makes the compiler generate the data, and at run time checks that it is there.
/// Without this, the native kiosk's V4L2 camera fails with "missing structure marshalling data".
/// </summary>
internal static class V4l2Marshalling
{
    private const string Library = ", Iot.Device.Bindings";

    /// <summary>
    /// Sizes every structure the library's V4L2 requests use; throws (with the structure's name) when one of them
    /// cannot be marshalled, which is then the camera's error instead of a type initializer's.
    /// </summary>
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Each type is a constant name the native compiler resolves and generates marshalling data for.")]
    public static void Ensure()
    {
#pragma warning disable CA2263 // The library calls the Type overload; this is the call whose data must exist.
        _ = Marshal.SizeOf(typeof(int));
        _ = Marshal.SizeOf(typeof(uint));
#pragma warning restore CA2263
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_capability" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_fmtdesc" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_format" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_requestbuffers" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_buffer" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_control" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_queryctrl" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_cropcap" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_crop" + Library, throwOnError: true)!);
        _ = Marshal.SizeOf(Type.GetType("InteropVideodev2+v4l2_frmsizeenum" + Library, throwOnError: true)!);
    }
}
