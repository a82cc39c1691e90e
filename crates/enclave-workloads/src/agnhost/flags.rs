//! Command-line flags parsed the way agnhost's library (spf13/pflag) parses them, with its
//! error messages: `--name=value`, `--name value`, bare `--name` for booleans, `--` to end.

use std::collections::HashMap;

/// The type of a flag's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Bool,
    Text,
}

/// One flag a subcommand accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlagSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub default: &'static str,
    pub usage: &'static str,
}

/// The logging flags every agnhost subcommand accepts (klog's, added to the root command);
/// they are accepted and ignored.
const LOGGING_FLAGS: &[FlagSpec] = &[
    text_flag("v", "0", "number for the log level verbosity"),
    text_flag("vmodule", "", "comma-separated list of pattern=N settings"),
    bool_flag(
        "logtostderr",
        "true",
        "log to standard error instead of files",
    ),
    bool_flag(
        "alsologtostderr",
        "false",
        "log to standard error as well as files",
    ),
    text_flag(
        "stderrthreshold",
        "2",
        "logs at or above this threshold go to stderr",
    ),
    text_flag(
        "log_dir",
        "",
        "if non-empty, write log files in this directory",
    ),
    text_flag("log_file", "", "if non-empty, use this log file"),
    text_flag(
        "log_file_max_size",
        "1800",
        "maximum size a log file can grow to",
    ),
    text_flag(
        "log_backtrace_at",
        ":0",
        "emit a stack trace when logging hits line file:N",
    ),
    bool_flag(
        "skip_headers",
        "false",
        "avoid header prefixes in the log messages",
    ),
    bool_flag(
        "skip_log_headers",
        "false",
        "avoid headers when opening log files",
    ),
    bool_flag(
        "add_dir_header",
        "false",
        "add the file directory to the header",
    ),
    bool_flag(
        "one_output",
        "false",
        "only write logs to their native severity level",
    ),
];

pub(crate) const fn int_flag(
    name: &'static str,
    default: &'static str,
    usage: &'static str,
) -> FlagSpec {
    FlagSpec {
        name,
        kind: Kind::Int,
        default,
        usage,
    }
}

pub(crate) const fn bool_flag(
    name: &'static str,
    default: &'static str,
    usage: &'static str,
) -> FlagSpec {
    FlagSpec {
        name,
        kind: Kind::Bool,
        default,
        usage,
    }
}

pub(crate) const fn text_flag(
    name: &'static str,
    default: &'static str,
    usage: &'static str,
) -> FlagSpec {
    FlagSpec {
        name,
        kind: Kind::Text,
        default,
        usage,
    }
}

/// Parsed flags and positional arguments.
#[derive(Debug, Default)]
pub(crate) struct Flags {
    values: HashMap<&'static str, String>,
    /// `-h` or `--help` was given.
    pub help: bool,
    /// Arguments that are not flags.
    pub positional: Vec<String>,
}

impl Flags {
    /// An integer flag's value (validated while parsing).
    pub(crate) fn int(&self, name: &str) -> i64 {
        self.values
            .get(name)
            .and_then(|value| parse_go_int(value))
            .unwrap_or_default()
    }

    /// A boolean flag's value (validated while parsing).
    pub(crate) fn bool(&self, name: &str) -> bool {
        self.values
            .get(name)
            .and_then(|value| parse_go_bool(value))
            .unwrap_or_default()
    }

