//! [`UtcDateTime`]: a UTC instant with second precision, for bundle timestamps, iCalendar files and
//! the executor's dates. The core has no clock: the shell supplies every instant (`Date.now()`, Graph's
//! `endDateTime`).

use std::fmt;

use serde::{Serialize, Serializer};

/// A UTC instant, whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcDateTime(i64);

/// Why a text is not an RFC 3339 UTC timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” is not a UTC date and time (expected e.g. 2027-05-25T14:47:57Z)")]
pub struct TimeError(pub String);

const SECONDS_PER_DAY: i64 = 86_400;
/// 0000-01-01 to 9999-12-31: what four-digit years (RFC 3339, RFC 5545) can show.
const MIN_SECONDS: i64 = -62_167_219_200;
const MAX_SECONDS: i64 = 253_402_300_799;

impl UtcDateTime {
    /// `None` outside the years 0000–9999.
    pub fn from_unix_seconds(seconds: i64) -> Option<Self> {
        (MIN_SECONDS..=MAX_SECONDS)
            .contains(&seconds)
            .then_some(UtcDateTime(seconds))
    }

    /// From JavaScript's `Date.now()` (milliseconds); the fraction of a second is dropped.
    pub fn from_unix_millis(millis: i64) -> Option<Self> {
        Self::from_unix_seconds(millis.div_euclid(1000))
    }

