//! Firmware version strings as cameras state them, and their order within one vendor scheme.

use regex::Regex;
use std::cmp::Ordering;
use std::sync::OnceLock;

/// Longest version string parsed; longer input is not a version.
const MAX_LEN: usize = 128;

/// The numbering scheme a version string follows. Versions of different schemes (or of
/// different Uniview platforms) are never ordered against each other.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// Hikvision/EZVIZ: `V5.5.82 build 190909` (also `V5.5.800_build210628`).
    VBuild,
    /// Dahua and its OEMs: `2.800.0000000.8.R, Build Date 2021-07-13` (date optional).
    Dahua,
    /// Xiongmai (XMeye) and its OEMs: `V4.02.R11.00000140.10010.131600[.0000000]`; ordered by
    /// major, minor and release (`R11`); the board and feature fields are not versions.
    Xiongmai,
    /// Uniview: `IPC_G6103-B5030P20D1811` (platform, baseline, patch, `D` + YYMM). Only the
    /// same platform compares.
    Uniview(String),
    /// Uniview, dotted form: `IPC_G6103-B6103.16.10.B25.201218` (platform, baseline, version
    /// fields with an optional letter, build `YYMMDD`; NVD writes a space for the dash). Only
    /// the same platform compares, and never against the `P…D…` form.
    UniviewDotted(String),
    /// TP-Link Tapo: `1.1.15 Build 211130 Rel.45916n`.
    Tapo,
    /// Dotted version with an 8-digit build stamp: Hanwha `1.41.01_20200417` (a date),
    /// Reolink `v3.0.0.136_20121102` (`YYMMDDNN`). Ordered by the stamp as a number; it is a
    /// build date only where it reads as `YYYYMMDD`.
    DottedDate,
    /// AVTECH: `FullImg-1023-1007-1011-1009`.
    Avtech,
    /// TVT and its OEMs (Provision-ISR): dotted numbers, `B` and the build `YYMMDD`,
    /// `5.2.3.20207B230306`, optionally followed by dotted board tags and a parenthesised id
    /// (`.N3.U1(9A8F60)`), which are not versions.
    Tvt,
    /// Plain dotted numbers, optionally `V`-prefixed: Axis `10.12.182`, Bosch `6.60.0065`.
    Dotted,
}

/// A parsed firmware version: its scheme, numeric components and build date where the string
/// has one.
///
/// Two versions compare (see [`FirmwareVersion::compare`]) only within one scheme: numeric
/// components first (missing trailing components count as 0), then the build date (a version
/// without a date sorts before the same numbers with one), then the release number (Tapo).
/// Within a scheme this is a total order on the parsed key; equal keys are equal versions even
/// when the strings differ (case, separators, board ids).
#[derive(Debug, Clone)]
pub struct FirmwareVersion {
    raw: String,
    scheme: Scheme,
    numbers: Vec<u64>,
    build: Option<u32>,
    release: Option<u64>,
}

