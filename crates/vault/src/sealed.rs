//! A file encrypted in chunks (the STREAM construction over
//! XChaCha20-Poly1305, `aead::stream::StreamBE32`): each chunk's nonce is
//! the file's random prefix, the chunk's index and a flag on the last
//! chunk, so chunks cannot be reordered, dropped from the end or moved
//! between files, and any one chunk can be decrypted alone (a player seeks).
//!
//! Layout: `MAGIC`, chunk size (u32 BE), nonce prefix (19 bytes), two key
//! slots (key id 16 bytes + the file's data key wrapped, 72 bytes), then the
//! chunks, each `chunk size + 16` bytes but the last. Two slots let a
//! rotation add the new master key's wrapping beside the old one and only
//! then retire the old: an interrupted rotation leaves a readable file.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use chacha20poly1305::aead::stream::{NewStream, StreamBE32, StreamPrimitive};
use chacha20poly1305::aead::KeyInit;
use chacha20poly1305::XChaCha20Poly1305;
use rand::RngCore;

use crate::{DataKey, KeyId, MasterKey, VaultError, WRAPPED_LEN};

pub const MAGIC: &[u8; 8] = b"AMNSEAL1";
/// Plaintext bytes per chunk: what a reader decrypts to serve any byte.
pub const CHUNK_SIZE: usize = 64 * 1024;
const PREFIX_LEN: usize = 19;
const TAG_LEN: usize = 16;
const FIXED_LEN: usize = 8 + 4 + PREFIX_LEN;
const SLOT_LEN: usize = 16 + WRAPPED_LEN;
pub const HEADER_LEN: usize = FIXED_LEN + 2 * SLOT_LEN;
const PURPOSE: &str = "sealed file";

type Stream = StreamBE32<XChaCha20Poly1305>;

fn stream(key: &DataKey, prefix: &[u8; PREFIX_LEN]) -> Stream {
    Stream::from_aead(XChaCha20Poly1305::new(key.expose().into()), prefix.into())
}

fn slot_offset(slot: usize) -> u64 {
    (FIXED_LEN + slot * SLOT_LEN) as u64
}

fn chunk_offset(index: u64, chunk_size: usize) -> u64 {
    HEADER_LEN as u64 + index * (chunk_size + TAG_LEN) as u64
}

fn position(index: u64) -> Result<u32, VaultError> {
    u32::try_from(index).map_err(|_| VaultError::Malformed("a sealed file of more than 2^32 chunks".into()))
}

/// Writes a sealed file. Formats that seek back into what they wrote
/// (IVF rewrites its frame count at offset 24) may do so within the first
/// chunk, which is held in memory until `finish`; everything after it is
/// sealed as soon as a chunk fills, so memory stays at two chunks.
pub struct SealedWriter {
    file: File,
    stream: Stream,
    aad: [u8; FIXED_LEN],
    first: Vec<u8>,
    current: Vec<u8>,
    /// The index `current` will be sealed at (chunk 0 is `first`).
    current_index: u64,
    len: u64,
    pos: u64,
}

impl SealedWriter {
    /// Creates `path` (never over an existing file) with a fresh data key
    /// wrapped by `master`.
    pub fn create(path: &Path, master: &MasterKey) -> Result<SealedWriter, VaultError> {
        let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
        let key = DataKey::generate();
        let mut prefix = [0u8; PREFIX_LEN];
        rand::rngs::OsRng.fill_bytes(&mut prefix);
        let mut header = Vec::with_capacity(HEADER_LEN);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&(CHUNK_SIZE as u32).to_be_bytes());
        header.extend_from_slice(&prefix);
        header.extend_from_slice(&master.id().0);
        header.extend_from_slice(&master.wrap(&key, PURPOSE));
        header.resize(HEADER_LEN, 0);
        file.write_all(&header)?;
        let mut aad = [0u8; FIXED_LEN];
        aad.copy_from_slice(&header[..FIXED_LEN]);
        Ok(SealedWriter {
            file,
            stream: stream(&key, &prefix),
            aad,
            first: Vec::with_capacity(CHUNK_SIZE),
            current: Vec::with_capacity(CHUNK_SIZE),
            current_index: 1,
            len: 0,
            pos: 0,
        })
    }

    fn seal(&mut self, index: u64, last: bool, plain: Vec<u8>) -> Result<(), VaultError> {
        let mut buf = plain;
        self.stream
            .encrypt_in_place(position(index)?, last, &self.aad, &mut buf)
            .map_err(|_| VaultError::Malformed("sealing a chunk failed".into()))?;
        self.file.seek(SeekFrom::Start(chunk_offset(index, CHUNK_SIZE)))?;
        self.file.write_all(&buf)?;
        Ok(())
    }

    fn append(&mut self, mut data: &[u8]) -> Result<(), VaultError> {
        while !data.is_empty() {
            if self.first.len() < CHUNK_SIZE {
                let n = data.len().min(CHUNK_SIZE - self.first.len());
                self.first.extend_from_slice(&data[..n]);
                data = &data[n..];
                continue;
            }
            if self.current.len() == CHUNK_SIZE {
                // More follows, so the full chunk is not the last.
                let full = std::mem::replace(&mut self.current, Vec::with_capacity(CHUNK_SIZE));
                self.seal(self.current_index, false, full)?;
                self.current_index += 1;
            }
            let n = data.len().min(CHUNK_SIZE - self.current.len());
            self.current.extend_from_slice(&data[..n]);
            data = &data[n..];
        }
        Ok(())
    }

    /// Seals what is left, the last chunk flagged as last, and syncs.
    pub fn finish(mut self) -> Result<(), VaultError> {
        let first = std::mem::take(&mut self.first);
        if self.len <= CHUNK_SIZE as u64 {
            self.seal(0, true, first)?;
        } else {
            self.seal(0, false, first)?;
            let current = std::mem::take(&mut self.current);
            self.seal(self.current_index, true, current)?;
        }
        self.file.sync_all()?;
        Ok(())
    }
}

