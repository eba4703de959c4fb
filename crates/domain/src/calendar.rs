//! A court's week: which days it sits and its hours.

use chrono::Weekday;

/// Parses "mon,tue,wed,thu,fri" (any order, no repeats) into weekdays.
pub fn parse_working_days(text: &str) -> Result<Vec<Weekday>, String> {
    let mut days = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let day: Weekday =
            part.parse().map_err(|_| format!("`{part}` is not a weekday; use mon, tue, wed, thu, fri, sat, sun"))?;
        if days.contains(&day) {
            return Err(format!("`{part}` is listed twice"));
        }
        days.push(day);
    }
    if days.is_empty() {
        return Err("a court needs at least one working day".into());
    }
    days.sort_by_key(|d| d.num_days_from_monday());
    Ok(days)
}

pub fn format_working_days(days: &[Weekday]) -> String {
    days.iter().map(|d| d.to_string().to_lowercase()).collect::<Vec<_>>().join(",")
}

/// A time zone must be an IANA name the tz database knows.
pub fn parse_time_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.parse::<chrono_tz::Tz>().map_err(|_| format!("`{name}` is not an IANA time zone such as Asia/Karachi"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_parse_and_normalise() {
        let days = parse_working_days("fri, mon,tue").unwrap_or_default();
        assert_eq!(format_working_days(&days), "mon,tue,fri");
        assert!(parse_working_days("mon,mon").is_err());
        assert!(parse_working_days("funday").is_err());
        assert!(parse_working_days("").is_err());
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert!(parse_time_zone("Asia/Karachi").is_ok());
        assert!(parse_time_zone("Mars/Olympus").is_err());
    }
}

/// The calendar date at a court right now (a court in Karachi starts its
/// day five hours before UTC does).
pub fn local_date(time_zone: &str, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
    match parse_time_zone(time_zone) {
        Ok(tz) => now.with_timezone(&tz).date_naive(),
        Err(_) => now.date_naive(),
    }
}
