//! A list of models and the lookup of one device on it.

use crate::entry::{Entry, ListKind};
use crate::model_name::{model_matches, same_vendor};

/// One registry: certified or warned models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryList {
    /// Which list.
    pub kind: ListKind,
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

impl RegistryList {
    /// An empty list of `kind`.
    pub fn new(kind: ListKind) -> RegistryList {
        RegistryList {
            kind,
            entries: Vec::new(),
        }
    }

    /// The first entry naming this vendor's model (see [`crate::model_name`] for the rules).
    pub fn find(&self, vendor: &str, model: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            same_vendor(&e.vendor, vendor) && model_matches(&e.model, &e.variants, vendor, model)
        })
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
        let list = RegistryList {
            kind: ListKind::Warned,
            entries: vec![Entry {
                vendor: "Hikvision Digital Technology".into(),
                model: "DS-2CD2143G2-I".into(),
                variants: vec!["DS-2CD2143G2-I(*MM)".into()],
                source: "s".into(),
                ..Default::default()
            }],
        };
        assert!(list.find("Hikvision", "ds 2cd2143g2 i").is_some());
        assert!(list
            .find("HIKVISION", "HIKVISION DS-2CD2143G2-I(2.8mm)")
            .is_some());
        assert!(list
            .find("Hikvision", "HIKVISION DS-2CD2143G2-IS")
            .is_none());
        assert!(list.find("Dahua", "DS-2CD2143G2-I").is_none());
    }
}
