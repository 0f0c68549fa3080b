//! Rule files in Recog's XML format, read with a parser of our own (roxmltree, no DTD).
//!
//! ```xml
//! <fingerprints matches="http_header.server">
//!   <fingerprint pattern="^Foo-Webs/(\d+)$" flags="REG_ICASE" certainty="0.8">
//!     <description>Foo cameras</description>
//!     <example hw.version="2">Foo-Webs/2</example>
//!     <example _encoding="base64">Rm9vLVdlYnMvMw==</example>
//!     <param pos="0" name="hw.vendor" value="Foo"/>
//!     <param pos="0" name="hw.device" value="IP Camera"/>
//!     <param pos="1" name="hw.version"/>
//!   </fingerprint>
//! </fingerprints>
//! ```
//!
//! - `matches` selects the [`FingerprintInput`](camguard_model::FingerprintInput) field (see
//!   [`field_for_matches`]); a file whose `matches` camguard does not observe is *skipped*
//!   with a warning, not an error, so a whole Recog checkout can be pointed at.
//! - `pattern` is a Ruby regex. `^`/`$` match at line ends as in Ruby; `\h`, `\H` and `\Z`
//!   are translated; constructs the linear-time engine lacks (look-around, back-references,
//!   atomic groups) are a clear error naming the fingerprint.
//! - `flags`: `REG_ICASE` (ignore case), `REG_DOT_NEWLINE` / `REG_MULTILINE` (`.` matches a
//!   newline, Ruby's `m`), `REG_LINE_ANCHORS` (already Ruby's behaviour).
//! - `<param pos="N" name="…"/>`: capture group N; `pos="0"` takes the fixed `value`, in
//!   which `{other.param}` interpolates another parameter.
//! - `<example>`: a field value (`_encoding="base64"` to encode it); every other attribute
//!   asserts the value of the parameter of that name.
//! - `certainty` (optional, in (0, 1]) is the rule weight; the default is
//!   [`RECOG_DEFAULT_WEIGHT`].
//!
//! Parameters map onto camguard's identity as described in [`identity_params`]. A fingerprint
//! that maps onto nothing camguard reports (a web server's own version, say) is still checked
//! by `camguard fingerprints verify` but adds no rule. Rule ids are `recog.<file stem>.<N>`
//! (N = the fingerprint's 1-based position in the file).

use crate::error::FingerprintError;
use crate::rule::Rule;
use crate::rule_file::{ExampleSpec, ParsedFile, RuleSpec};
use crate::template::Template;
use base64::Engine as _;
use camguard_model::DeviceType;
use regex::{Regex, RegexBuilder};
use std::collections::HashMap;

/// Weight of a Recog fingerprint without a `certainty` attribute.
pub const RECOG_DEFAULT_WEIGHT: f64 = 0.7;

/// Deepest `{param}` interpolation chain accepted (cycles end here too).
const MAX_INTERPOLATION_DEPTH: usize = 8;

/// XML nodes a rule file may hold (with the file size limit, bounds parser memory).
const MAX_XML_NODES: u32 = 1_000_000;

/// Compiled-size limit for one fingerprint's regex.
const REGEX_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// The observation field a Recog `matches` value stands for, if camguard observes it.
pub fn field_for_matches(matches: &str) -> Option<&'static str> {
    Some(match matches {
        "http_header.server" => "http_server",
        "html_title" => "html_title",
        "http_header.www_authenticate" => "www_authenticate",
        "http_header.cookie" | "http_header.set_cookie" => "http_set_cookie",
        "rtsp_header.server" => "rtsp_server",
        "ssh.banner" => "ssh_banner",
        "ftp.banner" => "ftp_banner",
        "telnet.banner" => "telnet_banner",
        "snmp.sys_description" => "snmp_sysdescr",
        "x509.subject" => "tls_subject",
        "x509.issuer" => "tls_issuer",
        "favicon.md5" => "favicon_md5",
        _ => return None,
    })
}

/// One `<param>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecogParam {
    /// Capture group number; 0 = the fixed `value`.
    pub pos: usize,
    /// Recog parameter name (`hw.vendor`, …).
    pub name: String,
    /// Fixed value (for `pos="0"`).
    pub value: Option<String>,
}

