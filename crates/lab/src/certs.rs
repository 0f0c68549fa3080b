//! Device TLS certificates: self-signed per device, issued by a per-lab vendor CA, expired, or
//! one key pair and certificate shared by every device of a model.
//!
//! Subjects, issuers and lifetimes come from `data/lab/certificates.toml` (per vendor, with
//! sources). Modern HTTPS keys are ECDSA P-256 derived from the lab seed, so a vendor CA (and
//! every device key) is the same in every run of the same lab: a CA saved from one run verifies
//! the devices of the next. Legacy TLS 1.0 devices get RSA-2048 keys (their cipher suites use RSA
//! key exchange); those are random per run.

use crate::error::LabError;
use crate::vendor_table::{VendorEntry, VendorTable};
use rcgen::{
    CertificateParams, CertifiedIssuer, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType, SerialNumber,
};
use rustls::pki_types::{CertificateDer, PrivatePkcs8KeyDer};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};

/// The embedded certificate facts.
const DATA: &str = include_str!("../../../data/lab/certificates.toml");

/// Which certificate a device presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// Self-signed, one key per device, vendor-typical subject.
    SelfSigned,
    /// Issued by the lab's CA of the device's vendor (one CA per vendor per lab).
    VendorCa,
    /// Self-signed, with a notAfter in the past.
    Expired,
    /// One key pair and certificate for every device of the same personality and model.
    SharedKey,
}

impl CertificateKind {
    /// Name as in lab files and the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            CertificateKind::SelfSigned => "self_signed",
            CertificateKind::VendorCa => "vendor_ca",
            CertificateKind::Expired => "expired",
            CertificateKind::SharedKey => "shared_key",
        }
    }
}

/// Key algorithm of a device certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA P-256, derived from the lab seed.
    EcdsaP256,
    /// RSA-2048 (random), for TLS 1.0 RSA key exchange.
    Rsa2048,
}

impl KeyKind {
    /// Name as in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::EcdsaP256 => "ecdsa-p256",
            KeyKind::Rsa2048 => "rsa-2048",
        }
    }
}

/// Certificate facts of one vendor (or the default).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertFacts {
    /// Canonical vendor name (absent for the default entry).
    #[serde(default)]
    pub vendor: Option<String>,
    /// HTTPS port.
    pub https_port: u16,
    /// Self-signed subject (`KEY=value`, templates `{ip}` `{serial}` `{serial_last5}` `{model}`).
    pub subject: Vec<String>,
    /// Subject of the vendor CA.
    pub ca_subject: Vec<String>,
    /// Subject of a CA-issued device certificate.
    pub leaf_subject: Vec<String>,
    /// Subject of the certificate shared by a model (firmware-embedded key).
    #[serde(default)]
    pub shared_subject: Option<Vec<String>>,
    /// Lifetime of a fresh certificate in days.
    pub validity_days: u32,
    /// notAfter of an expired certificate (`YYYY-MM-DD`).
    pub expired_not_after: String,
    /// Provenance.
    pub source: String,
}

impl VendorEntry for CertFacts {
    fn vendor(&self) -> Option<&str> {
        self.vendor.as_deref()
    }
    fn source(&self) -> &str {
        &self.source
    }
}

fn data() -> Result<&'static VendorTable<CertFacts>, LabError> {
    static PARSED: OnceLock<Result<VendorTable<CertFacts>, String>> = OnceLock::new();
    VendorTable::cached(&PARSED, "certificates.toml", DATA, validate)
}

fn validate(name: &str, f: &CertFacts) -> Result<(), String> {
    for list in [&f.subject, &f.ca_subject, &f.leaf_subject]
        .into_iter()
        .chain(f.shared_subject.as_ref())
    {
        if list.is_empty() {
            return Err(format!("{name}: empty subject"));
        }
        for rdn in list {
            dn_type(rdn).ok_or_else(|| format!("{name}: bad subject attribute {rdn:?}"))?;
        }
    }
    parse_date(&f.expired_not_after)
        .ok_or_else(|| format!("{name}: bad date {:?}", f.expired_not_after))?;
    if f.validity_days == 0 {
        return Err(format!("{name}: validity_days must be positive"));
    }
    Ok(())
}

/// Certificate facts for a vendor (the default entry when the vendor has none).
pub fn facts_for(vendor: &str) -> Result<&'static CertFacts, LabError> {
    Ok(data()?.for_vendor(vendor))
}

