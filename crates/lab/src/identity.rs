//! Generated identity details: serial numbers from a personality's pattern, realm templates,
//! strong random passwords. All derived from a seeded RNG so a lab is reproducible.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A reproducible RNG for device `index` of a lab seeded with `seed`.
pub fn device_rng(seed: u64, index: usize, purpose: u64) -> StdRng {
    let mixed = seed
        ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ purpose.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    StdRng::seed_from_u64(mixed)
}

/// Format 16 bytes as an RFC 4122 UUID (`8-4-4-4-12` lower-case hex) of `version` (4 random,
/// 5 name-based): the version nibble and the variant bits are set.
pub(crate) fn uuid_string(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

/// Expand a serial pattern.
///
/// Tokens: `{model}`; `{date}` (a production date `YYYYMMDD`, 2016–2023); `{D:n}` n digits;
/// `{A:n}` n upper-case letters; `{X:n}` n upper-case letters or digits; `{H:n}` n lower-case
/// hex digits; `{U:n}` n upper-case hex digits (MAC-address serials). Anything else is copied; an unknown token is copied verbatim.
pub fn expand_serial(pattern: &str, model: &str, rng: &mut impl Rng) -> String {
    const DIGITS: &[u8] = b"0123456789";
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const HEX: &[u8] = b"0123456789abcdef";
    const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let token = &rest[start + 1..start + len];
        rest = &rest[start + len + 1..];
        match token {
            "model" => out.push_str(model),
            "date" => {
                let y = rng.gen_range(2016..=2023);
                let m = rng.gen_range(1..=12);
                let d = rng.gen_range(1..=28);
                out.push_str(&format!("{y:04}{m:02}{d:02}"));
            }
            _ => {
                let class = token.split_once(':').and_then(|(c, n)| {
                    let n: usize = n.parse().ok().filter(|n| *n <= 64)?;
                    let set = match c {
                        "D" => DIGITS,
                        "A" => LETTERS,
                        "X" => ALNUM,
                        "H" => HEX,
                        "U" => UPPER_HEX,
                        _ => return None,
                    };
                    Some((set, n))
                });
                match class {
                    Some((set, n)) => {
                        for _ in 0..n {
                            out.push(set[rng.gen_range(0..set.len())] as char);
                        }
                    }
                    None => {
                        out.push('{');
                        out.push_str(token);
                        out.push('}');
                    }
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// Fill a realm template: `{serial}`, `{serial_last5}` (last five characters), `{model}`.
pub fn expand_realm(template: &str, serial: &str, model: &str) -> String {
    let chars: Vec<char> = serial.chars().collect();
    let last5: String = chars[chars.len().saturating_sub(5)..].iter().collect();
    template
        .replace("{serial_last5}", &last5)
        .replace("{serial}", serial)
        .replace("{model}", model)
}

/// A strong password: 16 characters with upper, lower, digit and special characters
/// (meets Decision 724/QĐ-BTTTT's complexity rule).
pub fn strong_password(rng: &mut impl Rng) -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SPECIAL: &[u8] = b"-._~"; // unreserved in URLs: usable in rtsp://user:pass@
    let classes = [UPPER, LOWER, DIGIT, SPECIAL];
    let mut chars: Vec<u8> = classes
        .iter()
        .map(|c| c[rng.gen_range(0..c.len())])
        .collect();
    while chars.len() < 16 {
        let c = classes[rng.gen_range(0..classes.len())];
        chars.push(c[rng.gen_range(0..c.len())]);
    }
    // Shuffle so the class order is not fixed.
    for i in (1..chars.len()).rev() {
        let j = rng.gen_range(0..=i);
        chars.swap(i, j);
    }
    String::from_utf8_lossy(&chars).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_string_sets_version_and_variant() {
        assert_eq!(
            uuid_string([0xff; 16], 4),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            uuid_string([0; 16], 5),
            "00000000-0000-5000-8000-000000000000"
        );
    }

    #[test]
    fn hikvision_serial_shape() {
        let mut rng = device_rng(1, 0, 0);
        let s = expand_serial(
            "{model}{date}AAWR{D:4}{A:1}{D:4}",
            "DS-2CD2143G0-I",
            &mut rng,
        );
        assert_eq!(s.len(), "DS-2CD2143G0-I20190909AAWRD12345678".len(), "{s}");
        assert!(s.starts_with("DS-2CD2143G0-I20"));
        assert_eq!(&s[22..26], "AAWR");
        let realm = expand_realm("IP Camera({serial_last5})", &s, "m");
        assert_eq!(realm.len(), "IP Camera(C6496)".len());
        assert!(
            realm[10..11].chars().all(|c| c.is_ascii_uppercase()),
            "{realm}"
        );
    }

    #[test]
    fn same_seed_same_serial_other_seed_other_serial() {
        let a = expand_serial("{X:15}", "", &mut device_rng(7, 3, 0));
        let b = expand_serial("{X:15}", "", &mut device_rng(7, 3, 0));
        let c = expand_serial("{X:15}", "", &mut device_rng(8, 3, 0));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 15);
    }

    #[test]
    fn unknown_tokens_are_kept() {
        let mut rng = device_rng(1, 0, 0);
        assert_eq!(expand_serial("a{zz}b{H:x}", "", &mut rng), "a{zz}b{H:x}");
        assert_eq!(expand_serial("open{", "", &mut rng), "open{");
    }

    #[test]
    fn strong_password_has_every_class() {
        for seed in 0..50 {
            let p = strong_password(&mut device_rng(seed, 0, 1));
            assert_eq!(p.len(), 16);
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| !c.is_ascii_alphanumeric()));
        }
    }
}