/// One `<example>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecogExample {
    /// The field value (decoded when it was base64).
    pub value: Result<String, String>,
    /// Asserted parameter values, in attribute order.
    pub asserts: Vec<(String, String)>,
}

/// One `<fingerprint>`.
#[derive(Debug, Clone)]
pub struct RecogFingerprint {
    /// camguard rule id: `recog.<file stem>.<N>`.
    pub id: String,
    /// The pattern as written (Ruby syntax).
    pub pattern: String,
    /// `flags` split on `|`.
    pub flags: Vec<String>,
    /// `<description>` text.
    pub description: Option<String>,
    /// Rule weight (`certainty` or the default).
    pub weight: f64,
    /// Parameters in file order.
    pub params: Vec<RecogParam>,
    /// Examples in file order.
    pub examples: Vec<RecogExample>,
}

/// A parsed Recog-format file.
#[derive(Debug, Clone)]
pub struct RecogFile {
    /// The file name used in messages.
    pub file: String,
    /// The `matches` attribute.
    pub matches: String,
    /// Fingerprints in file order.
    pub fingerprints: Vec<RecogFingerprint>,
}

/// A fingerprint compiled for matching: the regex and one capture template per parameter.
#[derive(Debug)]
pub struct CompiledRecog {
    regex: Regex,
    /// Parameter name → capture template (fixed values and interpolations resolved).
    templates: Vec<(String, String, Template)>,
    /// Fixed values (after interpolation of other fixed values), for class look-ups.
    fixed: HashMap<String, String>,
}

impl CompiledRecog {
    /// The extracted parameters for `text`, or `None` when the pattern does not match.
    pub fn extract(&self, text: &str) -> Option<Vec<(String, Option<String>)>> {
        let caps = self.regex.captures(text)?;
        Some(
            self.templates
                .iter()
                .map(|(name, _, t)| (name.clone(), t.expand(&caps)))
                .collect(),
        )
    }
}

/// Parse a Recog-format XML file called `file` in messages.
pub fn parse_recog(file: &str, text: &str) -> Result<RecogFile, FingerprintError> {
    let parse_err = |reason: String| FingerprintError::Parse {
        file: file.to_string(),
        reason,
    };
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| parse_err(format!("not a Recog XML file: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "fingerprints" {
        return Err(parse_err(format!(
            "root element is <{}>, expected <fingerprints>",
            root.tag_name().name()
        )));
    }
    let matches = root
        .attribute("matches")
        .ok_or_else(|| parse_err("<fingerprints> has no `matches` attribute".into()))?
        .to_string();
    let stem = id_stem(file);
    let mut fingerprints = Vec::new();
    for node in root.children().filter(roxmltree::Node::is_element) {
        if node.tag_name().name() != "fingerprint" {
            return Err(parse_err(format!(
                "unexpected <{}> in <fingerprints> (line {})",
                node.tag_name().name(),
                doc.text_pos_at(node.range().start).row
            )));
        }
        let id = format!("recog.{stem}.{}", fingerprints.len() + 1);
        let fp = parse_fingerprint(node, id.clone()).map_err(|reason| {
            FingerprintError::InvalidRule {
                file: file.to_string(),
                rule: id,
                reason,
            }
        })?;
        fingerprints.push(fp);
    }
    Ok(RecogFile {
        file: file.to_string(),
        matches,
        fingerprints,
    })
}

/// `recog.<stem>` part of the ids: the file name without directories and extension, in the
/// rule-id alphabet.
fn id_stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = name.strip_suffix(".xml").unwrap_or(name);
    let s: String = stem
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '.' | '-' | '_') => c,
            _ => '_',
        })
        .collect();
    if s.is_empty() {
        "file".into()
    } else {
        s
    }
}

