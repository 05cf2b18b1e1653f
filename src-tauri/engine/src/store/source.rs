//! How raw sources are kept: zstd-compressed when that saves space.
//!
//! Every message's raw source is stored, and it is most of what a sync
//! writes: compressing it (on the parser's thread, beside the network)
//! roughly halves the bytes SQLite writes, and reads back what the server
//! sent, byte for byte.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::cell::RefCell;

use crate::error::{Error, Result};

/// zstd's fastest level still shrinks mail text about threefold.
const LEVEL: i32 = 1;

/// A source ready for the `message_sources` table.
#[derive(Debug, Clone)]
pub struct PackedSource {
    pub codec: &'static str,
    pub bytes: Vec<u8>,
}

/// Compresses `raw` unless that saves less than an eighth (already
/// compressed attachments, tiny messages).
pub fn pack(raw: &[u8]) -> PackedSource {
    thread_local! {
        // A compression context is costly to set up: one per thread, reused.
        static COMPRESSOR: RefCell<Option<zstd::bulk::Compressor<'static>>> =
            RefCell::new(zstd::bulk::Compressor::new(LEVEL).ok());
    }
    let packed = COMPRESSOR.with(|c| match c.borrow_mut().as_mut() {
        Some(compressor) => compressor.compress(raw),
        None => zstd::bulk::compress(raw, LEVEL),
    });
    match packed {
        Ok(packed) if packed.len() < raw.len() - raw.len() / 8 => PackedSource { codec: "zstd", bytes: packed },
        _ => PackedSource { codec: "raw", bytes: raw.to_vec() },
    }
}

/// The raw source back from what `pack` stored.
pub fn unpack(codec: &str, bytes: Vec<u8>) -> Result<Vec<u8>> {
    match codec {
        "raw" => Ok(bytes),
        "zstd" => zstd::stream::decode_all(bytes.as_slice())
            .map_err(|e| Error::Protocol(format!("a stored message source is damaged: {e}"))),
        other => Err(Error::Protocol(format!("unknown source codec {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_come_back_byte_for_byte() {
        let text = "Subject: hello\r\n\r\nthe offer, the timeline and the next steps\r\n".repeat(40);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let binary: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        for raw in [text.as_bytes(), &binary[..], b"", b"x"] {
            let packed = pack(raw);
            assert_eq!(unpack(packed.codec, packed.bytes).ok().as_deref(), Some(raw));
        }
        assert_eq!(pack(text.as_bytes()).codec, "zstd");
        assert_eq!(pack(&binary).codec, "raw", "incompressible data stays as it is");
    }

    #[test]
    fn damaged_sources_are_an_error_not_a_panic() {
        assert!(unpack("zstd", b"not a zstd frame".to_vec()).is_err());
        assert!(unpack("lzma", vec![]).is_err());
    }
}
