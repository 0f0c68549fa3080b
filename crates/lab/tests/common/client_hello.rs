//! A minimal TLS ClientHello (cipher suites, null compression, optionally the
//! supported_versions extension): raw input for the legacy TLS 1.0 responder. Shared by its
//! unit tests (`src/legacy_tls.rs`, through `#[path]`) and the TLS device tests.

/// The ClientHello handshake body: `version`, 32 fixed random bytes, no session id,
/// `suites`, null compression, and the supported_versions extension when `supported` is set.
pub fn client_hello_body(version: u16, suites: &[u16], supported: Option<&[u16]>) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&version.to_be_bytes());
    b.extend_from_slice(&[0x11; 32]);
    b.push(0);
    b.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        b.extend_from_slice(&s.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]);
    if let Some(list) = supported {
        let mut ext = vec![0x00, 0x2b];
        ext.extend_from_slice(&((list.len() * 2 + 1) as u16).to_be_bytes());
        ext.push((list.len() * 2) as u8);
        for v in list {
            ext.extend_from_slice(&v.to_be_bytes());
        }
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
    }
    b
}

/// The same ClientHello as a handshake message in a TLS 1.0 handshake record.
pub fn client_hello(version: u16, suites: &[u16], supported: Option<&[u16]>) -> Vec<u8> {
    let b = client_hello_body(version, suites, supported);
    let mut hs = vec![1];
    hs.extend_from_slice(&(b.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&b);
    let mut rec = vec![22, 3, 1];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}
