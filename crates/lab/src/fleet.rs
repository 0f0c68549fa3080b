//! Compact fleets in lab files: counts and distributions instead of one `[[device]]` per
//! camera.
//!
//! ```toml
//! seed = 42
//! [[fleet]]
//! personality = "hikvision"
//! count = 4000
//! default_password = { kept = 0.45, changed = 0.55 }
//! rtsp_auth = { none = 0.1, digest = 0.9 }
//! telnet = 0.05
//! ```
//!
//! Each key of a fleet entry other than `count` and `id_prefix` is a device field, written
//! one of three ways:
//!
//! - a **distribution**: a table whose values are all decimals (`0.1`, `1.0`), the
//!   probability of each key; they must sum to 1 (± 1e-9). Keys `true`/`false` stand for the
//!   booleans. `personality`, `model` and `firmware` may be distributions too;
//! - a **probability** for a true/false switch: a decimal between 0 and 1 (`telnet = 0.05`);
//! - a **fixed value**, used for every device as in `[[device]]` (`web_auth = "digest"`).
//!
//! Without `model`/`firmware`, each device gets one of its personality's models and firmware
//! versions, chosen uniformly. Devices are named `<id_prefix>-<n>` (n from 1 within the fleet;
//! `id_prefix` defaults to the personality, or `fleet<k>` when the personality varies).
//!
//! Fleets expand after the explicit `[[device]]` entries, in file order, into ordinary device
//! entries that are then checked like hand-written ones. Everything random comes from the
//! lab's `seed` and the device's position: the same file and seed give the same lab.

use crate::error::LabError;
use crate::identity::device_rng;
use crate::personality::Personality;
use rand::Rng;

/// Purpose of the fleet sampling random stream (see [`device_rng`]).
const RNG_FLEET: u64 = 4;
/// Tolerance of a distribution's sum.
const SUM_TOLERANCE: f64 = 1e-9;

/// One field of a fleet entry.
#[derive(Debug, Clone)]
enum Field {
    /// The same value on every device.
    Fixed(toml::Value),
    /// `true` with this probability.
    Chance(f64),
    /// One of the values, with these cumulative probabilities (last is 1).
    Choice(Vec<(toml::Value, f64)>),
}

impl Field {
    fn sample(&self, rng: &mut impl Rng) -> toml::Value {
        match self {
            Field::Fixed(v) => v.clone(),
            Field::Chance(p) => toml::Value::Boolean(rng.gen::<f64>() < *p),
            Field::Choice(options) => {
                let u = rng.gen::<f64>();
                options
                    .iter()
                    .find(|(_, cum)| u < *cum)
                    .or(options.last())
                    .map(|(v, _)| v.clone())
                    .unwrap_or(toml::Value::Boolean(false))
            }
        }
    }
}

/// A validated fleet entry.
#[derive(Debug)]
struct Fleet {
    count: usize,
    id_prefix: String,
    /// Device fields other than personality, model and firmware, in key order.
    fields: Vec<(String, Field)>,
    personality: Field,
    model: Option<Field>,
    firmware: Option<Field>,
}

/// Total devices the `[[fleet]]` entries ask for (validated; for the size check before any
/// expansion).
pub(crate) fn total_count(fleets: &[toml::Value]) -> Result<usize, LabError> {
    let mut total = 0usize;
    for (i, f) in fleets.iter().enumerate() {
        total = total.saturating_add(count_of(f, &fleet_name(f, i))?);
    }
    Ok(total)
}

/// Expand `[[fleet]]` entries into `[[device]]`-shaped tables, positioned from `first_index`.
pub(crate) fn expand(
    fleets: &[toml::Value],
    seed: u64,
    first_index: usize,
) -> Result<Vec<toml::Value>, LabError> {
    let mut out = Vec::new();
    for (i, entry) in fleets.iter().enumerate() {
        let fleet = parse(entry, i)?;
        for n in 0..fleet.count {
            let index = first_index + out.len();
            out.push(toml::Value::Table(device(&fleet, seed, index, n)));
        }
    }
    Ok(out)
}

