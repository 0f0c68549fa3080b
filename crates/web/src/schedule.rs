//! Schedule specifications: `daily`, `weekly`, `monthly` or five-field cron
//! (`minute hour day-of-month month day-of-week`, with `*`, lists, ranges and `/step`), in UTC.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    minutes: Vec<bool>,
    hours: Vec<bool>,
    days: Vec<bool>,
    months: Vec<bool>,
    weekdays: Vec<bool>,
    day_any: bool,
    weekday_any: bool,
}

/// Why a specification was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad schedule {spec:?}: {reason}")]
pub struct SpecError {
    spec: String,
    reason: String,
}

fn field(text: &str, lo: u32, hi: u32) -> Result<(Vec<bool>, bool), String> {
    let mut set = vec![false; hi as usize + 1];
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .map_err(|_| format!("bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        if step == 0 {
            return Err(format!("step 0 in {part:?}"));
        }
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            let a = a.parse().map_err(|_| format!("bad number in {part:?}"))?;
            let b = b.parse().map_err(|_| format!("bad number in {part:?}"))?;
            (a, b)
        } else {
            let a = range
                .parse()
                .map_err(|_| format!("bad number in {part:?}"))?;
            (a, if part.contains('/') { hi } else { a })
        };
        if a < lo || b > hi || a > b {
            return Err(format!("{part:?} is outside {lo}-{hi}"));
        }
        for v in (a..=b).step_by(step as usize) {
            set[v as usize] = true;
        }
    }
    Ok((set, text == "*"))
}

impl Spec {
    /// Parse a specification.
    pub fn parse(text: &str) -> Result<Spec, SpecError> {
        let text = text.trim();
        let cron = match text {
            "daily" => "0 2 * * *",
            "weekly" => "0 2 * * 1",
            "monthly" => "0 2 1 * *",
            other => other,
        };
        let err = |reason: String| SpecError {
            spec: text.to_owned(),
            reason,
        };
        let fields: Vec<&str> = cron.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(err(
                "expected daily, weekly, monthly or five cron fields".into()
            ));
        }
        let (minutes, _) = field(fields[0], 0, 59).map_err(err)?;
        let (hours, _) = field(fields[1], 0, 23).map_err(err)?;
        let (days, day_any) = field(fields[2], 1, 31).map_err(err)?;
        let (months, _) = field(fields[3], 1, 12).map_err(err)?;
        let (mut weekdays, weekday_any) = field(fields[4], 0, 7).map_err(err)?;
        if weekdays[7] {
            weekdays[0] = true;
        }
        Ok(Spec {
            minutes,
            hours,
            days,
            months,
            weekdays,
            day_any,
            weekday_any,
        })
    }

    fn matches(&self, t: DateTime<Utc>) -> bool {
        let day = self.days[t.day() as usize];
        let weekday = self.weekdays[t.weekday().num_days_from_sunday() as usize];
        // Cron: when both day fields are restricted, either may match.
        let day_ok = match (self.day_any, self.weekday_any) {
            (true, true) => true,
            (true, false) => weekday,
            (false, true) => day,
            (false, false) => day || weekday,
        };
        self.minutes[t.minute() as usize]
            && self.hours[t.hour() as usize]
            && self.months[t.month() as usize]
            && day_ok
    }

    /// The first matching minute strictly after `t`, within about five years.
    pub fn next_after(&self, t: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut c = t.with_second(0)?.with_nanosecond(0)? + Duration::minutes(1);
        let limit = t + Duration::days(5 * 366);
        while c <= limit {
            if !self.months[c.month() as usize] {
                c = (c + Duration::days(1)).with_hour(0)?.with_minute(0)?;
                continue;
            }
            if self.matches(c) {
                return Some(c);
            }
            c = if self.hours[c.hour() as usize] {
                c + Duration::minutes(1)
            } else {
                (c + Duration::hours(1)).with_minute(0)?
            };
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn named_specs() {
        let t = at(2026, 7, 1, 3, 0); // a Wednesday
        assert_eq!(
            Spec::parse("daily").unwrap().next_after(t),
            Some(at(2026, 7, 2, 2, 0))
        );
        assert_eq!(
            Spec::parse("weekly").unwrap().next_after(t),
            Some(at(2026, 7, 6, 2, 0))
        );
        assert_eq!(
            Spec::parse("monthly").unwrap().next_after(t),
            Some(at(2026, 8, 1, 2, 0))
        );
    }

    #[test]
    fn cron_fields() {
        let s = Spec::parse("*/15 9-17 * * 1-5").unwrap();
        assert_eq!(
            s.next_after(at(2026, 7, 3, 17, 50)),
            Some(at(2026, 7, 6, 9, 0))
        );
        assert_eq!(
            s.next_after(at(2026, 7, 1, 9, 0)),
            Some(at(2026, 7, 1, 9, 15))
        );
        let feb29 = Spec::parse("0 0 29 2 *").unwrap();
        assert_eq!(
            feb29.next_after(at(2026, 3, 1, 0, 0)),
            Some(at(2028, 2, 29, 0, 0))
        );
        assert_eq!(
            Spec::parse("0 0 31 2 *")
                .unwrap()
                .next_after(at(2026, 1, 1, 0, 0)),
            None
        );
    }

    #[test]
    fn bad_specs_are_errors_not_panics() {
        for bad in [
            "",
            "hourly",
            "* * * *",
            "60 * * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "a b c d e",
            "0 0 0 1 *",
        ] {
            assert!(Spec::parse(bad).is_err(), "{bad}");
        }
    }
}
