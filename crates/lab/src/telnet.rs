//! A telnet service that shows a banner and a login prompt and checks up to three logins
//! against the device's account (failures count towards the device's lockout). A right login
//! gets a BusyBox shell prompt and the connection is closed at the next line: no command is
//! ever run.

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
/// What a right login gets (BusyBox ash, as on the imitated firmwares).
const SHELL: &[u8] = b"\r\n\r\nBusyBox v1.19.3 (2016-05-11 10:55:05 CST) built-in shell (ash)\r\n\
Enter 'help' for a list of built-in commands.\r\n\r\n# ";

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
    for _ in 0..MAX_LINES {
        let Some(user) = lines.next_line(&mut stream).await else {
            return;
        };
        if write(&mut stream, b"Password: ").await.is_err() {
            return;
        }
        let Some(password) = lines.next_line(&mut stream).await else {
            return;
        };
        if crate::authn::login(&device, &user, &password) == crate::authn::Login::Ok {
            tracing::debug!(device = %device.spec.id, "telnet login accepted");
            if write(&mut stream, SHELL).await.is_ok() {
                let _ = lines.next_line(&mut stream).await;
            }
            break;
        }
        let mut reply = b"\r\nLogin incorrect\r\n".to_vec();
        reply.extend_from_slice(banner);
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
    line: Vec<u8>,
    /// Bytes of an IAC sequence still to skip (0 = none).
    iac: u8,
    /// The previous byte ended a line (a following LF or NUL belongs to it).
    after_cr: bool,
}

impl LineReader {
    /// Wait for the next line (IAC sequences and the line end removed). None on EOF, error,
    /// timeout or an over-long line.
    async fn next_line(&mut self, stream: &mut TcpStream) -> Option<String> {
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
                        let line = std::mem::take(&mut self.line);
                        return Some(String::from_utf8_lossy(&line).into_owned());
                    }
                    b => {
                        self.line.push(b);
                        if self.line.len() > MAX_LINE {
                            return None;
                        }
                    }
                }
            }
            let mut buf = [0u8; 256];
            match tokio::time::timeout(READ_DEADLINE, stream.read(&mut buf)).await {
                Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return None,
                Ok(Ok(n)) => self.pending.extend(&buf[..n]),
            }
        }
    }
}
