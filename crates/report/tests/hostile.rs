//! Hostile device strings through every format: nothing panics, no markup gets through to the
//! HTML pages (the SVG charts included), CSV cells never start a formula, and the JSON and SARIF
//! outputs stay valid JSON that carries the strings unchanged.

use camguard_model::{Finding, Identity, ProvisionVerdict, Severity, VerdictStatus};
use camguard_report::diff::DiffInput;
use camguard_report::{render, render_diff, Detail, Format, Lang, ReportInput};
use camguard_store::{InventoryDevice, ScanDevice, ScanSummary, ScanTrend};
use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn scan(id: i64, targets: &str) -> ScanSummary {
    ScanSummary {
        id,
        started_at: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        finished_at: None,
        targets: targets.into(),
        options: serde_json::json!({}),
        baseline: "qcvn-11-2026".into(),
        hosts_scanned: None,
        devices: 1,
        cameras: 1,
        findings: 1,
    }
}

fn finding(check_id: &str, summary: &str, port: Option<u16>) -> Finding {
    Finding {
        check_id: check_id.into(),
        severity: Severity::High,
        port,
        summary: summary.into(),
        evidence: serde_json::json!({ "banner": summary }),
    }
}

fn identity(text: &str) -> Identity {
    Identity {
        camera: true,
        vendor: Some(text.into()),
        model: Some(text.into()),
        firmware: Some(text.into()),
        confidence: f64::NAN,
        ..Identity::default()
    }
}

/// Device strings are wrapped in `⟦…⟧`, which nothing else on a page uses: every `⟦` of a page
/// must be followed by escaped text only (no `<`, `>`, `"` or `'`) up to its `⟧` or the `…` of
/// a shortened chart label, and every `&` of the page must start one of the escaper's entities.
fn assert_no_markup(html: &str) {
    for (i, _) in html.match_indices('⟦') {
        let rest = &html[i + '⟦'.len_utf8()..];
        let end = rest.find(['⟧', '…']).expect("a closing mark");
        assert!(
            !rest[..end].contains(['<', '>', '"', '\'']),
            "unescaped device string at {i}: {:?}",
            &rest[..end]
        );
    }
    for (i, _) in html.match_indices('&') {
        let rest = &html[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "raw & at {i}: {:?}",
            &rest[..rest.len().min(20)]
        );
    }
}

/// Split RFC 4180 text (CRLF records, `"` quoting with `""`) into records of cells.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = vec![vec![String::new()]];
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let record = records.last_mut().unwrap();
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                record.last_mut().unwrap().push('"');
            }
            (_, '"') => quoted = !quoted,
            (false, ',') => record.push(String::new()),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                records.push(vec![String::new()]);
            }
            (_, c) => record.last_mut().unwrap().push(c),
        }
    }
    assert!(!quoted, "unterminated quote");
    assert_eq!(records.pop(), Some(vec![String::new()]), "ends with CRLF");
    records
}

/// No cell starts with a character a spreadsheet reads as a formula.
fn assert_formula_safe(records: &[Vec<String>]) {
    for cell in records.iter().flatten() {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "formula cell {cell:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_device_string_renders_safely_in_every_format(
        raw in "[^⟦⟧…]{0,40}",
        check in "[=+@<\\-][A-Z<>&\"'.]{0,12}",
        port in proptest::option::of(any::<u16>()),
    ) {
        let text = format!("⟦{raw}⟧");
        let registry = camguard_baseline::Registry::builtin().unwrap();
        let baseline = registry.all().first().unwrap();
        let at = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        let device = InventoryDevice {
            id: 1,
            ip: "::1".parse().unwrap(),
            first_seen: at,
            last_seen: at,
            scan_id: 2,
            identity: identity(&text),
            serial: Some(text.clone()),
            endpoints: vec![],
            findings: vec![finding(&check, &text, port), finding("SURF.TELNET", &text, Some(23))],
            verdicts: vec![ProvisionVerdict {
                baseline: text.clone(),
                provision: text.clone(),
                status: VerdictStatus::Fail,
                findings: vec![check.clone()],
            }],
            checks_run: vec![check.clone()],
        };
        let mut input = ReportInput::new(at, baseline, vec![scan(1, &text), scan(2, "::1")], vec![device]);
        input.organisation = Some(text.clone());
        input.trend = vec![ScanTrend {
            scan_id: 1,
            started_at: at,
            devices: 1,
            cameras: 1,
            findings_by_severity: BTreeMap::from([(Severity::High, 2)]),
        }];
        for detail in [Detail::Failed, Detail::Summary] {
            let mut compact = input.clone();
            compact.detail = detail;
            let html = render(&compact, Format::Html, Lang::En).unwrap();
            assert_no_markup(&html);
            prop_assert!(html.contains(&camguard_report::escape_html(&check)), "{:?}", detail);
            prop_assert!(html.contains("id=\"remediation\""));
        }
        for lang in [Lang::En, Lang::Vi] {
            let html = render(&input, Format::Html, lang).unwrap();
            assert_no_markup(&html);
            prop_assert!(html.contains(&camguard_report::escape_html(&check)));
            prop_assert!(!html.contains("<script"));
            let json: serde_json::Value = serde_json::from_str(&render(&input, Format::Json, lang).unwrap()).unwrap();
            prop_assert_eq!(json["organisation"].as_str(), Some(text.as_str()));
            let sarif: serde_json::Value = serde_json::from_str(&render(&input, Format::Sarif, lang).unwrap()).unwrap();
            let results = sarif["runs"][0]["results"].as_array().unwrap();
            prop_assert_eq!(results.len(), 2);
            prop_assert_eq!(results[0]["message"]["text"].as_str(), Some(text.as_str()));
            let csv = render(&input, Format::Csv, lang).unwrap();
            let records = parse_csv(&csv);
            prop_assert_eq!(records.len(), 3, "header and two findings");
            prop_assert!(records.iter().all(|r| r.len() == 11));
            assert_formula_safe(&records);
            prop_assert_eq!(records[1][2].as_str(), text.as_str());
        }

        let old = ScanDevice {
            device_id: 1,
            ip: "::1".parse().unwrap(),
            identity: identity(&text),
            findings: vec![finding(&check, &text, port)],
        };
        let mut new = old.clone();
        new.findings = vec![finding("SURF.TELNET", &text, Some(23))];
        let diff = DiffInput {
            generated_at: at,
            organisation: Some(text.clone()),
            old_scan: scan(1, &text),
            new_scan: scan(2, &text),
            old_devices: vec![old.clone()],
            new_devices: vec![new],
            earlier: vec![vec![old]],
        };
        let html = render_diff(&diff, Format::Html, Lang::Vi).unwrap();
        assert_no_markup(&html);
        let json: serde_json::Value = serde_json::from_str(&render_diff(&diff, Format::Json, Lang::En).unwrap()).unwrap();
        prop_assert_eq!(json["totals"]["fixed"].as_u64(), Some(1));
        prop_assert_eq!(json["totals"]["new"].as_u64(), Some(1));
        let records = parse_csv(&render_diff(&diff, Format::Csv, Lang::En).unwrap());
        prop_assert_eq!(records.len(), 3, "header, one new, one fixed");
        assert_formula_safe(&records);
        prop_assert!(render_diff(&diff, Format::Sarif, Lang::En).is_err());
    }
}
