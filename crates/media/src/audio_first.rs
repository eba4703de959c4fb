//! Audio first: when a receiver's link cannot carry everything we forward
//! to it, its video is shed before any audio is lost, and comes back once
//! the link has been clear for a while. The court must always hear the
//! child; a frozen picture is a nuisance, a lost answer is not repairable.
//!
//! The signals are what a receiver tells us about its link: the loss in
//! each RTCP receiver report block (any stream, audio or video), and the
//! bit rate a browser estimates it can take (REMB). Shedding needs two
//! congested reports close together, so one burst does not cost the
//! picture; restoring needs the link clear for a hold time that doubles
//! each time video comes back only to be shed again soon after, so a link
//! that carries audio but not video does not flap.

use std::time::{Duration, Instant};

/// A report with this much loss or more says the link is congested.
pub const SHED_LOSS_PERCENT: f64 = 10.0;
/// Reports below this loss (and estimates at or above `RESTORE_FROM_BPS`)
/// are clear; anything between holds video back but does not shed it.
pub const CLEAR_LOSS_PERCENT: f64 = 2.0;
/// Two congested reports this close together shed the video.
pub const CONGESTED_WITHIN: Duration = Duration::from_secs(3);
/// An estimated bit rate below this cannot carry video beside the audio.
pub const SHED_BELOW_BPS: u64 = 150_000;
/// Video comes back only when the estimate is at least this.
pub const RESTORE_FROM_BPS: u64 = 300_000;
/// How long the link must be clear before video comes back, at first.
pub const FIRST_HOLD: Duration = Duration::from_secs(4);
/// The longest hold, however often video was shed again.
pub const MAX_HOLD: Duration = Duration::from_secs(60);
/// Shed again within this time of coming back: the next hold doubles.
pub const PROBATION: Duration = Duration::from_secs(10);

/// One thing a receiver told us about its link.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Signal {
    /// A receiver report block's fraction lost, in percent.
    Loss(f64),
    /// The receiver's estimate of the bit rate it can take.
    Estimate(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    None,
    /// Stop forwarding video to this receiver.
    Shed,
    /// Forward video to it again.
    Restore,
}

/// One receiver's state.
#[derive(Debug, Clone)]
pub struct AudioFirst {
    shed: bool,
    /// How many times video was shed.
    sheds: u64,
    last_congested: Option<Instant>,
    /// While shed: the last signal that was not clear.
    last_unclear: Instant,
    hold: Duration,
    restored_at: Option<Instant>,
}

impl AudioFirst {
    pub fn new(now: Instant) -> AudioFirst {
        AudioFirst {
            shed: false,
            sheds: 0,
            last_congested: None,
            last_unclear: now,
            hold: FIRST_HOLD,
            restored_at: None,
        }
    }

    pub fn video_shed(&self) -> bool {
        self.shed
    }

    pub fn sheds(&self) -> u64 {
        self.sheds
    }

    pub fn observe(&mut self, signal: Signal, now: Instant) -> Change {
        let (congested, clear) = match signal {
            Signal::Loss(percent) => (percent >= SHED_LOSS_PERCENT, percent < CLEAR_LOSS_PERCENT),
            Signal::Estimate(bps) => (bps < SHED_BELOW_BPS, bps >= RESTORE_FROM_BPS),
        };
        if self.shed {
            if !clear {
                self.last_unclear = now;
                return Change::None;
            }
            if now.saturating_duration_since(self.last_unclear) < self.hold {
                return Change::None;
            }
            self.shed = false;
            self.last_congested = None;
            self.restored_at = Some(now);
            return Change::Restore;
        }
        if !congested {
            return Change::None;
        }
        // A browser's estimate is smoothed already; one loss report is not.
        let confirmed = matches!(signal, Signal::Estimate(_))
            || self.last_congested.is_some_and(|at| now.saturating_duration_since(at) <= CONGESTED_WITHIN);
        if !confirmed {
            self.last_congested = Some(now);
            return Change::None;
        }
        let soon_after_restore = self.restored_at.is_some_and(|at| now.saturating_duration_since(at) <= PROBATION);
        self.hold = if soon_after_restore { (self.hold * 2).min(MAX_HOLD) } else { FIRST_HOLD };
        self.shed = true;
        self.sheds += 1;
        self.last_unclear = now;
        Change::Shed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn one_lossy_report_is_not_enough_two_close_together_shed_the_video() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        assert_eq!(a.observe(Signal::Loss(30.0), t0), Change::None);
        assert!(!a.video_shed());
        assert_eq!(a.observe(Signal::Loss(25.0), t0 + secs(1.0)), Change::Shed);
        assert!(a.video_shed());
        assert_eq!(a.sheds(), 1);
    }

