using LLama.Native;

namespace Orleans.SpecRag.Models.Llama;

/// <summary>
/// Routes llama.cpp's process-wide log to the most recently created runtime's logger. Only errors are
/// forwarded: llama.cpp emits hundreds of info/debug lines per model load and context creation, and its
/// warnings are mostly advisory for tiny or test models. The hook must be installed before the native
/// library loads (NativeLibraryConfig is frozen afterwards); if the host loaded it first, the host's own
/// logging configuration is left untouched.
/// </summary>
internal static class NativeLog
{
    private static int _installed;
    private static ILogger? _sink;

    public static void Attach(ILogger logger)
    {
        Volatile.Write(ref _sink, logger);
        if (Interlocked.Exchange(ref _installed, 1) != 0 || NativeLibraryConfig.LLama.LibraryHasLoaded)
        {
            return;
        }

        try
        {
            NativeLibraryConfig.All.WithLogCallback(Forward);
        }
        catch (InvalidOperationException)
        {
            // Another component loaded the native library between the check and the call; keep its setup.
        }
    }

    public static void Detach(ILogger logger) => Interlocked.CompareExchange(ref _sink, null, logger);

    private static void Forward(LLamaLogLevel level, string message)
    {
        if (level == LLamaLogLevel.Error && Volatile.Read(ref _sink) is { } logger)
        {
            logger.LogError("llama.cpp: {Message}", message.TrimEnd());
        }
    }
}
