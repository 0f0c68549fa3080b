//! Reports rendered from a real store, the built-in check catalogue and a baseline.

use camguard_baseline::{Baseline, Provision};
use camguard_checks::Catalogue;
use camguard_model::{
    DeviceRecord, DeviceType, Endpoint, EndpointState, Finding, HostObservation, Identity,
    Localized, ProvisionVerdict, Service, Severity, VerdictStatus,
};
use camguard_report::i18n::Strings;
use camguard_report::{escape_html, render, Detail, Format, Lang, ReportDocument, ReportInput};
use camguard_store::{ScanMeta, Store};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

const HOSTILE: &str = "<script>alert('pwned')</script><img src=\"http://evil.example/x.png\">";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 2, 9, 30, 0).unwrap()
}

fn loc(en: &str, vi: &str) -> Localized {
    Localized {
        en: en.into(),
        vi: vi.into(),
    }
}

fn provision(id: &str, en: &str, vi: &str, checks: &[&str], provisional: bool) -> Provision {
    Provision {
        id: id.into(),
        text: loc(en, vi),
        etsi: vec!["5.1-1".into()],
        classes: vec![],
        checks: checks.iter().map(|c| c.to_string()).collect(),
        remote_complete: false,
        provisional,
        source: "test baseline".into(),
    }
}

fn baseline(provisional: bool) -> Baseline {
    Baseline {
        id: "qcvn-test".into(),
        title: loc(
            "Test baseline for cameras",
            "Bộ tiêu chí thử nghiệm cho camera",
        ),
        issuer: "Test issuer".into(),
        valid_from: NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
        valid_until: None,
        status: "in force".into(),
        provisional,
        sources: vec!["https://example.invalid/qcvn (cited as text)".into()],
        provisions: vec![
            provision(
                "2.1.a",
                "Unique passwords",
                "Mật khẩu là duy nhất",
                &["AUTH.NO_AUTH_STREAM"],
                false,
            ),
            provision(
                "2.6.a",
                "Unused interfaces disabled",
                "Tắt các giao diện không dùng",
                &["SURF.TELNET"],
                true,
            ),
            provision(
                "2.9",
                "User data erasable",
                "Xóa được dữ liệu người dùng",
                &[],
                false,
            ),
        ],
    }
}

fn verdict(provision: &str, status: VerdictStatus, findings: &[&str]) -> ProvisionVerdict {
    ProvisionVerdict {
        baseline: "qcvn-test".into(),
        provision: provision.into(),
        status,
        findings: findings.iter().map(|c| c.to_string()).collect(),
    }
}

fn camera(ip: &str, at: DateTime<Utc>, vendor: &str, findings: Vec<Finding>) -> DeviceRecord {
    let mut obs = HostObservation::new(ip.parse().unwrap(), at);
    obs.endpoints = vec![
        Endpoint {
            port: 554,
            state: EndpointState::Open,
            service: Some(Service::Rtsp),
            reason: "rtsp 200".into(),
        },
        Endpoint {
            port: 23,
            state: EndpointState::Open,
            service: Some(Service::Telnet),
            reason: "telnet banner".into(),
        },
        Endpoint {
            port: 443,
            state: EndpointState::Closed,
            service: None,
            reason: "connection refused".into(),
        },
    ];
    let fail_ids: Vec<String> = findings.iter().map(|f| f.check_id.clone()).collect();
    DeviceRecord {
        observation: obs,
        identity: Identity {
            camera: true,
            vendor: Some(vendor.into()),
            product: None,
            model: Some("DS-2CD2142FWD-I".into()),
            firmware: Some("V5.4.5".into()),
            device_type: Some(DeviceType::IpCamera),
            confidence: 0.95,
            rules: vec![],
        },
        verdicts: vec![
            if fail_ids.iter().any(|c| c == "AUTH.NO_AUTH_STREAM") {
                verdict("2.1.a", VerdictStatus::Fail, &["AUTH.NO_AUTH_STREAM"])
            } else {
                verdict("2.1.a", VerdictStatus::NotVerifiableRemotely, &[])
            },
            verdict("2.6.a", VerdictStatus::Pass, &[]),
            verdict("2.9", VerdictStatus::NotVerifiableRemotely, &[]),
        ],
        checks_run: vec!["AUTH.NO_AUTH_STREAM".into(), "SURF.TELNET".into()],
        findings,
    }
}

