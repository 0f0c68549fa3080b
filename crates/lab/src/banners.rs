//! The FTP greeter: enough of the protocol's opening that a scanner (or `nmap -sV`) can read
//! the vendor's banner. It never transfers a file. (SSH: [`crate::ssh_server`].)
//!
//! - FTP (RFC 959): sends the personality's `220` greeting, then answers `USER` (331), `PASS`
//!   (230 for the device's account, else 530), `QUIT` (221) and anything else with 530 (not
//!   logged in) or 502 (logged in: nothing is implemented). At most [`FTP_MAX_COMMANDS`]
//!   commands, lines of at most [`MAX_LINE`] bytes, [`IDLE`] of silence.

use crate::device::Device;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Commands answered on one FTP connection before it is closed.
pub const FTP_MAX_COMMANDS: usize = 20;
/// Longest command or identification line read.
pub const MAX_LINE: u64 = 255;
/// Idle time allowed before each line.
pub const IDLE: Duration = Duration::from_secs(10);

/// Serve one FTP connection.
pub async fn serve_ftp(stream: TcpStream, device: Arc<Device>) {
    let Some((_, banner)) = &device.ftp else {
        return;
    };
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    if send(&mut w, &format!("{banner}\r\n")).await.is_err() {
        return;
    }
    let mut user: Option<String> = None;
    let mut logged_in = false;
    for _ in 0..FTP_MAX_COMMANDS {
        let Some(line) = read_line(&mut r).await else {
            return;
        };
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        let (verb, arg) = line.split_once(' ').unwrap_or((line, ""));
        let reply = match verb.to_ascii_uppercase().as_str() {
            "USER" => {
                user = Some(arg.to_string());
                logged_in = false;
                "331 Password required.".to_string()
            }
            "PASS" => match &user {
                Some(u) if *u == device.spec.username && arg == device.spec.password => {
                    logged_in = true;
                    "230 User logged in.".to_string()
                }
                Some(_) => {
                    user = None;
                    "530 Login incorrect.".to_string()
                }
                None => "503 Login with USER first.".to_string(),
            },
            "QUIT" => {
                let _ = send(&mut w, "221 Goodbye.\r\n").await;
                let _ = w.shutdown().await;
                return;
            }
            _ if logged_in => "502 Command not implemented.".to_string(),
            _ => "530 Please login with USER and PASS.".to_string(),
        };
        tracing::debug!(device = %device.spec.id, verb, "ftp");
        if send(&mut w, &format!("{reply}\r\n")).await.is_err() {
            return;
        }
    }
    let _ = send(&mut w, "421 Too many commands, closing.\r\n").await;
    let _ = w.shutdown().await;
}

async fn send(w: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> std::io::Result<()> {
    match tokio::time::timeout(IDLE, w.write_all(text.as_bytes())).await {
        Ok(r) => r,
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// One line (up to LF) of at most [`MAX_LINE`] bytes within [`IDLE`]; `None` on EOF, error,
/// timeout or an over-long line.
async fn read_line<R: tokio::io::AsyncRead + Unpin>(r: &mut BufReader<R>) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let read = async {
        let mut limited = r.take(MAX_LINE + 1);
        limited.read_until(b'\n', &mut line).await
    };
    match tokio::time::timeout(IDLE, read).await {
        Ok(Ok(n)) if n > 0 && line.ends_with(b"\n") => Some(line),
        _ => None,
    }
}
