//! Kubernetes types with hand-written Go (un)marshallers: Time, MicroTime, Duration, Quantity,
//! IntOrString, RawExtension and FieldsV1, converted to the JSON their Go types write.

use serde_json::Value;

use crate::DecodeError;
use crate::wire::{WireReader, WireValue};

fn malformed(message: &str, reason: impl Into<String>) -> DecodeError {
    DecodeError::Malformed {
        message: message.to_owned(),
        reason: reason.into(),
    }
}

/// Reads the varint and length-delimited fields of a small message by number (last wins).
struct SmallMessage<'a> {
    varints: [Option<u64>; 4],
    payloads: [Option<&'a [u8]>; 4],
}

fn read_small<'a>(name: &str, bytes: &'a [u8]) -> Result<SmallMessage<'a>, DecodeError> {
    let mut out = SmallMessage {
        varints: [None; 4],
        payloads: [None; 4],
    };
    let mut reader = WireReader::new(bytes);
    while let Some((number, value)) = reader.next_field().map_err(|r| malformed(name, r))? {
        let Some(index) = usize::try_from(number).ok().filter(|n| *n < 4) else {
            continue;
        };
        match value {
            WireValue::Varint(v) => out.varints[index] = Some(v),
            WireValue::LengthDelimited(payload) => out.payloads[index] = Some(payload),
            WireValue::Fixed64(_) | WireValue::Fixed32(_) => {
                return Err(malformed(
                    name,
                    format!("field {number} has unexpected wire type"),
                ));
            }
        }
    }
    Ok(out)
}

/// `metav1.Time` / `metav1.MicroTime` `{1: seconds, 2: nanos}`. An empty payload is Go's zero
/// time, written as `null`; Time drops the nanoseconds, MicroTime keeps microseconds.
pub(crate) fn time(bytes: &[u8], micro: bool) -> Result<Value, DecodeError> {
    let name = if micro {
        "meta.v1.MicroTime"
    } else {
        "meta.v1.Time"
    };
    if bytes.is_empty() {
        return Ok(Value::Null);
    }
    let fields = read_small(name, bytes)?;
    let seconds = fields.varints[1].unwrap_or(0) as i64;
    let nanos = fields.varints[2].unwrap_or(0) as i64 as i32;
    // Go's time.Unix normalises nanoseconds outside [0, 1e9) into the seconds.
    let total_nanos = i128::from(seconds) * 1_000_000_000 + i128::from(nanos);
    let seconds = total_nanos.div_euclid(1_000_000_000);
    let nanos = total_nanos.rem_euclid(1_000_000_000) as u32;
    // Go refuses to write JSON for years outside 0000..=9999.
    const MIN_SECONDS: i128 = -62_167_219_200; // 0000-01-01T00:00:00Z
    const MAX_SECONDS: i128 = 253_402_300_799; // 9999-12-31T23:59:59Z
    if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
        return Err(malformed(
            name,
            format!("time {seconds}s is outside years 0 to 9999"),
        ));
    }
    let seconds = seconds as i64;
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let clock = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    );
    Ok(Value::String(if micro {
        format!("{clock}.{:06}Z", nanos / 1000)
    } else {
        format!("{clock}Z")
    }))
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `metav1.Duration` `{1: nanoseconds}` as Go's `time.Duration.String()`.
pub(crate) fn duration(bytes: &[u8]) -> Result<Value, DecodeError> {
    let fields = read_small("meta.v1.Duration", bytes)?;
    let nanos = fields.varints[1].unwrap_or(0) as i64;
    Ok(Value::String(go_duration(nanos)))
}

fn go_duration(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let magnitude = nanos.unsigned_abs();
    if magnitude == 0 {
        return "0s".to_owned();
    }
    if magnitude < 1_000 {
        return format!("{sign}{magnitude}ns");
    }
    if magnitude < 1_000_000 {
        return format!("{sign}{}µs", decimal(magnitude, 3));
    }
    if magnitude < 1_000_000_000 {
        return format!("{sign}{}ms", decimal(magnitude, 6));
    }
    let whole_seconds = magnitude / 1_000_000_000;
    let seconds = decimal(
        whole_seconds % 60 * 1_000_000_000 + magnitude % 1_000_000_000,
        9,
    );
    let minutes = whole_seconds / 60;
    if minutes == 0 {
        return format!("{sign}{seconds}s");
    }
    let hours = minutes / 60;
    if hours == 0 {
        return format!("{sign}{}m{seconds}s", minutes % 60);
    }
    format!("{sign}{hours}h{}m{seconds}s", minutes % 60)
}

/// `value / 10^digits` with the fraction's trailing zeros removed.
fn decimal(value: u64, digits: u32) -> String {
    let scale = 10u64.pow(digits);
    let fraction = value % scale;
    if fraction == 0 {
        return (value / scale).to_string();
    }
    let fraction = format!("{fraction:0width$}", width = digits as usize);
    format!("{}.{}", value / scale, fraction.trim_end_matches('0'))
}

/// `resource.Quantity` `{1: string}`; Go writes the zero quantity as `"0"`.
pub(crate) fn quantity(bytes: &[u8]) -> Result<Value, DecodeError> {
    let fields = read_small("api.resource.Quantity", bytes)?;
    let text = String::from_utf8_lossy(fields.payloads[1].unwrap_or_default()).into_owned();
    Ok(Value::String(if text.is_empty() {
        "0".to_owned()
    } else {
        text
    }))
}

/// `intstr.IntOrString` `{1: type, 2: intVal, 3: strVal}`: type 1 is a string, else a number.
pub(crate) fn int_or_string(bytes: &[u8]) -> Result<Value, DecodeError> {
    let fields = read_small("util.intstr.IntOrString", bytes)?;
    if fields.varints[1] == Some(1) {
        let text = fields.payloads[3].unwrap_or_default();
        return Ok(Value::String(String::from_utf8_lossy(text).into_owned()));
    }
    Ok(Value::from(fields.varints[2].unwrap_or(0) as i64 as i32))
}

/// `runtime.RawExtension` / `metav1.FieldsV1` `{1: raw}`: the raw bytes are JSON (empty is
/// `null`). A RawExtension may also carry a nested protobuf envelope.
pub(crate) fn raw_json(
    bytes: &[u8],
    allow_envelope: bool,
    depth: usize,
) -> Result<Value, DecodeError> {
    let name = if allow_envelope {
        "runtime.RawExtension"
    } else {
        "meta.v1.FieldsV1"
    };
    let fields = read_small(name, bytes)?;
    let raw = fields.payloads[1].unwrap_or_default();
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    if allow_envelope && raw.starts_with(crate::MAGIC) {
        return crate::decode_envelope(raw, depth + 1);
    }
    serde_json::from_slice(raw)
        .map_err(|error| malformed(name, format!("raw bytes are not JSON: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_go_durations() {
        for (nanos, expected) in [
            (0, "0s"),
            (999, "999ns"),
            (1_500, "1.5µs"),
            (2_000_000, "2ms"),
            (1_500_000_000, "1.5s"),
            (61_000_000_000, "1m1s"),
            (3_600_000_000_000, "1h0m0s"),
            (-90_000_000_000, "-1m30s"),
        ] {
            assert_eq!(go_duration(nanos), expected, "{nanos}");
        }
    }

    #[test]
    fn converts_days_to_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-719_528), (0, 1, 1));
    }
}
