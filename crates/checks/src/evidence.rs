//! Helpers that keep evidence bounded and free of secrets.

use camguard_model::{redact_secret, sanitize_text};

/// Longest network-supplied string copied into evidence.
pub(crate) const MAX_FIELD_CHARS: usize = 128;

/// Longest banner copied into evidence.
pub(crate) const MAX_BANNER_CHARS: usize = 256;

/// Re-sanitise and bound a network-supplied string (the probes already sanitised it; this
/// keeps the evidence bounded even if a caller built the observation by hand).
pub(crate) fn bounded(text: &str, max_chars: usize) -> String {
    sanitize_text(text.as_bytes(), max_chars)
}

/// Mask a serial number, keeping only its last characters (at most 4, and at most a quarter
/// of its length) so an owner can still tell devices apart.
pub(crate) fn mask_serial(serial: &str) -> String {
    let chars: Vec<char> = bounded(serial, MAX_FIELD_CHARS).chars().collect();
    let keep = (chars.len() / 4).min(4);
    let hidden = chars.len() - keep;
    let mut out = "*".repeat(hidden);
    out.extend(&chars[hidden..]);
    out
}

/// Keys whose values are secrets when they appear in a stream path or query
/// (e.g. `/user=admin_password=xyz_channel=1`, `?user=admin&pwd=xyz`).
const SECRET_KEYS: [&str; 5] = ["password=", "passwd=", "pwd=", "pass=", "pw="];

/// Mask secrets in an RTSP path or URL: user-info passwords and the values of password-like
/// parameters are replaced by [`redact_secret`]. The value runs to the next `&`, `;`, `/` or
/// `#`, so a separator inside a password can only make the mask longer, never leak.
pub(crate) fn mask_path_secrets(path: &str) -> String {
    let path = bounded(path, MAX_FIELD_CHARS * 2);
    let path = mask_userinfo(&path);
    let lower = path.to_ascii_lowercase();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < path.len() {
        let key = SECRET_KEYS.iter().find(|k| {
            lower[i..].starts_with(**k)
                && (i == 0 || !lower.as_bytes()[i - 1].is_ascii_alphabetic())
        });
        match key {
            Some(k) => {
                let start = i + k.len();
                let end = path[start..]
                    .find(['&', ';', '/', '#'])
                    .map_or(path.len(), |n| start + n);
                out.push_str(&path[i..start]);
                out.push_str(&redact_secret(&path[start..end]));
                i = end;
            }
            None => {
                // Advance by one whole character (the text may contain non-ASCII).
                let c = path[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8().max(1);
            }
        }
    }
    out
}

/// `rtsp://user:secret@host/…` → `rtsp://user:s*****@host/…`.
fn mask_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let auth_start = scheme_end + 3;
    let auth_end = url[auth_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |n| auth_start + n);
    let authority = &url[auth_start..auth_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    let masked = match userinfo.split_once(':') {
        Some((user, pass)) => format!("{user}:{}", redact_secret(pass)),
        None => userinfo.to_string(),
    };
    format!(
        "{}{}{}",
        &url[..auth_start],
        masked,
        &url[auth_start + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_keep_only_a_short_tail() {
        assert_eq!(
            mask_serial("DS2CD2042WDI20150101AA"),
            format!("{}01AA", "*".repeat(18))
        );
        assert_eq!(mask_serial("ABCDEFGH"), "******GH");
        assert_eq!(mask_serial("ABC"), "***");
        assert_eq!(mask_serial(""), "");
    }

    #[test]
    fn password_parameters_are_masked() {
        assert_eq!(
            mask_path_secrets("/user=admin_password=tlJwpbo6_channel=1_stream=0.sdp"),
            format!("/user=admin_password=t{}", "*".repeat(30))
        );
        assert_eq!(
            mask_path_secrets("/live?user=admin&pwd=12345&ch=1"),
            "/live?user=admin&pwd=1****&ch=1"
        );
        assert_eq!(
            mask_path_secrets("/cam/realmonitor?channel=1&subtype=0"),
            "/cam/realmonitor?channel=1&subtype=0"
        );
        assert_eq!(
            mask_path_secrets("rtsp://admin:hunter2@127.0.0.1:554/h264"),
            "rtsp://admin:h******@127.0.0.1:554/h264"
        );
        // "bypass=" is not a password key.
        assert_eq!(mask_path_secrets("/x?bypass=1"), "/x?bypass=1");
        assert_eq!(mask_path_secrets("/vid?PASSWORD=Ab"), "/vid?PASSWORD=A*");
    }

    #[test]
    fn masking_survives_non_ascii_and_control_bytes() {
        assert_eq!(mask_path_secrets("/ä?pw=ö1"), "/ä?pw=ö*");
        assert_eq!(mask_path_secrets("/a\u{1b}b"), "/a\\x1bb");
    }

    proptest::proptest! {
        #[test]
        fn hostile_strings_never_panic_and_never_leak(
            prefix in ".{0,40}",
            secret in "[A-Za-z0-9]{6,20}",
            serial in ".{0,300}",
        ) {
            let path = format!("{prefix}?pwd={secret}");
            let masked = mask_path_secrets(&path);
            proptest::prop_assert!(!masked.contains(&secret[1..]), "{masked}");
            let _ = mask_serial(&serial);
            let _ = mask_path_secrets(&serial);
        }
    }
}