fn io(e: VaultError) -> std::io::Error {
    match e {
        VaultError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

impl Write for SealedWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.pos == self.len {
            self.append(buf).map_err(io)?;
            self.len += buf.len() as u64;
            self.pos = self.len;
            return Ok(buf.len());
        }
        let start = self.pos as usize;
        if start + buf.len() <= self.first.len() {
            self.first[start..start + buf.len()].copy_from_slice(buf);
            self.pos += buf.len() as u64;
            return Ok(buf.len());
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "a sealed file is rewritten only within its first chunk",
        ))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for SealedWriter {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match target {
            Some(n) if n <= self.len => {
                self.pos = n;
                Ok(n)
            }
            _ => Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek outside a sealed file")),
        }
    }
}

struct Header {
    chunk_size: usize,
    prefix: [u8; PREFIX_LEN],
    aad: [u8; FIXED_LEN],
    slots: [(KeyId, Vec<u8>); 2],
}

fn read_header(file: &mut File) -> Result<Header, VaultError> {
    let mut bytes = [0u8; HEADER_LEN];
    file.seek(SeekFrom::Start(0))?;
    file.read_exact(&mut bytes).map_err(|_| VaultError::Malformed("not a sealed file (too short)".into()))?;
    if &bytes[..8] != MAGIC {
        return Err(VaultError::Malformed("not a sealed file".into()));
    }
    let chunk_size = u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
    if chunk_size == 0 || chunk_size > 16 * 1024 * 1024 {
        return Err(VaultError::Malformed(format!("a sealed file's chunk size of {chunk_size}")));
    }
    let mut prefix = [0u8; PREFIX_LEN];
    prefix.copy_from_slice(&bytes[12..FIXED_LEN]);
    let mut aad = [0u8; FIXED_LEN];
    aad.copy_from_slice(&bytes[..FIXED_LEN]);
    let slot = |i: usize| {
        let at = FIXED_LEN + i * SLOT_LEN;
        let mut id = [0u8; 16];
        id.copy_from_slice(&bytes[at..at + 16]);
        (KeyId(id), bytes[at + 16..at + SLOT_LEN].to_vec())
    };
    Ok(Header { chunk_size, prefix, aad, slots: [slot(0), slot(1)] })
}

fn data_key(header: &Header, master: &MasterKey) -> Result<DataKey, VaultError> {
    let id = master.id();
    let (_, wrapped) = header.slots.iter().find(|(slot_id, _)| *slot_id == id).ok_or_else(|| {
        VaultError::Refused(format!(
            "this file's key is not wrapped by master key {id}; was a rotation left unfinished?"
        ))
    })?;
    master.unwrap(wrapped, PURPOSE)
}

/// Reads a sealed file, sequentially (`Read`) or chunk by chunk at any
/// index; every chunk is authenticated before a byte of it is returned.
pub struct SealedReader {
    file: File,
    stream: Stream,
    aad: [u8; FIXED_LEN],
    chunk_size: usize,
    chunks: u64,
    len: u64,
    /// For `Read`: the chunk last decrypted, the offset in it, the next index.
    buffered: Vec<u8>,
    cursor_at: usize,
    next_chunk: u64,
}

