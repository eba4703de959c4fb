//! Which forwarded packets are too late to be worth sending.
//!
//! webrtc-rs 0.14 queues up to 1 MB per incoming stream (`SRTP_BUFFER_SIZE`)
//! before it drops anything: about 8 s of 1 Mbit/s video. When the cores
//! are saturated, the forwarder falls behind and everyone then sees and
//! hears the testimony seconds late, for as long as the backlog lasts. For a
//! live link, a packet that waited too long in that queue is better
//! dropped, so the backlog drains at the speed of a read and the picture
//! comes back to the present. (Recordings still get every packet.)
//!
//! Only the time a packet spent queued here counts. A read that had to
//! wait for its packet found the queue empty, so that packet is current:
//! it is the base. While the reads that follow find packets already
//! queued, a packet with timestamp `ts` is due `(ts - base_ts) / clock_rate`
//! after the base, and how far behind that it is read is how long the
//! queue has kept it. Lateness from before the queue (a sender that fell
//! behind, a slow network path, a sender's clock that runs slow) is not
//! ours to judge: it is forwarded, as any SFU forwards it, and the
//! receiver's jitter buffer deals with it.
//!
//! An earlier guard judged every packet against its stream's pace since
//! the stream began, and after 2 s of drops accepted the lag as the new
//! pace and forwarded the backlog at once. Under load that fell into a
//! cycle (a burst, a fall behind, drops), and it dropped packets that the
//! sender, not this server, had sent late.

use std::time::{Duration, Instant};

/// Packets that waited longer than this in the queue are not forwarded.
pub const TOO_LATE: Duration = Duration::from_millis(300);

/// Later than any backlog the buffers can hold at a live bit rate: the
/// sender's timestamps jumped (a restart), so the pace starts again.
const DISCONTINUITY: Duration = Duration::from_secs(30);

/// How a packet was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// The read waited for the packet: nothing was queued behind it.
    Waited,
    /// The packet was already queued when the read asked for it.
    Queued,
}

#[derive(Debug)]
pub struct Lateness {
    clock_rate: f64,
    base: Option<(u32, Instant)>,
    dropping: bool,
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
        Lateness { clock_rate: f64::from(clock_rate.max(1)), base: None, dropping: false }
    }

    pub fn judge(&mut self, ts: u32, now: Instant, read: Read) -> Verdict {
        let late = match (read, self.base) {
            (Read::Queued, Some((base_ts, base_at))) => {
                // Wrapping difference: RTP timestamps wrap at 2^32 and may step back.
                let due_after = f64::from(ts.wrapping_sub(base_ts) as i32) / self.clock_rate;
                now.saturating_duration_since(base_at).as_secs_f64() - due_after
            }
            _ => 0.0,
        };
        if late <= 0.0 || late > DISCONTINUITY.as_secs_f64() {
            // Current, earlier than the pace so far, or a jump in the
            // timestamps: this packet is the new base.
            self.base = Some((ts, now));
        } else if late > TOO_LATE.as_secs_f64() {
            self.dropping = true;
            return Verdict::Drop;
        }
        if std::mem::take(&mut self.dropping) {
            Verdict::Recovered
        } else {
            Verdict::Forward
        }
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
    fn packets_read_as_they_come_are_forwarded_however_late_their_sender_was() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        for frame in 0..100u64 {
            // 30 frames a second, with up to 40 ms of jitter, and from frame
            // 50 on the sender is a full second behind its own timestamps.
            let behind = if frame >= 50 { 1000 } else { 0 };
            let jitter = (frame * 7) % 40;
            // The reads find the queue empty now and then, and always
            // after the sender's silence at frame 50.
            let read = if frame % 3 == 0 || frame == 50 { Read::Waited } else { Read::Queued };
            assert_eq!(l.judge((frame * 3000) as u32, at(t0, frame * 33 + jitter + behind), read), Verdict::Forward);
        }
    }

    #[test]
    fn a_backlog_is_dropped_until_the_stream_is_current_again_then_a_key_frame_is_due() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        assert_eq!(l.judge(0, t0, Read::Waited), Verdict::Forward);
        // The forwarder stalls for 2 s; the queued packets then come at once.
        let mut verdicts = Vec::new();
        for frame in 1..=60u64 {
            verdicts.push(l.judge((frame * 3000) as u32, at(t0, 2000 + frame / 10), Read::Queued));
        }
        // 2 s late at first: dropped while more than 300 ms behind (frame
        // f is due at f/30 s and comes at ~2 s, so up to frame 51).
        assert!(verdicts[..51].iter().all(|v| *v == Verdict::Drop), "{verdicts:?}");
        // The first packet within 300 ms is forwarded and asks for a key frame.
        assert_eq!(verdicts[51], Verdict::Recovered, "{verdicts:?}");
        assert!(verdicts[52..].iter().all(|v| *v == Verdict::Forward), "{verdicts:?}");
        assert_eq!(l.judge(61 * 3000, at(t0, 2040), Read::Waited), Verdict::Forward);
    }

    #[test]
    fn once_the_queue_is_empty_the_next_packet_is_current_and_asks_for_a_key_frame() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        assert_eq!(l.judge(0, t0, Read::Waited), Verdict::Forward);
        // The backlog is dropped to its end, all of it over 300 ms old.
        for frame in 1..=10u64 {
            assert_eq!(l.judge((frame * 3000) as u32, at(t0, 1000), Read::Queued), Verdict::Drop);
        }
        // The queue ran dry: what comes next is current, whatever its timestamp says.
        assert_eq!(l.judge(11 * 3000, at(t0, 1500), Read::Waited), Verdict::Recovered);
        assert_eq!(l.judge(12 * 3000, at(t0, 1533), Read::Queued), Verdict::Forward);
    }

    #[test]
    fn a_sender_whose_clock_runs_slow_is_never_silenced() {
        let t0 = Instant::now();
        let mut l = Lateness::new(48_000);
        // Timestamps say 20 ms a packet, but packets come every 20.2 ms (a
        // clock 1 % slow, far worse than real ones), read as they come.
        for n in 0..3000u64 {
            let verdict = l.judge((n * 960) as u32, t0 + Duration::from_micros(n * 20_200), Read::Waited);
            assert_eq!(verdict, Verdict::Forward, "packet {n}");
        }
    }

    #[test]
    fn timestamps_that_wrap_or_step_back_do_not_stall_the_stream() {
        let t0 = Instant::now();
        let mut l = Lateness::new(VIDEO);
        let start = u32::MAX - 4500;
        for frame in 0..10u32 {
            let ts = start.wrapping_add(frame * 3000);
            assert_eq!(l.judge(ts, at(t0, u64::from(frame) * 33), Read::Queued), Verdict::Forward, "frame {frame}");
        }
        // A sender restarts its timestamps, forwards or back, while packets
        // are queued: the pace starts again.
        let back = start.wrapping_sub(1_000_000_000);
        assert_eq!(l.judge(back, at(t0, 400), Read::Queued), Verdict::Forward);
        assert_eq!(l.judge(back.wrapping_add(3000), at(t0, 433), Read::Queued), Verdict::Forward);
        let ahead = back.wrapping_add(2_000_000_000);
        assert_eq!(l.judge(ahead, at(t0, 466), Read::Queued), Verdict::Forward);
        assert_eq!(l.judge(ahead.wrapping_add(3000), at(t0, 499), Read::Queued), Verdict::Forward);
    }
}
