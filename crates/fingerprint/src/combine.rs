//! Evidence combination: from the claims of every matching rule to one [`Identity`].
//!
//! - Vendor: claims are grouped by canonical vendor; a vendor's support is
//!   `1 − Π(1 − weight)` over its rules. The best-supported vendor wins (ties: the stronger
//!   single rule, then the earlier rule). Rival vendors lower the confidence:
//!   `confidence = support(best) × (1 − support(all rivals))`.
//! - Product, model, firmware, device type: from the highest-weight rule that provides the
//!   value and does not name a rival vendor (ties: the earlier rule).
//! - Camera: `support(camera = true) ≥ 0.5` and greater than `support(camera = false)`. A
//!   DVR/NVR counts as a camera; a device type that contradicts the camera verdict is dropped.
//! - Confidence without a vendor: the camera verdict's support net of the opposite evidence.

use crate::rule::Claims;
use camguard_model::{DeviceType, Identity};

/// Camera support needed to call a device a camera.
pub const CAMERA_THRESHOLD: f64 = 0.5;

/// One matching rule: its id, weight and claims.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// Rule id.
    pub rule: String,
    /// Rule weight.
    pub weight: f64,
    /// What the rule says.
    pub claims: Claims,
}

/// `1 − Π(1 − w)`: the chance that at least one independent piece of evidence is right.
pub fn noisy_or<I: IntoIterator<Item = f64>>(weights: I) -> f64 {
    1.0 - weights
        .into_iter()
        .fold(1.0, |acc, w| acc * (1.0 - w.clamp(0.0, 1.0)))
}

fn round3(x: f64) -> f64 {
    (x.clamp(0.0, 1.0) * 1000.0).round() / 1000.0
}

/// Combine evidence (in rule order) into an identity.
pub fn combine(evidence: &[Evidence]) -> Identity {
    let (vendor, vendor_confidence) = pick_vendor(evidence);
    let compatible = |e: &&Evidence| match (&e.claims.vendor, &vendor) {
        (Some(v), Some(best)) => v == best,
        (Some(_), None) => false,
        (None, _) => true,
    };
    let strongest = |get: &dyn Fn(&Claims) -> Option<String>| -> Option<String> {
        let mut best: Option<(f64, String)> = None;
        for e in evidence.iter().filter(compatible) {
            if let Some(v) = get(&e.claims) {
                if best.as_ref().is_none_or(|(w, _)| e.weight > *w) {
                    best = Some((e.weight, v));
                }
            }
        }
        best.map(|(_, v)| v)
    };
    let product = strongest(&|c| c.product.clone());
    let model = strongest(&|c| c.model.clone());
    let firmware = strongest(&|c| c.firmware.clone());
    let device_type = strongest(&|c| c.device_type.map(|d| d.as_str().to_string()))
        .and_then(|s| parse_device_type(&s));

    let yes = noisy_or(
        evidence
            .iter()
            .filter(|e| e.claims.camera == Some(true))
            .map(|e| e.weight),
    );
    let no = noisy_or(
        evidence
            .iter()
            .filter(|e| e.claims.camera == Some(false))
            .map(|e| e.weight),
    );
    let camera = yes >= CAMERA_THRESHOLD && yes > no;
    let device_type = device_type.filter(|d| (*d == DeviceType::Other) != camera);

    let confidence = match (&vendor, camera) {
        (Some(_), _) => vendor_confidence,
        (None, true) => yes * (1.0 - no),
        (None, false) => no * (1.0 - yes),
    };
    Identity {
        camera,
        vendor,
        product,
        model,
        firmware,
        device_type,
        confidence: round3(confidence),
        rules: evidence.iter().map(|e| e.rule.clone()).collect(),
    }
}

fn parse_device_type(s: &str) -> Option<DeviceType> {
    [
        DeviceType::IpCamera,
        DeviceType::Dvr,
        DeviceType::Nvr,
        DeviceType::VideoEncoder,
        DeviceType::Other,
    ]
    .into_iter()
    .find(|d| d.as_str() == s)
}

