//! One telnet login attempt for the opt-in default-credential check: wait for the login
//! prompt, send the user name, wait for the password prompt, send the password, and judge the
//! answer. Reads are bounded ([`MAX_TRANSCRIPT`] bytes in all) and the whole attempt runs
//! under one deadline; nothing is sent after the password (no command is ever run), and the
//! connection is closed right after the verdict.

use crate::http::{ClientOptions, ProtoError};
use crate::telnet::Negotiator;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Most bytes read in one attempt (all prompts and answers together).
pub const MAX_TRANSCRIPT: usize = 8 * 1024;
/// Longest time one attempt may take.
pub const ATTEMPT_TIME: Duration = Duration::from_secs(8);
/// After the password, stop reading once nothing arrived for this long.
const QUIET: Duration = Duration::from_millis(800);

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginOutcome {
    /// A shell prompt followed the password.
    Accepted,
    /// The server said no (or asked for the login again).
    Refused,
    /// No prompt to answer, or no recognisable answer in time.
    Unknown,
}

/// Words of a refusal, lower case.
const REFUSALS: [&str; 6] = [
    "incorrect",
    "failed",
    "denied",
    "invalid",
    "bad password",
    "error",
];

/// True when the text (lower case, trimmed at the end) ends with a login prompt.
pub fn is_login_prompt(text: &str) -> bool {
    let t = text.trim_end().to_ascii_lowercase();
    t.ends_with("login:") || t.ends_with("username:") || t.ends_with("user name:")
}

fn is_password_prompt(text: &str) -> bool {
    text.trim_end().to_ascii_lowercase().ends_with("password:")
}

/// Judge what followed the password.
pub fn judge(after_password: &str) -> LoginOutcome {
    let lower = after_password.to_ascii_lowercase();
    if REFUSALS.iter().any(|w| lower.contains(w)) || is_login_prompt(&lower) {
        return LoginOutcome::Refused;
    }
    let t = lower.trim_end();
    if t.ends_with('#') || t.ends_with('$') || t.ends_with('>') {
        LoginOutcome::Accepted
    } else {
        LoginOutcome::Unknown
    }
}

struct Session {
    stream: TcpStream,
    neg: Negotiator,
    read: usize,
    end: tokio::time::Instant,
}

