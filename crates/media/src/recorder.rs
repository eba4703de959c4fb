//! Writes one forwarded track to a file (Opus → Ogg, VP8/VP9 → IVF) on a
//! thread of its own, so disk writes never stall forwarding, and hashes the
//! evidence when it is closed. The file is sealed (`amaan_vault`): encrypted
//! in chunks as it is written under a data key of its own, wrapped by the
//! master key; the hash is of the plaintext, the evidence as recorded.

use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};

use amaan_vault::{MasterKey, SealedReader, SealedWriter};

use sha2::{Digest, Sha256};
use tokio::sync::oneshot;
use webrtc::media::io::h264_writer::H264Writer;
use webrtc::media::io::ivf_reader::IVFFileHeader;
use webrtc::media::io::ivf_writer::IVFWriter;
use webrtc::media::io::ogg_writer::OggWriter;
use webrtc::media::io::Writer;
use webrtc::rtp::packet::Packet;

use super::FinishedRecording;
use amaan_domain::video::VideoRole;

/// Which container a codec goes into, if we record it at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Ogg,
    Ivf {
        vp9: bool,
    },
    /// An H.264 elementary stream (Annex B), as Safari sends H.264 only.
    H264,
}

impl Container {
    pub fn for_mime(mime: &str) -> Option<Container> {
        match mime.to_ascii_lowercase().as_str() {
            "audio/opus" => Some(Container::Ogg),
            "video/vp8" => Some(Container::Ivf { vp9: false }),
            "video/vp9" => Some(Container::Ivf { vp9: true }),
            "video/h264" => Some(Container::H264),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Container::Ogg => "ogg",
            Container::Ivf { .. } => "ivf",
            Container::H264 => "h264",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Container::Ogg => "audio",
            Container::Ivf { .. } | Container::H264 => "video",
        }
    }
}

/// A recording in progress. Dropping it without `finish` still closes the
/// file, but nobody learns its hash.
pub struct Recording {
    tx: Option<mpsc::Sender<Packet>>,
    done: oneshot::Receiver<Result<FinishedRecording, String>>,
}

/// Who and what is recorded, for the file name and the result.
#[derive(Debug, Clone)]
pub struct Subject {
    pub session_id: i64,
    pub participant_id: i64,
    pub role: VideoRole,
    pub track: u64,
}

impl Recording {
    /// Opens a new sealed file (never overwriting one: the evidence is taken
    /// once) and starts its writer thread.
    pub fn start(dir: &Path, key: &MasterKey, subject: Subject, container: Container) -> Result<Recording, String> {
        let dir = dir.join(format!("session-{}", subject.session_id));
        // The child's evidence: directories readable by this user only.
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let (path, sealed) = create_unique(&dir, &subject, container, key)?;
        let sink = Sink(Arc::new(Mutex::new(Some(sealed))));
        let file = sink.clone();
        let key = key.clone();
        let writer: Box<dyn Writer + Send> = match container {
            Container::Ogg => Box::new(OggWriter::new(BufWriter::new(file), 48_000, 2).map_err(|e| e.to_string())?),
            Container::Ivf { vp9 } => {
                let header = IVFFileHeader {
                    signature: *b"DKIF",
                    version: 0,
                    header_size: 32,
                    four_cc: if vp9 { *b"VP90" } else { *b"VP80" },
                    width: 640,
                    height: 480,
                    timebase_denominator: 30,
                    timebase_numerator: 1,
                    num_frames: 0,
                    unused: 0,
                };
                Box::new(IVFWriter::new(BufWriter::new(file), &header).map_err(|e| e.to_string())?)
            }
            Container::H264 => Box::new(H264Writer::new(BufWriter::new(file))),
        };
        let (tx, rx) = mpsc::channel::<Packet>();
        let (done_tx, done) = oneshot::channel();
        let kind = container.kind();
        let started_at = chrono::Utc::now();
        std::thread::Builder::new()
            .name(format!("rec-s{}-t{}", subject.session_id, subject.track))
            .spawn(move || {
                let written = write_all(writer, rx, container);
                let ended_at = chrono::Utc::now();
                let result = written.and_then(|()| sink.finish()).and_then(|()| hash_file(&path, &key)).map(
                    |(sha256, bytes)| FinishedRecording {
                        session_id: subject.session_id,
                        participant_id: subject.participant_id,
                        role: subject.role,
                        kind,
                        path,
                        sha256,
                        bytes,
                        started_at,
                        ended_at,
                    },
                );
                let _ = done_tx.send(result);
            })
            .map_err(|e| format!("starting the recorder: {e}"))?;
        Ok(Recording { tx: Some(tx), done })
    }

