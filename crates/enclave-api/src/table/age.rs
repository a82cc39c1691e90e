//! Ages and durations as kube-apiserver's printers show them: Go's `duration.HumanDuration`
//! applied to `now - timestamp`, `<unknown>` for a missing timestamp.

use jiff::Timestamp;
use serde_json::Value;

const SECOND: i128 = 1_000_000_000;
const MINUTE: i128 = 60 * SECOND;
const HOUR: i128 = 60 * MINUTE;

/// Parses an RFC 3339 `metav1.Time` or `metav1.MicroTime`; missing, null, empty or malformed
/// values are Go's zero time, which the printers show as `<unknown>`.
pub(crate) fn parse_time(value: Option<&Value>) -> Option<Timestamp> {
    value.and_then(Value::as_str)?.parse::<Timestamp>().ok()
}

/// `translateTimestampSince`: the human age of a timestamp at `now`.
pub(crate) fn since(timestamp: Option<Timestamp>, now: Timestamp) -> String {
    match timestamp {
        Some(t) => human_duration(now.as_nanosecond() - t.as_nanosecond()),
        None => "<unknown>".to_string(),
    }
}

/// Go's `duration.HumanDuration` of a duration in nanoseconds: about two significant figures.
pub fn human_duration(nanos: i128) -> String {
    // Go's time.Duration saturates at about 292 years.
    let nanos = nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
    let seconds = nanos / SECOND;
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    if seconds < 0 {
        return "0s".to_string();
    }
    if seconds < 60 * 2 {
        return format!("{seconds}s");
    }
    let minutes = nanos / MINUTE;
    if minutes < 10 {
        let s = seconds % 60;
        if s == 0 {
            return format!("{minutes}m");
        }
        return format!("{minutes}m{s}s");
    }
    if minutes < 60 * 3 {
        return format!("{minutes}m");
    }
    let hours = nanos / HOUR;
    if hours < 8 {
        let m = minutes % 60;
        if m == 0 {
            return format!("{hours}h");
        }
        return format!("{hours}h{m}m");
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 24 * 8 {
        let h = hours % 24;
        if h == 0 {
            return format!("{}d", hours / 24);
        }
        return format!("{}d{h}h", hours / 24);
    }
    if hours < 24 * 365 * 2 {
        return format!("{}d", hours / 24);
    }
    if hours < 24 * 365 * 8 {
        let days = (hours / 24) % 365;
        if days == 0 {
            return format!("{}y", hours / 24 / 365);
        }
        return format!("{}y{days}d", hours / 24 / 365);
    }
    format!("{}y", hours / 24 / 365)
}

/// RFC 3339 in UTC to the second, as Go's `Time.UTC().Format(time.RFC3339)`; Go's zero time for
/// a missing timestamp.
pub(crate) fn rfc3339(timestamp: Option<Timestamp>) -> String {
    match timestamp {
        Some(t) => t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        None => "0001-01-01T00:00:00Z".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: i128) -> String {
        human_duration(s * SECOND)
    }

    #[test]
    fn thresholds_follow_go_human_duration() {
        let cases = [
            (-5, "<invalid>"),
            (-1, "0s"),
            (0, "0s"),
            (45, "45s"),
            (119, "119s"),
            (120, "2m"),
            (150, "2m30s"),
            (599, "9m59s"),
            (600, "10m"),
            (179 * 60 + 59, "179m"),
            (3 * 3600, "3h"),
            (6 * 3600 + 56 * 60, "6h56m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (3 * 86400 + 5 * 3600, "3d5h"),
            (8 * 86400, "8d"),
            (107 * 86400, "107d"),
            (729 * 86400, "729d"),
            (730 * 86400, "2y"),
            (731 * 86400, "2y1d"),
            (8 * 365 * 86400, "8y"),
        ];
        for (input, expected) in cases {
            assert_eq!(secs(input), expected, "{input}s");
        }
        // Sub-second negative skew truncates toward zero, as Go's int(d.Seconds()).
        assert_eq!(human_duration(-1_500_000_000), "0s");
        assert_eq!(human_duration(-2_000_000_000), "<invalid>");
    }

    #[test]
    fn timestamps_parse_and_format() {
        let t = parse_time(Some(&Value::from("2023-03-01T10:00:00Z")));
        assert_eq!(rfc3339(t), "2023-03-01T10:00:00Z");
        assert!(parse_time(Some(&Value::from("yesterday"))).is_none());
        assert_eq!(rfc3339(None), "0001-01-01T00:00:00Z");
        let now: Timestamp = "2023-03-01T10:00:45.999Z".parse().unwrap_or_default();
        assert_eq!(since(t, now), "45s");
        assert_eq!(since(None, now), "<unknown>");
    }
}