    #[test]
    fn lossy_reports_far_apart_do_not_shed() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        assert_eq!(a.observe(Signal::Loss(30.0), t0), Change::None);
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(1.0)), Change::None);
        assert_eq!(a.observe(Signal::Loss(30.0), t0 + secs(5.0)), Change::None);
        assert!(!a.video_shed());
    }

    #[test]
    fn light_loss_never_sheds() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        for i in 0..20 {
            assert_eq!(a.observe(Signal::Loss(5.0), t0 + secs(f64::from(i))), Change::None);
        }
    }

    #[test]
    fn a_low_estimate_sheds_at_once() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        assert_eq!(a.observe(Signal::Estimate(2_000_000), t0), Change::None);
        assert_eq!(a.observe(Signal::Estimate(100_000), t0 + secs(0.5)), Change::Shed);
    }

    #[test]
    fn video_comes_back_after_the_link_is_clear_for_the_hold() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        a.observe(Signal::Loss(30.0), t0);
        assert_eq!(a.observe(Signal::Loss(30.0), t0 + secs(1.0)), Change::Shed);
        // Still lossy a while (the queue drains), then clear.
        assert_eq!(a.observe(Signal::Loss(12.0), t0 + secs(2.0)), Change::None);
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(3.0)), Change::None);
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(5.0)), Change::None, "clear for 3 s only");
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(6.0)), Change::Restore, "clear for the 4 s hold");
        assert!(!a.video_shed());
    }

    #[test]
    fn moderate_loss_holds_video_back_without_shedding_it_again() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        a.observe(Signal::Loss(30.0), t0);
        a.observe(Signal::Loss(30.0), t0 + secs(1.0));
        for i in 2..12 {
            assert_eq!(a.observe(Signal::Loss(4.0), t0 + secs(f64::from(i))), Change::None);
        }
        assert!(a.video_shed());
        assert_eq!(a.sheds(), 1);
        assert_eq!(
            a.observe(Signal::Estimate(200_000), t0 + secs(15.0)),
            Change::None,
            "an estimate too low to restore"
        );
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(18.0)), Change::None);
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(19.0)), Change::Restore);
    }

    #[test]
    fn shed_again_soon_after_coming_back_the_hold_doubles_up_to_its_limit() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        let mut now = t0;
        let mut holds = Vec::new();
        for _ in 0..6 {
            a.observe(Signal::Loss(30.0), now);
            now += secs(1.0);
            assert_eq!(a.observe(Signal::Loss(30.0), now), Change::Shed);
            let shed_at = now;
            loop {
                now += secs(1.0);
                if a.observe(Signal::Loss(0.0), now) == Change::Restore {
                    break;
                }
            }
            holds.push((now - shed_at).as_secs());
            now += secs(1.0);
        }
        assert_eq!(holds, vec![4, 8, 16, 32, 60, 60]);
        assert_eq!(a.sheds(), 6);
    }

    #[test]
    fn a_link_that_stays_good_after_coming_back_starts_again_from_the_first_hold() {
        let t0 = Instant::now();
        let mut a = AudioFirst::new(t0);
        a.observe(Signal::Loss(30.0), t0);
        a.observe(Signal::Loss(30.0), t0 + secs(1.0));
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(5.0)), Change::Restore);
        // Shed again soon: hold 8 s.
        a.observe(Signal::Loss(30.0), t0 + secs(6.0));
        assert_eq!(a.observe(Signal::Loss(30.0), t0 + secs(7.0)), Change::Shed);
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(15.0)), Change::Restore);
        // Good for a minute, then shed: the hold is back to 4 s.
        a.observe(Signal::Loss(30.0), t0 + secs(75.0));
        assert_eq!(a.observe(Signal::Loss(30.0), t0 + secs(76.0)), Change::Shed);
        assert_eq!(a.observe(Signal::Loss(0.0), t0 + secs(80.0)), Change::Restore);
    }
}
