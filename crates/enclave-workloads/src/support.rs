//! Small helpers every workload shares: waiting for the stop request, writing log lines the way
//! the real images do, and decoding query strings.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::LogSink;

/// Waits until the runtime asks the container to stop and returns the grace period. A runtime
/// that goes away without asking counts as a stop with no grace: nobody could stop us later.
pub(crate) async fn stop_requested(stop: &mut watch::Receiver<Option<Duration>>) -> Duration {
    loop {
        if let Some(grace) = *stop.borrow_and_update() {
            return grace;
        }
        if stop.changed().await.is_err() {
            return (*stop.borrow()).unwrap_or(Duration::ZERO);
        }
    }
}

/// A container's output, with the line formats the real images use.
#[derive(Clone)]
pub(crate) struct Output {
    sink: Arc<dyn LogSink>,
}

impl Output {
    pub(crate) fn new(sink: Arc<dyn LogSink>) -> Self {
        Self { sink }
    }

    /// A line on stdout.
    pub(crate) fn stdout(&self, line: &str) {
        self.write(false, line);
    }

    /// A line on stderr.
    pub(crate) fn stderr(&self, line: &str) {
        self.write(true, line);
    }

    /// A line as Go's `log.Printf` writes it: stderr, prefixed with `2006/01/02 15:04:05`.
    pub(crate) fn go_log(&self, line: &str) {
        let now = jiff::Timestamp::now().strftime("%Y/%m/%d %H:%M:%S");
        self.write(true, &format!("{now} {line}"));
    }

    /// Text that came from a request may hold newlines; like a real process writing it, it
    /// becomes several lines, since a sink takes one line at a time.
    fn write(&self, stderr: bool, text: &str) {
        for line in text.split('\n') {
            self.sink.line(stderr, line);
        }
    }
}

/// Decodes `application/x-www-form-urlencoded` text (a query string) into pairs, in order.
/// Invalid escapes and invalid UTF-8 are kept or replaced, never rejected, as Go's lenient
/// `FormValue` callers expect something back.
pub(crate) fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split(['&', ';'])
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_form_component(key), decode_form_component(value))
        })
        .collect()
}

/// The first value of `key` in a query string, or the empty string (Go's `FormValue`).
pub(crate) fn query_value(query: Option<&str>, key: &str) -> String {
    query
        .map(parse_query)
        .and_then(|pairs| pairs.into_iter().find(|(name, _)| name == key))
        .map(|(_, value)| value)
        .unwrap_or_default()
}

fn decode_form_component(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Escapes text for HTML element content and attribute values.
pub(crate) fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Parses a Go duration (`300ms`, `1.5s`, `2m30s`, `0`), as agnhost's `/exit` accepts them.
pub(crate) fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return None;
    }
    let mut total_nanos: f64 = 0.0;
    while !rest.is_empty() {
        let number_length = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if number_length == 0 {
            return None;
        }
        let number: f64 = rest[..number_length].parse().ok()?;
        rest = &rest[number_length..];
        let unit_length = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let nanos_per_unit = match &rest[..unit_length] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_length..];
        total_nanos += number * nanos_per_unit;
    }
    // Go durations stop at about 290 years; anything near that is nonsense for a wait.
    if !total_nanos.is_finite() || total_nanos > 9.2e18 {
        return None;
    }
    Some(Duration::from_nanos(total_nanos as u64))
}

/// Formats a duration the way Go's `time.Duration.String` does for the common cases.
pub(crate) fn format_go_duration(duration: Duration) -> String {
    if duration.is_zero() {
        return "0s".into();
    }
    let nanos = duration.as_nanos();
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", trim_float(nanos as f64 / 1e3));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", trim_float(nanos as f64 / 1e6));
    }
    let total_seconds = duration.as_secs_f64();
    let hours = (total_seconds / 3600.0).floor();
    let minutes = ((total_seconds - hours * 3600.0) / 60.0).floor();
    let seconds = total_seconds - hours * 3600.0 - minutes * 60.0;
    let mut text = String::new();
    if hours > 0.0 {
        text.push_str(&format!("{hours}h"));
    }
    if hours > 0.0 || minutes > 0.0 {
        text.push_str(&format!("{minutes}m"));
    }
    text.push_str(&format!("{}s", trim_float(seconds)));
    text
}

fn trim_float(value: f64) -> String {
    let text = format!("{value:.9}");
    let trimmed = text.trim_end_matches('0').trim_end_matches('.');
    trimmed.to_string()
}

/// The exit code a process gets from `os.Exit(code)`: the low eight bits.
pub(crate) fn wrap_exit_code(code: i64) -> i32 {
    code.rem_euclid(256) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_form_decoded() {
        let query = Some("msg=hello+world%21&code=&key=X-Forwarded-For&bad=%zz");
        assert_eq!(query_value(query, "msg"), "hello world!");
        assert_eq!(query_value(query, "code"), "");
        assert_eq!(query_value(query, "key"), "X-Forwarded-For");
        assert_eq!(query_value(query, "bad"), "%zz");
        assert_eq!(query_value(query, "missing"), "");
        assert_eq!(query_value(None, "msg"), "");
        assert_eq!(parse_query("a&b=1&&c=%E2%82%AC").len(), 3);
        assert_eq!(query_value(Some("c=%E2%82%AC"), "c"), "€");
        assert_eq!(query_value(Some("c=%FF"), "c"), "\u{FFFD}");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn go_durations_parse_like_go() {
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("300ms"), Some(Duration::from_millis(300)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("2m30s"), Some(Duration::from_secs(150)));
        assert_eq!(parse_go_duration("1h"), Some(Duration::from_secs(3600)));
        for bad in ["", "5", "s", "-1s", "1x", "1.2.3s", "99999999999h"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn go_durations_format_like_go() {
        assert_eq!(format_go_duration(Duration::ZERO), "0s");
        assert_eq!(format_go_duration(Duration::from_millis(300)), "300ms");
        assert_eq!(format_go_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(format_go_duration(Duration::from_secs(150)), "2m30s");
        assert_eq!(format_go_duration(Duration::from_secs(3600)), "1h0m0s");
    }

    #[test]
    fn exit_codes_wrap_like_os_exit() {
        assert_eq!(wrap_exit_code(3), 3);
        assert_eq!(wrap_exit_code(256), 0);
        assert_eq!(wrap_exit_code(257), 1);
        assert_eq!(wrap_exit_code(-1), 255);
    }
}