fn parse_fingerprint(
    node: roxmltree::Node<'_, '_>,
    id: String,
) -> Result<RecogFingerprint, String> {
    let pattern = node
        .attribute("pattern")
        .ok_or("<fingerprint> has no `pattern` attribute")?
        .to_string();
    let flags = node
        .attribute("flags")
        .unwrap_or("")
        .split('|')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    let weight = match node.attribute("certainty") {
        None => RECOG_DEFAULT_WEIGHT,
        Some(c) => match c.trim().parse::<f64>() {
            Ok(w) if w > 0.0 && w <= 1.0 => w,
            _ => return Err(format!("certainty {c:?} is not a number in (0, 1]")),
        },
    };
    let mut description = None;
    let mut params: Vec<RecogParam> = Vec::new();
    let mut examples = Vec::new();
    for child in node.children().filter(roxmltree::Node::is_element) {
        match child.tag_name().name() {
            "description" => {
                let text = child.text().unwrap_or("").split_whitespace();
                description = Some(text.collect::<Vec<_>>().join(" "));
            }
            "example" => examples.push(parse_example(child)?),
            "param" => {
                let name = child.attribute("name").ok_or("<param> has no `name`")?;
                let pos = child
                    .attribute("pos")
                    .ok_or_else(|| format!("<param name={name:?}> has no `pos`"))?;
                let pos: usize = pos
                    .trim()
                    .parse()
                    .map_err(|_| format!("<param name={name:?}>: pos {pos:?} is not a number"))?;
                let value = child.attribute("value").map(str::to_string);
                if pos == 0 && value.is_none() {
                    return Err(format!("<param pos=\"0\" name={name:?}> needs a `value`"));
                }
                if params.iter().any(|p| p.name == name) {
                    return Err(format!("param `{name}` is defined twice"));
                }
                params.push(RecogParam {
                    pos,
                    name: name.to_string(),
                    value,
                });
            }
            other => return Err(format!("unexpected <{other}> in <fingerprint>")),
        }
    }
    Ok(RecogFingerprint {
        id,
        pattern,
        flags,
        description: description.filter(|d| !d.is_empty()),
        weight,
        params,
        examples,
    })
}

fn parse_example(node: roxmltree::Node<'_, '_>) -> Result<RecogExample, String> {
    let raw = node.text().unwrap_or("");
    let mut base64 = false;
    let mut asserts = Vec::new();
    for attr in node.attributes() {
        match attr.name() {
            "_encoding" if attr.value() == "base64" => base64 = true,
            "_encoding" => {
                return Err(format!(
                    "<example _encoding={:?}>: only base64 is known",
                    attr.value()
                ))
            }
            "_filename" => {
                return Err("<example _filename=…> (external files) is not supported".into())
            }
            name => asserts.push((name.to_string(), attr.value().to_string())),
        }
    }
    let value = if base64 {
        let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("invalid base64: {e}"))
    } else {
        Ok(raw.to_string())
    };
    Ok(RecogExample { value, asserts })
}

/// Translate a Ruby pattern to Rust `regex` syntax: Ruby's always-on line anchors become
/// `(?m)`, the flags become `(?i)`/`(?s)`, `\h`/`\H` become hex classes and `\Z` becomes
/// "end, allowing one final newline".
pub fn translate_pattern(pattern: &str, flags: &[String]) -> Result<String, String> {
    let mut prefix = String::from("(?m");
    for flag in flags {
        match flag.as_str() {
            "REG_ICASE" => prefix.push('i'),
            "REG_DOT_NEWLINE" | "REG_MULTILINE" => prefix.push('s'),
            "REG_LINE_ANCHORS" => {}
            other => return Err(format!("unknown flag `{other}`")),
        }
    }
    prefix.push(')');
    let mut out = prefix;
    let mut in_class = false;
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('h') if in_class => out.push_str("0-9A-Fa-f"),
                Some('h') => out.push_str("[0-9A-Fa-f]"),
                Some('H') if !in_class => out.push_str("[^0-9A-Fa-f]"),
                Some('Z') if !in_class => out.push_str(r"(?:\n?\z)"),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => return Err("pattern ends with a lone backslash".into()),
            },
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

