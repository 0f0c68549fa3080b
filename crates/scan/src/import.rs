//! Targets from other tools' output and from inventories (`camguard scan --import FILE`).
//!
//! | format | what is taken |
//! |---|---|
//! | `nmap-xml` (`nmap -oX`) | every `<host>` whose `<status state="up">`, its IPv4/IPv6 addresses and its TCP ports with `<state state="open">` |
//! | `masscan-json` (`masscan -oJ`) | every object's `ip` and its `ports[]` entries (`status` `open`, or no status as in banner records) |
//! | `masscan-list` (`masscan -oL`) | `open tcp PORT IP TS` and `banner tcp PORT IP …` lines |
//! | `csv` | a header row with a column named `ip`, `address`, `ip_address` or `host` (any case) and optionally `port` or `ports` (`80;554` or `80 554`) |
//! | `json` | an array of objects with `ip`/`address`/`host` and optionally `port` (number or string) or `ports` (array) |
//!
//! The format is detected from the content unless given. Addresses must be IP addresses
//! (names are not resolved); a bad address is an error naming the line or host. Ports listed
//! for a host are added to the scan's port set *for that host only*
//! ([`crate::sweep::HostPorts`]). Files are read up to [`MAX_IMPORT_BYTES`], and XML with
//! entity declarations is refused, so hostile files cannot exhaust memory.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Largest import file read, in bytes.
pub const MAX_IMPORT_BYTES: u64 = 64 << 20;

/// An import file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// `nmap -oX` XML.
    NmapXml,
    /// `masscan -oJ` JSON.
    MasscanJson,
    /// `masscan -oL` list.
    MasscanList,
    /// CSV with a header row.
    Csv,
    /// JSON array of objects.
    Json,
}

impl ImportFormat {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::NmapXml => "nmap-xml",
            Self::MasscanJson => "masscan-json",
            Self::MasscanList => "masscan-list",
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }

    /// Guess the format from the content.
    pub fn detect(text: &str) -> Self {
        let t = text.trim_start_matches('\u{feff}').trim_start();
        if t.starts_with('<') {
            return Self::NmapXml;
        }
        if t.starts_with('[') || t.starts_with('{') {
            // masscan writes `"ports": [ {"port": …, "proto": …` for every host.
            let compact: String = t
                .chars()
                .take(4096)
                .filter(|c| !c.is_whitespace())
                .collect();
            return if compact.contains("\"ports\":[{\"port\"") || compact.contains("\"proto\":") {
                Self::MasscanJson
            } else {
                Self::Json
            };
        }
        let first = t
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        if t.starts_with("#masscan") || first.starts_with("open ") || first.starts_with("banner ") {
            return Self::MasscanList;
        }
        Self::Csv
    }
}

impl FromStr for ImportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [
            Self::NmapXml,
            Self::MasscanJson,
            Self::MasscanList,
            Self::Csv,
            Self::Json,
        ]
        .into_iter()
        .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| {
            format!("unknown import format '{s}' (nmap-xml, masscan-json, masscan-list, csv, json)")
        })
    }
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("cannot read import file {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The content is not valid for the format.
    #[error("import file {path} ({format}): {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The format it was read as.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// Hosts read from an import, with the open ports listed for each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Imported {
    /// Address → ports listed for it (possibly none).
    pub hosts: BTreeMap<IpAddr, BTreeSet<u16>>,
}

impl Imported {
    fn add(&mut self, ip: IpAddr, ports: impl IntoIterator<Item = u16>) {
        self.hosts
            .entry(ip)
            .or_default()
            .extend(ports.into_iter().filter(|&p| p != 0));
    }

    /// Both imports together.
    pub fn merge(&mut self, other: Imported) {
        for (ip, ports) in other.hosts {
            self.add(ip, ports);
        }
    }

    /// Every port listed for any host.
    pub fn all_ports(&self) -> BTreeSet<u16> {
        self.hosts.values().flatten().copied().collect()
    }
}

