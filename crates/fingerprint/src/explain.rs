//! Why the engine concluded what it did: every matching rule with what it claimed, and the
//! conflicts between rules ([`Engine::explain`], `camguard identify --explain`).

use crate::combine::{combine, noisy_or, Evidence};
use crate::engine::Engine;
use camguard_model::{DeviceType, FingerprintInput, Identity};
use serde::Serialize;

/// One matching rule and what it claimed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainedRule {
    /// Rule id.
    pub rule: String,
    /// The observation field it matched.
    pub field: &'static str,
    /// Rule weight.
    pub weight: f64,
    /// Claimed camera verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub camera: Option<bool>,
    /// Claimed vendor (canonical).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Claimed product.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Claimed model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Claimed firmware.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Claimed device type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_type: Option<DeviceType>,
}

/// One value claimed for a contested attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimedValue {
    /// The value (`"true"`/`"false"` for `camera`).
    pub value: String,
    /// Rules that claimed it, in rule order.
    pub rules: Vec<String>,
    /// Their combined support, `1 − Π(1 − weight)`, rounded to 3 decimals.
    pub support: f64,
}

/// Rules that disagree about one attribute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// `camera`, `vendor`, `product`, `model`, `firmware` or `device_type`.
    pub attribute: &'static str,
    /// What the identity reports for it (`null` when no value won).
    pub chosen: Option<String>,
    /// Every claimed value, most supported first.
    pub claims: Vec<ClaimedValue>,
}

/// The identity, the evidence behind it and the conflicts within that evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The same identity [`Engine::identify`] returns (not serialized: callers print it).
    #[serde(skip)]
    pub identity: Identity,
    /// Every matching rule, in rule order.
    pub evidence: Vec<ExplainedRule>,
    /// Attributes on which matching rules disagree (empty when all agree).
    pub conflicts: Vec<Conflict>,
}

impl Engine {
    /// Identify `input` and explain the result: evidence per rule and conflicts.
    pub fn explain(&self, input: &FingerprintInput) -> Explanation {
        let evidence = self.evidence(input);
        let identity = combine(&evidence);
        let field_of = |id: &str| self.rules().find(|r| r.id == id).map_or("", |r| r.field);
        let explained = evidence
            .iter()
            .map(|e| ExplainedRule {
                rule: e.rule.clone(),
                field: field_of(&e.rule),
                weight: e.weight,
                camera: e.claims.camera,
                vendor: e.claims.vendor.clone(),
                product: e.claims.product.clone(),
                model: e.claims.model.clone(),
                firmware: e.claims.firmware.clone(),
                device_type: e.claims.device_type,
            })
            .collect();
        let mut conflicts = Vec::new();
        let attributes: [(&'static str, ClaimOf, Option<String>); 6] = [
            (
                "camera",
                |e| e.claims.camera.map(|c| c.to_string()),
                Some(identity.camera.to_string()),
            ),
            (
                "vendor",
                |e| e.claims.vendor.clone(),
                identity.vendor.clone(),
            ),
            (
                "product",
                |e| e.claims.product.clone(),
                identity.product.clone(),
            ),
            ("model", |e| e.claims.model.clone(), identity.model.clone()),
            (
                "firmware",
                |e| e.claims.firmware.clone(),
                identity.firmware.clone(),
            ),
            (
                "device_type",
                |e| e.claims.device_type.map(|d| d.as_str().to_string()),
                identity.device_type.map(|d| d.as_str().to_string()),
            ),
        ];
        for (attribute, get, chosen) in attributes {
            if let Some(c) = conflict(attribute, &evidence, get, chosen) {
                conflicts.push(c);
            }
        }
        Explanation {
            identity,
            evidence: explained,
            conflicts,
        }
    }
}

type ClaimOf = fn(&Evidence) -> Option<String>;

fn conflict(
    attribute: &'static str,
    evidence: &[Evidence],
    get: ClaimOf,
    chosen: Option<String>,
) -> Option<Conflict> {
    let mut claims: Vec<(String, Vec<String>, Vec<f64>)> = Vec::new();
    for e in evidence {
        let Some(value) = get(e) else { continue };
        match claims.iter_mut().find(|c| c.0 == value) {
            Some(c) => {
                c.1.push(e.rule.clone());
                c.2.push(e.weight);
            }
            None => claims.push((value, vec![e.rule.clone()], vec![e.weight])),
        }
    }
    if claims.len() < 2 {
        return None;
    }
    let mut claims: Vec<ClaimedValue> = claims
        .into_iter()
        .map(|(value, rules, weights)| ClaimedValue {
            value,
            rules,
            support: (noisy_or(weights) * 1000.0).round() / 1000.0,
        })
        .collect();
    claims.sort_by(|a, b| b.support.total_cmp(&a.support));
    Some(Conflict {
        attribute,
        chosen,
        claims,
    })
}