    pub fn unix_seconds(self) -> i64 {
        self.0
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` as Graph writes `endDateTime`
    /// (`2027-05-25T14:47:57.123Z`, or with up to seven fractional digits). A fraction is
    /// dropped; offsets other than zero are converted to UTC.
    pub fn parse_rfc3339(s: &str) -> Result<Self, TimeError> {
        let err = || TimeError(s.to_owned());
        let b = s.as_bytes();
        // ASCII only: the fields are then sliced by byte without cutting a character in two.
        if !s.is_ascii()
            || b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
        {
            return Err(err());
        }
        if b[13] != b':' || b[16] != b':' {
            return Err(err());
        }
        let num = |range: std::ops::Range<usize>| -> Result<i64, TimeError> {
            let part = &s[range];
            if part.bytes().all(|c| c.is_ascii_digit()) {
                part.parse().map_err(|_| err())
            } else {
                Err(err())
            }
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(err());
            }
            rest = &frac[digits..];
        }
        let offset = match rest {
            "Z" | "z" => 0,
            _ => {
                let rb = rest.as_bytes();
                if rb.len() != 6 || !matches!(rb[0], b'+' | b'-') || rb[3] != b':' {
                    return Err(err());
                }
                let h: i64 = rest[1..3].parse().map_err(|_| err())?;
                let m: i64 = rest[4..6].parse().map_err(|_| err())?;
                if h > 23 || m > 59 {
                    return Err(err());
                }
                let sign = if rb[0] == b'-' { -1 } else { 1 };
                sign * (h * 3600 + m * 60)
            }
        };
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 60
        {
            return Err(err());
        }
        // A leap second is read as the last second of its minute.
        let second = second.min(59);
        let seconds = days_from_civil(year, month, day) * SECONDS_PER_DAY
            + hour * 3600
            + minute * 60
            + second
            - offset;
        Self::from_unix_seconds(seconds).ok_or_else(err)
    }

    /// This instant moved by whole days (negative: earlier). `None` outside 0000–9999.
    pub fn plus_days(self, days: i64) -> Option<Self> {
        Self::from_unix_seconds(self.0.checked_add(days.checked_mul(SECONDS_PER_DAY)?)?)
    }

    /// `(year, month, day, hour, minute, second)`.
    pub fn parts(self) -> (i64, i64, i64, i64, i64, i64) {
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        let secs = self.0.rem_euclid(SECONDS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        (y, m, d, secs / 3600, secs / 60 % 60, secs % 60)
    }

    /// `2027-05-25T14:47:57Z`.
    pub fn to_rfc3339(self) -> String {
        let (y, mo, d, h, mi, s) = self.parts();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }

    /// RFC 5545 UTC DATE-TIME, `20270525T144757Z`.
    pub fn to_ical(self) -> String {
        let (y, mo, d, h, mi, s) = self.parts();
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
    }

    /// `2027-05-25 14:47 UTC`, for people.
    pub fn to_human(self) -> String {
        let (y, mo, d, h, mi, _) = self.parts();
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} UTC")
    }

    /// `2027-05-25`.
    pub fn date(self) -> String {
        let (y, mo, d, ..) = self.parts();
        format!("{y:04}-{mo:02}-{d:02}")
    }
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, the form `Retry-After` uses) → Unix ms.
/// The obsolete RFC 850 and asctime forms are not accepted (the caller then backs off).
pub fn parse_http_date(s: &str) -> Option<u64> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| m.eq_ignore_ascii_case(month))? as i64
        + 1;
    let day: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let year: i64 = year.parse().ok().filter(|y| *y >= 1970)?;
    let hms: Vec<u64> = time
        .split(':')
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    let [h, m, sec] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *sec > 60 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days as u64) * 86_400 + h * 3600 + m * 60 + sec) * 1000)
}

impl fmt::Display for UtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for UtcDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UtcDateTime({})", self.to_rfc3339())
    }
}

impl Serialize for UtcDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        let iso = |ms: u64| {
            UtcDateTime::from_unix_millis(ms as i64)
                .unwrap()
                .to_rfc3339()
        };
        let t = parse_http_date("Thu, 26 Nov 2026 14:46:44 GMT").unwrap();
        assert_eq!(iso(t), "2026-11-26T14:46:44Z");
        assert_eq!(iso(t + 730 * 86_400_000), "2028-11-25T14:46:44Z");
        assert_eq!(
            parse_http_date("Sun, 29 Feb 2032 00:00:00 GMT").map(iso),
            Some("2032-02-29T00:00:00Z".into())
        );
        for bad in [
            "",
            "7",
            "Thu, 26 Foo 2026 14:46:44 GMT",
            "Thu, 26 Nov 2026 25:00:00 GMT",
            "Sun, 30 Feb 2032 00:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn known_instants() {
        let t = UtcDateTime::parse_rfc3339("2027-05-25T14:47:57.1234567Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2027-05-25T14:47:57Z");
        assert_eq!(t.to_ical(), "20270525T144757Z");
        assert_eq!(t.unix_seconds(), 1_811_256_477);
        assert_eq!(
            UtcDateTime::from_unix_seconds(0).unwrap().to_rfc3339(),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            UtcDateTime::parse_rfc3339("2024-02-29T23:30:00-01:00")
                .unwrap()
                .to_rfc3339(),
            "2024-03-01T00:30:00Z"
        );
        assert_eq!(UtcDateTime::from_unix_millis(1_811_256_477_999).unwrap(), t);
    }

    #[test]
    fn day_arithmetic_crosses_months_and_leap_days() {
        let t = UtcDateTime::parse_rfc3339("2028-03-30T08:00:00Z").unwrap();
        assert_eq!(
            t.plus_days(-30).unwrap().to_rfc3339(),
            "2028-02-29T08:00:00Z"
        );
        assert_eq!(t.plus_days(365).unwrap().date(), "2029-03-30");
    }

    #[test]
    fn civil_round_trip_over_many_days() {
        for z in (-800_000..800_000).step_by(97) {
            let (y, m, d) = civil_from_days(z);
            assert!((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m));
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2027-05-25",
            "2027-05-25T14:47:57",
            "2027-02-30T00:00:00Z",
            "2027-13-01T00:00:00Z",
            "2027-05-25T24:00:00Z",
            "2027-05-25T14:47:57.Z",
            "2027-05-25T14:47:57+0100",
            "+027-05-25T14:47:57Z",
            "2027-05-25T14:47:57Zjunk",
            // A character of two bytes inside a field (sliced by byte, it would panic).
            "2027-05-31T14:00:0é0Z",
            "2027-05-31T14:0é:00Z",
            "2027-05-31T14:00:00+0é:00",
        ] {
            assert!(UtcDateTime::parse_rfc3339(bad).is_err(), "{bad:?} accepted");
        }
    }
}