fn device(fleet: &Fleet, seed: u64, index: usize, n: usize) -> toml::Table {
    let mut rng = device_rng(seed, index, RNG_FLEET);
    let mut table = toml::Table::new();
    table.insert(
        "id".into(),
        toml::Value::String(format!("{}-{}", fleet.id_prefix, n + 1)),
    );
    let personality = fleet.personality.sample(&mut rng);
    let known = personality.as_str().and_then(Personality::get);
    table.insert("personality".into(), personality);
    for (key, list) in [("model", &fleet.model), ("firmware", &fleet.firmware)] {
        let value = match list {
            Some(field) => Some(field.sample(&mut rng)),
            None => known.map(|p| {
                let options = if key == "model" {
                    &p.identity.models
                } else {
                    &p.identity.firmware
                };
                toml::Value::String(options[rng.gen_range(0..options.len())].clone())
            }),
        };
        if let Some(v) = value {
            table.insert(key.into(), v);
        }
    }
    for (key, field) in &fleet.fields {
        table.insert(key.clone(), field.sample(&mut rng));
    }
    table
}

/// `#<n> (<personality>)` for error messages.
fn fleet_name(entry: &toml::Value, index: usize) -> String {
    match entry.get("personality").and_then(toml::Value::as_str) {
        Some(p) => format!("#{} ({p})", index + 1),
        None => format!("#{}", index + 1),
    }
}

fn count_of(entry: &toml::Value, name: &str) -> Result<usize, LabError> {
    let bad = |message: String| LabError::Fleet {
        fleet: name.to_string(),
        field: "count".into(),
        message,
    };
    let count = entry
        .get("count")
        .ok_or_else(|| bad("missing (how many devices?)".into()))?
        .as_integer()
        .ok_or_else(|| bad("must be an integer".into()))?;
    usize::try_from(count)
        .ok()
        .filter(|&c| c >= 1)
        .ok_or_else(|| bad(format!("must be at least 1, not {count}")))
}

fn parse(entry: &toml::Value, index: usize) -> Result<Fleet, LabError> {
    let name = fleet_name(entry, index);
    let bad = |field: &str, message: String| LabError::Fleet {
        fleet: name.clone(),
        field: field.to_string(),
        message,
    };
    let table = entry
        .as_table()
        .ok_or_else(|| bad("?", "a fleet must be a table ([[fleet]])".into()))?;
    let count = count_of(entry, &name)?;
    let mut personality = None;
    let mut model = None;
    let mut firmware = None;
    let mut id_prefix = None;
    let mut fields = Vec::new();
    for (key, value) in table {
        match key.as_str() {
            "count" => {}
            "id" => return Err(bad("id", "fleet devices are named by `id_prefix`".into())),
            "id_prefix" => {
                let p = value
                    .as_str()
                    .filter(|p| !p.is_empty() && p.len() <= 48)
                    .ok_or_else(|| {
                        bad("id_prefix", "must be a string of 1–48 characters".into())
                    })?;
                id_prefix = Some(p.to_string());
            }
            "personality" => personality = Some(field(key, value, &bad)?),
            "model" => model = Some(field(key, value, &bad)?),
            "firmware" => firmware = Some(field(key, value, &bad)?),
            _ => fields.push((key.clone(), field(key, value, &bad)?)),
        }
    }
    let personality =
        personality.ok_or_else(|| bad("personality", "missing (which personality?)".into()))?;
    let id_prefix = match (id_prefix, &personality) {
        (Some(p), _) => p,
        (None, Field::Fixed(toml::Value::String(p))) => p.clone(),
        (None, _) => format!("fleet{}", index + 1),
    };
    Ok(Fleet {
        count,
        id_prefix,
        fields,
        personality,
        model,
        firmware,
    })
}

