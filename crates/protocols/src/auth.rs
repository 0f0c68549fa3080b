//! Authentication schemes spoken by cameras, client and server side:
//! HTTP/RTSP Basic (RFC 7617), Digest (RFC 7616, and RFC 2069 without `qop`), and the ONVIF
//! WS-Security UsernameToken with `PasswordDigest`.
//!
//! Parsers are tolerant (cameras quote oddly) and bounded (at most [`MAX_PARAMS`] parameters,
//! header values longer than [`MAX_HEADER`] bytes are ignored).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use md5::Md5;
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};

/// Longest header value the parsers look at.
pub const MAX_HEADER: usize = 4096;
/// Most parameters read from one challenge or credential.
pub const MAX_PARAMS: usize = 32;

/// Hash algorithm of a Digest challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DigestAlgorithm {
    /// `MD5` (the default when absent).
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl DigestAlgorithm {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "MD5" => Self::Md5,
            "MD5-SESS" => Self::Md5Sess,
            "SHA-256" => Self::Sha256,
            "SHA-256-SESS" => Self::Sha256Sess,
            _ => return None,
        })
    }

    /// Name as written in headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    fn hash(self, data: &str) -> String {
        self.hash_bytes(data.as_bytes())
    }

    fn hash_bytes(self, data: &[u8]) -> String {
        match self {
            Self::Md5 | Self::Md5Sess => hex::encode(Md5::digest(data)),
            Self::Sha256 | Self::Sha256Sess => hex::encode(Sha256::digest(data)),
        }
    }

    fn is_sess(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }
}

/// A Digest challenge from `WWW-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    /// Realm.
    pub realm: String,
    /// Server nonce.
    pub nonce: String,
    /// Opaque value to echo back.
    pub opaque: Option<String>,
    /// Hash algorithm.
    pub algorithm: DigestAlgorithm,
    /// Offered `qop` values (empty: RFC 2069 style).
    pub qop: Vec<String>,
    /// `stale=true`.
    pub stale: bool,
}

/// One challenge from a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// Basic.
    Basic {
        /// Realm (may be empty).
        realm: String,
    },
    /// Digest.
    Digest(DigestChallenge),
    /// Any other scheme (or a Digest challenge with an unknown algorithm).
    Other {
        /// Scheme name as sent.
        scheme: String,
    },
}

impl Challenge {
    /// Realm of a Basic or Digest challenge.
    pub fn realm(&self) -> Option<&str> {
        match self {
            Challenge::Basic { realm } => Some(realm),
            Challenge::Digest(d) => Some(&d.realm),
            Challenge::Other { .. } => None,
        }
    }
}

/// Split `a=b, c="d, e"` style parameter lists. Tolerates missing quotes, spaces around `=`,
/// single quotes, trailing commas.
fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s.trim_start_matches([' ', ',']);
    while !rest.is_empty() && out.len() < MAX_PARAMS {
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let body = &rest[1..];
            let mut v = String::new();
            let mut end = body.len();
            let mut chars = body.char_indices();
            while let Some((i, c)) = chars.next() {
                if c == '\\' {
                    if let Some((_, n)) = chars.next() {
                        v.push(n);
                    }
                } else if c == q {
                    end = i + 1;
                    break;
                } else {
                    v.push(c);
                }
            }
            value = v;
            rest = &body[end.min(body.len())..];
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.push((name, value));
        rest = rest.trim_start_matches([' ', ',']);
    }
    out
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Does `word` start a new challenge (a token followed by a space, not by `=`)?
fn scheme_at(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    let end = s.find([' ', ',']).unwrap_or(s.len());
    let word = &s[..end];
    if word.is_empty() || word.contains('=') {
        return None;
    }
    Some((word, &s[end..]))
}