impl RecogFingerprint {
    /// Compile the pattern and resolve every parameter to a capture template.
    pub fn compile(&self) -> Result<CompiledRecog, String> {
        let pattern = translate_pattern(&self.pattern, &self.flags)?;
        let regex = RegexBuilder::new(&pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                format!(
                    "pattern cannot be compiled (camguard's linear-time regex engine has no \
                     look-around, back-references or atomic groups): {e}"
                )
            })?;
        let mut templates = Vec::new();
        for p in &self.params {
            let text = self.resolve(&p.name, 0)?;
            let t =
                Template::parse(&text, &regex).map_err(|e| format!("param `{}`: {e}", p.name))?;
            templates.push((p.name.clone(), text, t));
        }
        let fixed = templates
            .iter()
            .filter(|(_, text, _)| !text.contains('{'))
            .map(|(name, text, _)| (name.clone(), text.clone()))
            .collect();
        Ok(CompiledRecog {
            regex,
            templates,
            fixed,
        })
    }

    /// The capture template of parameter `name`: `{N}` for a capture, the fixed value with
    /// `{other}` interpolated (recursively) and other braces escaped.
    fn resolve(&self, name: &str, depth: usize) -> Result<String, String> {
        if depth > MAX_INTERPOLATION_DEPTH {
            return Err(format!(
                "param `{name}`: interpolation deeper than {MAX_INTERPOLATION_DEPTH} (a cycle?)"
            ));
        }
        let p = self
            .params
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| format!("value interpolates `{{{name}}}`, which is no param"))?;
        if p.pos > 0 {
            return Ok(format!("{{{}}}", p.pos));
        }
        let value = p.value.as_deref().unwrap_or("");
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find('{') {
            out.push_str(&escape_braces(&rest[..start]));
            let after = &rest[start + 1..];
            let reference = after.find('}').map(|end| &after[..end]).filter(|r| {
                !r.is_empty()
                    && r.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
            });
            match reference {
                Some(r) => {
                    out.push_str(&self.resolve(r, depth + 1)?);
                    rest = &after[r.len() + 1..];
                }
                None => {
                    out.push_str("{{");
                    rest = after;
                }
            }
        }
        out.push_str(&escape_braces(rest));
        Ok(out)
    }

    /// Check the examples the Recog way: each must match, and every parameter an example
    /// asserts must equal the extracted one. One message per failure.
    pub fn verify(&self) -> Vec<String> {
        let compiled = match self.compile() {
            Ok(c) => c,
            Err(e) => return vec![e],
        };
        if self.examples.is_empty() {
            return vec!["has no <example>".into()];
        }
        let mut failures = Vec::new();
        for (n, ex) in self.examples.iter().enumerate() {
            let value = match &ex.value {
                Ok(v) => v,
                Err(e) => {
                    failures.push(format!("example {}: {e}", n + 1));
                    continue;
                }
            };
            let at = format!("example {} ({value:?})", n + 1);
            let Some(got) = compiled.extract(crate::rule::bounded(value)) else {
                failures.push(format!("{at}: pattern does not match"));
                continue;
            };
            for (name, want) in &ex.asserts {
                match got.iter().find(|(n, _)| n == name) {
                    None => failures.push(format!(
                        "{at}: asserts `{name}`, which the fingerprint does not set"
                    )),
                    Some((_, got)) if got.as_deref() != Some(want.trim()) => {
                        failures.push(format!(
                            "{at}: `{name}` expected {want:?}, got {}",
                            got.as_deref()
                                .map_or("nothing".to_string(), |g| format!("{g:?}"))
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        failures
    }

    /// The camguard rule this fingerprint stands for, reading `field`; `None` when it maps
    /// onto nothing camguard reports.
    pub fn to_rule_spec(&self, field: &str, file: &str) -> Result<Option<RuleSpec>, String> {
        let compiled = self.compile()?;
        let ident = identity_params(&compiled, |name| {
            compiled
                .templates
                .iter()
                .find(|(n, _, _)| n == name)
                .map(|(_, text, _)| text.clone())
        });
        if ident.is_empty() {
            return Ok(None);
        }
        let example = self
            .examples
            .iter()
            .map(|ex| {
                let asserted = |names: &[&str]| {
                    names
                        .iter()
                        .find(|n| ident.sources.contains(n))
                        .and_then(|n| ex.asserts.iter().find(|(a, _)| a == n))
                        .map(|(_, v)| v.clone())
                };
                ExampleSpec {
                    value: ex.value.clone().unwrap_or_default(),
                    matches: true,
                    camera: None,
                    vendor: asserted(VENDOR_PARAMS),
                    product: asserted(PRODUCT_PARAMS),
                    model: asserted(MODEL_PARAMS),
                    firmware: asserted(FIRMWARE_PARAMS),
                    device_type: None,
                    partial: true,
                }
            })
            .collect();
        let description = self.description.clone();
        let source = match &description {
            Some(d) => format!("Recog-format rule file {file}: {d}"),
            None => format!("Recog-format rule file {file}"),
        };
        Ok(Some(RuleSpec {
            id: self.id.clone(),
            field: field.to_string(),
            pattern: translate_pattern(&self.pattern, &self.flags)?,
            case_insensitive: false,
            weight: self.weight,
            description,
            source,
            camera: ident.class.map(|c| c.0),
            vendor: ident.vendor,
            product: ident.product,
            model: ident.model,
            firmware: ident.firmware,
            device_type: ident.class.map(|c| c.1),
            example,
        }))
    }
}

fn escape_braces(s: &str) -> String {
    s.replace('{', "{{").replace('}', "}}")
}

const VENDOR_PARAMS: &[&str] = &["hw.vendor", "os.vendor", "service.vendor"];
const PRODUCT_PARAMS: &[&str] = &["hw.family", "os.product", "service.product"];
const MODEL_PARAMS: &[&str] = &["hw.product", "hw.model"];
const FIRMWARE_PARAMS: &[&str] = &["hw.version", "os.version", "service.version"];

/// What a fingerprint's parameters say in camguard's terms (templates, not values).
#[derive(Debug, Default)]
struct IdentityParams {
    vendor: Option<String>,
    product: Option<String>,
    model: Option<String>,
    firmware: Option<String>,
    class: Option<(bool, DeviceType)>,
    /// The Recog parameters the values came from.
    sources: Vec<&'static str>,
}

impl IdentityParams {
    fn is_empty(&self) -> bool {
        self.vendor.is_none()
            && self.product.is_none()
            && self.model.is_none()
            && self.firmware.is_none()
            && self.class.is_none()
    }
}

/// Map Recog parameters onto camguard's identity (first present wins):
///
/// | identity | Recog parameters |
/// | --- | --- |
/// | camera, device_type | fixed `hw.device` (else `os.device`) through [`device_class`] |
/// | vendor | `hw.vendor`; on a device\*: `os.vendor`, `service.vendor` |
/// | model | `hw.product`, `hw.model` |
/// | product | `hw.family`; on a device\*: `os.product`, `service.product` |
/// | firmware | `hw.version`; on a device\*: `os.version`, `service.version` |
///
/// \* "on a device": the fingerprint sets `hw.vendor` or a fixed `hw.device`/`os.device`.
/// Without one, `os.*`/`service.*` describe software (an OpenSSH on Ubuntu, an nginx) and
/// are not the device's vendor or firmware.
fn identity_params(
    compiled: &CompiledRecog,
    template: impl Fn(&str) -> Option<String>,
) -> IdentityParams {
    let class_name = compiled
        .fixed
        .get("hw.device")
        .or_else(|| compiled.fixed.get("os.device"));
    let class = class_name.and_then(|c| device_class(c));
    let on_device = class_name.is_some() || template("hw.vendor").is_some();
    let mut out = IdentityParams {
        class,
        ..IdentityParams::default()
    };
    let mut pick = |names: &[&'static str]| -> Option<String> {
        let allowed = if on_device { names } else { &names[..1] };
        allowed.iter().find_map(|n| {
            let t = template(n)?;
            out.sources.push(n);
            Some(t)
        })
    };
    let vendor = pick(VENDOR_PARAMS);
    let product = pick(PRODUCT_PARAMS);
    let model = pick(MODEL_PARAMS);
    let firmware = pick(FIRMWARE_PARAMS);
    out.vendor = vendor;
    out.product = product;
    out.model = model;
    out.firmware = firmware;
    out
}

/// A Recog `hw.device` value as (camera?, device type); `None` for classes camguard does
/// not interpret.
pub fn device_class(device: &str) -> Option<(bool, DeviceType)> {
    let d = device.trim().to_ascii_lowercase();
    let camera = |t| Some((true, t));
    match d.as_str() {
        "ip camera"
        | "camera"
        | "web cam"
        | "webcam"
        | "network camera"
        | "video camera"
        | "surveillance camera"
        | "ptz camera"
        | "security camera" => camera(DeviceType::IpCamera),
        "dvr" | "digital video recorder" => camera(DeviceType::Dvr),
        "nvr" | "network video recorder" => camera(DeviceType::Nvr),
        "video encoder" | "video server" => camera(DeviceType::VideoEncoder),
        "router"
        | "broadband router"
        | "wap"
        | "wireless access point"
        | "switch"
        | "firewall"
        | "printer"
        | "print server"
        | "multifunction printer"
        | "mfp"
        | "nas"
        | "storage"
        | "network storage"
        | "ups"
        | "power device"
        | "pdu"
        | "voip"
        | "ip phone"
        | "phone"
        | "media player"
        | "media server"
        | "set-top box"
        | "tv"
        | "game console"
        | "modem"
        | "cable modem"
        | "dsl modem"
        | "gateway"
        | "vpn"
        | "load balancer"
        | "hub"
        | "smart hub"
        | "iot hub"
        | "thermostat"
        | "server"
        | "hypervisor"
        | "kvm"
        | "bmc"
        | "lights out management" => Some((false, DeviceType::Other)),
        _ => None,
    }
}

/// The result of loading one Recog-format file.
#[derive(Debug)]
pub enum RecogLoad {
    /// Rules to add, plus the number of fingerprints that map onto nothing camguard reports.
    Rules(ParsedFile, usize),
    /// The file was skipped; the reason is a warning for the user.
    Skipped(String),
}

/// Parse `text` (file `file`) and turn its fingerprints into rules.
pub fn load_recog(file: &str, text: &str) -> Result<RecogLoad, FingerprintError> {
    let parsed = parse_recog(file, text)?;
    let Some(field) = field_for_matches(&parsed.matches) else {
        return Ok(RecogLoad::Skipped(format!(
            "{file}: skipped: matches=\"{}\" is not a field camguard observes (known: {})",
            parsed.matches,
            KNOWN_MATCHES.join(", ")
        )));
    };
    let mut rules = Vec::new();
    let mut unused = 0;
    for fp in &parsed.fingerprints {
        let invalid = |reason: String| FingerprintError::InvalidRule {
            file: file.to_string(),
            rule: fp.id.clone(),
            reason,
        };
        if fp.examples.is_empty() {
            return Err(invalid("needs at least one <example>".into()));
        }
        if let Some(e) = fp.examples.iter().find_map(|e| e.value.as_ref().err()) {
            return Err(invalid(format!("example: {e}")));
        }
        match fp.to_rule_spec(field, file).map_err(invalid)? {
            Some(spec) => rules.push(Rule::compile(spec, file).map_err(invalid)?),
            None => unused += 1,
        }
    }
    Ok(RecogLoad::Rules(
        ParsedFile {
            rules,
            vendors: Vec::new(),
            unbranded: Vec::new(),
        },
        unused,
    ))
}

/// Every `matches` value camguard reads.
pub const KNOWN_MATCHES: &[&str] = &[
    "http_header.server",
    "html_title",
    "http_header.www_authenticate",
    "http_header.cookie",
    "http_header.set_cookie",
    "rtsp_header.server",
    "ssh.banner",
    "ftp.banner",
    "telnet.banner",
    "snmp.sys_description",
    "x509.subject",
    "x509.issuer",
    "favicon.md5",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ruby_pattern_translation() {
        let f = |p: &str, flags: &[&str]| {
            translate_pattern(p, &flags.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(f(r"^a\h+$", &[]).unwrap(), r"(?m)^a[0-9A-Fa-f]+$");
        assert_eq!(
            f(r"[\h:]+\Z", &["REG_ICASE"]).unwrap(),
            r"(?mi)[0-9A-Fa-f:]+(?:\n?\z)"
        );
        assert_eq!(
            f(r"a.b", &["REG_DOT_NEWLINE", "REG_ICASE"]).unwrap(),
            r"(?msi)a.b"
        );
        assert_eq!(f(r"\\h", &[]).unwrap(), r"(?m)\\h");
        assert!(f("a", &["REG_BOGUS"]).is_err());
        assert!(f("a\\", &[]).is_err());
    }

    #[test]
    fn id_stems_use_the_rule_id_alphabet() {
        assert_eq!(id_stem("dir/My File.xml"), "my_file");
        assert_eq!(id_stem("http_servers.xml"), "http_servers");
    }

    #[test]
    fn device_classes() {
        assert_eq!(
            device_class(" IP Camera"),
            Some((true, DeviceType::IpCamera))
        );
        assert_eq!(device_class("NVR"), Some((true, DeviceType::Nvr)));
        assert_eq!(device_class("Router"), Some((false, DeviceType::Other)));
        assert_eq!(device_class("Toaster"), None);
    }
}
