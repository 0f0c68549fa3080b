//! The Uniview, TVT and Axis advisories tell a vulnerable firmware from a later one, in each
//! firmware form the vendor's devices state.

use camguard_advisories::Database;

fn ids(vendor: &str, model: &str, firmware: &str) -> Vec<String> {
    Database::builtin()
        .match_device(vendor, Some(model), firmware)
        .into_iter()
        .map(|m| m.id)
        .collect()
}

#[test]
fn uniview_builds_up_to_the_named_one_have_the_udp_7788_overflow_and_later_builds_do_not() {
    let cve = ["CVE-2021-45039"];
    // The build NVD names, both as NVD writes it and as the camera states it.
    assert_eq!(
        ids(
            "Uniview",
            "IPC2122LB-SF28-A",
            "IPC_G6103 B6103.16.10.B25.201218"
        ),
        cve
    );
    assert_eq!(
        ids(
            "UNIVIEW",
            "IPC3612LB-ADF28K-G",
            "IPC_G6103-B6103.16.10.B25.201218"
        ),
        cve
    );
    assert!(ids(
        "Uniview",
        "IPC2122LB-SF28-A",
        "IPC_G6103-B6103.16.10.B26.210430"
    )
    .is_empty());
    // The older B…P…D<yymm> form is decided by its build month.
    assert_eq!(
        ids("Uniview", "IPC2124SR3-APF40", "IPC_D1201-B0005P57D1811"),
        cve
    );
    assert!(ids("Uniview", "IPC2124SR3-APF40", "IPC_G6103-B0005P60D2101").is_empty());
    // A recorder is not one of the camera series.
    assert!(ids("Uniview", "NVR302-16E2", "IPC_D1201-B0005P57D1811").is_empty());
}

#[test]
fn uniview_nvr_builds_before_the_disclosure_have_the_reflected_xss() {
    assert_eq!(
        ids("Uniview", "NVR301-04S2-P4", "NVR-B3801.20.17.231120"),
        ["CVE-2024-3850"]
    );
    assert!(ids("Uniview", "NVR301-04S2-P4", "NVR-B3801.20.17.240801").is_empty());
    assert!(ids("Uniview", "NVR302-16E2", "NVR-B3801.20.17.231120").is_empty());
}

#[test]
fn tvt_and_provision_isr_dvrs_built_before_august_2024_disclose_device_info() {
    let cve = ["CVE-2024-7339"];
    assert_eq!(ids("TVT", "TD-2104TS-CL", "5.2.3.20207B230306"), cve);
    assert_eq!(
        ids(
            "TVT Digital",
            "TD-2108TS-HP",
            "5.2.3.20207B240807.N3.U1(9A8F60)"
        ),
        cve
    );
    assert_eq!(
        ids("Provision-ISR", "SH-4050A5-5L(MM)", "4.1.6.04135B210923"),
        cve
    );
    assert!(ids("TVT", "TD-2104TS-CL", "5.2.3.20207B240905").is_empty());
    // Without the build date the bound is undecidable: never guessed.
    assert!(ids("TVT", "TD-2104TS-CL", "5.2.3.20207").is_empty());
    // Models the CNA does not name.
    assert!(ids("TVT", "TD-9421E2", "5.2.3.20207B230306").is_empty());
}

#[test]
fn axis_lts_2016_releases_before_the_2018_patches_carry_the_vdoo_chain_and_others_do_not() {
    let chain = ["CVE-2018-10660", "CVE-2018-10661", "CVE-2018-10662"];
    assert_eq!(ids("Axis", "P3245-LVE", "6.50.1"), chain);
    assert_eq!(ids("AXIS", "M3106-L Mk II", "6.50"), chain);
    for fw in ["6.50.1.2", "6.50.2", "5.40.9.2", "9.80.3.8", "10.12.114"] {
        assert!(ids("Axis", "P3245-LVE", fw).is_empty(), "{fw}");
    }
    let hit = Database::builtin().match_device("Axis", Some("Q6035-E"), "6.50.1");
    assert!(hit.iter().all(|m| !m.kev && m.note.is_some()), "{hit:?}");
}
