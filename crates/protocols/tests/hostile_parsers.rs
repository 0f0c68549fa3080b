//! Hostile input to the TLS, discovery, vendor-port and RTMP parsers: arbitrary bytes,
//! truncations of valid input and giant announced lengths end in an error or a value, never a
//! panic or an allocation of what a peer announced (the fuzz targets `tls_flight` and
//! `discovery_replies` run the same parsers much longer).

use camguard_protocols::{discovery, rtmp, tls, vendor};
use proptest::prelude::*;

/// A ServerHello + Certificate + ServerHelloDone flight in one record.
fn valid_flight() -> Vec<u8> {
    let mut sh = vec![0x03, 0x03];
    sh.extend_from_slice(&[1u8; 32]);
    sh.extend_from_slice(&[0, 0x00, 0x2f, 0]);
    let mut hs = vec![2, 0, 0, sh.len() as u8];
    hs.extend_from_slice(&sh);
    hs.extend_from_slice(&[11, 0, 0, 10, 0, 0, 7, 0, 0, 4, b'c', b'e', b'r', b't']);
    hs.extend_from_slice(&[14, 0, 0, 0]);
    let mut rec = vec![22, 3, 3, 0, hs.len() as u8];
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn every_truncation_of_a_valid_flight_is_incomplete_not_an_error() {
    let flight = valid_flight();
    let full = tls::parse_flight(&flight).expect("valid");
    assert!(full.complete);
    assert_eq!(full.certificates, vec![b"cert".to_vec()]);
    for cut in 0..flight.len() {
        let f = tls::parse_flight(&flight[..cut]).expect("a prefix is not an error");
        assert!(!f.complete);
    }
}

#[test]
fn giant_lengths_are_refused() {
    // Certificate entry announcing 16 MiB inside a small message.
    let mut flight = valid_flight();
    let at = flight.len() - 4 - 4 - 3; // the entry's u24 length
    flight[at..at + 3].copy_from_slice(&[0xff, 0xff, 0xff]);
    assert!(tls::parse_flight(&flight).is_err());
    let mut sofia = vendor::sofia_request();
    sofia[16..20].copy_from_slice(&[0xff; 4]);
    assert!(vendor::sofia_header(&sofia).is_err());
    let mut dhip = vendor::dhip_request();
    dhip[16..20].copy_from_slice(&[0xff; 4]);
    assert!(vendor::dhip_body_len(&dhip).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = tls::parse_flight(&data);
        let _ = tls::parse_server_hello(&data);
        let _ = tls::parse_certificates(&data);
        let _ = tls::certificate_info(&data);
        let _ = discovery::parse_ssdp_reply(&data);
        let _ = discovery::parse_probe_matches(&data, Some("urn:uuid:x"));
        let _ = discovery::parse_description(&data);
        let _ = discovery::split_http_url(&String::from_utf8_lossy(&data));
        let _ = vendor::dhip_detail(&data);
        let _ = vendor::dvrip_detail(&data);
        let _ = vendor::hikvision_detail(&data);
        let _ = rtmp::parse_server_hello(&data);
    }

    #[test]
    fn mutated_flights_never_panic(i in 0usize..64, b in any::<u8>(), cut in 0usize..64) {
        let mut f = valid_flight();
        let n = f.len();
        f[i % n] = b;
        f.truncate(n - (cut % n));
        let _ = tls::parse_flight(&f);
    }
}
