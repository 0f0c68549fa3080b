//! Fuzz the TLS server-flight parser (records, ServerHello, Certificate message, alerts) and
//! the certificate field extraction, as the scanner feeds them bytes from the network.
#![no_main]
use camguard_protocols::tls;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(flight) = tls::parse_flight(data) {
        for der in &flight.certificates {
            let _ = tls::certificate_info(der);
        }
    }
    let _ = tls::parse_server_hello(data);
    let _ = tls::parse_certificates(data);
    let _ = tls::certificate_info(data);
});
