//! What the `REG.*` checks share: looking an identified camera up on a registry list, and the
//! evidence of a listed entry.

use crate::evidence::{bounded, MAX_FIELD_CHARS};
use crate::registry::Hit;
use camguard_model::{Identity, Severity};
use camguard_registry::{Entry, RegistryList};
use serde_json::{json, Value};

/// The outcome of looking a device up on one list.
pub(crate) enum Lookup<'a> {
    /// Not identified as a camera: the registries do not apply.
    NotACamera,
    /// A camera whose vendor or model is not known: it cannot be looked up.
    UnknownModel,
    /// On the list, with the entry that names it.
    Listed {
        /// Identified vendor.
        vendor: &'a str,
        /// Identified model.
        model: &'a str,
        /// The entry.
        entry: &'a Entry,
    },
    /// Not on the list.
    NotListed {
        /// Identified vendor.
        vendor: &'a str,
        /// Identified model.
        model: &'a str,
    },
}

/// Look the identified camera up on `list`.
pub(crate) fn lookup<'a>(list: &'a RegistryList, identity: &'a Identity) -> Lookup<'a> {
    if !identity.camera {
        return Lookup::NotACamera;
    }
    let vendor = identity.vendor.as_deref().filter(|v| !v.trim().is_empty());
    let model = identity.model.as_deref().filter(|m| !m.trim().is_empty());
    let (Some(vendor), Some(model)) = (vendor, model) else {
        return Lookup::UnknownModel;
    };
    match list.find(vendor, model) {
        Some(entry) => Lookup::Listed {
            vendor,
            model,
            entry,
        },
        None => Lookup::NotListed { vendor, model },
    }
}

/// Evidence of one listed entry (bounded).
pub(crate) fn entry_evidence(entry: &Entry) -> Value {
    let b = |s: &str| bounded(s, MAX_FIELD_CHARS);
    json!({
        "vendor": b(&entry.vendor),
        "model": b(&entry.model),
        "variants": entry.variants.iter().map(|v| b(v)).collect::<Vec<_>>(),
        "reference": entry.reference.as_deref().map(b),
        "issuer": entry.issuer.as_deref().map(b),
        "date": entry.date.as_deref().map(b),
        "source": bounded(&entry.source, 512),
        "note": entry.note.as_deref().map(|n| bounded(n, 512)),
    })
}

/// The identified vendor and model as evidence (bounded).
pub(crate) fn device_evidence(vendor: &str, model: &str) -> Value {
    json!({
        "vendor": bounded(vendor, MAX_FIELD_CHARS),
        "model": bounded(model, MAX_FIELD_CHARS),
    })
}

/// The informational hit for a camera whose model is unknown: the provision cannot be judged
/// (cited, so the verdict is "not verifiable remotely", never a pass).
pub(crate) fn unknown_model_hit(list: &str, identity: &Identity) -> Hit {
    Hit {
        port: None,
        summary: format!(
            "Camera model not identified: cannot tell whether it is on the {list} list; check its label"
        ),
        evidence: json!({
            "model_identified": false,
            "list": list,
            "vendor": identity.vendor.as_deref().map(|v| bounded(v, MAX_FIELD_CHARS)),
        }),
    }
}

/// Informational for an unknown-model hit; otherwise the catalogue's severity.
pub(crate) fn severity(hit: &Hit) -> Option<Severity> {
    (hit.evidence.get("model_identified") == Some(&Value::Bool(false))).then_some(Severity::Info)
}