struct Patterns {
    vbuild: Regex,
    dahua: Regex,
    xiongmai: Regex,
    uniview: Regex,
    uniview_dotted: Regex,
    tapo: Regex,
    dotted_date: Regex,
    avtech: Regex,
    tvt: Regex,
    dotted: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| {
        let re = |s: &str| Regex::new(s).expect("static firmware pattern");
        Patterns {
            vbuild: re(r"(?i)^v(\d{1,9}(?:\.\d{1,9})+)[ _]*build[ _]*(\d{6})$"),
            dahua: re(
                r"(?i)^v?(\d{1,9})\.(\d{1,9})\.(\d{1,9})\.(\d{1,9})\.[a-z](?:\s*,?\s*build\s*date\s*:?\s*(\d{4})-(\d{2})-(\d{2}))?$",
            ),
            xiongmai: re(
                r"(?i)^v(\d{1,9})\.(\d{1,9})\.r(\d{1,9})(?:\.[0-9a-f]{1,16}(?:\.\d{1,9}){0,3})?$",
            ),
            uniview: re(r"(?i)^([a-z0-9]{1,16}_[a-z0-9]{1,16})-b(\d{1,9})p(\d{1,9})d(\d{2})(\d{2})$"),
            uniview_dotted: re(
                r"(?i)^([a-z0-9]{1,16}(?:_[a-z0-9]{1,16})?)[- ]b(\d{1,9})((?:\.[a-z]?\d{1,9}){1,6})\.(\d{6})$",
            ),
            tapo: re(r"(?i)^(\d{1,9}(?:\.\d{1,9})+)\s+build\s+(\d{6})(?:\s+rel\.(\d{1,9})n?)?$"),
            dotted_date: re(r"(?i)^v?(\d{1,9}(?:\.\d{1,9})+)_(\d{8})$"),
            avtech: re(r"(?i)^fullimg-(\d{1,9})-(\d{1,9})-(\d{1,9})-(\d{1,9})$"),
            tvt: re(
                r"(?i)^(\d{1,9}(?:\.\d{1,9}){2,3})b(\d{6})(?:\.[0-9a-z]{1,8}){0,4}(?:\([0-9a-f]{1,16}\))?$",
            ),
            dotted: re(r"(?i)^v?(\d{1,9}(?:\.\d{1,9})+)$"),
        }
    })
}

fn dotted(s: &str) -> Option<Vec<u64>> {
    s.split('.').map(|p| p.parse().ok()).collect()
}

/// `yyyymmdd` as a number when the date is plausible (day 0 = month only).
fn date(y: u32, m: u32, d: u32) -> Option<u32> {
    ((1990..=2099).contains(&y) && (1..=12).contains(&m) && d <= 31)
        .then_some(y * 10_000 + m * 100 + d)
}

/// `YYMMDD` of the 2000s.
fn yymmdd(s: &str) -> Option<u32> {
    let n: u32 = s.parse().ok()?;
    date(2000 + n / 10_000, n / 100 % 100, n % 100)
}

fn num(s: &str) -> Option<u64> {
    s.parse().ok()
}

impl FirmwareVersion {
    /// Parse a firmware string; `None` when it follows no known scheme.
    pub fn parse(text: &str) -> Option<FirmwareVersion> {
        let s = text.trim();
        if s.is_empty() || s.len() > MAX_LEN {
            return None;
        }
        let p = patterns();
        let make = |scheme, numbers, build, release| {
            Some(FirmwareVersion {
                raw: s.to_string(),
                scheme,
                numbers,
                build,
                release,
            })
        };
        if let Some(c) = p.vbuild.captures(s) {
            return make(Scheme::VBuild, dotted(&c[1])?, Some(yymmdd(&c[2])?), None);
        }
        if let Some(c) = p.dahua.captures(s) {
            let numbers = (1..=4).map(|i| num(&c[i])).collect::<Option<Vec<_>>>()?;
            let build = match (c.get(5), c.get(6), c.get(7)) {
                (Some(y), Some(m), Some(d)) => Some(date(
                    y.as_str().parse().ok()?,
                    m.as_str().parse().ok()?,
                    d.as_str().parse().ok()?,
                )?),
                _ => None,
            };
            return make(Scheme::Dahua, numbers, build, None);
        }
        if let Some(c) = p.xiongmai.captures(s) {
            let numbers = (1..=3).map(|i| num(&c[i])).collect::<Option<Vec<_>>>()?;
            return make(Scheme::Xiongmai, numbers, None, None);
        }
        if let Some(c) = p.uniview.captures(s) {
            let numbers = vec![num(&c[2])?, num(&c[3])?];
            let build = date(2000 + c[4].parse::<u32>().ok()?, c[5].parse().ok()?, 0)?;
            return make(
                Scheme::Uniview(c[1].to_ascii_uppercase()),
                numbers,
                Some(build),
                None,
            );
        }
        if let Some(c) = p.uniview_dotted.captures(s) {
            let mut numbers = vec![num(&c[2])?];
            for part in c[3].split('.').skip(1) {
                numbers.push(num(
                    part.trim_start_matches(|ch: char| ch.is_ascii_alphabetic())
                )?);
            }
            return make(
                Scheme::UniviewDotted(c[1].to_ascii_uppercase()),
                numbers,
                Some(yymmdd(&c[4])?),
                None,
            );
        }
        if let Some(c) = p.tapo.captures(s) {
            let release = match c.get(3) {
                Some(r) => Some(num(r.as_str())?),
                None => None,
            };
            return make(Scheme::Tapo, dotted(&c[1])?, Some(yymmdd(&c[2])?), release);
        }
        if let Some(c) = p.dotted_date.captures(s) {
            let d = &c[2];
            let build = date(
                d[..4].parse().ok()?,
                d[4..6].parse().ok()?,
                d[6..].parse().ok()?,
            );
            return make(Scheme::DottedDate, dotted(&c[1])?, build, Some(num(d)?));
        }
        if let Some(c) = p.avtech.captures(s) {
            let numbers = (1..=4).map(|i| num(&c[i])).collect::<Option<Vec<_>>>()?;
            return make(Scheme::Avtech, numbers, None, None);
        }
        if let Some(c) = p.tvt.captures(s) {
            return make(Scheme::Tvt, dotted(&c[1])?, Some(yymmdd(&c[2])?), None);
        }
        if let Some(c) = p.dotted.captures(s) {
            return make(Scheme::Dotted, dotted(&c[1])?, None, None);
        }
        None
    }

