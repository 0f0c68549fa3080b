//! FTP greetings (RFC 959 §4.2: `220` reply, possibly multi-line) and SSH identification
//! strings (RFC 4253 §4.2: `SSH-protoversion-softwareversion`, possibly after other lines).
//!
//! Nothing is sent: the scanner connects, reads what the server volunteers (bounded lines,
//! bounded count, under the I/O deadline) and closes. It never logs in.

use crate::http::{ClientOptions, ProtoError};
use std::net::SocketAddr;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

/// Longest line kept (RFC 4253 allows 255 bytes for the SSH identification).
pub const MAX_LINE: usize = 512;
/// Most lines read.
pub const MAX_LINES: usize = 10;
/// Longest banner kept, in characters.
pub const MAX_BANNER: usize = 512;

/// Read up to [`MAX_LINES`] lines until `done` says the banner is complete.
async fn read_lines(
    addr: SocketAddr,
    opts: &ClientOptions,
    done: impl Fn(&[u8]) -> bool,
) -> Result<Vec<Vec<u8>>, ProtoError> {
    let stream = crate::http::connect(addr, opts).await?;
    let mut r = BufReader::with_capacity(2048, stream);
    let mut lines = Vec::new();
    let read = async {
        for _ in 0..MAX_LINES {
            let mut line = Vec::new();
            let n = (&mut r)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut line)
                .await?;
            if n == 0 {
                break;
            }
            let complete = done(&line);
            lines.push(line);
            if complete {
                break;
            }
        }
        Ok::<_, std::io::Error>(())
    };
    match tokio::time::timeout(opts.io_timeout, read).await {
        Ok(Ok(())) => {}
        Ok(Err(_)) if !lines.is_empty() => {}
        Ok(Err(e)) => return Err(ProtoError::Connect(e)),
        Err(_) if lines.is_empty() => return Err(ProtoError::Timeout(opts.io_timeout)),
        Err(_) => {}
    }
    if lines.is_empty() {
        return Err(ProtoError::Closed);
    }
    Ok(lines)
}

fn trimmed(line: &[u8]) -> &[u8] {
    let end = line
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(0, |i| i + 1);
    &line[..end]
}

/// True when `line` is the last line of an FTP reply (`ddd ` or a bare `ddd`).
fn ftp_final_line(line: &[u8]) -> bool {
    let line = trimmed(line);
    line.len() >= 3
        && line[..3].iter().all(u8::is_ascii_digit)
        && (line.len() == 3 || line[3] == b' ')
}

/// The FTP greeting as text (lines joined by `\n`), sanitised and bounded. The first line
/// must be a reply code (`220`, or `120`/`421`, which servers send when busy).
pub fn ftp_greeting(lines: &[Vec<u8>]) -> Result<String, ProtoError> {
    let first = lines.first().map(|l| trimmed(l)).unwrap_or_default();
    if first.len() < 3 || !first[..3].iter().all(u8::is_ascii_digit) {
        return Err(ProtoError::Unexpected(format!(
            "not an FTP greeting: {:?}",
            camguard_model::sanitize_text(first, 40)
        )));
    }
    let joined: Vec<u8> = lines
        .iter()
        .map(|l| trimmed(l))
        .collect::<Vec<_>>()
        .join(&b'\n');
    Ok(camguard_model::sanitize_text(&joined, MAX_BANNER))
}

/// The SSH identification line among `lines`, sanitised and bounded.
pub fn ssh_identification(lines: &[Vec<u8>]) -> Result<String, ProtoError> {
    lines
        .iter()
        .map(|l| trimmed(l))
        .find(|l| l.starts_with(b"SSH-"))
        .map(|l| camguard_model::sanitize_text(l, MAX_BANNER))
        .ok_or_else(|| {
            let first = lines.first().map(|l| trimmed(l)).unwrap_or_default();
            ProtoError::Unexpected(format!(
                "no SSH identification: {:?}",
                camguard_model::sanitize_text(first, 40)
            ))
        })
}

/// Read an FTP server's greeting.
pub async fn read_ftp(addr: SocketAddr, opts: &ClientOptions) -> Result<String, ProtoError> {
    let lines = read_lines(addr, opts, ftp_final_line).await?;
    ftp_greeting(&lines)
}

/// Read an SSH server's identification string.
pub async fn read_ssh(addr: SocketAddr, opts: &ClientOptions) -> Result<String, ProtoError> {
    let lines = read_lines(addr, opts, |l| l.starts_with(b"SSH-")).await?;
    ssh_identification(&lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<Vec<u8>> {
        text.split_inclusive('\n')
            .map(|l| l.as_bytes().to_vec())
            .collect()
    }

    #[test]
    fn ftp_greetings() {
        assert_eq!(
            ftp_greeting(&lines("220 Axis ftpd 5.40\r\n")).unwrap(),
            "220 Axis ftpd 5.40"
        );
        assert_eq!(
            ftp_greeting(&lines("220-Welcome\r\n220 ready\r\n")).unwrap(),
            "220-Welcome\n220 ready"
        );
        assert!(ftp_final_line(b"220 ready\r\n"));
        assert!(!ftp_final_line(b"220-more\r\n"));
        assert!(ftp_greeting(&lines("SSH-2.0-x\r\n")).is_err());
        assert!(ftp_greeting(&[]).is_err());
    }

    #[test]
    fn ssh_identification_after_other_lines() {
        let l = lines("hello\r\nSSH-2.0-dropbear_2014.63\r\n");
        assert_eq!(ssh_identification(&l).unwrap(), "SSH-2.0-dropbear_2014.63");
        assert!(ssh_identification(&lines("220 ftp\r\n")).is_err());
        // Control characters are escaped, not passed on.
        let l = vec![b"SSH-2.0-x\x1b[31m\r\n".to_vec()];
        assert_eq!(ssh_identification(&l).unwrap(), "SSH-2.0-x\\x1b[31m");
    }
}