/// The best-supported vendor and the confidence in it.
fn pick_vendor(evidence: &[Evidence]) -> (Option<String>, f64) {
    // (vendor, product of (1 - w), strongest weight, first position)
    let mut groups: Vec<(&str, f64, f64, usize)> = Vec::new();
    for (pos, e) in evidence.iter().enumerate() {
        let Some(v) = e.claims.vendor.as_deref() else {
            continue;
        };
        match groups.iter_mut().find(|g| g.0 == v) {
            Some(g) => {
                g.1 *= 1.0 - e.weight;
                g.2 = g.2.max(e.weight);
            }
            None => groups.push((v, 1.0 - e.weight, e.weight, pos)),
        }
    }
    let best = groups.iter().copied().max_by(|a, b| {
        (1.0 - a.1)
            .total_cmp(&(1.0 - b.1))
            .then(a.2.total_cmp(&b.2))
            .then(b.3.cmp(&a.3))
    });
    let Some((name, miss, _, _)) = best else {
        return (None, 0.0);
    };
    let rivals_miss: f64 = groups.iter().filter(|g| g.0 != name).map(|g| g.1).product();
    let support = 1.0 - miss;
    let rivals = 1.0 - rivals_miss;
    (Some(name.to_string()), support * (1.0 - rivals))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(rule: &str, weight: f64, vendor: Option<&str>, camera: Option<bool>) -> Evidence {
        Evidence {
            rule: rule.into(),
            weight,
            claims: Claims {
                camera,
                vendor: vendor.map(str::to_string),
                ..Claims::default()
            },
        }
    }

    #[test]
    fn agreeing_rules_raise_confidence() {
        let one = combine(&[ev("a", 0.6, Some("Hikvision"), Some(true))]);
        let two = combine(&[
            ev("a", 0.6, Some("Hikvision"), Some(true)),
            ev("b", 0.5, Some("Hikvision"), None),
        ]);
        assert_eq!(one.confidence, 0.6);
        assert_eq!(two.confidence, 0.8, "1 - 0.4 * 0.5");
        assert!(two.camera);
        assert_eq!(two.rules, ["a", "b"]);
    }

    #[test]
    fn conflicting_vendors_pick_best_and_lower_confidence() {
        let id = combine(&[
            ev("weak", 0.3, Some("Dahua"), Some(true)),
            ev("strong", 0.9, Some("Hikvision"), Some(true)),
        ]);
        assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
        assert_eq!(id.confidence, 0.63, "0.9 * (1 - 0.3)");
    }

    #[test]
    fn rival_vendor_fields_are_ignored_and_strongest_wins() {
        let mut a = ev("a", 0.9, Some("Hikvision"), Some(true));
        a.claims.model = Some("DS-1".into());
        let mut b = ev("b", 0.92, Some("Dahua"), None);
        b.claims.model = Some("IPC-1".into());
        let mut c = ev("c", 0.5, Some("Hikvision"), None);
        c.claims.model = Some("DS-2".into());
        c.claims.firmware = Some("V1".into());
        let mut d = ev("d", 0.2, None, None);
        d.claims.firmware = Some("V2".into());
        let id = combine(&[a, b, c, d]);
        assert_eq!(id.vendor.as_deref(), Some("Hikvision"));
        assert_eq!(id.model.as_deref(), Some("DS-1"));
        assert_eq!(id.firmware.as_deref(), Some("V1"));
    }

    #[test]
    fn weak_camera_evidence_alone_is_not_a_camera() {
        let id = combine(&[ev("goahead", 0.15, None, Some(true))]);
        assert!(!id.camera);
        assert_eq!(id.confidence, 0.0);
        let id = combine(&[
            ev("goahead", 0.15, None, Some(true)),
            ev("title", 0.45, None, Some(true)),
        ]);
        assert!(id.camera);
        assert_eq!(id.confidence, 0.533);
    }

    #[test]
    fn negative_evidence_and_device_type_consistency() {
        let mut a = ev("nvr", 0.4, None, Some(true));
        a.claims.device_type = Some(DeviceType::Nvr);
        let id = combine(&[a.clone(), ev("printer", 0.9, None, Some(false))]);
        assert!(!id.camera);
        assert_eq!(id.device_type, None, "nvr contradicts camera=false");
        assert_eq!(id.confidence, 0.54, "0.9 * (1 - 0.4)");
        let id = combine(&[a]);
        assert!(!id.camera, "0.4 < threshold");
        assert_eq!(combine(&[]), Identity::default());
    }
}
