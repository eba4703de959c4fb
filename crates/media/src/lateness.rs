//! Which forwarded packets are too late to be worth sending.
//!
//! webrtc-rs 0.14 queues up to 1 MB per incoming stream (`SRTP_BUFFER_SIZE`)
//! before it drops anything: about 8 s of 1 Mbit/s video. When the cores
//! are saturated, the forwarder falls behind and everyone then sees and
//! hears the testimony seconds late, for as long as the backlog lasts. For a
//! live link, a packet far behind its own stream's pace is better dropped,
//! so the backlog drains at the speed of a read and the picture comes back
//! to the present. (Recordings still get every packet.)
//!
//! A stream's pace is its RTP clock: a packet with timestamp `ts` should
//! arrive `(ts - base_ts) / clock_rate` after the base packet. The base is
//! the packet that arrived earliest relative to that pace; lateness is how
//! far behind it a packet arrives.

use std::time::{Duration, Instant};

/// Packets later than this are not forwarded.
pub const TOO_LATE: Duration = Duration::from_millis(300);

/// A run of late packets this long is not a backlog but a sender whose
/// clock runs slow (or a pause it stamped oddly): the pace is re-based.
const REBASE_AFTER: Duration = Duration::from_secs(2);

/// Later than any backlog the buffers can hold at a live bit rate: the
/// sender's timestamps jumped (a restart), so the pace starts again.
const DISCONTINUITY: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub struct Lateness {
    clock_rate: f64,
    base: Option<(u32, Instant)>,
    late_since: Option<Instant>,
}

/// What to do with one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Forward,
    /// Too late; do not forward.
    Drop,
    /// The first packet forwarded after a run of drops: a video receiver
    /// needs a key frame to recover its picture.
    Recovered,
}

impl Lateness {
    pub fn new(clock_rate: u32) -> Lateness {
        Lateness { clock_rate: f64::from(clock_rate.max(1)), base: None, late_since: None }
    }

    pub fn judge(&mut self, ts: u32, now: Instant) -> Verdict {
        let Some((base_ts, base_at)) = self.base else {
            self.base = Some((ts, now));
            return Verdict::Forward;
        };
        // Wrapping difference: RTP timestamps wrap at 2^32 and may step back.
        let due_after = f64::from(ts.wrapping_sub(base_ts) as i32) / self.clock_rate;
        let arrived_after = now.saturating_duration_since(base_at).as_secs_f64();
        let late = arrived_after - due_after;
        if late <= 0.0 || late > DISCONTINUITY.as_secs_f64() {
            // Earlier than the pace so far, or a jump in the timestamps:
            // this packet is the new base.
            self.base = Some((ts, now));
            if late > 0.0 {
                self.late_since = None;
                return Verdict::Forward;
            }
        }
        if late <= TOO_LATE.as_secs_f64() {
            return match self.late_since.take() {
                Some(_) => Verdict::Recovered,
                None => Verdict::Forward,
            };
        }
        let since = *self.late_since.get_or_insert(now);
        if now.saturating_duration_since(since) >= REBASE_AFTER {
            self.base = Some((ts, now));
            self.late_since = None;
            return Verdict::Recovered;
        }
        Verdict::Drop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIDEO: u32 = 90_000;

    fn at(start: Instant, ms: u64) -> Instant {
        start + Duration::from_millis(ms)
    }

    #[test]
    fn packets_on_pace_are_forwarded() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        for frame in 0..100u64 {
            // 30 frames a second, with up to 40 ms of jitter.
            let jitter = (frame * 7) % 40;
            assert_eq!(l.judge((frame * 3000) as u32, at(t0, frame * 33 + jitter)), Verdict::Forward);
        }
    }

    #[test]
    fn a_backlog_is_dropped_until_the_stream_is_current_again_then_a_key_frame_is_due() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        assert_eq!(l.judge(0, t0), Verdict::Forward);
        // The forwarder stalls for 2 s; the queued packets then come at once.
        let mut verdicts = Vec::new();
        for frame in 1..=60u64 {
            verdicts.push(l.judge((frame * 3000) as u32, at(t0, 2000 + frame / 10)));
        }
        // 2 s late at first: dropped while more than 300 ms behind (frame
        // f is due at f/30 s and comes at ~2 s, so up to frame 51).
        assert!(verdicts[..51].iter().all(|v| *v == Verdict::Drop), "{verdicts:?}");
        // The first packet within 300 ms is forwarded and asks for a key frame.
        assert_eq!(verdicts[51], Verdict::Recovered, "{verdicts:?}");
        assert!(verdicts[52..].iter().all(|v| *v == Verdict::Forward), "{verdicts:?}");
        assert_eq!(l.judge(61 * 3000, at(t0, 2040)), Verdict::Forward);
    }

    #[test]
    fn a_sender_whose_clock_runs_slow_is_rebased_not_silenced() {
        let t0 = Instant::now();
        let mut l = Lateness::new(48_000);
        assert_eq!(l.judge(0, t0), Verdict::Forward);
        // Timestamps say 20 ms a packet, but packets come every 20.2 ms (a
        // clock 1 % slow, far worse than real ones): the stream falls behind
        // its own pace by 0.2 ms a packet, past 300 ms after 30 s.
        let mut dropped = 0;
        let mut recovered = false;
        for n in 1..=3000u64 {
            match l.judge((n * 960) as u32, t0 + Duration::from_micros(n * 20_200)) {
                Verdict::Drop => dropped += 1,
                Verdict::Recovered => recovered = true,
                Verdict::Forward => {}
            }
        }
        assert!(recovered, "after 2 s of drops the pace is re-based");
        assert!(dropped > 0 && dropped < 150, "5 % at most are lost to it: {dropped} of 3,000 dropped");
    }

    #[test]
    fn timestamps_that_wrap_or_step_back_do_not_stall_the_stream() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        let start = u32::MAX - 4500;
        for frame in 0..10u32 {
            let ts = start.wrapping_add(frame * 3000);
            assert_eq!(l.judge(ts, at(t0, u64::from(frame) * 33)), Verdict::Forward, "frame {frame}");
        }
        // A sender restarts its timestamps, forwards or back: the pace starts again.
        let back = start.wrapping_sub(1_000_000_000);
        assert_eq!(l.judge(back, at(t0, 400)), Verdict::Forward);
        assert_eq!(l.judge(back.wrapping_add(3000), at(t0, 433)), Verdict::Forward);
        let ahead = back.wrapping_add(2_000_000_000);
        assert_eq!(l.judge(ahead, at(t0, 466)), Verdict::Forward);
        assert_eq!(l.judge(ahead.wrapping_add(3000), at(t0, 499)), Verdict::Forward);
    }
}
