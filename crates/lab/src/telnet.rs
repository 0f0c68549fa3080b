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
    for line_no in 0..MAX_LINES * 2 {
        if !read_line(&mut stream).await {
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

/// Read until a line end (telnet IAC sequences are skipped). False on EOF, error, timeout or
/// an over-long line.
async fn read_line(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    let mut len = 0usize;
    let mut iac = 0u8;
    loop {
        let n = match tokio::time::timeout(READ_DEADLINE, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return false,
            Ok(Ok(n)) => n,
        };
        for &b in &buf[..n] {
            if iac > 0 {
                // IAC cmd [opt]: skip the command and, for WILL/WONT/DO/DONT, the option.
                iac = if iac == 2 && (251..=254).contains(&b) {
                    1
                } else {
                    0
                };
                continue;
            }
            match b {
                255 => iac = 2,
                b'\n' | b'\r' => return true,
                _ => {
                    len += 1;
                    if len > MAX_LINE {
                        return false;
                    }
                }
            }
        }
    }
}
