namespace Orleans.SpecRag;

/// <summary>
/// The one list of faults that mean "the path to a grain failed, not the grain's work": the target silo or the
/// gateway is stopping, gone or unreachable, or the message was lost. A call that fails this way may be sent again
/// elsewhere (the gateway through another gateway, the draft dispatcher to another drafter silo); any other
/// exception is the callee's answer and is reported, not retried.
/// </summary>
public static class TransientFaults
{
    public static bool IsTransient(Exception exception) => exception.GetBaseException() is
        SiloUnavailableException
        or OrleansMessageRejectionException
        or Runtime.Messaging.ConnectionFailedException
        or Networking.Shared.SocketConnectionException
        or GatewayTooBusyException
        or TimeoutException;
}