impl Session {
    /// Read until `done(text)` holds, the budget or deadline ends, or (when `quiet`) the
    /// server went quiet; returns the text read in this call.
    async fn read_until(&mut self, done: impl Fn(&str) -> bool, quiet: bool) -> String {
        let mut text = Vec::new();
        let mut buf = [0u8; 512];
        while self.read < MAX_TRANSCRIPT {
            let until = if quiet && !text.is_empty() {
                self.end.min(tokio::time::Instant::now() + QUIET)
            } else {
                self.end
            };
            let n = match tokio::time::timeout_at(until, self.stream.read(&mut buf)).await {
                Ok(Ok(n)) if n > 0 => n.min(MAX_TRANSCRIPT - self.read),
                _ => break,
            };
            self.read += n;
            let mut reply = Vec::new();
            self.neg.feed(&buf[..n], &mut text, &mut reply);
            if !reply.is_empty() {
                let w = self.stream.write_all(&reply);
                if tokio::time::timeout_at(self.end, w).await.is_err() {
                    break;
                }
            }
            if done(&String::from_utf8_lossy(&text)) {
                break;
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    }

    async fn send_line(&mut self, line: &str) -> Result<(), ProtoError> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        match tokio::time::timeout_at(self.end, self.stream.write_all(&bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ProtoError::Wire(crate::wire::WireError::Io(e))),
            Err(_) => Err(ProtoError::Wire(crate::wire::WireError::Timeout)),
        }
    }
}

/// Try `username` / `password` once on the telnet service at `addr`.
pub async fn try_login(
    addr: SocketAddr,
    username: &str,
    password: &str,
    opts: &ClientOptions,
) -> Result<LoginOutcome, ProtoError> {
    if username.contains(['\r', '\n']) || password.contains(['\r', '\n']) {
        return Ok(LoginOutcome::Unknown);
    }
    let stream = crate::http::connect(addr, opts).await?;
    let mut s = Session {
        stream,
        neg: Negotiator::default(),
        read: 0,
        end: tokio::time::Instant::now()
            + opts
                .io_timeout
                .max(Duration::from_secs(2))
                .min(ATTEMPT_TIME),
    };
    let banner = s.read_until(is_login_prompt, false).await;
    if !is_login_prompt(&banner) {
        return Ok(LoginOutcome::Unknown);
    }
    s.send_line(username).await?;
    let prompt = s
        .read_until(
            |t| is_password_prompt(t) || judge(t) != LoginOutcome::Unknown,
            false,
        )
        .await;
    if !is_password_prompt(&prompt) {
        // No password asked: the user name alone decided.
        return Ok(judge(&prompt));
    }
    s.send_line(password).await?;
    let answer = s
        .read_until(|t| judge(t) != LoginOutcome::Unknown, true)
        .await;
    let _ = s.stream.shutdown().await;
    Ok(judge(&answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_and_answers_are_judged() {
        assert!(is_login_prompt("\r\n(none) login: "));
        assert!(is_login_prompt("Username:"));
        assert!(!is_login_prompt("last login: yesterday\r\n# "));
        assert_eq!(
            judge("\r\nLogin incorrect\r\nlogin: "),
            LoginOutcome::Refused
        );
        assert_eq!(
            judge("\r\n\r\nBusyBox v1.19 built-in shell\r\n# "),
            LoginOutcome::Accepted
        );
        assert_eq!(judge("\r\n~ $ "), LoginOutcome::Accepted);
        assert_eq!(judge("\r\nwelcome"), LoginOutcome::Unknown);
        assert_eq!(judge(""), LoginOutcome::Unknown);
    }

    async fn server(script: &'static [(&'static [u8], bool)]) -> SocketAddr {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = l.local_addr().expect("addr");
        tokio::spawn(async move {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let mut buf = [0u8; 256];
            for (out, wait_line) in script {
                if s.write_all(out).await.is_err() {
                    return;
                }
                if *wait_line && s.read(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
            }
            let _ = s.read(&mut buf).await;
        });
        addr
    }

    fn opts() -> ClientOptions {
        ClientOptions {
            io_timeout: Duration::from_secs(3),
            ..ClientOptions::default()
        }
    }

    #[tokio::test]
    async fn a_shell_prompt_is_accepted_and_a_refusal_refused() {
        let ok = server(&[
            (b"\xff\xfd\x01\r\n(none) login: ", true),
            (b"Password: ", true),
            (b"\r\nBusyBox v1.20.2 built-in shell (ash)\r\n# ", false),
        ])
        .await;
        assert_eq!(
            try_login(ok, "root", "xc3511", &opts()).await.expect("ok"),
            LoginOutcome::Accepted
        );
        let no = server(&[
            (b"login: ", true),
            (b"Password: ", true),
            (b"\r\nLogin incorrect\r\nlogin: ", false),
        ])
        .await;
        assert_eq!(
            try_login(no, "root", "bad", &opts()).await.expect("ok"),
            LoginOutcome::Refused
        );
    }

    /// A server that never prompts, or floods without a prompt, ends as Unknown in time.
    #[tokio::test]
    async fn silence_and_floods_are_bounded() {
        let silent = server(&[(b"", true)]).await;
        let started = std::time::Instant::now();
        assert_eq!(
            try_login(silent, "a", "b", &opts()).await.expect("ok"),
            LoginOutcome::Unknown
        );
        assert!(started.elapsed() < ATTEMPT_TIME + Duration::from_secs(1));
        static FLOOD: [u8; 16 * 1024] = [b'x'; 16 * 1024];
        static SCRIPT: [(&[u8], bool); 1] = [(&FLOOD, true)];
        let flood = server(&SCRIPT).await;
        assert_eq!(
            try_login(flood, "a", "b", &opts()).await.expect("ok"),
            LoginOutcome::Unknown
        );
        assert_eq!(
            try_login(flood, "a\r\nrm", "b", &opts()).await.expect("ok"),
            LoginOutcome::Unknown
        );
    }
}
