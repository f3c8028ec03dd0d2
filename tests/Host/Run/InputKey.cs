namespace Attribution.Tests.Host.Run;

/// <summary>The Kafka key a test's producer gives each input record.</summary>
public enum InputKey
{
    /// <summary>The record's user id (malformed records: "bad").</summary>
    UserId,

    /// <summary>A session id that is not the user id: sessions are shared across users and a user has several.</summary>
    SessionId,

    /// <summary>No key (a null key: kcat's -Z sends the empty key before the delimiter as NULL).</summary>
    Null,

    /// <summary>A zero-length key (without -Z, kcat sends the empty key before the delimiter as a non-null, empty key).</summary>
    Empty,
}