fn no_auth_stream(port: u16) -> Finding {
    Finding {
        check_id: "AUTH.NO_AUTH_STREAM".into(),
        severity: Severity::Critical,
        port: Some(port),
        summary: format!("RTSP on port {port} delivered media without credentials"),
        evidence: serde_json::json!({"path": "/Streaming/Channels/101", "rtp_packets": 12, "note": HOSTILE}),
    }
}

fn telnet() -> Finding {
    Finding {
        check_id: "SURF.TELNET".into(),
        severity: Severity::High,
        port: Some(23),
        summary: "Telnet login prompt".into(),
        evidence: serde_json::json!({"banner": "login:"}),
    }
}

/// A scan of `targets` started at `at`, judged against `baseline`.
fn scan_meta(at: DateTime<Utc>, targets: &str, baseline: &str) -> ScanMeta {
    ScanMeta {
        started_at: at,
        targets: targets.into(),
        options: serde_json::json!({}),
        baseline: baseline.into(),
    }
}

/// A store with two scans: a camera whose findings changed between scans, a camera with a
/// hostile vendor string, and a non-camera host.
async fn inventory() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let meta = |at| scan_meta(at, "127.0.0.0/28", "qcvn-test");
    let s1 = store.begin_scan(&meta(t0())).await.unwrap();
    store
        .record_device(s1, &camera("127.0.0.2", t0(), "Hikvision", vec![telnet()]))
        .await
        .unwrap();
    store
        .finish_scan(s1, t0() + Duration::minutes(2), 16)
        .await
        .unwrap();

    let later = t0() + Duration::days(1);
    let s2 = store.begin_scan(&meta(later)).await.unwrap();
    store
        .record_device(
            s2,
            &camera("127.0.0.2", later, "Hikvision", vec![no_auth_stream(554)]),
        )
        .await
        .unwrap();
    store
        .record_device(
            s2,
            &camera(
                "127.0.0.3",
                later,
                HOSTILE,
                vec![no_auth_stream(8554), telnet()],
            ),
        )
        .await
        .unwrap();
    store
        .record_device(
            s2,
            &DeviceRecord {
                observation: HostObservation::new("127.0.0.4".parse().unwrap(), later),
                identity: Identity::default(),
                findings: vec![],
                checks_run: vec![],
                verdicts: vec![],
            },
        )
        .await
        .unwrap();
    store
        .finish_scan(s2, later + Duration::minutes(2), 16)
        .await
        .unwrap();
    (dir, store)
}

async fn input<'a>(store: &Store, baseline: &'a Baseline) -> ReportInput<'a> {
    let mut input = ReportInput::new(
        t0() + Duration::days(2),
        baseline,
        store.scans().await.unwrap(),
        store.inventory().await.unwrap(),
    );
    input.organisation = Some("Sở Thông tin & Truyền thông <test>".into());
    input.trend = store.scan_trend().await.unwrap();
    input
}

#[tokio::test]
async fn hostile_device_strings_are_escaped_in_html() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let input = input(&store, &b).await;
    for lang in [Lang::En, Lang::Vi] {
        let html = render(&input, Format::Html, lang).unwrap();
        assert!(
            !html.contains("<script"),
            "unescaped script tag in {lang} report"
        );
        assert!(!html.contains("<img"), "unescaped img tag in {lang} report");
        assert!(html.contains("&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;"));
        // The hostile string appears as the vendor and inside the evidence JSON.
        assert!(html.matches("&lt;script&gt;").count() >= 3);
    }
}

