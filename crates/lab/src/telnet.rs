//! A telnet service that only shows a banner and a login prompt, answers a few lines with
//! "Login incorrect", then closes.

use crate::device::Device;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// BusyBox telnetd's option negotiation on connect (IAC DO ECHO, IAC DO NAWS, IAC WILL ECHO,
/// IAC WILL SGA), as in BusyBox's telnetd.c, used by the camera firmwares imitated here.
const NEGOTIATION: [u8; 12] = [255, 253, 1, 255, 253, 31, 255, 251, 1, 255, 251, 3];
/// Lines read before closing.
const MAX_LINES: usize = 3;
/// Longest line read.
const MAX_LINE: usize = 256;
/// Idle time allowed.
const READ_DEADLINE: Duration = Duration::from_secs(10);

/// Serve one telnet connection.
pub async fn serve(mut stream: TcpStream, device: Arc<Device>) {
    let banner = device.personality.telnet.banner.as_bytes();
    let mut hello = NEGOTIATION.to_vec();
    hello.extend_from_slice(banner);
    if write(&mut stream, &hello).await.is_err() {
        return;
    }
    tracing::debug!(device = %device.spec.id, "telnet session");
    let mut lines = LineReader::default();
    for line_no in 0..MAX_LINES * 2 {
        if !lines.next_line(&mut stream).await {
            return;
        }
        let reply: Vec<u8> = if line_no % 2 == 0 {
            b"Password: ".to_vec()
        } else {
            let mut r = b"\r\nLogin incorrect\r\n".to_vec();
            r.extend_from_slice(banner);
            r
        };
        if write(&mut stream, &reply).await.is_err() {
            return;
        }
    }
    let _ = stream.shutdown().await;
}

async fn write(stream: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    match tokio::time::timeout(READ_DEADLINE, stream.write_all(bytes)).await {
        Ok(r) => r,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// Splits the client's bytes into lines, dropping telnet IAC sequences.
#[derive(Default)]
struct LineReader {
    pending: std::collections::VecDeque<u8>,
    line_len: usize,
    /// Bytes of an IAC sequence still to skip (0 = none).
    iac: u8,
    /// The previous byte ended a line (a following LF or NUL belongs to it).
    after_cr: bool,
}

impl LineReader {
    /// Wait for the next line. False on EOF, error, timeout or an over-long line.
    async fn next_line(&mut self, stream: &mut TcpStream) -> bool {
        loop {
            while let Some(b) = self.pending.pop_front() {
                if self.iac > 0 {
                    // IAC cmd [opt]: WILL/WONT/DO/DONT carry one option byte.
                    self.iac = if self.iac == 2 && (251..=254).contains(&b) {
                        1
                    } else {
                        0
                    };
                    continue;
                }
                if std::mem::take(&mut self.after_cr) && (b == b'\n' || b == 0) {
                    continue;
                }
                match b {
                    255 => self.iac = 2,
                    b'\r' | b'\n' => {
                        self.after_cr = b == b'\r';
                        self.line_len = 0;
                        return true;
                    }
                    _ => {
                        self.line_len += 1;
                        if self.line_len > MAX_LINE {
                            return false;
                        }
                    }
                }
            }
            let mut buf = [0u8; 256];
            match tokio::time::timeout(READ_DEADLINE, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return false,
                Ok(Ok(n)) => self.pending.extend(&buf[..n]),
            }
        }
    }
}