/// What identifies a device for certificate generation.
#[derive(Debug, Clone, Copy)]
pub struct CertSubject<'a> {
    /// Device id (unique in the lab).
    pub device_id: &'a str,
    /// Personality id.
    pub personality: &'a str,
    /// Canonical vendor name.
    pub vendor: &'a str,
    /// Model designation.
    pub model: &'a str,
    /// Serial number.
    pub serial: &'a str,
    /// Loopback address.
    pub address: Ipv4Addr,
}

/// A certificate and its private key, ready for a TLS server.
#[derive(Debug)]
pub struct DeviceCert {
    /// Certificate chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 private key.
    pub key: PrivatePkcs8KeyDer<'static>,
    /// What the manifest tells about it.
    pub info: CertInfo,
}

/// Manifest view of a device certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    /// `self_signed`, `vendor_ca`, `expired` or `shared_key`.
    pub kind: String,
    /// SHA-256 of the leaf certificate (DER), lower-case hex.
    pub sha256: String,
    /// SHA-256 of the leaf's SubjectPublicKeyInfo (DER), lower-case hex: equal across runs of
    /// the same lab for seed-derived keys, and across a model's devices for shared keys.
    pub spki_sha256: String,
    /// Subject, `KEY=value` pairs joined by `, `.
    pub subject: String,
    /// Issuer, same format.
    pub issuer: String,
    /// notBefore, `YYYY-MM-DD`.
    pub not_before: String,
    /// notAfter, `YYYY-MM-DD`.
    pub not_after: String,
    /// `ecdsa-p256` or `rsa-2048`.
    pub key: String,
}

/// A vendor CA of one lab.
struct VendorCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    subject: String,
}

/// Makes every certificate of one lab; caches vendor CAs and shared model certificates.
pub struct CertFactory {
    seed: u64,
    cas: HashMap<String, VendorCa>,
    shared: HashMap<(String, String, KeyKind), Arc<DeviceCert>>,
    /// RSA keys generated ahead, in parallel (RSA-2048 generation takes tens of ms each).
    rsa_pool: std::sync::Mutex<Vec<KeyPair>>,
}

impl std::fmt::Debug for CertFactory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertFactory")
            .field("seed", &self.seed)
            .field("cas", &self.cas.keys().collect::<Vec<_>>())
            .field("shared", &self.shared.len())
            .field(
                "rsa_pool",
                &self.rsa_pool.lock().map(|p| p.len()).unwrap_or_default(),
            )
            .finish()
    }
}