#[tokio::test]
async fn html_is_self_contained() {
    let (_dir, store) = inventory().await;
    let b = baseline(true);
    let html = render(&input(&store, &b).await, Format::Html, Lang::En).unwrap();
    let lower = html.to_ascii_lowercase();
    for attr in ["src=", "href="] {
        for (i, _) in lower.match_indices(attr) {
            let value = lower[i + attr.len()..].trim_start_matches(['"', '\'']);
            assert!(
                !value.starts_with("http://")
                    && !value.starts_with("https://")
                    && !value.starts_with("//"),
                "external reference at {i}: {}",
                &lower[i..(i + 60).min(lower.len())]
            );
        }
    }
    assert!(!lower.contains("<link"), "no external style sheets");
    assert!(!lower.contains("<script"), "no scripts");
    assert!(!lower.contains("@import"), "no CSS imports");
    assert!(lower.contains("<style>"), "inline CSS");
    assert!(lower.contains("content-security-policy"));
    // Citations still appear, as text.
    assert!(html.contains("https://example.invalid/qcvn (cited as text)"));
}

#[tokio::test]
async fn both_languages_render_their_own_strings() {
    let (_dir, store) = inventory().await;
    let b = baseline(true);
    let input = input(&store, &b).await;
    let catalogue = Catalogue::builtin();
    let check = catalogue
        .get("AUTH.NO_AUTH_STREAM")
        .expect("check in catalogue");
    let en = render(&input, Format::Html, Lang::En).unwrap();
    let vi = render(&input, Format::Html, Lang::Vi).unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(vi.contains("<html lang=\"vi\">"));

    for (html, lang) in [(&en, Lang::En), (&vi, Lang::Vi)] {
        let strings = Strings::load(lang).unwrap();
        let code = lang.code();
        for key in [
            "report.title",
            "provisions.note_nvr",
            "status.not_verifiable_remotely",
            "severity.critical",
            "device_type.ip_camera",
            "report.provisional",
        ] {
            assert!(
                html.contains(&escape_html(strings.get(key))),
                "{code}: {key} missing"
            );
        }
        assert!(
            html.contains(&escape_html(check.title.get(code))),
            "{code}: check title"
        );
        assert!(
            html.contains(&escape_html(check.remediation.get(code))),
            "{code}: remediation"
        );
        assert!(
            html.contains(&escape_html(b.title.get(code))),
            "{code}: baseline title"
        );
        assert!(
            html.contains(&escape_html(b.provisions[1].text.get(code))),
            "{code}: provision"
        );
    }
    // Each page is in one language: no English UI string leaks into the Vietnamese page.
    let en_strings = Strings::load(Lang::En).unwrap();
    assert!(!vi.contains(en_strings.get("provisions.note_nvr")));
    assert!(!vi.contains(&escape_html(check.title.en.as_str())));
    assert!(
        vi.contains("Không kiểm tra được từ xa"),
        "Vietnamese with diacritics"
    );
}

#[tokio::test]
async fn json_round_trips_and_matches_the_inventory() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let input = input(&store, &b).await;
    let json = render(&input, Format::Json, Lang::En).unwrap();
    let doc: ReportDocument = serde_json::from_str(&json).unwrap();
    assert_eq!(doc, camguard_report::document(&input, Lang::En));
    assert_eq!(serde_json::to_string_pretty(&doc).unwrap() + "\n", json);

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["schema"], "camguard-report");
    assert_eq!(value["schema_version"], camguard_report::SCHEMA_VERSION);
    assert_eq!(value["lang"], "en");

    assert_eq!(doc.summary.devices, 3);
    assert_eq!(doc.summary.cameras, 2);
    assert_eq!(doc.scans.len(), 2);
    // 127.0.0.2 shows only its latest scan's finding (the telnet finding of scan 1 is gone).
    let first = doc
        .devices
        .iter()
        .find(|d| d.ip.to_string() == "127.0.0.2")
        .unwrap();
    let ids: Vec<&str> = first.findings.iter().map(|f| f.check_id.as_str()).collect();
    assert_eq!(ids, vec!["AUTH.NO_AUTH_STREAM"]);
    assert_eq!(first.open_ports, vec![23, 554]);
    assert!(first.findings[0].known_check);
    assert_eq!(
        first.findings[0].remediation.as_deref(),
        Some(
            Catalogue::builtin()
                .get("AUTH.NO_AUTH_STREAM")
                .unwrap()
                .remediation
                .en
                .as_str()
        )
    );
    assert!(!doc.devices.last().unwrap().camera, "cameras first");

    let sev: Vec<(Severity, u64)> = doc
        .summary
        .findings_by_severity
        .iter()
        .map(|c| (c.severity, c.count))
        .collect();
    let count = |s: Severity| {
        input
            .devices
            .iter()
            .flat_map(|d| &d.findings)
            .filter(|f| f.severity == s)
            .count() as u64
    };
    assert_eq!(sev[0], (Severity::Critical, count(Severity::Critical)));
    assert_eq!(sev[1], (Severity::High, count(Severity::High)));
    assert_eq!(sev.len(), 5);
    assert_eq!(doc.summary.findings, 3);
}

