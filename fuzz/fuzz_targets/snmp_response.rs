//! SNMP messages (agent answers) and CS2 P2P LAN-search answers from hostile devices: the
//! decoders must return an error, never panic or allocate past the datagram.
#![no_main]

use camguard_protocols::{p2p, snmp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = snmp::decode(data) {
        // What decodes re-encodes and decodes to the same message.
        let again = snmp::decode(&snmp::encode(&m));
        assert_eq!(again.as_ref(), Ok(&m));
        for (oid, _) in &m.varbinds {
            let _ = snmp::oid_to_string(oid);
        }
    }
    let _ = p2p::parse_punch(data);
});