    /// The string as given (trimmed).
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The scheme the string follows.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }

    /// Numeric components, in order (Dahua: all four; Xiongmai: major, minor, release).
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    /// Build date as `yyyymmdd` (day 0 when only the month is known), where the string has one.
    pub fn build_date(&self) -> Option<u32> {
        self.build
    }

    /// Order two versions of the same scheme; `None` when the schemes differ (never guessed).
    pub fn compare(&self, other: &FirmwareVersion) -> Option<Ordering> {
        if self.scheme != other.scheme {
            return None;
        }
        let len = self.numbers.len().max(other.numbers.len());
        let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
        let by_numbers = (0..len)
            .map(|i| at(&self.numbers, i).cmp(&at(&other.numbers, i)))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal);
        Some(
            by_numbers
                // A DottedDate stamp is ordered as a number (`release`), date or not.
                .then(if self.scheme == Scheme::DottedDate {
                    Ordering::Equal
                } else {
                    self.build.cmp(&other.build)
                })
                .then(self.release.cmp(&other.release)),
        )
    }
}

impl FirmwareVersion {
    /// Order this version against a range *bound* written as plain dotted numbers, as
    /// normalised advisories (CSAF `vers:` ranges) write versions: `5.5.800` for Hikvision's
    /// `V5.5.800 build 210628`. Within one scheme this is [`FirmwareVersion::compare`]. Across
    /// schemes it decides only a plain dotted bound against a scheme whose numbers are a dotted
    /// version (Hikvision/EZVIZ, Tapo, Hanwha/Reolink), and only when the numbers differ: with
    /// equal numbers the build would decide, and the bound has none.
    pub fn compare_to_bound(&self, bound: &FirmwareVersion) -> Option<Ordering> {
        if let Some(o) = self.compare(bound) {
            return Some(o);
        }
        let dotted_numbers = matches!(
            self.scheme,
            Scheme::VBuild | Scheme::Tapo | Scheme::DottedDate
        );
        if bound.scheme != Scheme::Dotted || !dotted_numbers {
            return None;
        }
        let len = self.numbers.len().max(bound.numbers.len());
        let at = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
        (0..len)
            .map(|i| at(&self.numbers, i).cmp(&at(&bound.numbers, i)))
            .find(|o| o.is_ne())
    }
}

