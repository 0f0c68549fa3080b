//! A list of models and the lookup of one device on it.

use crate::entry::{Entry, ListKind};
use crate::model_name::{canonical, device_model, first_word, same_canonical_vendor, Prepared};
use std::collections::{BTreeSet, HashMap};

/// One registry: certified or warned models, indexed for lookups.
#[derive(Debug, Clone)]
pub struct RegistryList {
    /// Which list.
    pub kind: ListKind,
    entries: Vec<Entry>,
    index: Index,
}

/// Canonical forms computed once, and the entries grouped by the first word of their vendor
/// (two names of one vendor always share it).
#[derive(Debug, Clone, Default)]
struct Index {
    vendors: Vec<String>,
    prepared: Vec<Prepared>,
    buckets: HashMap<String, Bucket>,
}

#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Entry positions by every word-boundary suffix of the canonical listed model (what
    /// stripping a vendor prefix can leave).
    exact: HashMap<String, Vec<usize>>,
    /// Entries with variant patterns, in order.
    with_variants: Vec<usize>,
}

impl PartialEq for RegistryList {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.entries == other.entries
    }
}

impl Eq for RegistryList {}

impl RegistryList {
    /// An empty list of `kind`.
    pub fn new(kind: ListKind) -> RegistryList {
        RegistryList::from_entries(kind, Vec::new())
    }

    /// A list of `kind` with these entries (in file order).
    pub fn from_entries(kind: ListKind, entries: Vec<Entry>) -> RegistryList {
        let mut index = Index::default();
        for (i, e) in entries.iter().enumerate() {
            let vendor = canonical(&e.vendor);
            let prepared = Prepared::new(&e.model, &e.variants);
            let bucket = index
                .buckets
                .entry(first_word(&vendor).to_string())
                .or_default();
            let listed = prepared.listed.as_str();
            let suffixes = std::iter::once(listed).chain(
                listed
                    .match_indices('-')
                    .map(|(at, _)| listed.get(at + 1..).unwrap_or_default()),
            );
            for s in suffixes.filter(|s| !s.is_empty()) {
                bucket.exact.entry(s.to_string()).or_default().push(i);
            }
            if !prepared.variants.is_empty() {
                bucket.with_variants.push(i);
            }
            index.vendors.push(vendor);
            index.prepared.push(prepared);
        }
        RegistryList {
            kind,
            entries,
            index,
        }
    }

    /// The entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The first entry naming this vendor's model (see [`crate::model_name`] for the rules).
    pub fn find(&self, vendor: &str, model: &str) -> Option<&Entry> {
        let v = canonical(vendor);
        let bucket = self.index.buckets.get(first_word(&v))?;
        let m = device_model(&v, model)?;
        let candidates: BTreeSet<usize> = bucket
            .exact
            .get(&m)
            .into_iter()
            .flatten()
            .chain(&bucket.with_variants)
            .copied()
            .collect();
        candidates
            .into_iter()
            .find(|&i| {
                same_canonical_vendor(&self.index.vendors[i], &v)
                    && self.index.prepared[i].matches(&v, &m)
            })
            .and_then(|i| self.entries.get(i))
    }
}

/// The lists loaded for an assessment; `None` where no list of that kind was imported, which
/// is not the same as an empty list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registries {
    /// Certified (conforming) models.
    pub certified: Option<RegistryList>,
    /// Models an authority has warned against.
    pub warned: Option<RegistryList>,
}

impl Registries {
    /// The list of `kind`, if loaded.
    pub fn get(&self, kind: ListKind) -> Option<&RegistryList> {
        match kind {
            ListKind::Certified => self.certified.as_ref(),
            ListKind::Warned => self.warned.as_ref(),
        }
    }

    /// Set the list of its kind.
    pub fn set(&mut self, list: RegistryList) {
        match list.kind {
            ListKind::Certified => self.certified = Some(list),
            ListKind::Warned => self.warned = Some(list),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_needs_the_same_vendor_and_model() {
        let list = RegistryList::from_entries(
            ListKind::Warned,
            vec![Entry {
                vendor: "Hikvision Digital Technology".into(),
                model: "DS-2CD2143G2-I".into(),
                variants: vec!["DS-2CD2143G2-I(*MM)".into()],
                source: "s".into(),
                ..Default::default()
            }],
        );
        assert!(list.find("Hikvision", "ds 2cd2143g2 i").is_some());
        assert!(list
            .find("HIKVISION", "HIKVISION DS-2CD2143G2-I(2.8mm)")
            .is_some());
        assert!(list
            .find("Hikvision", "HIKVISION DS-2CD2143G2-IS")
            .is_none());
        assert!(list.find("Dahua", "DS-2CD2143G2-I").is_none());
    }

    fn naive<'a>(entries: &'a [Entry], vendor: &str, model: &str) -> Option<&'a Entry> {
        entries.iter().find(|e| {
            crate::model_name::same_vendor(&e.vendor, vendor)
                && crate::model_name::model_matches(&e.model, &e.variants, vendor, model)
        })
    }

    fn word() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![
            "[A-C]{1,2}",
            "[0-9]{1,2}",
            proptest::strategy::Just("HIK".to_string())
        ]
    }

    fn name() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        (
            proptest::collection::vec(word(), 1..4),
            proptest::sample::select(vec![" ", "-", "_", "("]),
        )
            .prop_map(|(w, sep)| w.join(sep))
    }

    proptest::proptest! {
        /// The index finds exactly the entry a scan of the whole list finds.
        #[test]
        fn the_index_agrees_with_a_linear_scan(
            entries in proptest::collection::vec(
                (proptest::sample::select(vec!["Hik", "HIK Vision", "Dahua", "hik-vision co"]),
                 name(),
                 proptest::option::of(name())),
                0..12),
            vendor in proptest::sample::select(vec!["HIK", "Hik Vision", "dahua", "Other"]),
            model in name(),
        ) {
            let entries: Vec<Entry> = entries
                .into_iter()
                .map(|(v, m, variant)| Entry {
                    vendor: v.to_string(),
                    model: m,
                    variants: variant.map(|p| vec![format!("{p}*")]).unwrap_or_default(),
                    source: "s".into(),
                    ..Default::default()
                })
                .collect();
            let list = RegistryList::from_entries(ListKind::Certified, entries.clone());
            proptest::prop_assert_eq!(list.find(vendor, &model), naive(&entries, vendor, &model));
        }
    }
}
