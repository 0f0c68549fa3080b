//! Target-space flags of the real binary: shards cover the targets exactly once, the seed is
//! printed, imports and exclude files shape the host set, bad values are clear errors.

use crate::common::{json_lines, run, stderr, test_addr};
use std::collections::HashSet;

/// Scan `args` (plus the fixed flags) on port 9 of addresses where nothing listens; every host
/// is reported (`--all-hosts`), so the output lists exactly the hosts probed.
fn probed(extra: &[&str]) -> (Vec<String>, String) {
    let mut args = vec![
        "scan",
        "--ports",
        "9",
        "--connect-timeout-ms",
        "300",
        "--rate",
        "5000",
        "--no-db",
        "--quiet",
        "--all-hosts",
        "-o",
        "-",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let ips = json_lines(&o.stdout)
        .iter()
        .map(|r| r["observation"]["ip"].as_str().unwrap_or("").to_string())
        .collect();
    (ips, stderr(&o))
}

#[test]
fn three_shards_cover_every_target_once_and_print_the_seed() {
    let net = format!("{}/26", test_addr(231, 0));
    let mut seen: Vec<String> = Vec::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let (ips, err) = probed(&[&net, "--shard", shard, "--seed", "4242"]);
        assert!(err.contains(&format!("seed 4242, shard {shard}")), "{err}");
        assert!(ips.len() > 10 && ips.len() < 30, "{shard}: {}", ips.len());
        seen.extend(ips);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a host was in two shards");
    assert_eq!(unique.len(), 64);
}

#[test]
fn import_and_exclude_file_shape_the_host_set() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("inventory.csv");
    let (a, b, c) = (test_addr(232, 1), test_addr(232, 2), test_addr(232, 3));
    std::fs::write(
        &csv,
        format!("name,ip,port\ngate,{a},\nyard,{b},\nlobby,{c},\n"),
    )
    .unwrap();
    let excl = dir.path().join("exclude.txt");
    std::fs::write(&excl, format!("# keep the lobby out\n{c}\n")).unwrap();
    let (ips, _) = probed(&[
        "--import",
        csv.to_str().unwrap(),
        "--exclude-file",
        excl.to_str().unwrap(),
    ]);
    let got: HashSet<String> = ips.into_iter().collect();
    let want: HashSet<String> = [a.to_string(), b.to_string()].into_iter().collect();
    assert_eq!(got, want);
}

#[test]
fn bad_shard_seed_prefix_and_import_are_clear_errors() {
    for (args, needle) in [
        (vec!["127.0.0.1", "--shard", "4/3"], "invalid shard '4/3'"),
        (vec!["127.0.0.1", "--seed", "x"], "--seed"),
        (vec!["fd00::/64"], "/64 is too large"),
        (
            vec!["--import", "/nonexistent/camguard.xml"],
            "cannot read import file",
        ),
        (
            vec![
                "127.0.0.1",
                "--import-format",
                "xls",
                "--import",
                "/dev/null",
            ],
            "unknown import format 'xls'",
        ),
    ] {
        let mut full = vec!["scan", "--no-db", "--quiet"];
        full.extend(args.iter());
        let o = run(&full);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
}