#[tokio::test]
async fn provision_table_counts_every_device() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let doc = camguard_report::document(&input(&store, &b).await, Lang::Vi);
    let row = |id: &str| {
        doc.provisions
            .iter()
            .find(|p| p.id == id)
            .unwrap()
            .counts
            .clone()
    };
    // Two cameras fail 2.1.a (both have the no-auth stream in their latest scan); the
    // non-camera host has no verdicts, so it counts as not tested everywhere.
    let a = row("2.1.a");
    assert_eq!(
        (a.fail, a.pass, a.not_verifiable_remotely, a.not_tested),
        (2, 0, 0, 1)
    );
    let b6 = row("2.6.a");
    assert_eq!(
        (b6.fail, b6.pass, b6.not_verifiable_remotely, b6.not_tested),
        (0, 2, 0, 1)
    );
    let e = row("2.9");
    assert_eq!(
        (e.fail, e.pass, e.not_verifiable_remotely, e.not_tested),
        (0, 0, 2, 1)
    );
    for p in &doc.provisions {
        let c = &p.counts;
        assert_eq!(
            c.fail + c.pass + c.not_verifiable_remotely + c.not_tested,
            doc.summary.devices
        );
    }
    let host = doc.devices.iter().find(|d| !d.camera).unwrap();
    assert!(host
        .verdicts
        .iter()
        .all(|v| v.status == VerdictStatus::NotTested && !v.recorded));
    assert_eq!(doc.provisions[0].text, "Mật khẩu là duy nhất");
}

#[tokio::test]
async fn unknown_checks_and_foreign_verdicts_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store
        .begin_scan(&scan_meta(t0(), "127.0.0.1", "qcvn-test"))
        .await
        .unwrap();
    let mut rec = camera(
        "127.0.0.1",
        t0(),
        "Dahua",
        vec![Finding {
            check_id: "FUTURE.CHECK".into(),
            severity: Severity::Low,
            port: None,
            summary: "from a newer camguard".into(),
            evidence: serde_json::Value::Null,
        }],
    );
    rec.verdicts.push(ProvisionVerdict {
        baseline: "other-baseline".into(),
        provision: "9.9".into(),
        status: VerdictStatus::Fail,
        findings: vec!["FUTURE.CHECK".into()],
    });
    store.record_device(s, &rec).await.unwrap();
    let b = baseline(false);
    let input = input(&store, &b).await;
    let doc = camguard_report::document(&input, Lang::En);
    let f = &doc.devices[0].findings[0];
    assert!(!f.known_check);
    assert_eq!(f.title, "FUTURE.CHECK");
    assert_eq!(f.remediation, None);
    let extra = doc.devices[0].verdicts.last().unwrap();
    assert_eq!(
        (extra.baseline.as_str(), extra.provision.as_str()),
        ("other-baseline", "9.9")
    );
    assert_eq!(extra.text, None);
    let html = render(&input, Format::Html, Lang::En).unwrap();
    let strings = Strings::load(Lang::En).unwrap();
    assert!(html.contains(&escape_html(strings.get("devices.unknown_check"))));
}

#[tokio::test]
async fn an_empty_store_renders() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let b = baseline(false);
    let input = input(&store, &b).await;
    let html = render(&input, Format::Html, Lang::Vi).unwrap();
    let strings = Strings::load(Lang::Vi).unwrap();
    assert!(html.contains(&escape_html(strings.get("devices.none"))));
    let doc: ReportDocument =
        serde_json::from_str(&render(&input, Format::Json, Lang::Vi).unwrap()).unwrap();
    assert_eq!(doc.summary.devices, 0);
    assert!(doc
        .provisions
        .iter()
        .all(|p| p.counts == Default::default()));
}