/// Parse every challenge in one `WWW-Authenticate` value.
pub fn parse_challenges(header_value: &str) -> Vec<Challenge> {
    if header_value.len() > MAX_HEADER {
        return Vec::new();
    }
    // Split into segments at scheme tokens: "Basic realm=x, Digest realm=y, nonce=z".
    let mut segments: Vec<(String, String)> = Vec::new();
    let mut rest = header_value;
    while let Some((scheme, after)) = scheme_at(rest) {
        // Find where the next scheme starts: a comma followed by "Token " (no '=' before space).
        let mut cut = after.len();
        let mut search = 0;
        while let Some(pos) = after[search..].find(',') {
            let at = search + pos + 1;
            if let Some((w, _)) = scheme_at(&after[at..]) {
                let tail = after[at..].trim_start();
                if tail.len() > w.len()
                    && tail.as_bytes()[w.len()] == b' '
                    && !in_quotes(&after[..at])
                {
                    cut = at;
                    break;
                }
            }
            search = at;
        }
        segments.push((scheme.to_string(), after[..cut].to_string()));
        rest = &after[cut..];
        if segments.len() >= 8 {
            break;
        }
    }
    segments
        .into_iter()
        .map(|(scheme, params)| challenge_from(&scheme, &parse_params(&params)))
        .collect()
}

fn in_quotes(s: &str) -> bool {
    s.chars().filter(|c| *c == '"').count() % 2 == 1
}

fn challenge_from(scheme: &str, params: &[(String, String)]) -> Challenge {
    let realm = param(params, "realm").unwrap_or_default().to_string();
    if scheme.eq_ignore_ascii_case("basic") {
        return Challenge::Basic { realm };
    }
    if scheme.eq_ignore_ascii_case("digest") {
        let algorithm = match param(params, "algorithm") {
            None => Some(DigestAlgorithm::Md5),
            Some(a) => DigestAlgorithm::parse(a),
        };
        if let (Some(algorithm), Some(nonce)) = (algorithm, param(params, "nonce")) {
            return Challenge::Digest(DigestChallenge {
                realm,
                nonce: nonce.to_string(),
                opaque: param(params, "opaque").map(str::to_string),
                algorithm,
                qop: param(params, "qop")
                    .map(|q| {
                        q.split(',')
                            .map(|s| s.trim().to_ascii_lowercase())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
                stale: param(params, "stale").is_some_and(|s| s.eq_ignore_ascii_case("true")),
            });
        }
    }
    Challenge::Other {
        scheme: scheme.to_string(),
    }
}

/// The strongest challenge: Digest (SHA-256 first) over Basic over anything else.
pub fn strongest(challenges: &[Challenge]) -> Option<&Challenge> {
    challenges.iter().max_by_key(|c| match c {
        Challenge::Digest(d)
            if matches!(
                d.algorithm,
                DigestAlgorithm::Sha256 | DigestAlgorithm::Sha256Sess
            ) =>
        {
            4
        }
        Challenge::Digest(_) => 3,
        Challenge::Basic { .. } => 2,
        Challenge::Other { .. } => 1,
    })
}

/// A user name and password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl Credentials {
    /// Convenience constructor.
    pub fn new(username: &str, password: &str) -> Self {
        Self {
            username: username.to_string(),
            password: password.to_string(),
        }
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// `Authorization` value for a Basic challenge.
pub fn basic_authorization(creds: &Credentials) -> String {
    format!(
        "Basic {}",
        B64.encode(format!("{}:{}", creds.username, creds.password))
    )
}

/// `Authorization` value for a Digest challenge with an explicit client nonce and count.
pub fn digest_authorization(
    ch: &DigestChallenge,
    creds: &Credentials,
    method: &str,
    uri: &str,
    cnonce: &str,
    nc: u32,
) -> String {
    let alg = ch.algorithm;
    let mut ha1 = alg.hash(&format!(
        "{}:{}:{}",
        creds.username, ch.realm, creds.password
    ));
    if alg.is_sess() {
        ha1 = alg.hash(&format!("{ha1}:{}:{cnonce}", ch.nonce));
    }
    let ha2 = alg.hash(&format!("{method}:{uri}"));
    let use_qop = ch.qop.iter().any(|q| q == "auth");
    let nc_text = format!("{nc:08x}");
    let response = if use_qop {
        alg.hash(&format!("{ha1}:{}:{nc_text}:{cnonce}:auth:{ha2}", ch.nonce))
    } else {
        alg.hash(&format!("{ha1}:{}:{ha2}", ch.nonce))
    };
    let mut out = format!(
        "Digest username=\"{}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", response=\"{response}\"",
        quote_escape(&creds.username),
        quote_escape(&ch.realm),
        quote_escape(&ch.nonce)
    );
    if ch.algorithm != DigestAlgorithm::Md5 {
        out.push_str(&format!(", algorithm={}", alg.as_str()));
    }
    if let Some(opaque) = &ch.opaque {
        out.push_str(&format!(", opaque=\"{}\"", quote_escape(opaque)));
    }
    if use_qop {
        out.push_str(&format!(", qop=auth, nc={nc_text}, cnonce=\"{cnonce}\""));
    } else if alg.is_sess() {
        out.push_str(&format!(", cnonce=\"{cnonce}\""));
    }
    out
}

fn quote_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `Authorization` value answering `ch`, or `None` for an unsupported scheme.
pub fn authorization_for(
    ch: &Challenge,
    creds: &Credentials,
    method: &str,
    uri: &str,
) -> Option<String> {
    match ch {
        Challenge::Basic { .. } => Some(basic_authorization(creds)),
        Challenge::Digest(d) => Some(digest_authorization(
            d,
            creds,
            method,
            uri,
            &random_hex(8),
            1,
        )),
        Challenge::Other { .. } => None,
    }
}

/// `WWW-Authenticate` value of a Basic challenge.
pub fn basic_challenge(realm: &str) -> String {
    format!("Basic realm=\"{}\"", quote_escape(realm))
}

/// `WWW-Authenticate` value of a Digest challenge.
pub fn digest_challenge(realm: &str, nonce: &str, algorithm: DigestAlgorithm, qop: bool) -> String {
    let mut out = format!(
        "Digest realm=\"{}\", nonce=\"{}\"",
        quote_escape(realm),
        quote_escape(nonce)
    );
    if algorithm != DigestAlgorithm::Md5 {
        out.push_str(&format!(", algorithm={}", algorithm.as_str()));
    }
    if qop {
        out.push_str(", qop=\"auth\"");
    }
    out
}

/// A fresh random nonce for a server challenge.
pub fn new_nonce() -> String {
    random_hex(16)
}

/// The parameters of a Digest `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestResponse {
    /// All parameters, names lower-cased.
    pub params: Vec<(String, String)>,
}

impl DigestResponse {
    /// A parameter by (lower-case) name.
    pub fn get(&self, name: &str) -> Option<&str> {
        param(&self.params, name)
    }
}

/// Credentials sent by a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authorization {
    /// Basic: the decoded user and password.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: String,
    },
    /// Digest response parameters.
    Digest(DigestResponse),
}

