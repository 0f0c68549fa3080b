//! RTMP handshake probe (Adobe RTMP specification 1.0, §5.2): send C0 (version 3) and C1
//! (1536 bytes: time, zero, random), read S0 (the server's version byte) and S1, then close
//! without C2. Nothing is published or played.

use crate::http::{ClientOptions, ProtoError};
use rand::RngCore;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Size of C1/S1.
pub const HANDSHAKE_SIZE: usize = 1536;

/// What the server's S0/S1 said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtmpAnswer {
    /// S0: the RTMP version chosen (3 = plain RTMP, 6 = RTMPE).
    pub version: u8,
    /// S1's time field.
    pub time: u32,
}

/// C0 + C1.
pub fn client_hello() -> Vec<u8> {
    let mut out = vec![0u8; 1 + HANDSHAKE_SIZE];
    out[0] = 3;
    rand::thread_rng().fill_bytes(&mut out[9..]);
    out
}

/// Interpret S0 + S1 (at least S0 and the 8 bytes of S1's time and zero fields).
pub fn parse_server_hello(bytes: &[u8]) -> Result<RtmpAnswer, ProtoError> {
    let Some(&version) = bytes.first() else {
        return Err(ProtoError::Closed);
    };
    // Versions 0–2 are deprecated, 3 is RTMP, 6/8/9 are the encrypted variants; anything else
    // (e.g. `H` of an HTTP answer) is another protocol.
    if !matches!(version, 3 | 6 | 8 | 9) {
        return Err(ProtoError::Unexpected(format!(
            "not an RTMP handshake: S0 = 0x{version:02x} ({:?})",
            camguard_model::sanitize_text(&bytes[..bytes.len().min(16)], 16)
        )));
    }
    let time = bytes
        .get(1..5)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0);
    Ok(RtmpAnswer { version, time })
}

/// Run the C0/C1 → S0/S1 exchange under the I/O deadline.
pub async fn handshake(addr: SocketAddr, opts: &ClientOptions) -> Result<RtmpAnswer, ProtoError> {
    let mut s = crate::http::connect(addr, opts).await?;
    let hello = client_hello();
    let mut buf = vec![0u8; 1 + HANDSHAKE_SIZE];
    let mut got = 0usize;
    let exchange = async {
        s.write_all(&hello).await?;
        s.flush().await?;
        while got < 9 {
            let n = s.read(&mut buf[got..]).await?;
            if n == 0 {
                break;
            }
            got += n;
            // A server that is not RTMP may answer at once with something short.
            if buf[0] != 3 && buf[0] != 6 && buf[0] != 8 && buf[0] != 9 {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    };
    match tokio::time::timeout(opts.io_timeout, exchange).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) if got > 0 => {}
        Ok(Err(e)) => return Err(ProtoError::Connect(e)),
        Err(_) if got == 0 => return Err(ProtoError::Timeout(opts.io_timeout)),
        Err(_) => {}
    }
    parse_server_hello(&buf[..got])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s0_decides() {
        let mut s = vec![3u8, 0, 0, 1, 0, 0, 0, 0, 0];
        assert_eq!(
            parse_server_hello(&s).unwrap(),
            RtmpAnswer {
                version: 3,
                time: 256
            }
        );
        s[0] = b'H';
        assert!(parse_server_hello(&s).is_err());
        assert!(parse_server_hello(&[]).is_err());
        assert_eq!(parse_server_hello(&[6]).unwrap().version, 6);
        assert_eq!(client_hello().len(), 1537);
    }
}