#[tokio::test]
async fn builtin_baselines_render_with_verdicts_from_the_baseline_stage() {
    let registry = camguard_baseline::Registry::builtin().expect("built-in baselines load");
    assert!(!registry.all().is_empty());
    for b in registry.all() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
        let s = store
            .begin_scan(&scan_meta(t0(), "127.0.0.0/30", &b.id))
            .await
            .unwrap();
        let mut rec = camera(
            "127.0.0.2",
            t0(),
            "Hikvision",
            vec![no_auth_stream(554), telnet()],
        );
        rec.verdicts = camguard_baseline::assess(b, &rec.findings, &rec.checks_run);
        store.record_device(s, &rec).await.unwrap();
        let input = input(&store, b).await;
        let doc = camguard_report::document(&input, Lang::Vi);
        assert_eq!(doc.provisions.len(), b.provisions.len(), "{}", b.id);
        for (row, p) in doc.provisions.iter().zip(&b.provisions) {
            let c = &row.counts;
            assert_eq!(
                c.fail + c.pass + c.not_verifiable_remotely + c.not_tested,
                1,
                "{} {}",
                b.id,
                p.id
            );
            let cited = p
                .checks
                .iter()
                .any(|c| c == "AUTH.NO_AUTH_STREAM" || c == "SURF.TELNET");
            if c.fail == 1 {
                assert!(cited, "{} {} fails without a cited check", b.id, p.id);
            }
        }
        assert!(
            doc.provisions.iter().any(|r| r.counts.fail == 1),
            "{}: an unauthenticated stream fails no provision",
            b.id
        );
        for lang in [Lang::En, Lang::Vi] {
            let html = render(&input, Format::Html, lang).unwrap();
            for p in &b.provisions {
                assert!(
                    html.contains(&escape_html(p.text.get(lang.code()))),
                    "{} {}",
                    b.id,
                    p.id
                );
            }
            assert!(!html.to_ascii_lowercase().contains("href=\"http"));
        }
    }
}

#[tokio::test]
async fn cover_shows_the_organisation_and_scope_escaped() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let input = input(&store, &b).await;
    for lang in [Lang::En, Lang::Vi] {
        let html = render(&input, Format::Html, lang).unwrap();
        let cover = &html[html.find("id=\"cover\"").unwrap()..html.find("id=\"summary\"").unwrap()];
        assert!(
            cover.contains("Sở Thông tin &amp; Truyền thông &lt;test&gt;"),
            "{lang}"
        );
        assert!(!html.contains("<test>"));
        // Two scans of the same targets: the scope lists them once.
        assert_eq!(cover.matches("127.0.0.0/28").count(), 1, "{lang}");
        assert!(cover.contains(&escape_html(b.title.get(lang.code()))));
    }
    let doc = camguard_report::document(&input, Lang::En);
    assert_eq!(doc.scope, vec!["127.0.0.0/28".to_string()]);
    assert_eq!(
        doc.organisation.as_deref(),
        Some("Sở Thông tin & Truyền thông <test>")
    );
}

