//! The media the sandbox keeps: uploads (`POST /{phone_number_id}/media`), held in memory
//! within a bound on their count and total size, the oldest forgotten first.
//!
//! Meta keeps an upload for 30 days; the sandbox keeps it until it is deleted, or until newer
//! uploads push it out of [`SandboxConfig::media_max_count`] or
//! [`SandboxConfig::media_max_bytes`]. A forgotten id then answers like one Meta never had.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use actix_web::web::Bytes;
use rand::Rng;

use crate::SandboxConfig;

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct StoredMedia {
    /// The file.
    pub bytes: Bytes,
    /// Its MIME type as uploaded (`type`, or the file part's `Content-Type`).
    pub mime_type: String,
    /// SHA-256 of the bytes, 64 lowercase hex digits.
    pub sha256: String,
}

#[derive(Debug, Default)]
struct Inner {
    items: HashMap<String, StoredMedia>,
    /// Ids, oldest first (deleted ones are skipped when found here).
    order: VecDeque<String>,
    total_bytes: u64,
}

/// The uploads, bounded in count and total bytes.
#[derive(Debug)]
pub struct MediaStore {
    max_count: usize,
    max_bytes: u64,
    inner: Mutex<Inner>,
}

impl MediaStore {
    pub fn new(cfg: &SandboxConfig) -> Self {
        Self {
            max_count: cfg.media_max_count.max(1),
            max_bytes: cfg.media_max_bytes,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Keeps `bytes` under a new media id, forgetting the oldest uploads until the new one
    /// fits. `None` when the file alone is larger than the whole store.
    pub fn insert(&self, bytes: Bytes, mime_type: String) -> Option<String> {
        let len = bytes.len() as u64;
        if len > self.max_bytes {
            return None;
        }
        let sha256 = hex::encode(ring::digest::digest(&ring::digest::SHA256, &bytes));
        let id = new_media_id();
        let mut inner = self.inner.lock().ok()?;
        while inner.items.len() >= self.max_count || inner.total_bytes + len > self.max_bytes {
            let Some(oldest) = inner.order.pop_front() else {
                break;
            };
            if let Some(gone) = inner.items.remove(&oldest) {
                inner.total_bytes -= gone.bytes.len() as u64;
            }
        }
        inner.total_bytes += len;
        inner.order.push_back(id.clone());
        inner.items.insert(
            id.clone(),
            StoredMedia {
                bytes,
                mime_type,
                sha256,
            },
        );
        Some(id)
    }

    /// The upload with `id`, if kept.
    pub fn get(&self, id: &str) -> Option<StoredMedia> {
        self.inner.lock().ok()?.items.get(id).cloned()
    }

    /// True when `id` is kept.
    pub fn contains(&self, id: &str) -> bool {
        self.inner
            .lock()
            .is_ok_and(|inner| inner.items.contains_key(id))
    }

    /// Forgets `id`; false when it was not kept.
    pub fn remove(&self, id: &str) -> bool {
        let Ok(mut inner) = self.inner.lock() else {
            return false;
        };
        let Some(gone) = inner.items.remove(id) else {
            return false;
        };
        inner.total_bytes -= gone.bytes.len() as u64;
        inner.order.retain(|kept| kept != id);
        true
    }

    /// How many uploads and bytes are kept.
    pub fn usage(&self) -> (usize, u64) {
        self.inner
            .lock()
            .map(|i| (i.items.len(), i.total_bytes))
            .unwrap_or_default()
    }
}

/// A media id shaped like Meta's: 16 decimal digits.
fn new_media_id() -> String {
    rand::rng()
        .random_range(1_000_000_000_000_000u64..10_000_000_000_000_000)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::SecretString;

    fn store(count: usize, bytes: u64) -> MediaStore {
        let mut cfg = SandboxConfig::new(
            "1",
            SecretString::from("s".to_owned()),
            SecretString::from("t".to_owned()),
        );
        cfg.media_max_count = count;
        cfg.media_max_bytes = bytes;
        MediaStore::new(&cfg)
    }

    #[test]
    fn oldest_uploads_go_first_when_the_count_or_the_bytes_are_full() {
        let s = store(2, 10);
        let a = s
            .insert(Bytes::from_static(b"aaaa"), "image/png".into())
            .unwrap();
        let b = s
            .insert(Bytes::from_static(b"bbbb"), "image/png".into())
            .unwrap();
        let c = s
            .insert(Bytes::from_static(b"cc"), "image/png".into())
            .unwrap();
        assert!(!s.contains(&a), "count cap: the oldest went");
        assert!(s.contains(&b) && s.contains(&c));
        assert_eq!(s.usage(), (2, 6));
        let d = s
            .insert(Bytes::from_static(b"dddddddd"), "image/png".into())
            .unwrap();
        assert!(!s.contains(&b), "byte cap: the oldest went");
        assert!(s.contains(&c), "only as many as needed went");
        assert_eq!(s.usage(), (2, 10));
        assert!(s
            .insert(Bytes::from(vec![0; 11]), "image/png".into())
            .is_none());
        assert!(
            s.contains(&d),
            "a file too large for the store evicts nothing"
        );
    }

    #[test]
    fn removal_frees_bytes_and_the_hash_is_hex_sha256() {
        let s = store(10, 100);
        let id = s
            .insert(Bytes::from_static(b"abc"), "text/plain".into())
            .unwrap();
        assert_eq!(id.len(), 16);
        assert_eq!(
            s.get(&id).unwrap().sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(s.remove(&id));
        assert!(!s.remove(&id));
        assert_eq!(s.usage(), (0, 0));
    }
}