impl PartialEq for FirmwareVersion {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for FirmwareVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        self.compare(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> FirmwareVersion {
        FirmwareVersion::parse(s).unwrap_or_else(|| panic!("{s:?} should parse"))
    }

    #[test]
    fn real_formats_parse_to_their_scheme_numbers_and_date() {
        let table: &[(&str, Scheme, &[u64], Option<u32>)] = &[
            (
                "V5.5.82 build 190909",
                Scheme::VBuild,
                &[5, 5, 82],
                Some(20190909),
            ),
            (
                "V5.4.5 build 170124",
                Scheme::VBuild,
                &[5, 4, 5],
                Some(20170124),
            ),
            (
                "V5.5.800_build210628",
                Scheme::VBuild,
                &[5, 5, 800],
                Some(20210628),
            ),
            (
                "2.800.0000000.8.R, Build Date 2021-07-13",
                Scheme::Dahua,
                &[2, 800, 0, 8],
                Some(20210713),
            ),
            ("2.622.0000000.31.R", Scheme::Dahua, &[2, 622, 0, 31], None),
            (
                "V4.02.R11.00000140.10010.131600",
                Scheme::Xiongmai,
                &[4, 2, 11],
                None,
            ),
            (
                "V5.00.R02.000529B2.10010.040400.0020000",
                Scheme::Xiongmai,
                &[5, 0, 2],
                None,
            ),
            ("10.12.182", Scheme::Dotted, &[10, 12, 182], None),
            ("6.50.1.2", Scheme::Dotted, &[6, 50, 1, 2], None),
            ("6.60.0065", Scheme::Dotted, &[6, 60, 65], None),
            ("V1.0.3", Scheme::Dotted, &[1, 0, 3], None),
            (
                "IPC_G6103-B5030P20D1811",
                Scheme::Uniview("IPC_G6103".into()),
                &[5030, 20],
                Some(20181100),
            ),
            (
                "IPC_G6103-B6103.16.10.B25.201218",
                Scheme::UniviewDotted("IPC_G6103".into()),
                &[6103, 16, 10, 25],
                Some(20201218),
            ),
            (
                "IPC_G6103 B6103.16.10.B25.201218",
                Scheme::UniviewDotted("IPC_G6103".into()),
                &[6103, 16, 10, 25],
                Some(20201218),
            ),
            (
                "5.2.3.20207B230306",
                Scheme::Tvt,
                &[5, 2, 3, 20207],
                Some(20230306),
            ),
            (
                "5.2.3.20207B230306.N3.U1(9A8F60)",
                Scheme::Tvt,
                &[5, 2, 3, 20207],
                Some(20230306),
            ),
            (
                "1.1.15 Build 211130 Rel.45916n",
                Scheme::Tapo,
                &[1, 1, 15],
                Some(20211130),
            ),
            (
                "1.41.01_20200417",
                Scheme::DottedDate,
                &[1, 41, 1],
                Some(20200417),
            ),
            (
                "v3.0.0.136_20121102",
                Scheme::DottedDate,
                &[3, 0, 0, 136],
                Some(20121102),
            ),
            (
                "v3.1.0.956_22041512",
                Scheme::DottedDate,
                &[3, 1, 0, 956],
                None,
            ),
            (
                "FullImg-1023-1007-1011-1009",
                Scheme::Avtech,
                &[1023, 1007, 1011, 1009],
                None,
            ),
        ];
        for (s, scheme, numbers, build) in table {
            let p = v(s);
            assert_eq!(p.scheme(), scheme, "{s}");
            assert_eq!(p.numbers(), *numbers, "{s}");
            assert_eq!(p.build_date(), *build, "{s}");
        }
    }

    #[test]
    fn orders_within_a_scheme() {
        let less: &[(&str, &str)] = &[
            ("V5.5.82 build 190909", "V5.5.800 build 210628"),
            ("V5.4.5 build 170124", "V5.5.82 build 190909"),
            ("V5.5.82 build 190909", "V5.5.82 build 200101"),
            ("2.622.0000000.31.R", "2.800.0000000.8.R"),
            (
                "2.800.0000000.8.R, Build Date 2021-07-13",
                "2.800.0000016.0.R, Build Date 2022-08-26",
            ),
            ("V4.02.R11.00000529.10010.140700.0000000", "V5.00.R02"),
            ("6.50.1", "6.50.1.2"),
            ("9.80.3.8", "10.12.114"),
            ("5.40.9.2", "6.50.1"),
            (
                "1.1.15 Build 211130 Rel.33696n",
                "1.1.16 Build 211209 Rel.37224n",
            ),
            ("IPC_G6103-B0005P57D1811", "IPC_G6103-B0005P60D2101"),
            (
                "IPC_G6103-B6103.16.10.B25.201218",
                "IPC_G6103-B6103.16.10.B26.210430",
            ),
            ("4.1.6.04135B210923", "5.2.3.20207B230306"),
            ("1.41.01_20200417", "2.10.02_20220530"),
            ("v3.0.0.136_20121102", "v3.0.0.136_21031000"),
            ("FullImg-1023-1007-1011-1009", "FullImg-1023-1007-1011-1010"),
        ];
        for (a, b) in less {
            assert_eq!(v(a).compare(&v(b)), Some(Ordering::Less), "{a} < {b}");
            assert_eq!(v(b).compare(&v(a)), Some(Ordering::Greater), "{b} > {a}");
        }
        assert_eq!(v("6.50.1").compare(&v("6.50.1.0")), Some(Ordering::Equal));
    }

    #[test]
    fn different_schemes_or_platforms_never_compare() {
        let none: &[(&str, &str)] = &[
            ("V5.5.82 build 190909", "5.5.82"),
            ("2.800.0000000.8.R", "2.800.0.8"),
            ("IPC_G6103-B0005P60D2101", "IPC_D1201-B0005P57D1811"),
            (
                "IPC_G6103-B6103.16.10.B25.201218",
                "IPC_G6103-B0005P60D2101",
            ),
            ("IPC_G6103-B6103.16.10.B25.201218", "NVR-B3801.20.17.240507"),
            ("5.2.3.20207B230306", "5.2.3.20207"),
            ("1.1.15 Build 211130 Rel.33696n", "1.1.15"),
            ("V4.02.R11.00000529.10010.140700", "V4.02.11"),
        ];
        for (a, b) in none {
            assert_eq!(v(a).compare(&v(b)), None, "{a} vs {b}");
        }
    }

    #[test]
    fn plain_dotted_bounds_order_vendor_versions_only_when_the_numbers_differ() {
        let cases: &[(&str, &str, Option<Ordering>)] = &[
            ("V5.5.82 build 190909", "5.5.800", Some(Ordering::Less)),
            ("V5.5.800 build 210628", "5.5.82", Some(Ordering::Greater)),
            ("V5.5.800 build 210628", "5.5.800", None),
            (
                "1.1.15 Build 211130 Rel.33696n",
                "1.1.16",
                Some(Ordering::Less),
            ),
            ("1.41.01_20200417", "2.10.2", Some(Ordering::Less)),
            ("10.12.114", "10.12.200", Some(Ordering::Less)),
            // Schemes whose numbers are not a plain version never order against one.
            ("2.800.0000000.8.R", "2.900.0.0", None),
            ("V4.02.R11.00000140.10010.131600", "5.0", None),
            ("FullImg-1023-1007-1011-1009", "2000.0", None),
            // Only a plain dotted *bound* is read this way.
            ("5.5.82", "V5.5.800 build 210628", None),
        ];
        for (fw, bound, want) in cases {
            assert_eq!(v(fw).compare_to_bound(&v(bound)), *want, "{fw} vs {bound}");
        }
    }

    #[test]
    fn junk_is_not_a_version() {
        for s in [
            "",
            "   ",
            "unknown",
            "V",
            "5",
            "build 190909",
            "V5.5.82 build 19090",
            "2.800.0000000.8.R, Build Date 2021-13-13",
            "IPC_G6103-B6103.16.10.B25.201318",
            "IPC_G6103-B6103.201218",
            "5.2.3.20207B2303",
            "5.2.3.20207B230306.N3.U1(9A8F60",
            "99999999999999999999.1",
            &"1.".repeat(100),
        ] {
            assert!(FirmwareVersion::parse(s).is_none(), "{s:?}");
        }
    }
}
