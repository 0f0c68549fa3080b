//! The rule files shipped in the binary.

/// `(file name, contents)` of every built-in rule file in `data/fingerprints/`.
pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[
    (
        "vendors.toml",
        include_str!("../../../data/fingerprints/vendors.toml"),
    ),
    (
        "generic.toml",
        include_str!("../../../data/fingerprints/generic.toml"),
    ),
    (
        "hikvision.toml",
        include_str!("../../../data/fingerprints/hikvision.toml"),
    ),
    (
        "dahua.toml",
        include_str!("../../../data/fingerprints/dahua.toml"),
    ),
    (
        "axis.toml",
        include_str!("../../../data/fingerprints/axis.toml"),
    ),
    (
        "uniview_xiongmai.toml",
        include_str!("../../../data/fingerprints/uniview_xiongmai.toml"),
    ),
    (
        "consumer_brands.toml",
        include_str!("../../../data/fingerprints/consumer_brands.toml"),
    ),
    (
        "professional_brands.toml",
        include_str!("../../../data/fingerprints/professional_brands.toml"),
    ),
    (
        "vietnam_brands.toml",
        include_str!("../../../data/fingerprints/vietnam_brands.toml"),
    ),
    (
        "non_camera.toml",
        include_str!("../../../data/fingerprints/non_camera.toml"),
    ),
];
