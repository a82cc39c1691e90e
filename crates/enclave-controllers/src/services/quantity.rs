//! Kubernetes resource quantities (`100m`, `1.5Gi`, `2e3`) as integer milli-units, which is
//! precise enough for scheduling arithmetic (kube's `MilliValue`).

/// The value of a quantity in thousandths, rounded up (as kube rounds requests), or `None`
/// for a malformed or out-of-range quantity.
pub(crate) fn parse_milli(quantity: &str) -> Option<i128> {
    let text = quantity.trim();
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_end);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = format!("{whole}{fraction}");
    if digits.len() > 30 {
        return None;
    }
    let mantissa: i128 = digits.parse().ok()?;
    // value = mantissa * 10^-fraction_len * multiplier; multiplier = base^exponent.
    let (base, exponent): (i128, i32) = match suffix {
        "" => (10, 0),
        "n" => (10, -9),
        "u" => (10, -6),
        "m" => (10, -3),
        "k" => (10, 3),
        "M" => (10, 6),
        "G" => (10, 9),
        "T" => (10, 12),
        "P" => (10, 15),
        "E" => (10, 18),
        "Ki" => (1024, 1),
        "Mi" => (1024, 2),
        "Gi" => (1024, 3),
        "Ti" => (1024, 4),
        "Pi" => (1024, 5),
        "Ei" => (1024, 6),
        exp if exp.starts_with(['e', 'E']) => (10, exp[1..].parse().ok()?),
        _ => return None,
    };
    let fraction_len = i32::try_from(fraction.len()).ok()?;
    // Work in milli-units: multiply by 1000 first, then apply the powers of ten.
    let mut numerator = mantissa.checked_mul(1000)?;
    let mut denominator: i128 = 1;
    let mut ten_power = -fraction_len;
    if base == 10 {
        ten_power = ten_power.checked_add(exponent)?;
    } else {
        numerator = numerator.checked_mul(base.checked_pow(u32::try_from(exponent).ok()?)?)?;
    }
    if ten_power >= 0 {
        numerator = numerator.checked_mul(10i128.checked_pow(ten_power.unsigned_abs())?)?;
    } else {
        denominator = 10i128.checked_pow(ten_power.unsigned_abs())?;
    }
    let value = numerator.div_euclid(denominator) + i128::from(numerator % denominator != 0);
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::parse_milli;

    #[test]
    fn quantities_in_milli_units() {
        assert_eq!(parse_milli("100m"), Some(100));
        assert_eq!(parse_milli("1"), Some(1000));
        assert_eq!(parse_milli("0.5"), Some(500));
        assert_eq!(parse_milli("1.5Gi"), Some(1_610_612_736_000));
        assert_eq!(parse_milli("128Mi"), Some(134_217_728_000));
        assert_eq!(parse_milli("1k"), Some(1_000_000));
        assert_eq!(parse_milli("2e3"), Some(2_000_000));
        assert_eq!(parse_milli("1n"), Some(1));
        assert_eq!(parse_milli("-1"), Some(-1000));
    }

    #[test]
    fn malformed_quantities_are_none() {
        for bad in [
            "",
            "m",
            "1.2.3",
            "1Xi",
            "abc",
            "1e",
            "9999999999999999999999999999999E",
        ] {
            assert_eq!(parse_milli(bad), None, "{bad}");
        }
    }
}