impl CertFactory {
    /// A factory for a lab seeded with `seed`.
    pub fn new(seed: u64) -> CertFactory {
        CertFactory {
            seed,
            cas: HashMap::new(),
            shared: HashMap::new(),
            rsa_pool: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Generate `n` RSA-2048 keys ahead on every core (legacy TLS devices take them).
    pub fn pregenerate_rsa(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        let threads = std::thread::available_parallelism()
            .map(|t| t.get())
            .unwrap_or(1)
            .min(n);
        let keys: Vec<KeyPair> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let count = n / threads + usize::from(t < n % threads);
                    s.spawn(move || {
                        (0..count)
                            .filter_map(|_| {
                                KeyPair::generate_rsa_for(
                                    &rcgen::PKCS_RSA_SHA256,
                                    rcgen::RsaKeySize::_2048,
                                )
                                .ok()
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        if let Ok(mut pool) = self.rsa_pool.lock() {
            pool.extend(keys);
        }
    }

    /// The certificate of a device.
    pub fn device_cert(
        &mut self,
        who: &CertSubject<'_>,
        kind: CertificateKind,
        key: KeyKind,
    ) -> Result<Arc<DeviceCert>, LabError> {
        let facts = facts_for(who.vendor)?;
        let err = |what: &str, e: rcgen::Error| LabError::Device {
            device: who.device_id.to_string(),
            field: "certificate".into(),
            message: format!("{what}: {e}"),
        };
        let fresh_from = rcgen::date_time_ymd(2024, 1, 1);
        let fresh_until = fresh_from + time_days(facts.validity_days);
        let device_label = format!("device/{}/{}", who.device_id, key.as_str());
        match kind {
            CertificateKind::SelfSigned | CertificateKind::Expired => {
                let pair = self.key(&device_label, key).map_err(|e| err("key", e))?;
                let mut params = device_params(&facts.subject, who, self.seed, &device_label);
                if kind == CertificateKind::Expired {
                    let until = parse_date(&facts.expired_not_after).unwrap_or(fresh_from);
                    params.not_after = until;
                    params.not_before = until - time_days(facts.validity_days.min(3650));
                } else {
                    params.not_before = fresh_from;
                    params.not_after = fresh_until;
                }
                let subject = dn_string(&facts.subject, who);
                let cert = self_signed(kind, key, &pair, &params, subject);
                Ok(Arc::new(cert.map_err(|e| err("sign", e))?))
            }
            CertificateKind::VendorCa => {
                if !self.cas.contains_key(who.vendor) {
                    let label = format!("ca/{}", who.vendor);
                    let pair = self
                        .key(&label, KeyKind::EcdsaP256)
                        .map_err(|e| err("ca key", e))?;
                    let mut params = CertificateParams::default();
                    params.distinguished_name = dn(&facts.ca_subject, who);
                    params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
                    params.key_usages = vec![
                        KeyUsagePurpose::KeyCertSign,
                        KeyUsagePurpose::CrlSign,
                        KeyUsagePurpose::DigitalSignature,
                    ];
                    params.serial_number = Some(serial(self.seed, &label));
                    params.not_before = rcgen::date_time_ymd(2018, 1, 1);
                    params.not_after = rcgen::date_time_ymd(2048, 1, 1);
                    let issuer =
                        CertifiedIssuer::self_signed(params, pair).map_err(|e| err("ca", e))?;
                    self.cas.insert(
                        who.vendor.to_string(),
                        VendorCa {
                            issuer,
                            subject: dn_string(&facts.ca_subject, who),
                        },
                    );
                }
                let pair = self.key(&device_label, key).map_err(|e| err("key", e))?;
                let ca = self.cas.get(who.vendor).ok_or_else(|| LabError::Device {
                    device: who.device_id.to_string(),
                    field: "certificate".into(),
                    message: "vendor CA missing".into(),
                })?;
                let mut params = device_params(&facts.leaf_subject, who, self.seed, &device_label);
                params.not_before = fresh_from;
                params.not_after = fresh_until;
                params.use_authority_key_identifier_extension = true;
                params.key_usages = vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyEncipherment,
                ];
                params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
                let cert = params
                    .signed_by(&pair, &ca.issuer)
                    .map_err(|e| err("sign", e))?;
                Ok(Arc::new(finish(
                    kind,
                    cert.der().clone(),
                    &pair,
                    key,
                    dn_string(&facts.leaf_subject, who),
                    ca.subject.clone(),
                    &params,
                )))
            }
            CertificateKind::SharedKey => {
                let cache_key = (who.personality.to_string(), who.model.to_string(), key);
                if let Some(c) = self.shared.get(&cache_key) {
                    return Ok(c.clone());
                }
                let label = format!("shared/{}/{}/{}", who.personality, who.model, key.as_str());
                let pair = self.key(&label, key).map_err(|e| err("key", e))?;
                let template = facts.shared_subject.as_ref().unwrap_or(&facts.leaf_subject);
                // The shared certificate is the model's, not a device's: no address, and the
                // model stands in for the serial.
                let model_only = CertSubject {
                    serial: who.model,
                    address: Ipv4Addr::UNSPECIFIED,
                    ..*who
                };
                let mut params = CertificateParams::default();
                params.distinguished_name = dn(template, &model_only);
                params.serial_number = Some(serial(self.seed, &label));
                params.not_before = fresh_from;
                params.not_after = fresh_until;
                let subject = dn_string(template, &model_only);
                let c =
                    self_signed(kind, key, &pair, &params, subject).map_err(|e| err("sign", e))?;
                let c = Arc::new(c);
                self.shared.insert(cache_key, c.clone());
                Ok(c)
            }
        }
    }

    /// PEM of every vendor CA made so far, by vendor.
    pub fn ca_pems(&self) -> std::collections::BTreeMap<String, String> {
        self.cas
            .iter()
            .map(|(v, ca)| (v.clone(), ca.issuer.pem()))
            .collect()
    }

    fn key(&self, label: &str, kind: KeyKind) -> Result<KeyPair, rcgen::Error> {
        match kind {
            KeyKind::EcdsaP256 => p256_from_seed(self.seed, label),
            KeyKind::Rsa2048 => match self.rsa_pool.lock().ok().and_then(|mut p| p.pop()) {
                Some(k) => Ok(k),
                None => {
                    KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
                }
            },
        }
    }
}

/// Parameters of a device's own certificate: subject from `template`, the device address as
/// IP SAN, a serial derived from the seed and `label` (validity and usages left to the caller).
fn device_params(
    template: &[String],
    who: &CertSubject<'_>,
    seed: u64,
    label: &str,
) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = dn(template, who);
    params.subject_alt_names = vec![SanType::IpAddress(IpAddr::V4(who.address))];
    params.serial_number = Some(serial(seed, label));
    params
}

/// Self-sign `params` with `pair`: issuer = subject.
fn self_signed(
    kind: CertificateKind,
    key: KeyKind,
    pair: &KeyPair,
    params: &CertificateParams,
    subject: String,
) -> Result<DeviceCert, rcgen::Error> {
    let cert = params.self_signed(pair)?;
    Ok(finish(
        kind,
        cert.der().clone(),
        pair,
        key,
        subject.clone(),
        subject,
        params,
    ))
}

fn finish(
    kind: CertificateKind,
    der: CertificateDer<'static>,
    pair: &KeyPair,
    key: KeyKind,
    subject: String,
    issuer: String,
    params: &CertificateParams,
) -> DeviceCert {
    use rcgen::PublicKeyData;
    let info = CertInfo {
        kind: kind.as_str().to_string(),
        sha256: hex::encode(Sha256::digest(der.as_ref())),
        spki_sha256: hex::encode(Sha256::digest(pair.subject_public_key_info())),
        subject,
        issuer,
        not_before: ymd(params.not_before),
        not_after: ymd(params.not_after),
        key: key.as_str().to_string(),
    };
    DeviceCert {
        chain: vec![der],
        key: PrivatePkcs8KeyDer::from(pair.serialize_der()),
        info,
    }
}

/// An ECDSA P-256 key whose private scalar is derived from the lab seed and a label.
fn p256_from_seed(seed: u64, label: &str) -> Result<KeyPair, rcgen::Error> {
    use aws_lc_rs::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
    for counter in 0u32..16 {
        let mut h = Sha256::new();
        h.update(b"camguard-lab key v1\0");
        h.update(seed.to_le_bytes());
        h.update(counter.to_le_bytes());
        h.update(label.as_bytes());
        let scalar = h.finalize();
        // SEC 1 ECPrivateKey { version 1, privateKey, parameters [0] prime256v1 }.
        let mut sec1 = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
        sec1.extend_from_slice(&scalar);
        sec1.extend_from_slice(&[
            0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ]);
        // A scalar of zero or above the group order is rejected: try the next counter.
        let Ok(pair) = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, &sec1)
        else {
            continue;
        };
        let Ok(pkcs8) = pair.to_pkcs8v1() else {
            continue;
        };
        return KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(pkcs8.as_ref()),
            &rcgen::PKCS_ECDSA_P256_SHA256,
        );
    }
    Err(rcgen::Error::KeyGenerationUnavailable)
}

/// A positive certificate serial number derived from the seed and a label.
fn serial(seed: u64, label: &str) -> SerialNumber {
    let mut h = Sha256::new();
    h.update(b"camguard-lab serial\0");
    h.update(seed.to_le_bytes());
    h.update(label.as_bytes());
    let mut bytes = h.finalize()[..16].to_vec();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

fn time_days(days: u32) -> time::Duration {
    time::Duration::days(i64::from(days))
}

fn parse_date(s: &str) -> Option<time::OffsetDateTime> {
    let mut it = s.split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u8 = it.next()?.parse().ok()?;
    let d: u8 = it.next()?.parse().ok()?;
    if it.next().is_some() {
        return None;
    }
    let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
    Some(date.midnight().assume_utc())
}

fn ymd(t: time::OffsetDateTime) -> String {
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

fn dn_type(rdn: &str) -> Option<(DnType, &str)> {
    let (k, v) = rdn.split_once('=')?;
    let t = match k {
        "C" => DnType::CountryName,
        "ST" => DnType::StateOrProvinceName,
        "L" => DnType::LocalityName,
        "O" => DnType::OrganizationName,
        "OU" => DnType::OrganizationalUnitName,
        "CN" => DnType::CommonName,
        "serialNumber" => DnType::CustomDnType(vec![2, 5, 4, 5]),
        _ => return None,
    };
    (!v.is_empty()).then_some((t, v))
}

fn expand(template: &str, who: &CertSubject<'_>) -> String {
    let ip = if who.address.is_unspecified() {
        String::new()
    } else {
        who.address.to_string()
    };
    crate::identity::expand_realm(template, who.serial, who.model).replace("{ip}", &ip)
}

fn dn(template: &[String], who: &CertSubject<'_>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    for rdn in template {
        if let Some((t, v)) = dn_type(rdn) {
            let value = expand(v, who);
            if !value.is_empty() {
                dn.push(t, value);
            }
        }
    }
    dn
}

fn dn_string(template: &[String], who: &CertSubject<'_>) -> String {
    template
        .iter()
        .filter_map(|rdn| {
            let (k, v) = rdn.split_once('=')?;
            let value = expand(v, who);
            (!value.is_empty()).then(|| format!("{k}={value}"))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who<'a>(id: &'a str, serial: &'a str, last: u8) -> CertSubject<'a> {
        CertSubject {
            device_id: id,
            personality: "hikvision",
            vendor: "Hikvision",
            model: "DS-2CD2143G0-I",
            serial,
            address: Ipv4Addr::new(127, 0, 10, last),
        }
    }

    #[test]
    fn data_parses_with_sources_and_fallback() {
        let d = data().expect("certificates.toml");
        assert!(d.vendor_count() >= 3);
        assert_eq!(
            facts_for("Hikvision").expect("facts").vendor.as_deref(),
            Some("Hikvision")
        );
        assert!(facts_for("Nobody").expect("facts").vendor.is_none());
    }

    #[test]
    fn seeded_keys_are_reproducible_and_distinct() {
        let a = p256_from_seed(7, "x").expect("key");
        let b = p256_from_seed(7, "x").expect("key");
        let c = p256_from_seed(8, "x").expect("key");
        let d = p256_from_seed(7, "y").expect("key");
        assert_eq!(a.public_key_raw(), b.public_key_raw());
        assert_ne!(a.public_key_raw(), c.public_key_raw());
        assert_ne!(a.public_key_raw(), d.public_key_raw());
    }

    /// A device certificate of `kind` (ECDSA) for device `id` at 127.0.10.`last`.
    fn cert(
        f: &mut CertFactory,
        id: &str,
        serial: &str,
        last: u8,
        kind: CertificateKind,
    ) -> Arc<DeviceCert> {
        f.device_cert(&who(id, serial, last), kind, KeyKind::EcdsaP256)
            .unwrap_or_else(|e| panic!("{id}: {kind:?}: {e}"))
    }

    #[test]
    fn kinds_have_expected_shapes() {
        let mut f = CertFactory::new(42);
        let s = cert(&mut f, "a", "S1", 1, CertificateKind::SelfSigned);
        assert_eq!(s.info.subject, s.info.issuer);
        assert!(
            s.info.subject.contains("CN=127.0.10.1"),
            "{}",
            s.info.subject
        );
        assert!(s.info.not_after.as_str() > "2030");

        let e = cert(&mut f, "b", "S2", 2, CertificateKind::Expired);
        assert!(e.info.not_after.as_str() < "2025", "{}", e.info.not_after);
        assert!(e.info.not_before < e.info.not_after);

        let v1 = cert(&mut f, "c", "S3", 3, CertificateKind::VendorCa);
        let v2 = cert(&mut f, "d", "S4", 4, CertificateKind::VendorCa);
        assert_eq!(v1.info.issuer, v2.info.issuer);
        assert_ne!(v1.info.issuer, v1.info.subject);
        assert_ne!(v1.info.spki_sha256, v2.info.spki_sha256);
        assert_eq!(f.ca_pems().len(), 1);

        let k1 = cert(&mut f, "e", "S5", 5, CertificateKind::SharedKey);
        let k2 = cert(&mut f, "f", "S6", 6, CertificateKind::SharedKey);
        assert_eq!(k1.info.sha256, k2.info.sha256);
        assert_eq!(k1.info.spki_sha256, k2.info.spki_sha256);

        // Same seed, new factory: the same device keys and CA key.
        let mut g = CertFactory::new(42);
        let s2 = cert(&mut g, "a", "S1", 1, CertificateKind::SelfSigned);
        assert_eq!(s.info.spki_sha256, s2.info.spki_sha256);
    }
}