/// Read an import file (format detected unless given); returns the format used too.
pub fn import_file(
    path: &Path,
    format: Option<ImportFormat>,
) -> Result<(Imported, ImportFormat), ImportError> {
    let io = |source| ImportError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_IMPORT_BYTES + 1),
        &mut bytes,
    )
    .map_err(io)?;
    let text = String::from_utf8_lossy(&bytes);
    let format = format.unwrap_or_else(|| ImportFormat::detect(&text));
    let invalid = |reason: String| ImportError::Invalid {
        path: path.to_path_buf(),
        format: format.name(),
        reason,
    };
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(invalid(format!("larger than {MAX_IMPORT_BYTES} bytes")));
    }
    parse(&text, format).map(|i| (i, format)).map_err(invalid)
}

/// Parse import content in a given format.
pub fn parse(text: &str, format: ImportFormat) -> Result<Imported, String> {
    let text = text.trim_start_matches('\u{feff}');
    match format {
        ImportFormat::NmapXml => nmap_xml(text),
        ImportFormat::MasscanJson => json(text, true),
        ImportFormat::Json => json(text, false),
        ImportFormat::MasscanList => masscan_list(text),
        ImportFormat::Csv => csv(text),
    }
}

fn ip(s: &str, at: &str) -> Result<IpAddr, String> {
    let s = s.trim().trim_matches('"');
    s.parse::<IpAddr>().map_err(|_| {
        format!(
            "{at}: '{}' is not an IP address (names are not resolved)",
            clip(s)
        )
    })
}

fn port(s: &str, at: &str) -> Result<u16, String> {
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(format!("{at}: '{}' is not a port (1-65535)", clip(s))),
    }
}

fn clip(s: &str) -> String {
    s.chars().take(60).collect()
}

