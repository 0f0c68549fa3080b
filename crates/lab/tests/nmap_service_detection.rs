//! `nmap -sV` (Debian's nmap, a service detector nobody here wrote) against a lab with one
//! device of every personality: its service/product guesses are recorded, and wherever nmap
//! names a camera vendor it must name the personality's own vendor.
//!
//! nmap's NULL probe waits 6 s on services that do not speak first and every unmatched probe
//! waits up to 5 s for more data, so the scan uses `--version-intensity 0` (the NULL probe plus
//! the probes nmap registers for the port: GetRequest, HTTPOptions, RTSPRequest, …) and scans
//! every host at once (`--min-parallelism 64`). `bench/nmap_compare.sh` runs the same scan next to camguard's own
//! identification and prints the table of `docs/lab.md`.

mod common;

use camguard_lab::{ManifestDevice, Personality};
use common::{require_tool, run, start};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

/// Longest an nmap run may take (it normally takes 20–40 s).
const NMAP_DEADLINE: Duration = Duration::from_secs(120);

/// Camera and network-device vendors nmap's service database names, as (token to look for in
/// nmap's product / extra info / CPE, vendor). A guess naming one of these must name the
/// personality's vendor. Personality vendors are added to the list at run time.
const KNOWN_VENDORS: [(&str, &str); 14] = [
    ("hikvision", "Hikvision"),
    ("dahua", "Dahua"),
    ("xiongmai", "Xiongmai"),
    ("axis", "Axis"),
    ("bosch", "Bosch"),
    ("samsung", "Hanwha Vision"),
    ("hanwha", "Hanwha Vision"),
    ("tp-link", "TP-Link"),
    ("tp_link", "TP-Link"),
    ("uniview", "Uniview"),
    ("vivotek", "Vivotek"),
    ("foscam", "Foscam"),
    ("d-link", "D-Link"),
    ("ezviz", "EZVIZ"),
];

/// One open port as nmap saw it.
#[derive(Debug, Clone)]
struct NmapPort {
    address: String,
    port: u16,
    service: String,
    product: String,
    version: String,
    extrainfo: String,
    cpes: Vec<String>,
}

impl NmapPort {
    /// Everything nmap said about the port, lower-cased, for vendor matching.
    fn said(&self) -> String {
        format!(
            "{} {} {} {}",
            self.product,
            self.version,
            self.extrainfo,
            self.cpes.join(" ")
        )
        .to_lowercase()
    }
}

