//! Bytes -> `bundle::decode`: a bundle is a file anyone can hand to `scan`; decoding must
//! never panic nor allocate beyond what the input pays for, and what decodes compiles and
//! writes back to a bundle that decodes to the same collection.
//!
//! The input is also tried as a body behind a valid header (magic, version, the BLAKE3
//! digest of its index part and its length), so that the fuzzer spends its time past the
//! index's digest check; and as a head and parts (`[len u16][bytes]` each: a chunk's dormant
//! summary, then its documents) framed into a bundle whose every digest is right, so that
//! it reaches the decoding of the head, of every summary and of every chunk's documents
//! (which their digests would otherwise guard).
#![no_main]

use iocscan::bundle::{self, BUNDLE_VERSION, MAGIC};
use libfuzzer_sys::fuzz_target;
// The digest the bundle format uses.
use blake3::hash;

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
    bytes.extend_from_slice(hash(&data[..index_len(data)]).as_bytes());
    bytes.extend_from_slice(&(data.len() as u64).to_le_bytes());
    bytes.extend_from_slice(data);
    check(&bytes);
    check(&with_digests(data));
});

/// The input as a head and chunks, each `[len u16 LE][bytes]` (a short part takes what is
/// left; at most 16 chunks), written as a bundle with the right index, digests and length.
fn with_digests(data: &[u8]) -> Vec<u8> {
    fn take<'a>(rest: &mut &'a [u8]) -> &'a [u8] {
        let n = match rest.split_first_chunk::<2>() {
            Some((n, tail)) => {
                *rest = tail;
                usize::from(u16::from_le_bytes(*n))
            }
            None => rest.len(),
        };
        let (part, tail) = rest.split_at(n.min(rest.len()));
        *rest = tail;
        part
    }
    let mut rest = data;
    let head = take(&mut rest);
    // Summary and documents, alternately: an odd part out gets no documents.
    let mut chunks = Vec::new();
    while !rest.is_empty() && chunks.len() < 16 {
        chunks.push(take(&mut rest));
    }
    if chunks.len() % 2 == 1 {
        chunks.push(&[]);
    }
    let mut index = Vec::new();
    index.extend_from_slice(&(head.len() as u64).to_le_bytes());
    index.extend_from_slice(head);
    index.extend_from_slice(&(chunks.len() as u64 / 2).to_le_bytes());
    for chunk in &chunks {
        index.extend_from_slice(&(chunk.len() as u64).to_le_bytes());
        index.extend_from_slice(hash(chunk).as_bytes());
    }
    let body = index.len() + chunks.iter().map(|c| c.len()).sum::<usize>();
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&BUNDLE_VERSION.to_le_bytes());
    bytes.extend_from_slice(hash(&index).as_bytes());
    bytes.extend_from_slice(&(body as u64).to_le_bytes());
    bytes.extend_from_slice(&index);
    chunks.iter().for_each(|c| bytes.extend_from_slice(c));
    bytes
}

fn check(bytes: &[u8]) {
    let Ok(b) = bundle::decode(bytes) else { return };
    let _ = iocscan::compile(&b.loaded.documents);
    let mut again = Vec::new();
    bundle::write(&b.loaded, &b.sources, &mut again).expect("writes to memory");
    let back = bundle::decode(&again).expect("a written bundle decodes");
    assert_eq!(back.loaded.documents, b.loaded.documents);
    assert_eq!(back.loaded.diagnostics, b.loaded.diagnostics);
}

/// Where the index of a body would end: the head frame, the chunk count, 80 bytes a chunk
/// (the whole input when it does not hold that much).
fn index_len(data: &[u8]) -> usize {
    let u64_at = |at: usize| {
        let b = data.get(at..at.checked_add(8)?)?;
        Some(u64::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    let end = u64_at(0).and_then(|head| usize::try_from(head).ok()?.checked_add(8)).and_then(
        |count_at| {
            let count = usize::try_from(u64_at(count_at)?).ok()?;
            count.checked_mul(80)?.checked_add(count_at.checked_add(8)?)
        },
    );
    end.filter(|e| *e <= data.len()).unwrap_or(data.len())
}