fn nmap_xml(text: &str) -> Result<Imported, String> {
    if text.contains("<!ENTITY") {
        return Err("XML entity declarations are refused".into());
    }
    // nmap writes `<!DOCTYPE nmaprun>`; entity declarations were refused above, and roxmltree
    // never fetches external resources.
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(text, opts).map_err(|e| format!("not XML: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "nmaprun" {
        return Err(format!(
            "root element is <{}>, not <nmaprun>",
            clip(root.tag_name().name())
        ));
    }
    let mut out = Imported::default();
    for (n, host) in root
        .children()
        .filter(|c| c.has_tag_name("host"))
        .enumerate()
    {
        let at = format!("host #{}", n + 1);
        let up = host
            .children()
            .find(|c| c.has_tag_name("status"))
            .and_then(|s| s.attribute("state"))
            == Some("up");
        if !up {
            continue;
        }
        let mut ports = Vec::new();
        for ports_el in host.children().filter(|c| c.has_tag_name("ports")) {
            for p in ports_el.children().filter(|c| c.has_tag_name("port")) {
                let open = p
                    .children()
                    .find(|c| c.has_tag_name("state"))
                    .and_then(|s| s.attribute("state"))
                    == Some("open");
                if open && p.attribute("protocol") == Some("tcp") {
                    ports.push(port(p.attribute("portid").unwrap_or(""), &at)?);
                }
            }
        }
        for a in host.children().filter(|c| c.has_tag_name("address")) {
            if matches!(a.attribute("addrtype"), Some("ipv4") | Some("ipv6")) {
                out.add(ip(a.attribute("addr").unwrap_or(""), &at)?, ports.clone());
            }
        }
    }
    Ok(out)
}

/// Older masscan versions leave a comma before the closing `]`.
fn strip_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_comma = false;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if c == ',' {
            if pending_comma {
                out.push(',');
            }
            pending_comma = true;
            continue;
        }
        if c.is_whitespace() {
            out.push(c);
            continue;
        }
        if pending_comma && c != ']' && c != '}' {
            out.push(',');
        }
        pending_comma = false;
        if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

fn json_ports(v: &serde_json::Value, masscan: bool, at: &str) -> Result<Vec<u16>, String> {
    let one = |p: &serde_json::Value| -> Result<Option<u16>, String> {
        match p {
            serde_json::Value::Number(n) => port(&n.to_string(), at).map(Some),
            serde_json::Value::String(s) => port(s, at).map(Some),
            serde_json::Value::Object(o) => {
                let status_ok = o
                    .get("status")
                    .and_then(|s| s.as_str())
                    .is_none_or(|s| s == "open");
                let tcp = o
                    .get("proto")
                    .and_then(|s| s.as_str())
                    .is_none_or(|s| s == "tcp");
                match o.get("port") {
                    Some(pv) if status_ok && tcp => {
                        port(&pv.to_string().replace('"', ""), at).map(Some)
                    }
                    Some(_) => Ok(None),
                    None if masscan => Ok(None),
                    None => Err(format!("{at}: port object without \"port\"")),
                }
            }
            _ => Err(format!("{at}: a port must be a number, string or object")),
        }
    };
    let mut out = Vec::new();
    match v {
        serde_json::Value::Array(a) => {
            for p in a {
                out.extend(one(p)?);
            }
        }
        serde_json::Value::String(s) => {
            for t in s.split([';', ',', ' ']).filter(|t| !t.is_empty()) {
                out.push(port(t, at)?);
            }
        }
        serde_json::Value::Null => {}
        other => out.extend(one(other)?),
    }
    Ok(out)
}

const ADDRESS_KEYS: [&str; 4] = ["ip", "address", "ip_address", "host"];

fn json(text: &str, masscan: bool) -> Result<Imported, String> {
    // Old masscan versions end the array with `{finished: 1}` (not JSON) after a trailing comma.
    let text: String = text
        .lines()
        .filter(|l| {
            let t: String = l.chars().filter(|c| !c.is_whitespace()).collect();
            t != "{finished:1}"
        })
        .collect::<Vec<_>>()
        .join("\n");
    let cleaned = strip_trailing_commas(&text);
    let items: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(&cleaned) {
        Ok(serde_json::Value::Array(a)) => a,
        Ok(obj @ serde_json::Value::Object(_)) => vec![obj],
        Ok(_) => return Err("expected a JSON array of objects".into()),
        // JSON Lines (masscan -oD, or one object per line).
        Err(e) => cleaned
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(serde_json::from_str)
            .collect::<Result<_, _>>()
            .map_err(|_| format!("not JSON: {e}"))?,
    };
    let mut out = Imported::default();
    for (n, item) in items.iter().enumerate() {
        let at = format!("entry #{}", n + 1);
        let Some(obj) = item.as_object() else {
            return Err(format!("{at}: expected an object"));
        };
        let addr = ADDRESS_KEYS
            .iter()
            .find_map(|k| obj.iter().find(|(key, _)| key.eq_ignore_ascii_case(k)));
        let Some((_, addr)) = addr else {
            // masscan ends its file with `{"finished": 1}`.
            if masscan || obj.contains_key("finished") {
                continue;
            }
            return Err(format!("{at}: no \"ip\", \"address\" or \"host\" field"));
        };
        let addr = addr
            .as_str()
            .ok_or_else(|| format!("{at}: the address must be a string"))?;
        let mut ports = Vec::new();
        for key in ["port", "ports"] {
            if let Some(v) = obj.get(key) {
                ports.extend(json_ports(v, masscan, &at)?);
            }
        }
        out.add(ip(addr, &at)?, ports);
    }
    Ok(out)
}

fn masscan_list(text: &str) -> Result<Imported, String> {
    let mut out = Imported::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = format!("line {}", n + 1);
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            [kind, proto, p, addr, ..] if *kind == "open" || *kind == "banner" => {
                let ports = if *proto == "tcp" {
                    vec![port(p, &at)?]
                } else {
                    Vec::new()
                };
                out.add(ip(addr, &at)?, ports);
            }
            [kind, ..] if *kind == "closed" => {}
            _ => return Err(format!("{at}: expected 'open tcp PORT IP TIMESTAMP'")),
        }
    }
    Ok(out)
}

/// Split one CSV record (RFC 4180 quoting; no newlines inside fields).
fn csv_fields(line: &str, sep: char) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') if cur.trim().is_empty() => {
                cur.clear();
                quoted = true;
            }
            (false, c) if c == sep => fields.push(std::mem::take(&mut cur)),
            (_, c) => cur.push(c),
        }
    }
    fields.push(cur);
    fields.into_iter().map(|f| f.trim().to_string()).collect()
}