#[tokio::test]
async fn executive_summary_has_charts_and_failed_provisions() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let html = render(&input(&store, &b).await, Format::Html, Lang::En).unwrap();
    let summary =
        &html[html.find("id=\"summary\"").unwrap()..html.find("id=\"provisions\"").unwrap()];
    for id in ["chart-severity", "chart-vendor", "chart-trend"] {
        assert!(summary.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert_eq!(summary.matches("<svg").count(), 3);
    // The hostile vendor is a chart label too: escaped (and shortened) there as well.
    assert!(!summary.contains("<script"));
    // 2.1.a fails on both cameras; 2.6.a and 2.9 fail nowhere.
    let strings = Strings::load(Lang::En).unwrap();
    let failed = &summary[summary
        .find(&escape_html(strings.get("executive.failed_heading")))
        .unwrap()..];
    assert!(failed.contains("<td>2.1.a</td><td>Unique passwords</td><td class=\"num\">2</td>"));
    assert!(!failed.contains("<td>2.6.a</td>"));
}

#[tokio::test]
async fn json_carries_stats_and_the_trend_across_scans() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let input = input(&store, &b).await;
    let doc = camguard_report::document(&input, Lang::En);
    assert_eq!(doc.schema_minor, camguard_report::SCHEMA_MINOR);
    // Scan 1: .2 with Telnet. Scan 2: .2 stream, .3 stream + Telnet, .4 nothing.
    let trend: Vec<(u64, u64, u64)> = doc
        .trend
        .iter()
        .map(|t| (t.devices, t.cameras, t.findings))
        .collect();
    assert_eq!(trend, vec![(1, 1, 1), (3, 2, 3)]);
    let critical = |i: usize| doc.trend[i].findings_by_severity[0].count;
    assert_eq!((critical(0), critical(1)), (0, 2));
    assert_eq!(doc.trend[1].findings_by_severity.len(), 5);

    let p = |id: &str| {
        doc.stats
            .by_provision
            .iter()
            .find(|p| p.provision == id)
            .unwrap()
    };
    assert_eq!((p("2.1.a").failing_devices, p("2.1.a").findings), (2, 2));
    assert_eq!(p("2.6.a").findings, 1);
    let hik = doc
        .stats
        .by_vendor
        .iter()
        .find(|v| v.vendor.as_deref() == Some("Hikvision"))
        .unwrap();
    assert_eq!((hik.devices, hik.cameras, hik.findings), (1, 1, 1));
    let unknown = doc
        .stats
        .by_vendor
        .iter()
        .find(|v| v.vendor.is_none())
        .unwrap();
    assert_eq!((unknown.devices, unknown.cameras), (1, 0));
    assert_eq!(doc.stats.by_model.len(), 3);
}

#[tokio::test]
async fn a_version_1_document_without_the_minor_1_fields_still_parses() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let json = render(&input(&store, &b).await, Format::Json, Lang::En).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for field in ["schema_minor", "organisation", "scope", "stats", "trend"] {
        value.as_object_mut().unwrap().remove(field);
    }
    let old: ReportDocument = serde_json::from_value(value).unwrap();
    assert_eq!(old.schema_minor, 0);
    assert!(old.trend.is_empty() && old.scope.is_empty());
}

#[tokio::test]
async fn the_same_check_on_two_ports_shows_its_remediation_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store
        .begin_scan(&scan_meta(t0(), "127.0.0.1", "qcvn-test"))
        .await
        .unwrap();
    let rec = camera(
        "127.0.0.1",
        t0(),
        "Hikvision",
        vec![no_auth_stream(554), no_auth_stream(8554)],
    );
    store.record_device(s, &rec).await.unwrap();
    let b = baseline(false);
    let html = render(&input(&store, &b).await, Format::Html, Lang::En).unwrap();
    let remediation = &Catalogue::builtin()
        .get("AUTH.NO_AUTH_STREAM")
        .unwrap()
        .remediation
        .en;
    assert_eq!(html.matches(&escape_html(remediation)).count(), 1);
    let strings = Strings::load(Lang::En).unwrap();
    assert!(html.contains(&escape_html(strings.get("devices.remediation_above"))));
}

#[tokio::test]
async fn scan_devices_of_an_unknown_scan_is_empty() {
    let (_dir, store) = inventory().await;
    assert!(store.scan_devices(99).await.unwrap().is_empty());
    let second = store.scan_devices(2).await.unwrap();
    let ips: Vec<String> = second.iter().map(|d| d.ip.to_string()).collect();
    assert_eq!(ips, vec!["127.0.0.2", "127.0.0.3", "127.0.0.4"]);
    assert_eq!(second[1].identity.vendor.as_deref(), Some(HOSTILE));
    assert_eq!(second[1].findings.len(), 2);
}