impl Authorization {
    /// The user name the client claims.
    pub fn username(&self) -> Option<&str> {
        match self {
            Authorization::Basic { username, .. } => Some(username),
            Authorization::Digest(d) => d.get("username"),
        }
    }
}

/// Parse an `Authorization` header value (server side).
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    if value.len() > MAX_HEADER {
        return None;
    }
    let (scheme, rest) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = B64.decode(rest.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (username, password) = text.split_once(':')?;
        return Some(Authorization::Basic {
            username: username.to_string(),
            password: password.to_string(),
        });
    }
    if scheme.eq_ignore_ascii_case("digest") {
        return Some(Authorization::Digest(DigestResponse {
            params: parse_params(rest),
        }));
    }
    None
}

/// True when `auth` proves knowledge of `password` for `username`. For Digest, the realm
/// must match and `method` is part of the hash; the nonce's freshness is the caller's business.
/// A `qop=auth-int` answer is checked against an empty body (see [`verify_with_body`]).
pub fn verify(
    auth: &Authorization,
    method: &str,
    username: &str,
    password: &str,
    realm: &str,
) -> bool {
    verify_with_body(auth, method, b"", username, password, realm)
}

/// [`verify`] for a request with a body: a Digest answer with `qop=auth-int` covers the hash
/// of `body` (RFC 7616 §3.4.3).
pub fn verify_with_body(
    auth: &Authorization,
    method: &str,
    body: &[u8],
    username: &str,
    password: &str,
    realm: &str,
) -> bool {
    match auth {
        Authorization::Basic {
            username: u,
            password: p,
        } => {
            constant_eq(u.as_bytes(), username.as_bytes())
                & constant_eq(p.as_bytes(), password.as_bytes())
        }
        Authorization::Digest(d) => {
            let (Some(u), Some(r), Some(nonce), Some(uri), Some(resp)) = (
                d.get("username"),
                d.get("realm"),
                d.get("nonce"),
                d.get("uri"),
                d.get("response"),
            ) else {
                return false;
            };
            if u != username || r != realm {
                return false;
            }
            let Some(alg) = DigestAlgorithm::parse(d.get("algorithm").unwrap_or("MD5")) else {
                return false;
            };
            let cnonce = d.get("cnonce").unwrap_or_default();
            let mut ha1 = alg.hash(&format!("{username}:{realm}:{password}"));
            if alg.is_sess() {
                ha1 = alg.hash(&format!("{ha1}:{nonce}:{cnonce}"));
            }
            let ha2 = if d
                .get("qop")
                .is_some_and(|q| q.eq_ignore_ascii_case("auth-int"))
            {
                alg.hash(&format!("{method}:{uri}:{}", alg.hash_bytes(body)))
            } else {
                alg.hash(&format!("{method}:{uri}"))
            };
            let expected = match d.get("qop") {
                Some(qop) => alg.hash(&format!(
                    "{ha1}:{nonce}:{}:{cnonce}:{qop}:{ha2}",
                    d.get("nc").unwrap_or_default()
                )),
                None => alg.hash(&format!("{ha1}:{nonce}:{ha2}")),
            };
            constant_eq(expected.as_bytes(), resp.to_ascii_lowercase().as_bytes())
        }
    }
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// WS-Security `PasswordDigest` = Base64(SHA1(nonce ‖ created ‖ password)).
pub fn wsse_password_digest(nonce: &[u8], created: &str, password: &str) -> String {
    let mut h = Sha1::new();
    h.update(nonce);
    h.update(created.as_bytes());
    h.update(password.as_bytes());
    B64.encode(h.finalize())
}

/// A `<wsse:Security>` SOAP header element carrying a UsernameToken with `PasswordDigest`.
pub fn wsse_security_header(username: &str, password: &str, nonce: &[u8], created: &str) -> String {
    format!(
        concat!(
            "<wsse:Security s:mustUnderstand=\"1\" ",
            "xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd\" ",
            "xmlns:wsu=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd\">",
            "<wsse:UsernameToken><wsse:Username>{user}</wsse:Username>",
            "<wsse:Password Type=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest\">{digest}</wsse:Password>",
            "<wsse:Nonce EncodingType=\"http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary\">{nonce}</wsse:Nonce>",
            "<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security>"
        ),
        user = xml_escape(username),
        digest = wsse_password_digest(nonce, created, password),
        nonce = B64.encode(nonce),
        created = xml_escape(created),
    )
}

/// Check a received UsernameToken digest against the expected password.
pub fn wsse_verify(nonce_b64: &str, created: &str, password: &str, digest_b64: &str) -> bool {
    let Ok(nonce) = B64.decode(nonce_b64.trim()) else {
        return false;
    };
    let expected = wsse_password_digest(&nonce, created.trim(), password);
    constant_eq(expected.as_bytes(), digest_b64.trim().as_bytes())
}

/// Escape text for an XML element or attribute.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_gstreamer_and_hikvision_style_challenges() {
        let c =
            parse_challenges(r#"Digest realm="GStreamer RTSP Server", nonce="fa8b3dbe3a259177""#);
        match &c[..] {
            [Challenge::Digest(d)] => {
                assert_eq!(d.realm, "GStreamer RTSP Server");
                assert_eq!(d.nonce, "fa8b3dbe3a259177");
                assert!(d.qop.is_empty());
            }
            other => panic!("{other:?}"),
        }
        let c = parse_challenges(
            r#"Digest qop="auth", realm="IP Camera(C6496)", nonce="4e5749", stale="FALSE", Basic realm="IP Camera(C6496)""#,
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(matches!(&c[1], Challenge::Basic { realm } if realm == "IP Camera(C6496)"));
        match strongest(&c) {
            Some(Challenge::Digest(d)) => assert_eq!(d.qop, vec!["auth"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tolerates_odd_quoting_and_unknown_schemes() {
        let c = parse_challenges("Digest realm=Login to 123, nonce=abc,algorithm=md5");
        assert!(matches!(&c[0], Challenge::Digest(d) if d.nonce == "abc"));
        let c = parse_challenges("Negotiate");
        assert!(matches!(&c[0], Challenge::Other { scheme } if scheme == "Negotiate"));
        assert!(parse_challenges(&"x".repeat(MAX_HEADER + 1)).is_empty());
        assert!(parse_challenges("").is_empty());
        let c = parse_challenges(r#"Basic realm="a, Digest b""#);
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn rfc2617_example_digest() {
        // RFC 2617 §3.5 example.
        let ch = DigestChallenge {
            realm: "testrealm@host.com".into(),
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093".into(),
            opaque: Some("5ccc069c403ebaf9f0171e9517f40e41".into()),
            algorithm: DigestAlgorithm::Md5,
            qop: vec!["auth".into()],
            stale: false,
        };
        let creds = Credentials::new("Mufasa", "Circle Of Life");
        let h = digest_authorization(&ch, &creds, "GET", "/dir/index.html", "0a4f113b", 1);
        assert!(
            h.contains("response=\"6629fae49393a05397450978507c4ef1\""),
            "{h}"
        );
    }

    #[test]
    fn server_verifies_what_client_computes() {
        for alg in [
            DigestAlgorithm::Md5,
            DigestAlgorithm::Md5Sess,
            DigestAlgorithm::Sha256,
        ] {
            for qop in [false, true] {
                let header = digest_challenge("cam", &new_nonce(), alg, qop);
                let ch = parse_challenges(&header).remove(0);
                let creds = Credentials::new("admin", "12345");
                let value = authorization_for(&ch, &creds, "DESCRIBE", "rtsp://h/x").unwrap();
                let auth = parse_authorization(&value).unwrap();
                assert!(
                    verify(&auth, "DESCRIBE", "admin", "12345", "cam"),
                    "{alg:?} {qop}"
                );
                assert!(!verify(&auth, "DESCRIBE", "admin", "wrong", "cam"));
                assert!(!verify(&auth, "PLAY", "admin", "12345", "cam"));
            }
        }
        let basic =
            parse_authorization(&basic_authorization(&Credentials::new("a", "b:c"))).unwrap();
        assert!(verify(&basic, "GET", "a", "b:c", "any"));
        assert!(parse_authorization("Basic !!!").is_none());
    }

    #[test]
    fn wsse_digest_round_trip() {
        let nonce = b"0123456789abcdef";
        let xml = wsse_security_header("admin", "pw", nonce, "2026-11-27T00:00:00Z");
        assert!(xml.contains("<wsse:Username>admin</wsse:Username>"));
        let digest = wsse_password_digest(nonce, "2026-11-27T00:00:00Z", "pw");
        assert!(wsse_verify(
            &B64.encode(nonce),
            "2026-11-27T00:00:00Z",
            "pw",
            &digest
        ));
        assert!(!wsse_verify(
            &B64.encode(nonce),
            "2026-11-27T00:00:00Z",
            "other",
            &digest
        ));
        assert!(!wsse_verify("%%%", "x", "pw", &digest));
    }

    #[test]
    fn auth_int_answers_cover_the_body() {
        let alg = DigestAlgorithm::Sha256;
        let ha1 = alg.hash("admin:r:pw");
        let ha2 = alg.hash(&format!("POST:/x:{}", alg.hash_bytes(b"body")));
        let resp = alg.hash(&format!("{ha1}:n:00000001:c:auth-int:{ha2}"));
        let header = format!(
            "Digest username=\"admin\", realm=\"r\", nonce=\"n\", uri=\"/x\", algorithm=SHA-256, qop=auth-int, nc=00000001, cnonce=\"c\", response=\"{resp}\""
        );
        let a = parse_authorization(&header).expect("parses");
        assert!(verify_with_body(&a, "POST", b"body", "admin", "pw", "r"));
        assert!(!verify_with_body(&a, "POST", b"other", "admin", "pw", "r"));
        assert!(!verify(&a, "POST", "admin", "pw", "r"));
    }
}