    /// A text flag's value.
    pub(crate) fn text(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Go's `strconv.ParseInt(s, 0, 64)` for the forms people write: decimal with an optional sign,
/// and `0x` hexadecimal.
fn parse_go_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(hex, 16).ok()?
    } else {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<i64>().ok()?
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Parses `args` against `specs` (plus the logging flags). `Err` is pflag's message.
pub(crate) fn parse(specs: &[FlagSpec], args: &[String]) -> Result<Flags, String> {
    let find = |name: &str| {
        specs
            .iter()
            .chain(LOGGING_FLAGS)
            .find(|spec| spec.name == name)
            .copied()
    };
    let mut flags = Flags::default();
    for spec in specs.iter().chain(LOGGING_FLAGS) {
        flags.values.insert(spec.name, spec.default.to_string());
    }
    let mut remaining = args.iter();
    while let Some(argument) = remaining.next() {
        if argument == "--" {
            flags.positional.extend(remaining.by_ref().cloned());
            break;
        }
        if let Some(long) = argument.strip_prefix("--") {
            let (name, inline_value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            if name == "help" {
                flags.help = true;
                continue;
            }
            let Some(spec) = find(name) else {
                return Err(format!("unknown flag: --{name}"));
            };
            let value = match (inline_value, spec.kind) {
                (Some(value), _) => value,
                (None, Kind::Bool) => "true".to_string(),
                (None, _) => match remaining.next() {
                    Some(value) => value.clone(),
                    None => return Err(format!("flag needs an argument: --{name}")),
                },
            };
            match spec.kind {
                Kind::Int if parse_go_int(&value).is_none() => {
                    return Err(format!(
                        "invalid argument {value:?} for \"--{name}\" flag: strconv.ParseInt: \
                         parsing {value:?}: invalid syntax"
                    ));
                }
                Kind::Bool if parse_go_bool(&value).is_none() => {
                    return Err(format!(
                        "invalid argument {value:?} for \"--{name}\" flag: strconv.ParseBool: \
                         parsing {value:?}: invalid syntax"
                    ));
                }
                _ => {}
            }
            flags.values.insert(spec.name, value);
        } else if let Some(short) = argument.strip_prefix('-').filter(|s| !s.is_empty()) {
            if short == "h" {
                flags.help = true;
                continue;
            }
            let first = short.chars().next().unwrap_or('-');
            return Err(format!("unknown shorthand flag: '{first}' in -{short}"));
        } else {
            flags.positional.push(argument.clone());
        }
    }
    Ok(flags)
}

/// The flag section of a usage text.
pub(crate) fn usage(specs: &[FlagSpec]) -> Vec<String> {
    let mut lines = vec!["Flags:".to_string()];
    for spec in specs {
        let kind = match spec.kind {
            Kind::Int => " int",
            Kind::Text => " string",
            Kind::Bool => "",
        };
        let default = match (spec.kind, spec.default) {
            (Kind::Bool, "false") | (Kind::Text, "") => String::new(),
            (Kind::Text, value) => format!(" (default {value:?})"),
            (_, value) => format!(" (default {value})"),
        };
        lines.push(format!(
            "      --{}{kind}   {}{default}",
            spec.name, spec.usage
        ));
    }
    lines.push("  -h, --help   help for this command".into());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPECS: &[FlagSpec] = &[
        int_flag("http-port", "8080", "HTTP Listen Port"),
        bool_flag("http", "true", "Serve HTTP."),
        text_flag("http-override", "", "Override"),
    ];

    fn args(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn flags_parse_like_pflag() {
        let parsed = parse(SPECS, &[]).expect("defaults");
        assert_eq!(parsed.int("http-port"), 8080);
        assert!(parsed.bool("http"));
        assert_eq!(parsed.text("http-override"), "");

        let parsed = parse(
            SPECS,
            &args(&[
                "--http-port",
                "9090",
                "--http=false",
                "--v=4",
                "--http-override=/echo?msg=x",
            ]),
        )
        .expect("values");
        assert_eq!(parsed.int("http-port"), 9090);
        assert!(!parsed.bool("http"));
        assert_eq!(parsed.text("http-override"), "/echo?msg=x");

        let parsed = parse(SPECS, &args(&["--http-port=0x50", "--", "--http"])).expect("hex");
        assert_eq!(parsed.int("http-port"), 80);
        assert_eq!(parsed.positional, args(&["--http"]));
        assert!(parse(SPECS, &args(&["-h"])).expect("help").help);
    }

    #[test]
    fn errors_carry_pflags_messages() {
        let error = |items: &[&str]| parse(SPECS, &args(items)).err().unwrap_or_default();
        assert_eq!(error(&["--nope"]), "unknown flag: --nope");
        assert_eq!(
            error(&["--http-port"]),
            "flag needs an argument: --http-port"
        );
        assert_eq!(
            error(&["--http-port=abc"]),
            "invalid argument \"abc\" for \"--http-port\" flag: strconv.ParseInt: parsing \
             \"abc\": invalid syntax"
        );
        assert_eq!(
            error(&["--http=maybe"]),
            "invalid argument \"maybe\" for \"--http\" flag: strconv.ParseBool: parsing \
             \"maybe\": invalid syntax"
        );
        assert_eq!(error(&["-x"]), "unknown shorthand flag: 'x' in -x");
    }
}