/// Read one field: a distribution, a probability or a fixed value.
fn field(
    key: &str,
    value: &toml::Value,
    bad: &impl Fn(&str, String) -> LabError,
) -> Result<Field, LabError> {
    match value {
        toml::Value::Float(p) => {
            if !(0.0..=1.0).contains(p) {
                return Err(bad(key, format!("probability {p} is outside 0..=1")));
            }
            Ok(Field::Chance(*p))
        }
        toml::Value::Table(t) if !t.is_empty() && t.values().all(toml::Value::is_float) => {
            let mut options = Vec::with_capacity(t.len());
            let mut sum = 0.0f64;
            for (k, v) in t {
                let p = v.as_float().unwrap_or(0.0);
                if !(0.0..=1.0).contains(&p) {
                    return Err(bad(
                        key,
                        format!("probability of {k:?} is {p}, outside 0..=1"),
                    ));
                }
                sum += p;
                let choice = match k.as_str() {
                    "true" => toml::Value::Boolean(true),
                    "false" => toml::Value::Boolean(false),
                    _ => toml::Value::String(k.clone()),
                };
                options.push((choice, sum));
            }
            if (sum - 1.0).abs() > SUM_TOLERANCE {
                return Err(bad(key, format!("probabilities sum to {sum}, not 1")));
            }
            if let Some(last) = options.last_mut() {
                last.1 = 1.0;
            }
            Ok(Field::Choice(options))
        }
        other => Ok(Field::Fixed(other.clone())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleets(text: &str) -> Vec<toml::Value> {
        let t: toml::Table = toml::from_str(text).expect("toml");
        t.get("fleet")
            .and_then(|f| f.as_array())
            .cloned()
            .unwrap_or_default()
    }

    #[test]
    fn distributions_are_sampled_reproducibly_and_roughly_as_asked() {
        let f = fleets(
            "[[fleet]]\npersonality = \"hikvision\"\ncount = 2000\n\
             default_password = { kept = 0.7, changed = 0.3 }\ntelnet = 0.1\n",
        );
        let a = expand(&f, 9, 0).expect("expands");
        assert_eq!(a, expand(&f, 9, 0).expect("again"));
        assert_ne!(a, expand(&f, 10, 0).expect("other seed"));
        assert_eq!(a.len(), 2000);
        let kept = a
            .iter()
            .filter(|d| d.get("default_password").and_then(|v| v.as_str()) == Some("kept"))
            .count();
        let telnet = a
            .iter()
            .filter(|d| d.get("telnet").and_then(|v| v.as_bool()) == Some(true))
            .count();
        assert!((1300..1500).contains(&kept), "kept {kept} of 2000 at 0.7");
        assert!(
            (130..270).contains(&telnet),
            "telnet {telnet} of 2000 at 0.1"
        );
        assert_eq!(a[0].get("id").and_then(|v| v.as_str()), Some("hikvision-1"));
        let models: std::collections::BTreeSet<_> = a
            .iter()
            .filter_map(|d| d.get("model").and_then(|v| v.as_str()))
            .collect();
        assert!(models.len() > 1, "models vary: {models:?}");
    }

    #[test]
    fn bad_fleets_name_the_entry_and_field() {
        let cases = [
            (
                "[[fleet]]\npersonality = \"dahua\"\ncount = 3\nrtsp_auth = { none = 0.5, digest = 0.4 }\n",
                "#1 (dahua)",
                "rtsp_auth",
                "sum to",
            ),
            ("[[fleet]]\npersonality = \"dahua\"\n", "#1 (dahua)", "count", "missing"),
            (
                "[[fleet]]\npersonality = \"dahua\"\ncount = 0\n",
                "#1 (dahua)",
                "count",
                "at least 1",
            ),
            ("[[fleet]]\ncount = 2\n", "#1", "personality", "missing"),
            (
                "[[fleet]]\npersonality = \"dahua\"\ncount = 1\ntelnet = 1.5\n",
                "#1 (dahua)",
                "telnet",
                "outside",
            ),
        ];
        for (text, fleet, field, words) in cases {
            match expand(&fleets(text), 1, 0) {
                Err(LabError::Fleet {
                    fleet: f,
                    field: k,
                    message,
                }) => {
                    assert_eq!((f.as_str(), k.as_str()), (fleet, field), "{text}");
                    assert!(message.contains(words), "{text}: {message}");
                }
                other => panic!("{text}: expected a fleet error, got {other:?}"),
            }
        }
    }

    #[test]
    fn sum_within_tolerance_is_accepted() {
        let f = fleets(
            "[[fleet]]\npersonality = { hikvision = 0.1, dahua = 0.2, generic_onvif = 0.7 }\n\
             count = 5\n",
        );
        let devices = expand(&f, 1, 3).expect("0.1 + 0.2 + 0.7 is 1 within 1e-9");
        assert_eq!(
            devices[0].get("id").and_then(|v| v.as_str()),
            Some("fleet1-1")
        );
    }
}