fn csv(text: &str) -> Result<Imported, String> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    let Some((_, header)) = lines.next() else {
        return Ok(Imported::default());
    };
    let sep = [',', ';', '\t']
        .into_iter()
        .max_by_key(|s| header.matches(*s).count())
        .filter(|s| header.contains(*s))
        .unwrap_or(',');
    let names: Vec<String> = csv_fields(header, sep)
        .into_iter()
        .map(|n| n.to_ascii_lowercase())
        .collect();
    let addr_col = ADDRESS_KEYS
        .iter()
        .find_map(|k| names.iter().position(|n| n == k))
        .ok_or_else(|| {
            format!(
                "line 1: the header ({}) has no column named ip, address, ip_address or host",
                clip(header)
            )
        })?;
    let port_col = names.iter().position(|n| n == "port" || n == "ports");
    let mut out = Imported::default();
    for (n, line) in lines {
        let at = format!("line {}", n + 1);
        let f = csv_fields(line, sep);
        let addr = f.get(addr_col).map(String::as_str).unwrap_or("");
        if addr.is_empty() {
            return Err(format!("{at}: empty address"));
        }
        let mut ports = Vec::new();
        if let Some(cell) = port_col.and_then(|c| f.get(c)) {
            for t in cell.split([';', ' ', '|', ',']).filter(|t| !t.is_empty()) {
                ports.push(port(t, &at)?);
            }
        }
        out.add(ip(addr, &at)?, ports);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(i: &Imported) -> Vec<(String, Vec<u16>)> {
        i.hosts
            .iter()
            .map(|(a, p)| (a.to_string(), p.iter().copied().collect()))
            .collect()
    }

    #[test]
    fn trailing_commas_only_outside_strings() {
        assert_eq!(strip_trailing_commas("[1,2,]"), "[1,2]");
        assert_eq!(strip_trailing_commas("[\"a,]\",\n]"), "[\"a,]\"\n]");
        assert_eq!(strip_trailing_commas("{\"a\":1,}"), "{\"a\":1}");
    }

    #[test]
    fn csv_quoting_and_separators() {
        assert_eq!(
            csv_fields(r#"a,"b,c","d ""q""",e"#, ','),
            vec!["a", "b,c", "d \"q\"", "e"]
        );
        let i = parse(
            "Name;IP;Ports\n\"Gate; north\";10.0.0.1;80 554\n",
            ImportFormat::Csv,
        )
        .unwrap();
        assert_eq!(hosts(&i), vec![("10.0.0.1".into(), vec![80, 554])]);
    }

    #[test]
    fn hostile_inputs_are_errors_not_panics() {
        let cases: [(&str, ImportFormat); 10] = [
            ("<nmaprun><host>", ImportFormat::NmapXml),
            (
                "<!DOCTYPE x [<!ENTITY a \"aaaa\">]><nmaprun>&a;</nmaprun>",
                ImportFormat::NmapXml,
            ),
            ("<other/>", ImportFormat::NmapXml),
            ("[{\"ip\": 5}]", ImportFormat::Json),
            (
                "[{\"ip\": \"10.0.0.1\", \"port\": 70000}]",
                ImportFormat::Json,
            ),
            ("[1, 2]", ImportFormat::Json),
            ("open tcp x 10.0.0.1 0", ImportFormat::MasscanList),
            ("open tcp", ImportFormat::MasscanList),
            ("ip,port\ncam.local,80\n", ImportFormat::Csv),
            ("name\nx\n", ImportFormat::Csv),
        ];
        for (text, f) in cases {
            assert!(parse(text, f).is_err(), "{f:?}: {text}");
        }
        assert_eq!(parse("", ImportFormat::Csv).unwrap(), Imported::default());
    }

    #[test]
    fn detection() {
        assert_eq!(
            ImportFormat::detect("<?xml version=\"1.0\"?><nmaprun/>"),
            ImportFormat::NmapXml
        );
        assert_eq!(
            ImportFormat::detect(
                "[\n{ \"ip\": \"1.2.3.4\", \"ports\": [ {\"port\": 80, \"proto\": \"tcp\"} ] }\n]"
            ),
            ImportFormat::MasscanJson
        );
        assert_eq!(
            ImportFormat::detect("[{\"ip\": \"1.2.3.4\"}]"),
            ImportFormat::Json
        );
        assert_eq!(
            ImportFormat::detect("#masscan\nopen tcp 80 1.2.3.4 1\n"),
            ImportFormat::MasscanList
        );
        assert_eq!(
            ImportFormat::detect("ip,port\n1.2.3.4,80\n"),
            ImportFormat::Csv
        );
        assert_eq!(
            "NMAP-XML".parse::<ImportFormat>(),
            Ok(ImportFormat::NmapXml)
        );
        assert!("xls".parse::<ImportFormat>().is_err());
    }
}