/// Parse nmap's XML output (`-oX -`): the open ports of every host.
fn parse_nmap_xml(xml: &str) -> Result<Vec<NmapPort>, String> {
    // nmap writes `<!DOCTYPE nmaprun>`; roxmltree never fetches external entities.
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    let doc =
        roxmltree::Document::parse_with_options(xml, opts).map_err(|e| format!("nmap XML: {e}"))?;
    let mut out = Vec::new();
    for host in doc.descendants().filter(|n| n.has_tag_name("host")) {
        let Some(address) = host
            .children()
            .find(|n| n.has_tag_name("address") && n.attribute("addrtype") == Some("ipv4"))
            .and_then(|n| n.attribute("addr"))
        else {
            continue;
        };
        for port in host.descendants().filter(|n| n.has_tag_name("port")) {
            let open = port
                .children()
                .find(|n| n.has_tag_name("state"))
                .and_then(|n| n.attribute("state"))
                == Some("open");
            if !open {
                continue;
            }
            let service = port.children().find(|n| n.has_tag_name("service"));
            let attr = |name: &str| {
                service
                    .and_then(|s| s.attribute(name))
                    .unwrap_or("")
                    .to_string()
            };
            out.push(NmapPort {
                address: address.to_string(),
                port: port
                    .attribute("portid")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0),
                service: attr("name"),
                product: attr("product"),
                version: attr("version"),
                extrainfo: attr("extrainfo"),
                cpes: service
                    .map(|s| {
                        s.children()
                            .filter(|n| n.has_tag_name("cpe"))
                            .filter_map(|n| n.text())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// Vendors named in what nmap said (canonical names).
fn vendors_named(said: &str, personalities: &[&Personality]) -> BTreeSet<String> {
    let mut tokens: Vec<(String, String)> = KNOWN_VENDORS
        .iter()
        .map(|(t, v)| (t.to_string(), v.to_string()))
        .collect();
    for p in personalities.iter().filter(|p| p.vendor != "Generic") {
        tokens.push((p.vendor.to_lowercase(), p.vendor.clone()));
    }
    tokens
        .into_iter()
        .filter(|(token, _)| token.len() >= 3 && said.contains(token.as_str()))
        .map(|(_, vendor)| vendor)
        .collect()
}

/// Sub-brands and OEMs whose devices run their parent's firmware, so a parent's signature is
/// the right answer for them: (personality vendor, parent). EZVIZ is Hikvision's consumer brand
/// (and its cameras answer on Hikvision's SDK port 8000), Imou is Dahua's, KBVision sells Dahua
/// OEM hardware, Vantech ships Xiongmai-style firmware (see the personalities' `source`).
const PARENTS: [(&str, &str); 4] = [
    ("EZVIZ", "Hikvision"),
    ("Imou", "Dahua"),
    ("KBVision", "Dahua"),
    ("Vantech", "Xiongmai"),
];

/// Whether nmap's vendor is acceptable for a device of personality `p`: its own vendor or the
/// parent whose firmware it runs.
fn vendor_agrees(named: &str, p: &Personality) -> bool {
    named.eq_ignore_ascii_case(&p.vendor)
        || PARENTS.iter().any(|(brand, parent)| {
            p.vendor.eq_ignore_ascii_case(brand) && named.eq_ignore_ascii_case(parent)
        })
}

fn faithful_personalities() -> Vec<&'static Personality> {
    Personality::all()
        .iter()
        .filter(|p| !p.id.starts_with("hostile"))
        .collect()
}

#[test]
fn nmap_xml_parser_reads_services_and_cpes() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE nmaprun><nmaprun><host><status state="up"/>
        <address addr="127.0.0.9" addrtype="ipv4"/><ports>
        <port protocol="tcp" portid="80"><state state="open"/>
          <service name="http" product="Hikvision IP camera httpd" devicetype="webcam" method="probed">
          <cpe>cpe:/h:hikvision:x</cpe></service></port>
        <port protocol="tcp" portid="81"><state state="closed"/><service name="x"/></port>
        </ports></host></nmaprun>"#;
    let ports = parse_nmap_xml(xml).expect("parses");
    assert_eq!(ports.len(), 1);
    assert_eq!(ports[0].address, "127.0.0.9");
    assert_eq!(ports[0].port, 80);
    assert_eq!(ports[0].product, "Hikvision IP camera httpd");
    assert_eq!(ports[0].cpes, ["cpe:/h:hikvision:x"]);
    let all = faithful_personalities();
    let named = vendors_named(&ports[0].said(), &all);
    assert!(named.contains("Hikvision"), "{named:?}");
    assert!(vendors_named("gstreamer rtspd", &all).is_empty());
    assert!(parse_nmap_xml("<nmaprun").is_err());
    if let (Some(ezviz), Some(hik)) = (Personality::get("ezviz"), Personality::get("hikvision")) {
        assert!(
            vendor_agrees("Hikvision", ezviz),
            "EZVIZ runs Hikvision firmware"
        );
        assert!(vendor_agrees("Hikvision", hik));
        assert!(!vendor_agrees("Dahua", hik));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nmap_service_guesses_name_our_vendor_where_they_name_one() {
    let test = "nmap_service_guesses_name_our_vendor_where_they_name_one";
    if !require_tool("nmap", test) {
        return;
    }
    let personalities = faithful_personalities();
    let mut toml = String::from("seed = 7\n");
    for p in &personalities {
        // Every service the personality has, so nmap sees its whole surface.
        let _ = write!(
            toml,
            "[[device]]\nid = \"{id}\"\npersonality = \"{id}\"\ntelnet = true\n\
             vendor_ports = {}\nssh = {}\nftp = {}\n",
            !p.vendor_ports.is_empty(),
            p.ssh.is_some(),
            p.ftp.is_some(),
            id = p.id
        );
    }
    let lab = start(&toml, Ipv4Addr::new(127, 91, 7, 1)).await;
    let devices: Vec<ManifestDevice> = lab.manifest().devices.clone();
    let ports: BTreeSet<u16> = devices
        .iter()
        .flat_map(|d| d.ports.values().copied())
        .collect();
    let port_list = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let first = devices.first().expect("devices").address;
    let last = devices.last().expect("devices").address;
    assert_eq!(first.octets()[..3], last.octets()[..3], "one /24");
    let targets = format!("{first}-{}", last.octets()[3]);
    let started = Instant::now();
    let out = run(
        "nmap",
        &[
            "-sV",
            "--version-intensity",
            "0",
            "-Pn",
            "-n",
            "-T4",
            // Probe every host's ports at once: the waits overlap (55 s → 40 s for 15 hosts).
            "--min-parallelism",
            "64",
            "--open",
            "-p",
            &port_list,
            "-oX",
            "-",
            &targets,
        ],
        NMAP_DEADLINE,
    )
    .await;
    let elapsed = started.elapsed();
    lab.shutdown().await;
    assert!(out.ok(), "nmap failed: {:?} {}", out.code, out.stderr);
    let seen = parse_nmap_xml(&out.stdout).expect("nmap XML");

    let mut table = String::new();
    let mut failures = Vec::new();
    for d in &devices {
        let p = Personality::get(&d.personality).expect("personality");
        for (name, &port) in &d.ports {
            let Some(s) = seen
                .iter()
                .find(|s| s.address == d.address.to_string() && s.port == port)
            else {
                failures.push(format!(
                    "{} {name} port {port}: nmap did not see it open",
                    d.id
                ));
                continue;
            };
            let _ = writeln!(
                table,
                "| {} | {port} ({name}) | {} | {} | {} | {} |",
                d.personality, s.service, s.product, s.version, s.extrainfo
            );
            for vendor in vendors_named(&s.said(), &personalities) {
                if !vendor_agrees(&vendor, p) {
                    failures.push(format!(
                        "{} port {port}: nmap names {vendor} ({:?}), the personality is {}",
                        d.id,
                        s.said(),
                        p.vendor
                    ));
                }
            }
        }
    }
    // Shown with --nocapture; bench/nmap_compare.sh produces the documented table.
    println!(
        "nmap -sV over {} devices, {} ports: {:.1} s\n| personality | port | service | product | version | extra |\n|---|---|---|---|---|---|\n{table}",
        devices.len(),
        ports.len(),
        elapsed.as_secs_f64()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
