//! Property tests: on parsed versions of one scheme, `compare` is a total order.

use camguard_advisories::FirmwareVersion;
use proptest::prelude::*;
use std::cmp::Ordering;

/// Firmware strings of every supported scheme, with random components.
fn version() -> impl Strategy<Value = String> {
    let n = || 0u32..30;
    prop_oneof![
        (n(), n(), n(), 17u32..24, 1u32..13, 1u32..29)
            .prop_map(|(a, b, c, y, m, d)| format!("V{a}.{b}.{c} build {y:02}{m:02}{d:02}")),
        (
            n(),
            n(),
            n(),
            n(),
            proptest::option::of((2015u32..2024, 1u32..13, 1u32..29))
        )
            .prop_map(|(a, b, c, d, date)| match date {
                Some((y, m, dd)) => format!("{a}.{b}.{c:07}.{d}.R, Build Date {y}-{m:02}-{dd:02}"),
                None => format!("{a}.{b}.{c:07}.{d}.R"),
            }),
        (n(), n(), n()).prop_map(|(a, b, r)| format!("V{a}.{b:02}.R{r:02}.00000140.10010.131600")),
        (0u32..3, n(), n(), 17u32..24, 1u32..13)
            .prop_map(|(g, b, p, y, m)| format!("IPC_G610{g}-B{b:04}P{p:02}D{y:02}{m:02}")),
        (n(), n(), n(), 19u32..24, 1u32..13, 1u32..29, n()).prop_map(
            |(a, b, c, y, m, d, r)| format!("{a}.{b}.{c} Build {y:02}{m:02}{d:02} Rel.{r}n")
        ),
        (n(), n(), n(), 0u64..100_000_000)
            .prop_map(|(a, b, c, stamp)| format!("v{a}.{b}.{c}_{stamp:08}")),
        (n(), n(), n(), n()).prop_map(|(a, b, c, d)| format!("FullImg-{a}-{b}-{c}-{d}")),
        (0u32..3, n(), n(), n(), 17u32..24, 1u32..13, 1u32..29).prop_map(
            |(g, a, b, c, y, m, d)| format!("IPC_G610{g}-B6103.{a}.{b}.B{c}.{y:02}{m:02}{d:02}")
        ),
        (n(), n(), n(), n(), 17u32..24, 1u32..13, 1u32..29)
            .prop_map(|(a, b, c, d, y, m, dd)| format!("{a}.{b}.{c}.{d:05}B{y:02}{m:02}{dd:02}")),
        (prop::collection::vec(n(), 2..5)).prop_map(|v| v
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")),
    ]
}

proptest! {
    #[test]
    fn compare_is_a_total_order_within_a_scheme(a in version(), b in version(), c in version()) {
        let (a, b, c) = (
            FirmwareVersion::parse(&a).expect("generated a"),
            FirmwareVersion::parse(&b).expect("generated b"),
            FirmwareVersion::parse(&c).expect("generated c"),
        );
        // Reflexive.
        prop_assert_eq!(a.compare(&a), Some(Ordering::Equal));
        // Comparable exactly within one scheme, and antisymmetric.
        let ab = a.compare(&b);
        prop_assert_eq!(ab.is_some(), a.scheme() == b.scheme());
        prop_assert_eq!(ab.map(Ordering::reverse), b.compare(&a));
        // Transitive.
        if let (Some(x), Some(y)) = (ab, b.compare(&c)) {
            if x != Ordering::Greater && y != Ordering::Greater {
                prop_assert_ne!(a.compare(&c), Some(Ordering::Greater));
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        let _ = FirmwareVersion::parse(&s);
    }
}
