//! Kubernetes label selectors with their full semantics: `matchLabels` and `matchExpressions`
//! (`In`, `NotIn`, `Exists`, `DoesNotExist`) all must hold; the empty selector matches
//! everything.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::TranslateError;

/// One requirement on one label key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    In(String, BTreeSet<String>),
    NotIn(String, BTreeSet<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed, valid label selector.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector {
    requirements: Vec<Requirement>,
}

impl Selector {
    /// Parses a selector, refusing what the API server refuses: unknown operators, `In` and
    /// `NotIn` without values, `Exists` and `DoesNotExist` with values.
    pub fn parse(selector: &LabelSelector) -> Result<Self, TranslateError> {
        let mut requirements = Vec::new();
        for (key, value) in selector.match_labels.iter().flatten() {
            requirements.push(Requirement::In(
                key.clone(),
                BTreeSet::from([value.clone()]),
            ));
        }
        for (i, e) in selector.match_expressions.iter().flatten().enumerate() {
            let values: BTreeSet<String> = e.values.iter().flatten().cloned().collect();
            let bad = |why: &str| {
                TranslateError::InvalidSelector(format!(
                    "matchExpressions[{i}] (key {:?}, operator {:?}): {why}",
                    e.key, e.operator
                ))
            };
            if e.key.is_empty() {
                return Err(bad("the key must not be empty"));
            }
            let requirement = match e.operator.as_str() {
                "In" | "NotIn" if values.is_empty() => {
                    return Err(bad("values must be non-empty for In and NotIn"));
                }
                "Exists" | "DoesNotExist" if !values.is_empty() => {
                    return Err(bad("values must be empty for Exists and DoesNotExist"));
                }
                "In" => Requirement::In(e.key.clone(), values),
                "NotIn" => Requirement::NotIn(e.key.clone(), values),
                "Exists" => Requirement::Exists(e.key.clone()),
                "DoesNotExist" => Requirement::DoesNotExist(e.key.clone()),
                _ => {
                    return Err(bad(
                        "the operator must be In, NotIn, Exists or DoesNotExist",
                    ));
                }
            };
            requirements.push(requirement);
        }
        Ok(Selector { requirements })
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| match r {
            Requirement::In(key, values) => labels.get(key).is_some_and(|v| values.contains(v)),
            Requirement::NotIn(key, values) => labels.get(key).is_none_or(|v| !values.contains(v)),
            Requirement::Exists(key) => labels.contains_key(key),
            Requirement::DoesNotExist(key) => !labels.contains_key(key),
        })
    }

    /// Whether the selector matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn expression(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
        LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: (!values.is_empty()).then(|| values.iter().map(|v| v.to_string()).collect()),
        }
    }

    #[test]
    fn every_operator() {
        let selector = Selector::parse(&LabelSelector {
            match_labels: Some(labels(&[("app", "web")])),
            match_expressions: Some(vec![
                expression("tier", "In", &["a", "b"]),
                expression("env", "NotIn", &["prod"]),
                expression("team", "Exists", &[]),
                expression("legacy", "DoesNotExist", &[]),
            ]),
        })
        .unwrap();
        let base = [("app", "web"), ("tier", "a"), ("team", "x")];
        assert!(selector.matches(&labels(&base)));
        assert!(selector.matches(&labels(&[base[0], base[1], base[2], ("env", "dev")])));
        assert!(!selector.matches(&labels(&[base[0], base[1], base[2], ("env", "prod")])));
        assert!(!selector.matches(&labels(&[base[0], base[1], base[2], ("legacy", "")])));
        assert!(!selector.matches(&labels(&[base[0], base[1]])));
        assert!(!selector.matches(&labels(&[base[0], ("tier", "c"), base[2]])));
        assert!(!selector.matches(&labels(&[("app", "Web"), base[1], base[2]])));
        assert!(
            Selector::parse(&LabelSelector::default())
                .unwrap()
                .matches(&labels(&[]))
        );
    }

    #[test]
    fn invalid_selectors_are_refused() {
        for (operator, values) in [
            ("In", &[][..]),
            ("NotIn", &[][..]),
            ("Exists", &["x"][..]),
            ("Matches", &["x"][..]),
        ] {
            let selector = LabelSelector {
                match_expressions: Some(vec![expression("k", operator, values)]),
                ..LabelSelector::default()
            };
            assert!(Selector::parse(&selector).is_err(), "{operator}");
        }
    }
}
