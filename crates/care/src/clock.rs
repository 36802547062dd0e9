//! The clinical clock: what "now" and "today" mean for schedules, flags,
//! logs and the theory. It is the real clock unless the process was started
//! on another day (`rapport serve --today`), so that a demonstration or a
//! browser journey can see the clinic six months on; sessions, log-in
//! throttling and the audit keep the real clock. One setting per process.

use std::sync::atomic::{AtomicI64, Ordering};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Seconds the clinical clock runs ahead of the real one.
static OFFSET_SECONDS: AtomicI64 = AtomicI64::new(0);

/// Sets the clinical clock so that it is now `today` (at the real time of
/// day, in UTC), running on from there.
pub fn set_today(today: Date) {
    let real = Timestamp::now();
    let wanted = today
        .to_datetime(real.to_zoned(TimeZone::UTC).time())
        .to_zoned(TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(real);
    OFFSET_SECONDS.store(wanted.duration_since(real).as_secs(), Ordering::Relaxed);
}

/// Now on the clinical clock.
pub fn now() -> Timestamp {
    let offset = SignedDuration::from_secs(OFFSET_SECONDS.load(Ordering::Relaxed));
    Timestamp::now()
        .checked_add(offset)
        .unwrap_or_else(|_| Timestamp::now())
}

/// Today on the clinical clock, in the server's time zone.
pub fn today() -> Date {
    now().to_zoned(TimeZone::system()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_can_start_on_another_day() {
        let day = jiff::civil::date(2031, 5, 17);
        set_today(day);
        assert_eq!(now().to_zoned(TimeZone::UTC).date(), day);
        set_today(Timestamp::now().to_zoned(TimeZone::UTC).date());
        assert!(now().duration_since(Timestamp::now()).abs() < SignedDuration::from_secs(2));
    }
}
