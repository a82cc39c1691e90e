//! Access log lines in Apache's combined format
//! (`%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`), which the web shop and the
//! default server write to stdout for `kubectl logs`.

use crate::http::RequestHead;

/// One access log line for `request`, answered with `status` and a body of `bytes` bytes at
/// `time`.
pub(crate) fn combined_line(
    request: &RequestHead,
    status: u16,
    bytes: usize,
    time: jiff::Timestamp,
) -> String {
    let request_line = format!(
        "{} {} {}",
        request.method,
        request.target,
        request.proto().replace("HTTP/2.0", "HTTP/2")
    );
    let size = if bytes == 0 {
        "-".to_string()
    } else {
        bytes.to_string()
    };
    let quoted_header = |name: &str| {
        request
            .header(name)
            .map(|value| escape(&value))
            .unwrap_or_else(|| "-".into())
    };
    format!(
        "{client} - - [{time}] \"{request}\" {status} {size} \"{referer}\" \"{agent}\"",
        client = request.client.ip(),
        time = time.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        request = escape(&request_line),
        referer = quoted_header("referer"),
        agent = quoted_header("user-agent"),
    )
}

/// Apache's escaping of logged strings: quotes and backslashes get a backslash, other
/// non-printable bytes become `\xhh`.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '"' => escaped.push_str("\\\""),
            '\\' => escaped.push_str("\\\\"),
            c if c.is_control() => {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    escaped.push_str(&format!("\\x{byte:02x}"));
                }
            }
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue, Method, Version};

    fn request(headers: &[(&'static str, &'static str)]) -> RequestHead {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        RequestHead {
            method: Method::GET,
            target: "/product/view?id=3".into(),
            path: "/product/view".into(),
            query: Some("id=3".into()),
            version: Version::HTTP_11,
            headers: map,
            client: "10.244.0.18:50432".parse().expect("address"),
            container_port: 80,
        }
    }

    #[test]
    fn lines_follow_the_combined_format() {
        let time: jiff::Timestamp = "2023-03-14T09:26:53Z".parse().expect("time");
        let line = combined_line(
            &request(&[("user-agent", "curl/8.5.0"), ("referer", "http://shop/")]),
            200,
            5120,
            time,
        );
        assert_eq!(
            line,
            "10.244.0.18 - - [14/Mar/2023:09:26:53 +0000] \"GET /product/view?id=3 HTTP/1.1\" \
             200 5120 \"http://shop/\" \"curl/8.5.0\""
        );
        let bare = combined_line(&request(&[]), 404, 0, time);
        assert!(bare.ends_with("\" 404 - \"-\" \"-\""), "{bare}");
    }

    #[test]
    fn hostile_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\u{1b}d"), "a\\\"b\\\\c\\x1bd");
    }
}
