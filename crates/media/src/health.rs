//! Each participant's link from the RTCP receiver reports its browser sends
//! about the media we forward to it: loss and jitter as reported, and the
//! round-trip time from the report's echo of our last sender report
//! (RFC 3550 §6.4.1: now − LSR − DLSR).

use std::time::{SystemTime, UNIX_EPOCH};

use amaan_domain::video::LinkMeasure;

/// Seconds from 1900 (NTP's epoch) to 1970.
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;
/// How much a new report counts against the running figure.
const WEIGHT: f64 = 0.3;

#[derive(Debug, Default, Clone)]
pub struct LinkHealth {
    reports: u64,
    loss_percent: f64,
    jitter_ms: f64,
    rtt_ms: Option<f64>,
}

/// The middle 32 bits of the NTP time of `now`, as LSR and DLSR count.
pub fn ntp_middle(now: SystemTime) -> u32 {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs().wrapping_add(NTP_UNIX_OFFSET);
    let frac = (u64::from(since.subsec_nanos()) << 32) / 1_000_000_000;
    (((secs << 32) | frac) >> 16) as u32
}

/// The round trip in milliseconds, if the report echoes a sender report.
pub fn rtt_ms(now_middle: u32, last_sender_report: u32, delay: u32) -> Option<f64> {
    if last_sender_report == 0 {
        return None;
    }
    let units = now_middle.wrapping_sub(last_sender_report).wrapping_sub(delay);
    // A clock step or a forged report: more than a minute is no measure.
    (units < 60 << 16).then(|| f64::from(units) * 1000.0 / 65_536.0)
}

impl LinkHealth {
    /// One reception report block about a stream of `clock_rate` Hz.
    pub fn observe(&mut self, fraction_lost: u8, jitter: u32, clock_rate: u32, rtt_ms: Option<f64>) {
        let loss = f64::from(fraction_lost) * 100.0 / 256.0;
        let jitter_ms = if clock_rate == 0 { 0.0 } else { f64::from(jitter) * 1000.0 / f64::from(clock_rate) };
        let blend = |old: f64, new: f64| if self.reports == 0 { new } else { old + WEIGHT * (new - old) };
        self.loss_percent = blend(self.loss_percent, loss);
        self.jitter_ms = blend(self.jitter_ms, jitter_ms);
        if let Some(rtt) = rtt_ms {
            self.rtt_ms = Some(self.rtt_ms.map_or(rtt, |old| old + WEIGHT * (rtt - old)));
        }
        self.reports += 1;
    }

    /// None until the first report.
    pub fn measure(&self) -> Option<LinkMeasure> {
        (self.reports > 0).then_some(LinkMeasure {
            loss_percent: self.loss_percent,
            jitter_ms: self.jitter_ms,
            rtt_ms: self.rtt_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_trip_is_now_less_the_echoed_report_and_the_receivers_delay() {
        let now = 0x1234_8000u32;
        // Sent 0x0001_0000 (one second) before now, held 0x0000_8000 (half a second).
        let rtt = rtt_ms(now, now - 0x0001_0000, 0x0000_8000);
        assert_eq!(rtt, Some(500.0));
        assert_eq!(rtt_ms(now, 0, 0), None, "no sender report echoed yet");
        assert_eq!(rtt_ms(now, now + 5, 0), None, "a report from the future is no measure");
    }

    #[test]
    fn loss_and_jitter_are_read_in_percent_and_milliseconds_and_smoothed() {
        let mut h = LinkHealth::default();
        assert!(h.measure().is_none());
        h.observe(64, 480, 48_000, Some(40.0));
        let m = h.measure().unwrap_or(LinkMeasure { loss_percent: -1.0, jitter_ms: -1.0, rtt_ms: None });
        assert_eq!((m.loss_percent, m.jitter_ms, m.rtt_ms), (25.0, 10.0, Some(40.0)));
        h.observe(0, 0, 48_000, None);
        let m = h.measure().unwrap_or(LinkMeasure { loss_percent: -1.0, jitter_ms: -1.0, rtt_ms: None });
        assert!(m.loss_percent < 25.0 && m.loss_percent > 0.0, "smoothed: {m:?}");
        assert_eq!(m.rtt_ms, Some(40.0));
    }

    #[test]
    fn ntp_time_counts_from_1900() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1);
        assert_eq!(ntp_middle(t), (((NTP_UNIX_OFFSET + 1) << 16) & 0xffff_ffff) as u32);
    }
}