    pub fn write(&self, packet: &Packet) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(packet.clone());
        }
    }

    /// Closes the file and returns its hash.
    pub async fn finish(mut self) -> Result<FinishedRecording, String> {
        self.tx.take();
        self.done.await.map_err(|_| "the recorder stopped without a result".to_string())?
    }

    /// `finish` for a synchronous caller (the demo's seeding, which runs
    /// inside a database transaction). It polls rather than using tokio's
    /// `blocking_recv`, which panics when the caller happens to be on a
    /// runtime's thread (a test).
    pub fn finish_blocking(mut self) -> Result<FinishedRecording, String> {
        use tokio::sync::oneshot::error::TryRecvError;
        self.tx.take();
        loop {
            match self.done.try_recv() {
                Ok(result) => return result,
                Err(TryRecvError::Empty) => std::thread::sleep(std::time::Duration::from_millis(5)),
                Err(TryRecvError::Closed) => return Err("the recorder stopped without a result".into()),
            }
        }
    }
}

/// A new sealed file for `subject`. Session ids start again in a new
/// database (a demo made afresh beside an older one's recordings), so a
/// name already taken gets a suffix: the file that is there is evidence,
/// never overwritten, and the new one is still recorded.
fn create_unique(
    dir: &Path,
    subject: &Subject,
    container: Container,
    key: &MasterKey,
) -> Result<(std::path::PathBuf, SealedWriter), String> {
    let stem = format!("p{}-{}-{}-t{}", subject.participant_id, subject.role, container.kind(), subject.track);
    for n in 0..1000u32 {
        let suffix = if n == 0 { String::new() } else { format!("-{n}") };
        let path = dir.join(format!("{stem}{suffix}.{}.sealed", container.extension()));
        match SealedWriter::create(&path, key) {
            Ok(sealed) => return Ok((path, sealed)),
            Err(amaan_vault::VaultError::Io(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("creating {}: {e}", path.display())),
        }
    }
    Err(format!("creating a recording in {}: a thousand files of that name are there already", dir.display()))
}

/// Opus's 20 ms silence frame (TOC 0xF8: CELT, full band, 20 ms, one frame).
const OPUS_SILENCE: [u8; 3] = [0xF8, 0xFF, 0xFE];

/// `seconds` of Opus silence as the RTP packets a browser would send: what
/// the demo's recordings are made of, a real Ogg Opus file that a player
/// opens and seeks in, with no voice in it.
pub fn opus_silence(seconds: u32) -> impl Iterator<Item = Packet> {
    (0..seconds * 50).map(|i| Packet {
        header: webrtc::rtp::header::Header {
            version: 2,
            payload_type: 111,
            sequence_number: (i % 65_536) as u16,
            timestamp: i.wrapping_mul(960),
            ssrc: 0x0a3a_a11,
            marker: i == 0,
            ..Default::default()
        },
        payload: bytes::Bytes::from_static(&OPUS_SILENCE),
    })
}

/// How long the writing thread sleeps between takes of what came, so that
/// it wakes ~50 times a second however many packets come.
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(20);

/// Every packet sent, in order, taken in batches every `BATCH_PAUSE`; ends
/// once the sender is gone and everything it sent is taken. The thread
/// never waits on the channel itself: a waiting receiver turns every send
/// into a futex wake-up on the forwarding thread, which cost that thread
/// more than the packet's forwarding did (a profile of the str0m engine at
/// 20 sessions: ~4 % of the forwarding threads in the wake-ups, ~7 % of the
/// server in the recorders' own switches). A recording with nothing coming
/// (a track not recorded during a break) still wakes 50 times a second,
/// which is cheap.
fn batches(rx: mpsc::Receiver<Packet>) -> impl Iterator<Item = Packet> {
    let mut open = true;
    std::iter::from_fn(move || {
        while open {
            std::thread::sleep(BATCH_PAUSE);
            let mut batch = Vec::new();
            loop {
                match rx.try_recv() {
                    Ok(packet) => batch.push(packet),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => {
                        open = false;
                        break;
                    }
                }
            }
            if !batch.is_empty() {
                return Some(batch);
            }
        }
        None
    })
    .flatten()
}

/// The writers index into payloads and subtract timestamps on the
/// assumption of well-formed input; a client controls that input, so each
/// write is fenced and packets that go back in time are dropped.
fn write_all(
    mut writer: Box<dyn Writer + Send>,
    rx: mpsc::Receiver<Packet>,
    container: Container,
) -> Result<(), String> {
    let mut last_ts: Option<u32> = None;
    let mut failures = 0u64;
    for packet in batches(rx) {
        if container == Container::Ogg {
            if last_ts.is_some_and(|t| packet.header.timestamp < t) {
                continue;
            }
            last_ts = Some(packet.header.timestamp);
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| writer.write_rtp(&packet)));
        if !matches!(outcome, Ok(Ok(()))) {
            failures += 1;
        }
    }
    if failures > 0 {
        tracing::warn!(failures, "recorder skipped malformed packets");
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| writer.close()))
        .map_err(|_| "closing the recording failed".to_string())?
        .map_err(|e| e.to_string())
}

