//! ipBlock arithmetic: a CIDR with its `except` entries carved out, as the smallest list of
//! CIDRs covering what remains. IPv6 blocks are valid but hold no IPv4 address, which is
//! all the firewall carries.

use std::net::IpAddr;

use k8s_openapi::api::networking::v1::IPBlock;

use crate::TranslateError;

/// An inclusive IPv4 range as `u32`s.
pub type Range = (u32, u32);

/// A parsed CIDR: its IPv4 range, or `None` for an IPv6 CIDR.
pub fn parse_cidr(text: &str) -> Option<Option<Range>> {
    let (network, prefix) = text.trim().split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    match network.parse::<IpAddr>().ok()? {
        IpAddr::V4(ip) if prefix <= 32 => {
            let mask = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            let first = u32::from(ip) & mask;
            Some(Some((first, first | !mask)))
        }
        IpAddr::V6(_) if prefix <= 128 => Some(None),
        _ => None,
    }
}

/// The IPv4 ranges an ipBlock stands for. An invalid CIDR or except entry makes the whole
/// block match nothing (failing closed: an allow never grows because of a typo); an except
/// entry outside the CIDR is reported and carved out anyway (it changes nothing outside).
pub fn block_ranges(block: &IPBlock) -> (Vec<Range>, Vec<TranslateError>) {
    let mut problems = Vec::new();
    let Some(cidr) = parse_cidr(&block.cidr) else {
        return (
            Vec::new(),
            vec![TranslateError::InvalidCidr(block.cidr.clone())],
        );
    };
    let mut excepts = Vec::new();
    for except in block.except.iter().flatten() {
        match parse_cidr(except) {
            None => {
                return (
                    Vec::new(),
                    vec![TranslateError::InvalidExcept(except.clone())],
                );
            }
            Some(parsed) => {
                let inside = match (cidr, parsed) {
                    (Some(c), Some(e)) => c.0 <= e.0 && e.1 <= c.1 && c != e,
                    (None, None) => true,
                    _ => false,
                };
                if !inside {
                    problems.push(TranslateError::ExceptOutsideCidr {
                        cidr: block.cidr.clone(),
                        except: except.clone(),
                    });
                }
                if let Some(e) = parsed {
                    excepts.push(e);
                }
            }
        }
    }
    let Some(cidr) = cidr else {
        return (Vec::new(), problems);
    };
    (subtract(&[cidr], &excepts), problems)
}

/// `ranges` minus `holes`, sorted and merged.
pub fn subtract(ranges: &[Range], holes: &[Range]) -> Vec<Range> {
    let mut out = merge(ranges.to_vec());
    for &(hole_first, hole_last) in holes {
        let mut next = Vec::with_capacity(out.len() + 1);
        for (first, last) in out {
            if hole_last < first || last < hole_first {
                next.push((first, last));
                continue;
            }
            if first < hole_first {
                next.push((first, hole_first - 1));
            }
            if hole_last < last {
                next.push((hole_last + 1, last));
            }
        }
        out = next;
    }
    out
}

/// Sorts ranges and merges overlapping or adjacent ones.
pub fn merge(mut ranges: Vec<Range>) -> Vec<Range> {
    ranges.sort_unstable();
    let mut out: Vec<Range> = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match out.last_mut() {
            Some(prev) if u64::from(first) <= u64::from(prev.1) + 1 => prev.1 = prev.1.max(last),
            _ => out.push((first, last)),
        }
    }
    out
}

/// The smallest list of CIDRs (`a.b.c.d/n`, plain addresses for `/32`) covering `ranges`.
pub fn to_cidrs(ranges: &[Range]) -> Vec<String> {
    let mut out = Vec::new();
    for &(first, last) in ranges {
        let (mut start, end) = (u64::from(first), u64::from(last));
        while start <= end {
            // The largest aligned block starting at `start` that does not pass `end`.
            let mut size = if start == 0 {
                1u64 << 32
            } else {
                start & start.wrapping_neg()
            };
            while start + size - 1 > end {
                size >>= 1;
            }
            let prefix = 32 - size.trailing_zeros();
            let ip = std::net::Ipv4Addr::from(start as u32);
            out.push(if prefix == 32 {
                ip.to_string()
            } else {
                format!("{ip}/{prefix}")
            });
            start += size;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(cidr: &str, except: &[&str]) -> IPBlock {
        IPBlock {
            cidr: cidr.into(),
            except: Some(except.iter().map(|e| e.to_string()).collect()),
        }
    }

    #[test]
    fn except_is_carved_out_into_cidrs() {
        let (ranges, problems) = block_ranges(&block("10.244.0.0/19", &["10.244.0.16/28"]));
        assert!(problems.is_empty());
        assert_eq!(
            to_cidrs(&ranges),
            [
                "10.244.0.0/28",
                "10.244.0.32/27",
                "10.244.0.64/26",
                "10.244.0.128/25",
                "10.244.1.0/24",
                "10.244.2.0/23",
                "10.244.4.0/22",
                "10.244.8.0/21",
                "10.244.16.0/20"
            ]
        );
        let (all, _) = block_ranges(&block("0.0.0.0/0", &[]));
        assert_eq!(to_cidrs(&all), ["0.0.0.0/0"]);
        let (one, _) = block_ranges(&block("10.0.0.7/32", &[]));
        assert_eq!(to_cidrs(&one), ["10.0.0.7"]);
        let (top, _) = block_ranges(&block("0.0.0.0/0", &["0.0.0.0/1"]));
        assert_eq!(to_cidrs(&top), ["128.0.0.0/1"]);
    }

    #[test]
    fn bad_blocks_match_nothing_and_say_why() {
        let (ranges, problems) = block_ranges(&block("10.0.0.0/33", &[]));
        assert!(ranges.is_empty());
        assert_eq!(problems[0].reason(), "InvalidIPBlock");
        let (ranges, problems) = block_ranges(&block("10.0.0.0/8", &["nope"]));
        assert!(ranges.is_empty());
        assert_eq!(problems[0].reason(), "InvalidIPBlock");
        let (ranges, problems) = block_ranges(&block("10.0.0.0/8", &["192.168.0.0/16"]));
        assert_eq!(to_cidrs(&ranges), ["10.0.0.0/8"]);
        assert_eq!(problems[0].reason(), "ExceptOutsideCIDR");
        let (ranges, problems) = block_ranges(&block("fd00::/64", &[]));
        assert!(ranges.is_empty() && problems.is_empty());
    }
}