impl SealedReader {
    pub fn open(path: &Path, master: &MasterKey) -> Result<SealedReader, VaultError> {
        let mut file = File::open(path)?;
        let header = read_header(&mut file)?;
        let key = data_key(&header, master)?;
        let total = file.metadata()?.len();
        let body = total.saturating_sub(HEADER_LEN as u64);
        let sealed_chunk = (header.chunk_size + TAG_LEN) as u64;
        let chunks = body.div_ceil(sealed_chunk);
        let last = body - chunks.saturating_sub(1) * sealed_chunk;
        if chunks == 0 || last < TAG_LEN as u64 {
            return Err(VaultError::Refused("the sealed file was cut short".into()));
        }
        Ok(SealedReader {
            file,
            stream: stream(&key, &header.prefix),
            aad: header.aad,
            chunk_size: header.chunk_size,
            chunks,
            len: body - chunks * TAG_LEN as u64,
            buffered: Vec::new(),
            cursor_at: 0,
            next_chunk: 0,
        })
    }

    /// The plaintext's length.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn chunk_size(&self) -> u64 {
        self.chunk_size as u64
    }

    /// Decrypts chunk `index`: the plaintext bytes from `index * chunk_size`.
    pub fn chunk(&mut self, index: u64) -> Result<Vec<u8>, VaultError> {
        if index >= self.chunks {
            return Err(VaultError::Malformed(format!("chunk {index} is past the end")));
        }
        let last = index + 1 == self.chunks;
        let sealed = if last {
            (self.len - index * self.chunk_size as u64) as usize + TAG_LEN
        } else {
            self.chunk_size + TAG_LEN
        };
        let mut buf = vec![0u8; sealed];
        self.file.seek(SeekFrom::Start(chunk_offset(index, self.chunk_size)))?;
        self.file.read_exact(&mut buf)?;
        self.stream.decrypt_in_place(position(index)?, last, &self.aad, &mut buf).map_err(|_| {
            VaultError::Refused(format!("chunk {index} of the sealed file does not authenticate (altered or cut)"))
        })?;
        Ok(buf)
    }

    /// The plaintext bytes `start..end`, one chunk at a time, to `each`.
    pub fn range(
        &mut self,
        start: u64,
        end: u64,
        mut each: impl FnMut(&[u8]) -> Result<(), VaultError>,
    ) -> Result<(), VaultError> {
        let end = end.min(self.len);
        let size = self.chunk_size as u64;
        let mut at = start;
        while at < end {
            let index = at / size;
            let chunk = self.chunk(index)?;
            let from = (at - index * size) as usize;
            let to = ((end - index * size) as usize).min(chunk.len());
            each(&chunk[from..to])?;
            at = index * size + to as u64;
        }
        Ok(())
    }
}

impl Read for SealedReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.cursor_at >= self.buffered.len() {
            if self.next_chunk >= self.chunks {
                return Ok(0);
            }
            self.buffered = self.chunk(self.next_chunk).map_err(io)?;
            self.next_chunk += 1;
            self.cursor_at = 0;
        }
        let n = out.len().min(self.buffered.len() - self.cursor_at);
        out[..n].copy_from_slice(&self.buffered[self.cursor_at..self.cursor_at + n]);
        self.cursor_at += n;
        Ok(n)
    }
}

/// Wraps the file's data key under `new` beside its wrapping under `old`
/// (in the other slot) and syncs. Ok(false) when `new` already wraps it:
/// a rotation run again skips what it did.
pub fn rewrap_file(path: &Path, old: &MasterKey, new: &MasterKey) -> Result<bool, VaultError> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let header = read_header(&mut file)?;
    if header.slots.iter().any(|(id, _)| *id == new.id()) {
        return Ok(false);
    }
    let key = data_key(&header, old)?;
    let free = if header.slots[0].0 == old.id() { 1 } else { 0 };
    let mut slot = Vec::with_capacity(SLOT_LEN);
    slot.extend_from_slice(&new.id().0);
    slot.extend_from_slice(&new.wrap(&key, PURPOSE));
    file.seek(SeekFrom::Start(slot_offset(free)))?;
    file.write_all(&slot)?;
    file.sync_all()?;
    Ok(true)
}

