//! Wall-clock formatting as the Kubernetes API writes it (RFC 3339, seconds for object
//! timestamps, nanoseconds for log lines), and Go's duration spelling for kubelet's messages.

use std::time::Duration;

use jiff::Timestamp;

/// RFC 3339 with whole seconds, as `metav1.Time` serializes (`2024-01-02T03:04:05Z`).
pub(crate) fn rfc3339_seconds(at: Timestamp) -> String {
    Timestamp::from_second(at.as_second())
        .unwrap_or(at)
        .to_string()
}

/// RFC 3339 with nanoseconds, trailing zeros trimmed (Go's `RFC3339Nano`).
pub(crate) fn rfc3339_nanos(at: Timestamp) -> String {
    at.to_string()
}

/// Go's `time.Duration.String()` for whole seconds: `10s`, `1m20s`, `5m0s`, `1h0m0s`.
pub(crate) fn go_duration(duration: Duration) -> String {
    let total = duration.as_secs();
    let (hours, minutes, seconds) = (total / 3600, (total % 3600) / 60, total % 60);
    if hours > 0 {
        format!("{hours}h{minutes}m{seconds}s")
    } else if minutes > 0 {
        format!("{minutes}m{seconds}s")
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(go_duration(Duration::from_secs(10)), "10s");
        assert_eq!(go_duration(Duration::from_secs(80)), "1m20s");
        assert_eq!(go_duration(Duration::from_secs(300)), "5m0s");
        assert_eq!(go_duration(Duration::from_secs(3600)), "1h0m0s");
    }

    #[test]
    fn timestamps() {
        let at: Timestamp = "2024-01-02T03:04:05.120Z".parse().unwrap_or_default();
        assert_eq!(rfc3339_seconds(at), "2024-01-02T03:04:05Z");
        assert_eq!(rfc3339_nanos(at), "2024-01-02T03:04:05.12Z");
    }
}