/// The sealed file as the format writers see it: they own it through a
/// boxed `Writer`, so the recorder keeps a second handle to seal the last
/// chunk once they have closed.
#[derive(Clone)]
struct Sink(Arc<Mutex<Option<SealedWriter>>>);

impl Sink {
    fn with<T>(&self, f: impl FnOnce(&mut SealedWriter) -> std::io::Result<T>) -> std::io::Result<T> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(w) => f(w),
            None => Err(std::io::Error::other("the recording is already sealed")),
        }
    }

    fn finish(&self) -> Result<(), String> {
        let writer = self.0.lock().unwrap_or_else(|p| p.into_inner()).take();
        writer.ok_or("the recording was sealed twice")?.finish().map_err(|e| format!("sealing the recording: {e}"))
    }
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.with(|w| w.write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.with(|w| w.flush())
    }
}

impl Seek for Sink {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.with(|w| w.seek(to))
    }
}

/// The SHA-256 and length of the evidence: the plaintext, read back through
/// the seal, so that a court can check any copy it is given against it.
fn hash_file(path: &Path, key: &MasterKey) -> Result<(String, u64), String> {
    let mut file = SealedReader::open(path, key).map_err(|e| format!("reading {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok((hex::encode(hasher.finalize()), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use webrtc::rtp::header::Header;

    /// One key for the whole test binary: each test reads what it wrote.
    fn key() -> MasterKey {
        static KEY: std::sync::OnceLock<MasterKey> = std::sync::OnceLock::new();
        KEY.get_or_init(MasterKey::generate).clone()
    }

    fn plaintext(path: &Path) -> Vec<u8> {
        let raw = std::fs::read(path).unwrap_or_default();
        assert!(raw.starts_with(amaan_vault::MAGIC), "the file on disk is sealed");
        let mut out = Vec::new();
        SealedReader::open(path, &key())
            .and_then(|mut r| Ok(r.read_to_end(&mut out)?))
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    fn opus(seq: u16, ts: u32) -> Packet {
        Packet {
            header: Header {
                version: 2,
                payload_type: 111,
                sequence_number: seq,
                timestamp: ts,
                ssrc: 1,
                ..Header::default()
            },
            payload: vec![0xfc, 1, 2, 3].into(),
        }
    }

    #[tokio::test]
    async fn a_recording_is_written_once_and_hashed() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let subject = Subject { session_id: 1, participant_id: 2, role: VideoRole::ChildWitness, track: 3 };
        let rec =
            Recording::start(dir.path(), &key(), subject.clone(), Container::Ogg).unwrap_or_else(|e| panic!("{e}"));
        for i in 0..50u16 {
            rec.write(&opus(i, 960 * u32::from(i) + 1));
        }
        // A packet from the past (a hostile client) is dropped, not a panic.
        rec.write(&opus(51, 0));
        let done = rec.finish().await.unwrap_or_else(|e| panic!("{e}"));
        let bytes = plaintext(&done.path);
        assert!(bytes.starts_with(b"OggS"));
        assert_eq!(done.bytes, bytes.len() as u64);
        assert_eq!(done.sha256, hex::encode(Sha256::digest(&bytes)));
        // The same track again (session ids start afresh in a new database)
        // goes to a file of its own; the evidence already there is untouched.
        let again = Recording::start(dir.path(), &key(), subject, Container::Ogg).unwrap_or_else(|e| panic!("{e}"));
        let second = again.finish_blocking().unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(second.path, done.path);
        assert_eq!(hex::encode(Sha256::digest(plaintext(&done.path))), done.sha256, "the first file is as it was");
    }

    #[test]
    fn batches_take_every_packet_in_order_across_quiet_spells_until_the_sender_is_gone() {
        let (tx, rx) = mpsc::channel();
        let sender = std::thread::spawn(move || {
            for i in 0..10u16 {
                let _ = tx.send(opus(i, u32::from(i)));
            }
            // Longer than a pause: the thread finds nothing at least once
            // and must keep waiting, not end the recording.
            std::thread::sleep(BATCH_PAUSE * 3);
            for i in 10..20u16 {
                let _ = tx.send(opus(i, u32::from(i)));
            }
        });
        let taken: Vec<u16> = batches(rx).map(|p| p.header.sequence_number).collect();
        let _ = sender.join();
        assert_eq!(taken, (0..20).collect::<Vec<_>>());
    }

    #[test]
    fn silence_makes_a_seekable_ogg_opus_file_of_its_length() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let subject = Subject { session_id: 9, participant_id: 1, role: VideoRole::Judge, track: 1 };
        let rec = Recording::start(dir.path(), &key(), subject, Container::Ogg).unwrap_or_else(|e| panic!("{e}"));
        for p in opus_silence(3) {
            rec.write(&p);
        }
        let done = rec.finish_blocking().unwrap_or_else(|e| panic!("{e}"));
        let bytes = plaintext(&done.path);
        assert!(bytes.starts_with(b"OggS") && bytes.windows(8).any(|w| w == b"OpusHead"), "an Ogg Opus file");
        // The last page's granule position is the length in 48 kHz samples.
        let last = bytes.windows(4).rposition(|w| w == b"OggS").unwrap_or(0);
        let granule = u64::from_le_bytes(bytes[last + 6..last + 14].try_into().unwrap_or([0; 8]));
        assert!((3 * 48_000 - 960..=3 * 48_000).contains(&granule), "three seconds of samples: {granule}");
    }

    #[tokio::test]
    async fn h264_is_recorded_as_an_annex_b_stream() {
        assert_eq!(Container::for_mime("video/H264"), Some(Container::H264));
        let dir = tempfile::tempdir().map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let subject = Subject { session_id: 1, participant_id: 2, role: VideoRole::ChildWitness, track: 5 };
        let rec = Recording::start(dir.path(), &key(), subject, Container::H264).unwrap_or_else(|e| panic!("{e}"));
        let mut p = opus(1, 1);
        p.header.payload_type = 102;
        // A single-NAL packet: an SPS (type 7), then an IDR slice (type 5).
        p.payload = vec![0x67, 0x42, 0x00, 0x1f].into();
        rec.write(&p);
        p.header.sequence_number = 2;
        p.payload = vec![0x65, 0x88, 0x84, 0x00].into();
        p.header.marker = true;
        rec.write(&p);
        let done = rec.finish().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(done.path.to_string_lossy().ends_with(".h264.sealed"));
        let bytes = plaintext(&done.path);
        assert!(bytes.starts_with(&[0, 0, 0, 1, 0x67]), "an Annex B start code, then the SPS: {bytes:02x?}");
        assert!(bytes.windows(5).any(|w| w == [0, 0, 0, 1, 0x65]), "the key frame follows");
    }

    #[tokio::test]
    async fn garbage_video_does_not_stop_the_recorder() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string()).unwrap_or_else(|e| panic!("{e}"));
        let subject = Subject { session_id: 1, participant_id: 2, role: VideoRole::ChildWitness, track: 4 };
        let rec = Recording::start(dir.path(), &key(), subject, Container::Ivf { vp9: false })
            .unwrap_or_else(|e| panic!("{e}"));
        let mut p = opus(1, 1);
        p.payload = vec![0x90].into();
        rec.write(&p);
        p.payload = vec![0x10, 0x00, 0x9d, 0x01, 0x2a].into();
        p.header.marker = true;
        rec.write(&p);
        let done = rec.finish().await.unwrap_or_else(|e| panic!("{e}"));
        let bytes = plaintext(&done.path);
        assert!(bytes.starts_with(b"DKIF"));
        assert!(bytes.len() > 32, "the key frame was written");
    }
}
