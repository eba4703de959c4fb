//! A receiver's RTP sequence numbers, renumbered where we skipped packets.
//!
//! The forwarder passes the sender's sequence numbers on; a packet it
//! chose not to send one receiver (a break, video shed by `audio_first`, a
//! packet too late to be worth sending) would otherwise be a gap that the
//! receiver's reports count as loss on its link, and loss is what sheds
//! video. Gaps the sender's own link made are passed on as they are.

/// A receiver's sequence numbers: the packets we chose not to send it (a
/// break, shed video, a packet too late) leave no gap that its receiver
/// reports would count as loss on its link, and so as a reason to shed.
#[derive(Debug, Default)]
pub struct Renumber {
    last_sent: Option<u16>,
    skipped: bool,
    offset: u16,
}

impl Renumber {
    pub fn skip(&mut self) {
        self.skipped = true;
    }

    /// The number this receiver sees for the sender's `seq`.
    pub fn next(&mut self, seq: u16) -> u16 {
        if std::mem::take(&mut self.skipped) {
            if let Some(last) = self.last_sent {
                let gap = seq.wrapping_sub(last).wrapping_sub(1);
                // A packet from before the last one sent (reordered) is no
                // skip forward.
                if gap < 0x8000 {
                    self.offset = self.offset.wrapping_add(gap);
                }
            }
        }
        self.last_sent = Some(seq);
        seq.wrapping_sub(self.offset)
    }
}

/// A 16-bit sequence number carried on into 64 bits, next to the last one:
/// str0m numbers a stream's packets with their roll-overs counted, and
/// the count is SRTP's roll-over counter, which a receiver assumes starts
/// at 0. So the first is taken as it is, and a packet reordered from
/// before number 0 of the first roll-over is numbered 0.
pub fn extend(last: Option<u64>, seq: u16) -> u64 {
    let Some(last) = last else { return u64::from(seq) };
    // The wire number is the low 16 bits; the distance is signed.
    let distance = seq.wrapping_sub(last as u16) as i16;
    last.saturating_add_signed(i64::from(distance))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_pass_through_until_something_is_skipped() {
        let mut r = Renumber::default();
        assert_eq!((r.next(10), r.next(11), r.next(13)), (10, 11, 13), "the sender's own gap is kept");
    }

    #[test]
    fn a_skipped_run_leaves_no_gap_and_later_numbers_follow_on() {
        let mut r = Renumber::default();
        assert_eq!(r.next(100), 100);
        for _ in 101..=150 {
            r.skip();
        }
        assert_eq!(r.next(151), 101);
        assert_eq!(r.next(152), 102);
        r.skip();
        assert_eq!(r.next(154), 103, "a second skip adds to the first");
    }

    #[test]
    fn it_wraps_like_rtp_and_ignores_a_reordered_packet_after_a_skip() {
        let mut r = Renumber::default();
        assert_eq!(r.next(65_534), 65_534);
        r.skip();
        assert_eq!(r.next(3), 65_535, "65,535 to 2 skipped");
        assert_eq!(r.next(4), 0);
        r.skip();
        assert_eq!(r.next(2), 65_534, "an older packet: no skip forward is counted");
    }

    #[test]
    fn sixteen_bit_numbers_extend_across_roll_overs_and_reordering() {
        let first = extend(None, 65_535);
        assert_eq!(first, 65_535, "the first is in roll-over 0, as SRTP receivers assume");
        let next = extend(Some(first), 0);
        assert_eq!(next, 1 << 16, "the roll-over is counted");
        assert_eq!(extend(Some(next), 65_534), first - 1, "a reordered packet comes before");
        assert_eq!(extend(Some(next), 10), next + 10);
        assert_eq!(extend(Some(3), 65_530), 0, "nothing is numbered below 0");
    }
}
