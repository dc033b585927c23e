namespace Orleans.SpecRag.Gateway.Apis;

/// <summary>
/// Retries a grain call that the cluster rejected because its silo was stopping or gone. Safe for the calls
/// it wraps: a query is keyed by its id and returns its stored result when it already ran.
/// </summary>
public static class TransientRetry
{
    public static async Task<T> RunAsync<T>(Func<Task<T>> call, int attempts = 3)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (attempt < attempts && ex.GetBaseException() is SiloUnavailableException or OrleansMessageRejectionException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }
}
