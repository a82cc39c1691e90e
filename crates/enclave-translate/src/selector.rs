//! Kubernetes label selectors with their full semantics: `matchLabels` and `matchExpressions`
//! (`In`, `NotIn`, `Exists`, `DoesNotExist`) all must hold; the empty selector matches
//! everything.

use std::collections::{BTreeMap, BTreeSet, HashMap};

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

    /// A label key with the values one of which every matching label set holds (the first
    /// `matchLabels` entry or `In` expression), for looking candidates up in an index;
    /// `None` when no requirement pins values down.
    pub fn required_values(&self) -> Option<(&str, &BTreeSet<String>)> {
        self.requirements.iter().find_map(|r| match r {
            Requirement::In(key, values) => Some((key.as_str(), values)),
            _ => None,
        })
    }

    /// Whether the selector matches everything.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }
}

/// Items with label sets, indexed by label key and value once there are enough of them, so
/// that a selector pinning a label's values visits only the items holding one of them.
#[derive(Debug, Clone, Default)]
pub struct LabelIndex<T> {
    items: Vec<T>,
    by_label: HashMap<String, HashMap<String, Vec<T>>>,
}

impl<T: Copy> LabelIndex<T> {
    /// Below this many items a scan is as cheap as a lookup, and the index is not built.
    const INDEXED_FROM: usize = 32;

    /// Indexes `items`, whose labels `labels_of` gives.
    pub fn new<'a>(items: Vec<T>, labels_of: impl Fn(T) -> &'a BTreeMap<String, String>) -> Self {
        let mut by_label: HashMap<String, HashMap<String, Vec<T>>> = HashMap::new();
        if items.len() >= Self::INDEXED_FROM {
            for &item in &items {
                for (key, value) in labels_of(item) {
                    by_label
                        .entry(key.clone())
                        .or_default()
                        .entry(value.clone())
                        .or_default()
                        .push(item);
                }
            }
        }
        LabelIndex { items, by_label }
    }

    /// The items whose labels `selector` matches, each once (in no promised order).
    pub fn select<'a>(
        &'a self,
        selector: &'a Selector,
        labels_of: impl Fn(T) -> &'a BTreeMap<String, String> + 'a,
    ) -> impl Iterator<Item = T> + 'a {
        let candidates: Box<dyn Iterator<Item = T> + 'a> = match selector
            .required_values()
            .filter(|_| !self.by_label.is_empty())
        {
            // A label set holds one value per key: the value lists are disjoint.
            Some((key, values)) => Box::new(self.by_label.get(key).into_iter().flat_map(
                move |by_value| {
                    values
                        .iter()
                        .filter_map(|v| by_value.get(v))
                        .flatten()
                        .copied()
                },
            )),
            None => Box::new(self.items.iter().copied()),
        };
        candidates.filter(move |&item| selector.matches(labels_of(item)))
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
    fn the_index_selects_what_a_scan_selects() {
        let sets: Vec<BTreeMap<String, String>> = (0..100)
            .map(|i| {
                let app = format!("app-{}", i % 7);
                let tier = format!("tier-{}", i % 3);
                let mut pairs = vec![("app", app.as_str()), ("tier", tier.as_str())];
                if i % 5 == 0 {
                    pairs.push(("legacy", "yes"));
                }
                labels(&pairs)
            })
            .collect();
        let index = LabelIndex::new((0..sets.len()).collect(), |i| &sets[i]);
        let selectors = [
            LabelSelector::default(),
            LabelSelector {
                match_labels: Some(labels(&[("app", "app-3")])),
                match_expressions: None,
            },
            LabelSelector {
                match_labels: None,
                match_expressions: Some(vec![
                    expression("tier", "In", &["tier-0", "tier-2", "tier-9"]),
                    expression("legacy", "DoesNotExist", &[]),
                ]),
            },
            LabelSelector {
                match_labels: Some(labels(&[("missing", "x")])),
                match_expressions: None,
            },
            LabelSelector {
                match_labels: None,
                match_expressions: Some(vec![expression("app", "NotIn", &["app-1"])]),
            },
        ];
        for selector in selectors {
            let parsed = Selector::parse(&selector).unwrap();
            let mut found: Vec<usize> = index.select(&parsed, |i| &sets[i]).collect();
            found.sort_unstable();
            let scanned: Vec<usize> = (0..sets.len())
                .filter(|&i| parsed.matches(&sets[i]))
                .collect();
            assert_eq!(found, scanned, "{selector:?}");
        }
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
