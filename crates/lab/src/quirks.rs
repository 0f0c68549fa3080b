//! Wire-level oddities of real cameras that the behaviour switches turn on: Digest challenges
//! with unusual quoting or qop offers, HTTP/1.0 responses without `Content-Length`, and
//! credentials carried in URLs (query parameters, Xiongmai RTSP paths).

use crate::behaviour::{QopOffer, Quoting};
use camguard_protocols::auth::DigestAlgorithm;

/// Most query parameters looked at in one URL.
const MAX_QUERY_PARAMS: usize = 32;

/// `WWW-Authenticate` value of a Digest challenge with the given `qop` offer and quoting.
/// With [`Quoting::Standard`] quoted strings are RFC 7616 quoted strings and `algorithm` a
/// bare token (written only when not MD5, as most cameras do).
pub fn digest_challenge(
    realm: &str,
    nonce: &str,
    algorithm: DigestAlgorithm,
    qop: QopOffer,
    quoting: Quoting,
) -> String {
    let q = |v: &str| match quoting {
        Quoting::Standard => format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")),
        Quoting::Unquoted => v.to_string(),
        Quoting::Single => format!("'{v}'"),
    };
    let mut out = format!("Digest realm={}, nonce={}", q(realm), q(nonce));
    if algorithm != DigestAlgorithm::Md5 {
        out.push_str(&format!(", algorithm={}", algorithm.as_str()));
    }
    match qop {
        QopOffer::None => {}
        QopOffer::Auth => out.push_str(&format!(", qop={}", q("auth"))),
        QopOffer::AuthAndAuthInt => out.push_str(&format!(", qop={}", q("auth,auth-int"))),
    }
    out
}

/// An HTTP/1.0 response without `Content-Length`: the body ends when the connection closes.
pub fn encode_http10(code: u16, reason: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.0 {code} {reason}\r\n").into_bytes();
    for (k, v) in headers {
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("connection") {
            continue;
        }
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Decode `%XX` escapes and `+` (as in query strings and form bodies); bad escapes stay as
/// they are, invalid UTF-8 becomes U+FFFD.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=b&c=d` pairs, decoded (at most [`MAX_QUERY_PARAMS`]).
pub fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .take(MAX_QUERY_PARAMS)
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// A query parameter by name.
pub fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Credentials and stream selector of a Xiongmai RTSP path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XiongmaiPath {
    /// `user=`.
    pub user: String,
    /// `password=` (often empty).
    pub password: String,
    /// `channel=` (1-based).
    pub channel: u32,
    /// `stream=` (0 main, 1 sub).
    pub stream: u32,
}

/// Parse `/user=admin&password=&channel=1&stream=0.sdp` (optionally followed by `?…`).
pub fn xiongmai_path(path: &str) -> Option<XiongmaiPath> {
    let p = path.strip_prefix('/')?;
    let p = p.split('?').next().unwrap_or(p);
    let p = p.strip_suffix(".sdp").unwrap_or(p);
    let p = p.strip_suffix('/').unwrap_or(p);
    if !p.starts_with("user=") {
        return None;
    }
    let params = query_params(p);
    Some(XiongmaiPath {
        user: param(&params, "user")?.to_string(),
        password: param(&params, "password")?.to_string(),
        channel: param(&params, "channel").unwrap_or("1").parse().ok()?,
        stream: param(&params, "stream").unwrap_or("0").parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use camguard_protocols::auth::{parse_challenges, Challenge};

    #[test]
    fn challenges_parse_back_whatever_the_quoting() {
        for quoting in [Quoting::Standard, Quoting::Unquoted, Quoting::Single] {
            let h = digest_challenge(
                "IPCamera",
                "abc123",
                DigestAlgorithm::Sha256,
                QopOffer::Auth,
                quoting,
            );
            match &parse_challenges(&h)[..] {
                [Challenge::Digest(d)] => {
                    assert_eq!(d.realm, "IPCamera", "{h}");
                    assert_eq!(d.nonce, "abc123");
                    assert_eq!(d.algorithm, DigestAlgorithm::Sha256);
                    assert_eq!(d.qop, ["auth"]);
                }
                other => panic!("{h}: {other:?}"),
            }
        }
        let h = digest_challenge(
            "r",
            "n",
            DigestAlgorithm::Md5,
            QopOffer::AuthAndAuthInt,
            Quoting::Standard,
        );
        assert_eq!(h, "Digest realm=\"r\", nonce=\"n\", qop=\"auth,auth-int\"");
        let h = digest_challenge(
            "r",
            "n",
            DigestAlgorithm::Md5,
            QopOffer::None,
            Quoting::Single,
        );
        assert_eq!(h, "Digest realm='r', nonce='n'");
    }

    #[test]
    fn http10_has_no_length() {
        let b = encode_http10(
            200,
            "OK",
            &[("Content-Length", "3"), ("Server", "x")],
            b"abc",
        );
        assert_eq!(b, b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nabc");
    }

    #[test]
    fn queries_and_xiongmai_paths_decode() {
        assert_eq!(percent_decode("a%20b+c%zz%4"), "a b c%zz%4");
        let q = query_params("loginuse=admin&loginpas=p%26w&x");
        assert_eq!(param(&q, "loginpas"), Some("p&w"));
        assert_eq!(param(&q, "x"), Some(""));
        assert_eq!(
            xiongmai_path("/user=admin&password=&channel=1&stream=0.sdp?real_stream"),
            Some(XiongmaiPath {
                user: "admin".into(),
                password: String::new(),
                channel: 1,
                stream: 0
            })
        );
        assert_eq!(xiongmai_path("/Streaming/Channels/101"), None);
        assert_eq!(xiongmai_path("/user=admin&channel=1"), None);
        assert_eq!(xiongmai_path("/user=a&password=b&channel=x"), None);
    }
}
