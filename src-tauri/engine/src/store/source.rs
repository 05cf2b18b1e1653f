//! How raw sources are kept: zstd-compressed when that saves space, and a
//! large one in pieces.
//!
//! Every message's raw source is stored, and it is most of what a sync
//! writes: compressing it (on the parser's thread, beside the network)
//! roughly halves the bytes SQLite writes, and reads back what the server
//! sent, byte for byte. A source over [`PIECE`] is kept as pieces of that
//! size, each packed on its own and stored in its own row: no buffer of
//! the compressor, of sqlx or of SQLite then ever holds a whole 25 MB
//! attachment, which is what bounds a sync's memory by a piece, not by the
//! largest message.

// Parsing what others wrote: no index or slice that can panic.
#![deny(clippy::indexing_slicing, clippy::string_slice)]

use std::cell::RefCell;

use crate::error::{Error, Result};

/// zstd's fastest level still shrinks mail text about threefold.
const LEVEL: i32 = 1;

/// Sources larger than this are kept in pieces of this size.
pub const PIECE: usize = 1024 * 1024;

/// A source ready to store: whole (`message_sources`) or in pieces
/// (`message_source_pieces`, in order).
#[derive(Debug, Clone)]
pub enum PackedSource {
    Whole(Packed),
    Pieces(Vec<Packed>),
}

/// Bytes as stored, and how to read them back.
#[derive(Debug, Clone)]
pub struct Packed {
    pub codec: &'static str,
    pub bytes: Vec<u8>,
}

/// Packs `raw`: whole up to [`PIECE`], in pieces above. A large source
/// is packed from its end and given back to the allocator a piece at a
/// time, so that the source and its packed pieces are never both held
/// whole (they would double what a 30 MB message costs).
pub fn pack(mut raw: Vec<u8>) -> PackedSource {
    if raw.len() <= PIECE {
        return PackedSource::Whole(pack_one(&raw));
    }
    let mut pieces = Vec::with_capacity(raw.len().div_ceil(PIECE));
    while !raw.is_empty() {
        // The last piece starts where `chunks(PIECE)` would start it.
        let start = (raw.len() - 1) / PIECE * PIECE;
        pieces.push(pack_one(raw.get(start..).unwrap_or_default()));
        raw.truncate(start);
        raw.shrink_to_fit();
    }
    pieces.reverse();
    PackedSource::Pieces(pieces)
}

/// Compresses `raw` unless that saves less than an eighth (already
/// compressed attachments, tiny messages).
fn pack_one(raw: &[u8]) -> Packed {
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
        Ok(mut packed) if packed.len() < raw.len() - raw.len() / 8 => {
            // The compressor's buffer is sized for the worst case: kept as
            // is, a megabyte of base64 would hold a quarter more than it
            // packs to.
            packed.shrink_to_fit();
            Packed { codec: "zstd", bytes: packed }
        }
        _ => Packed { codec: "raw", bytes: raw.to_vec() },
    }
}

/// A stored message's raw source, whole or joined from its pieces (None:
/// no source is stored for it).
pub async fn load(conn: &mut sqlx::SqliteConnection, message_id: i64) -> Result<Option<Vec<u8>>> {
    let whole: Option<(String, Vec<u8>)> =
        sqlx::query_as("SELECT codec, raw FROM message_sources WHERE message_id = ?")
            .bind(message_id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some((codec, bytes)) = whole {
        return unpack(&codec, bytes).map(Some);
    }
    let pieces: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT codec, raw FROM message_source_pieces WHERE message_id = ? ORDER BY seq")
            .bind(message_id)
            .fetch_all(&mut *conn)
            .await?;
    if pieces.is_empty() {
        return Ok(None);
    }
    let mut raw = Vec::new();
    for (codec, bytes) in pieces {
        raw.extend(unpack(&codec, bytes)?);
    }
    Ok(Some(raw))
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
            let packed = pack_one(raw);
            assert_eq!(unpack(packed.codec, packed.bytes).ok().as_deref(), Some(raw));
        }
        assert_eq!(pack_one(text.as_bytes()).codec, "zstd");
        assert_eq!(pack_one(&binary).codec, "raw", "incompressible data stays as it is");
    }

    #[test]
    fn a_large_source_is_packed_in_pieces_that_join_back_byte_for_byte() {
        let raw: Vec<u8> = b"base64+/".iter().copied().cycle().take(PIECE * 2 + 100).collect();
        let PackedSource::Pieces(pieces) = pack(raw.clone()) else { panic!("a large source is kept in pieces") };
        assert_eq!(pieces.len(), 3);
        let mut joined = Vec::new();
        for p in pieces {
            joined.extend(unpack(p.codec, p.bytes).expect("unpack"));
        }
        assert!(joined == raw, "joined pieces differ");
        let one_piece: Vec<u8> = raw.iter().take(PIECE).copied().collect();
        assert!(matches!(pack(one_piece), PackedSource::Whole(_)), "up to a piece stays whole");
    }

    #[test]
    fn damaged_sources_are_an_error_not_a_panic() {
        assert!(unpack("zstd", b"not a zstd frame".to_vec()).is_err());
        assert!(unpack("lzma", vec![]).is_err());
    }
}
