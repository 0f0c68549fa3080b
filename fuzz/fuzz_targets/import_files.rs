//! Fuzz `camguard scan --import`: the format detection and every format's parser (nmap XML,
//! masscan JSON and list, CSV, JSON), as the scanner reads a user's file.
#![no_main]
use camguard_scan::import::{parse, ImportFormat};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ImportFormat::detect(text);
    for format in [
        ImportFormat::NmapXml,
        ImportFormat::MasscanJson,
        ImportFormat::MasscanList,
        ImportFormat::Csv,
        ImportFormat::Json,
    ] {
        if let Ok(imported) = parse(text, format) {
            for ports in imported.hosts.values() {
                assert!(ports.iter().all(|&p| p != 0), "port 0 imported");
            }
        }
    }
});