/// Clears every key slot but `keep`'s, once `keep` is known to open the
/// file, so a retired master key no longer opens it. Ok(true) if it cleared one.
pub fn drop_slots_except(path: &Path, keep: &MasterKey) -> Result<bool, VaultError> {
    let mut file = OpenOptions::new().read(true).write(true).open(path)?;
    let header = read_header(&mut file)?;
    data_key(&header, keep)?;
    let mut cleared = false;
    for (i, (id, _)) in header.slots.iter().enumerate() {
        if *id != keep.id() && !id.is_empty() {
            file.seek(SeekFrom::Start(slot_offset(i)))?;
            file.write_all(&[0u8; SLOT_LEN])?;
            cleared = true;
        }
    }
    if cleared {
        file.sync_all()?;
    }
    Ok(cleared)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 31 % 251) as u8).collect()
    }

    fn seal(dir: &Path, name: &str, data: &[u8], master: &MasterKey) -> std::path::PathBuf {
        let path = dir.join(name);
        let mut w = SealedWriter::create(&path, master).unwrap_or_else(|e| panic!("{e}"));
        for piece in data.chunks(7_001) {
            w.write_all(piece).unwrap_or_else(|e| panic!("{e}"));
        }
        w.finish().unwrap_or_else(|e| panic!("{e}"));
        path
    }

    fn read_all(path: &Path, master: &MasterKey) -> Vec<u8> {
        let mut r = SealedReader::open(path, master).unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn files_of_every_awkward_length_read_back() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let master = MasterKey::generate();
        for len in [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 17] {
            let data = sample(len);
            let path = seal(dir.path(), &format!("f{len}"), &data, &master);
            assert_eq!(read_all(&path, &master), data, "length {len}");
            let raw = std::fs::read(&path).unwrap_or_default();
            assert!(raw.starts_with(MAGIC));
            if len > 64 {
                assert!(!raw.windows(64).any(|w| w == &data[..64]), "plaintext is not on disk");
            }
        }
    }

    #[test]
    fn any_range_decrypts_alone() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let master = MasterKey::generate();
        let data = sample(3 * CHUNK_SIZE + 100);
        let path = seal(dir.path(), "r", &data, &master);
        let mut r = SealedReader::open(&path, &master).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.len(), data.len() as u64);
        for (a, b) in
            [(0, 10), (CHUNK_SIZE - 5, CHUNK_SIZE + 5), (100, 2 * CHUNK_SIZE + 9), (data.len() - 3, data.len())]
        {
            let mut got = Vec::new();
            r.range(a as u64, b as u64, |s| {
                got.extend_from_slice(s);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(got, &data[a..b], "{a}..{b}");
        }
    }

    #[test]
    fn a_writer_may_rewrite_its_header_like_ivf_does() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let master = MasterKey::generate();
        let path = dir.path().join("ivf");
        let mut w = SealedWriter::create(&path, &master).unwrap_or_else(|e| panic!("{e}"));
        let mut data = sample(2 * CHUNK_SIZE + 5);
        w.write_all(&data).unwrap_or_else(|e| panic!("{e}"));
        w.seek(SeekFrom::Start(24)).unwrap_or_else(|e| panic!("{e}"));
        w.write_all(&[9, 9, 9, 9]).unwrap_or_else(|e| panic!("{e}"));
        assert!(w.seek(SeekFrom::Start(CHUNK_SIZE as u64 + 10)).is_ok());
        assert!(w.write_all(&[1]).is_err(), "sealed chunks are not rewritten");
        w.finish().unwrap_or_else(|e| panic!("{e}"));
        data[24..28].copy_from_slice(&[9, 9, 9, 9]);
        assert_eq!(read_all(&path, &master), data);
    }

    #[test]
    fn a_cut_or_altered_file_is_refused_and_a_wrong_key_opens_nothing() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let master = MasterKey::generate();
        let data = sample(2 * CHUNK_SIZE + 50);
        let path = seal(dir.path(), "t", &data, &master);
        assert!(SealedReader::open(&path, &MasterKey::generate()).is_err());
        let raw = std::fs::read(&path).unwrap_or_default();
        // Cut at a chunk boundary: the chunk now last was not sealed as last.
        let cut = dir.path().join("cut");
        std::fs::write(&cut, &raw[..HEADER_LEN + 2 * (CHUNK_SIZE + TAG_LEN)]).unwrap_or_else(|e| panic!("{e}"));
        let mut r = SealedReader::open(&cut, &master).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.chunk(1).is_err());
        let mut bent = raw.clone();
        bent[HEADER_LEN + 10] ^= 0x40;
        let bent_path = dir.path().join("bent");
        std::fs::write(&bent_path, &bent).unwrap_or_else(|e| panic!("{e}"));
        let mut r = SealedReader::open(&bent_path, &master).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.chunk(0).is_err());
        assert!(r.chunk(1).is_ok(), "other chunks still read");
    }

    #[test]
    fn a_rotation_adds_the_new_wrapping_then_retires_the_old() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (old, new) = (MasterKey::generate(), MasterKey::generate());
        let data = sample(CHUNK_SIZE + 3);
        let path = seal(dir.path(), "k", &data, &old);
        assert!(rewrap_file(&path, &old, &new).unwrap_or_else(|e| panic!("{e}")));
        assert!(!rewrap_file(&path, &old, &new).unwrap_or_else(|e| panic!("{e}")), "run again: nothing to do");
        assert_eq!(read_all(&path, &old), data, "mid-rotation the old key still reads");
        assert_eq!(read_all(&path, &new), data);
        assert!(drop_slots_except(&path, &new).unwrap_or_else(|e| panic!("{e}")));
        assert!(SealedReader::open(&path, &old).is_err(), "the retired key opens nothing");
        assert_eq!(read_all(&path, &new), data);
    }
}
