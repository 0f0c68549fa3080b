//! Conversions between model values and the text stored in columns.

use crate::error::StoreError;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A timestamp as stored: fixed-width UTC RFC 3339 with microseconds, so text order is time order.
pub(crate) fn time_to_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parse a stored timestamp.
pub(crate) fn time_from_text(
    table: &'static str,
    column: &'static str,
    s: &str,
) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt {
            table,
            column,
            reason: format!("{s:?} is not an RFC 3339 time: {e}"),
        })
}

/// Encode a value as JSON text.
pub(crate) fn to_json<T: Serialize + ?Sized>(
    what: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|source| StoreError::Encode { what, source })
}

/// Decode JSON text from a column.
pub(crate) fn from_json<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    s: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        table,
        column,
        reason: e.to_string(),
    })
}

/// The serde name of a unit enum variant (`snake_case` in the model), e.g. `"open"`.
pub(crate) fn enum_to_text<T: Serialize>(
    what: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(StoreError::Encode {
            what,
            source: serde::ser::Error::custom(format!("not a unit variant: {other}")),
        }),
        Err(source) => Err(StoreError::Encode { what, source }),
    }
}

/// Parse a unit enum variant from its serde name.
pub(crate) fn enum_from_text<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    s: &str,
) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|e| {
        StoreError::Corrupt {
            table,
            column,
            reason: e.to_string(),
        }
    })
}

/// A non-negative integer column as `u16` (ports).
pub(crate) fn port_from_i64(
    table: &'static str,
    column: &'static str,
    v: i64,
) -> Result<u16, StoreError> {
    u16::try_from(v).map_err(|_| StoreError::Corrupt {
        table,
        column,
        reason: format!("{v} is not a port number"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use camguard_model::{EndpointState, VerdictStatus};
    use chrono::TimeZone;

    #[test]
    fn time_text_round_trips_and_orders() {
        let a = Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(time_from_text("t", "c", &time_to_text(a)).unwrap(), a);
        assert!(time_to_text(a) < time_to_text(b));
        assert!(time_from_text("t", "c", "yesterday").is_err());
    }

    #[test]
    fn enum_text_round_trips() {
        let s = enum_to_text("state", &VerdictStatus::NotVerifiableRemotely).unwrap();
        assert_eq!(s, "not_verifiable_remotely");
        let back: VerdictStatus = enum_from_text("t", "c", &s).unwrap();
        assert_eq!(back, VerdictStatus::NotVerifiableRemotely);
        assert!(enum_from_text::<EndpointState>("t", "c", "ajar").is_err());
    }
}
