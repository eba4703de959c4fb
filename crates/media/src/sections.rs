//! The media sections of an SDP, in order: what an answer must repeat of
//! the offer it answers (RFC 3264 §6: one m-line per offered m-line, in the
//! same order, of the same kind and mid).

/// One `m=` section: its media kind and its `a=mid`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub kind: String,
    pub mid: String,
}

pub fn sections(sdp: &str) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    for line in sdp.lines().map(str::trim) {
        if let Some(m) = line.strip_prefix("m=") {
            out.push(Section { kind: m.split(' ').next().unwrap_or_default().to_string(), mid: String::new() });
        } else if let (Some(mid), Some(last)) = (line.strip_prefix("a=mid:"), out.last_mut()) {
            last.mid = mid.to_string();
        }
    }
    out
}

/// Why `answer` does not answer `offer`, if it does not.
pub fn mismatch(offer: &[Section], answer: &str) -> Option<String> {
    let got = sections(answer);
    if got.len() != offer.len() {
        return Some(format!("the offer has {} media sections and the answer {}", offer.len(), got.len()));
    }
    offer.iter().zip(&got).enumerate().find(|(_, (o, a))| o != a).map(|(i, (o, a))| {
        format!("media section {i} was offered as {} mid {} and answered as {} mid {}", o.kind, o.mid, a.kind, a.mid)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str =
        "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:1\r\n";

    #[test]
    fn an_answer_with_the_offers_sections_matches() {
        assert_eq!(mismatch(&sections(OFFER), OFFER), None);
        assert_eq!(sections(OFFER)[1], Section { kind: "video".into(), mid: "1".into() });
    }

    #[test]
    fn an_answer_to_another_offer_is_told_apart() {
        let fewer = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n";
        assert!(mismatch(&sections(OFFER), fewer).is_some());
        let swapped = "v=0\r\nm=video 9 X 96\r\na=mid:0\r\nm=audio 9 X 111\r\na=mid:1\r\n";
        assert!(mismatch(&sections(OFFER), swapped).is_some());
        let renamed = "v=0\r\nm=audio 9 X 111\r\na=mid:0\r\nm=video 9 X 96\r\na=mid:7\r\n";
        assert!(mismatch(&sections(OFFER), renamed).is_some());
    }
}