#[tokio::test]
async fn regression_long_unbroken_device_strings_wrap_instead_of_widening_the_printed_page() {
    // A 300-character token (a URL, a hostile banner) in a table cell made Chromium lay the
    // findings table out wider than an A4 page, cutting the remediation column off in print.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store
        .begin_scan(&scan_meta(t0(), "127.0.0.1", "qcvn-test"))
        .await
        .unwrap();
    let token = "rtsp://127.0.0.1/".to_string() + &"x".repeat(300);
    let mut f = telnet();
    f.summary = token.clone();
    store
        .record_device(s, &camera("127.0.0.1", t0(), "Hikvision", vec![f]))
        .await
        .unwrap();
    let b = baseline(false);
    let html = render(&input(&store, &b).await, Format::Html, Lang::En).unwrap();
    assert!(html.contains(&format!("<td>{token}</td>")));
    let css = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    let rule = css
        .lines()
        .find(|l| l.contains("overflow-wrap: anywhere"))
        .expect("a wrap-anywhere rule");
    assert!(rule.starts_with("td,"), "{rule}");
}

#[tokio::test]
async fn unidentified_devices_come_last_among_equals_in_the_vendor_counts() {
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let doc = camguard_report::document(&input(&store, &b).await, Lang::En);
    // One device each: Hikvision, the hostile vendor, and an unidentified host.
    let vendors: Vec<Option<&str>> = doc
        .stats
        .by_vendor
        .iter()
        .map(|v| v.vendor.as_deref())
        .collect();
    assert_eq!(vendors.len(), 3);
    assert_eq!(vendors.last(), Some(&None), "{vendors:?}");
    assert_eq!(doc.stats.by_model.last().unwrap().vendor, None);
}

#[tokio::test]
async fn failed_detail_prints_each_remediation_once_and_clean_devices_in_one_table() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("camguard.db")).await.unwrap();
    let s = store
        .begin_scan(&scan_meta(t0(), "127.0.0.0/28", "qcvn-test"))
        .await
        .unwrap();
    for ip in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        let rec = camera(ip, t0(), "Hikvision", vec![no_auth_stream(554)]);
        store.record_device(s, &rec).await.unwrap();
    }
    for ip in ["127.0.0.4", "127.0.0.5"] {
        store
            .record_device(s, &camera(ip, t0(), "Dahua", vec![]))
            .await
            .unwrap();
    }
    let b = baseline(false);
    let mut input = input(&store, &b).await;
    let remediation = escape_html(
        &Catalogue::builtin()
            .get("AUTH.NO_AUTH_STREAM")
            .unwrap()
            .remediation
            .en,
    );
    let full = render(&input, Format::Html, Lang::En).unwrap();
    assert_eq!(full.matches(&remediation).count(), 3);
    assert_eq!(full.matches("<section class=\"device\"").count(), 5);
    assert!(!full.contains("id=\"remediation\""));

    input.detail = Detail::Failed;
    let failed = render(&input, Format::Html, Lang::En).unwrap();
    assert_eq!(
        failed.matches(&remediation).count(),
        1,
        "once, in the appendix"
    );
    assert_eq!(
        failed.matches("<section class=\"device compact\"").count(),
        3
    );
    assert_eq!(failed.matches("<section class=\"device\"").count(), 0);
    let appendix = &failed[failed.find("id=\"remediation\"").expect("appendix")..];
    assert!(appendix.contains(&remediation));
    assert!(
        appendix.contains("<td class=\"num\">3</td>"),
        "found on 3 devices"
    );
    let compact = &failed[failed.find("id=\"devices-compact\"").expect("table")..];
    assert_eq!(
        compact
            .split("</table>")
            .next()
            .unwrap()
            .matches("<tr><td>127.0.0.")
            .count(),
        2
    );

    input.detail = Detail::Summary;
    let summary = render(&input, Format::Html, Lang::En).unwrap();
    assert_eq!(
        summary.matches("<section class=\"device").count(),
        1,
        "the table only"
    );
    assert_eq!(summary.matches(&remediation).count(), 1);
    assert_eq!(summary.matches("<tr><td>127.0.0.").count(), 5);

    // The other formats carry everything whatever the detail.
    let json = render(&input, Format::Json, Lang::En).unwrap();
    input.detail = Detail::Full;
    assert_eq!(json, render(&input, Format::Json, Lang::En).unwrap());
}

