//! Times the executor reads and writes, without a clock: the caller hands in "now" as Unix
//! milliseconds. The calendar arithmetic is [`crate::time`]'s.

use crate::time::{civil_from_days, days_from_civil};

/// Unix milliseconds → `2026-11-26T14:46:44Z` (ISO 8601 UTC, whole seconds).
pub fn iso8601(unix_ms: u64) -> String {
    let secs = (unix_ms / 1000) as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
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
    if *h > 23 || *m > 59 || *sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days as u64) * 86_400 + h * 3600 + m * 60 + sec) * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        let t = parse_http_date("Thu, 26 Nov 2026 14:46:44 GMT").unwrap();
        assert_eq!(iso8601(t), "2026-11-26T14:46:44Z");
        assert_eq!(iso8601(t + 730 * 86_400_000), "2028-11-25T14:46:44Z");
        assert_eq!(
            parse_http_date("Sun, 29 Feb 2032 00:00:00 GMT").map(iso8601),
            Some("2032-02-29T00:00:00Z".into())
        );
        for bad in [
            "",
            "7",
            "Thu, 26 Foo 2026 14:46:44 GMT",
            "Thu, 26 Nov 2026 25:00:00 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }
}
