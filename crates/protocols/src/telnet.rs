//! Telnet banner reader: reads what the server volunteers for up to ~2 s / 2 KiB, refuses
//! every option negotiation (WONT/DONT) so BusyBox-style servers go on to print their
//! prompt, and never sends credentials or any other data.

use crate::http::{ClientOptions, ProtoError};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;

/// Most banner bytes kept.
pub const MAX_BANNER: usize = 2048;
/// Longest time spent reading a banner.
pub const BANNER_TIME: Duration = Duration::from_secs(2);
/// Once some text arrived, stop after this long without more.
const QUIET: Duration = Duration::from_millis(400);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Data,
    Iac,
    /// After WILL/WONT/DO/DONT: the option byte follows.
    Option(u8),
    Sub,
    SubIac,
}

/// Telnet stream decoder: separates text from negotiations and produces refusals.
#[derive(Debug, Default)]
pub struct Negotiator {
    state: State,
}

impl Negotiator {
    /// Feed received bytes: text goes to `text`, refusals to send go to `reply`.
    pub fn feed(&mut self, input: &[u8], text: &mut Vec<u8>, reply: &mut Vec<u8>) {
        for &b in input {
            self.state = match (self.state, b) {
                (State::Data, IAC) => State::Iac,
                (State::Data, b) => {
                    text.push(b);
                    State::Data
                }
                (State::Iac, IAC) => {
                    text.push(IAC);
                    State::Data
                }
                (State::Iac, c @ (WILL | WONT | DO | DONT)) => State::Option(c),
                (State::Iac, SB) => State::Sub,
                (State::Iac, _) => State::Data,
                (State::Option(c), opt) => {
                    match c {
                        DO => reply.extend_from_slice(&[IAC, WONT, opt]),
                        WILL => reply.extend_from_slice(&[IAC, DONT, opt]),
                        _ => {}
                    }
                    State::Data
                }
                (State::Sub, IAC) => State::SubIac,
                (State::Sub, _) => State::Sub,
                (State::SubIac, SE) => State::Data,
                (State::SubIac, _) => State::Sub,
            };
        }
    }
}

/// Connect and read the banner / login prompt. Returns the sanitised text (possibly
/// empty when the server stays silent).
pub async fn read_banner(addr: SocketAddr, opts: &ClientOptions) -> Result<String, ProtoError> {
    let mut stream = crate::http::connect(addr, opts).await?;
    let total = opts.io_timeout.min(BANNER_TIME);
    let end = tokio::time::Instant::now() + total;
    let mut neg = Negotiator::default();
    let mut text = Vec::new();
    let mut buf = [0u8; 512];
    let mut negotiation_bytes = 0usize;
    while text.len() < MAX_BANNER {
        let wait_until = if text.is_empty() {
            end
        } else {
            end.min(tokio::time::Instant::now() + QUIET)
        };
        let n = match tokio::time::timeout_at(wait_until, stream.read(&mut buf)).await {
            Err(_) => break,
            Ok(Err(e)) if text.is_empty() => {
                return Err(ProtoError::Wire(crate::wire::WireError::Io(e)))
            }
            Ok(Err(_)) | Ok(Ok(0)) => break,
            Ok(Ok(n)) => n,
        };
        let mut reply = Vec::new();
        neg.feed(&buf[..n], &mut text, &mut reply);
        negotiation_bytes += reply.len();
        // A server that negotiates forever gets no more answers than this.
        if !reply.is_empty() && negotiation_bytes <= 4096 {
            let write = stream.write_all(&reply);
            if tokio::time::timeout_at(end, write).await.is_err() {
                break;
            }
        }
    }
    text.truncate(MAX_BANNER);
    let cleaned: Vec<u8> = text.into_iter().filter(|&b| b != b'\r' && b != 0).collect();
    Ok(camguard_model::sanitize_text(&cleaned, MAX_BANNER)
        .trim()
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiations_are_refused_and_stripped() {
        let mut n = Negotiator::default();
        let (mut text, mut reply) = (Vec::new(), Vec::new());
        // DO ECHO, WILL SGA, SB TTYPE SEND IAC SE, then text with an escaped IAC.
        let input = [
            IAC, DO, 1, IAC, WILL, 3, IAC, SB, 24, 1, IAC, SE, b'l', b'o', IAC, IAC, b'g',
        ];
        n.feed(&input, &mut text, &mut reply);
        assert_eq!(text, vec![b'l', b'o', IAC, b'g']);
        assert_eq!(reply, vec![IAC, WONT, 1, IAC, DONT, 3]);
    }

    #[test]
    fn negotiation_split_across_reads() {
        let mut n = Negotiator::default();
        let (mut text, mut reply) = (Vec::new(), Vec::new());
        n.feed(&[b'a', IAC], &mut text, &mut reply);
        n.feed(&[DO], &mut text, &mut reply);
        n.feed(&[31, b'b'], &mut text, &mut reply);
        assert_eq!(text, b"ab");
        assert_eq!(reply, vec![IAC, WONT, 31]);
    }
}