#[tokio::test]
async fn attestations_complete_undecided_verdicts_labelled_and_never_a_scanned_failure() {
    use camguard_report::attestation::Attestation;
    let (_dir, store) = inventory().await;
    let b = baseline(false);
    let plain = input(&store, &b).await;
    let mut attested = input(&store, &b).await;
    let attest = |ip: &str, provision: &str, pass: bool| Attestation {
        ip: ip.parse().unwrap(),
        baseline: "qcvn-test".into(),
        provision: provision.into(),
        pass,
        subject: "model:Hikvision/DS-2CD".into(),
        document: "Certificate <No. 7>".into(),
        attested_by: "auditor1".into(),
        attested_at: t0(),
    };
    attested.attestations = vec![
        attest("127.0.0.2", "2.9", true),
        // 2.1.a failed in the scan: the document does not override it.
        attest("127.0.0.2", "2.1.a", true),
        attest("127.0.0.3", "2.9", false),
    ];
    let doc = camguard_report::document(&attested, Lang::En);
    let row = |id: &str| {
        doc.provisions
            .iter()
            .find(|p| p.id == id)
            .unwrap()
            .counts
            .clone()
    };
    let e = row("2.9");
    assert_eq!(
        (
            e.not_verifiable_remotely,
            e.attested_pass,
            e.attested_fail,
            e.not_tested
        ),
        (0, 1, 1, 1)
    );
    let a = row("2.1.a");
    assert_eq!((a.fail, a.attested_pass), (2, 0));
    assert_eq!(
        (doc.summary.attested_pass, doc.summary.attested_fail),
        (1, 1)
    );
    let cam = doc
        .devices
        .iter()
        .find(|d| d.ip.to_string() == "127.0.0.2")
        .unwrap();
    let v = |id: &str| cam.verdicts.iter().find(|v| v.provision == id).unwrap();
    assert_eq!(v("2.1.a").status, VerdictStatus::Fail);
    assert!(v("2.1.a").attested.is_none());
    let a29 = v("2.9").attested.as_ref().expect("attested");
    assert_eq!(
        v("2.9").status,
        VerdictStatus::NotVerifiableRemotely,
        "scanned status kept"
    );
    assert_eq!(
        (a29.status.as_str(), a29.attested_by.as_str()),
        ("attested_pass", "auditor1")
    );

    let json = render(&attested, Format::Json, Lang::En).unwrap();
    let back: ReportDocument = serde_json::from_str(&json).unwrap();
    assert_eq!(back, doc);
    let plain_json = render(&plain, Format::Json, Lang::En).unwrap();
    assert!(
        !plain_json.contains("attested"),
        "no attestation, no new field"
    );

    let html = render(&attested, Format::Html, Lang::En).unwrap();
    assert!(
        html.contains("Verdicts attested by documents"),
        "executive summary"
    );
    assert!(html.contains("st-attested_pass") && html.contains("st-attested_fail"));
    assert!(html.contains("auditor1, 2026-"), "who and when");
    assert!(
        html.contains("Certificate &lt;No. 7&gt;"),
        "document, escaped"
    );
    let html_vi = render(&attested, Format::Html, Lang::Vi).unwrap();
    assert!(html_vi.contains("Đạt (theo hồ sơ)"));
    assert!(!render(&plain, Format::Html, Lang::En)
        .unwrap()
        .contains("attested"));
    let mut failed = attested.clone();
    failed.detail = Detail::Failed;
    let compact = render(&failed, Format::Html, Lang::En).unwrap();
    assert!(
        compact.contains("st-attested_pass\">Attested pass</span> 2.9"),
        "compact line: {}",
        &compact[compact.rfind("verdict-line").unwrap_or(0)..]
    );
    for format in [Format::Csv, Format::Sarif] {
        assert_eq!(
            render(&attested, format, Lang::En).unwrap(),
            render(&plain, format, Lang::En).unwrap(),
            "{format:?} carries scan results only"
        );
    }
}
