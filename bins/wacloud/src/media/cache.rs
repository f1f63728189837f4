//! The media cache: files named by Meta's media id in `WACLOUD_MEDIA_CACHE_DIR`, at most
//! `WACLOUD_MEDIA_CACHE_BYTES` in all, the least recently used removed first (a file's
//! modification time is its last use). Files arriving (uploads, downloads from Meta) are
//! written under `tmp/` and renamed in once whole, so a reader never sees half a file.

use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tempfile::{NamedTempFile, TempPath};

/// The cache directory and its size limit.
#[derive(Debug)]
pub struct MediaCache {
    dir: PathBuf,
    tmp: PathBuf,
    limit: u64,
    /// One eviction at a time: two would each count files the other removes.
    evicting: tokio::sync::Mutex<()>,
}

/// Whether `id` can name a file: Meta's media ids are digits; letters, `_` and `-` are
/// allowed, nothing else (no dots or separators), at most 128 characters.
fn file_name_for(id: &str) -> Option<&str> {
    (!id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
    .then_some(id)
}

impl MediaCache {
    /// Opens (creates) the cache at `dir` keeping at most `limit` bytes, and empties its
    /// `tmp/` of what an earlier run left.
    ///
    /// # Errors
    /// The directory cannot be made or read.
    pub fn open(dir: &Path, limit: u64) -> io::Result<Self> {
        let tmp = dir.join("tmp");
        std::fs::create_dir_all(&tmp)?;
        for entry in std::fs::read_dir(&tmp)?.flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        Ok(Self {
            dir: dir.to_owned(),
            tmp,
            limit,
            evicting: tokio::sync::Mutex::new(()),
        })
    }

    /// Most bytes kept.
    #[must_use]
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// A new file under `tmp/`, removed when dropped unless [`put`](Self::put) took it.
    ///
    /// # Errors
    /// The file cannot be made.
    pub fn temp_file(&self) -> io::Result<NamedTempFile> {
        tempfile::Builder::new()
            .prefix("part-")
            .tempfile_in(&self.tmp)
    }

    /// The cached file of media `id`, opened, with its size; its use is recorded (it becomes
    /// the most recently used). `None` when not cached.
    pub async fn get(&self, id: &str) -> Option<(tokio::fs::File, u64)> {
        let path = self.dir.join(file_name_for(id)?);
        let file = std::fs::File::open(&path).ok()?;
        let meta = file.metadata().ok().filter(std::fs::Metadata::is_file)?;
        let len = meta.len();
        let _ = file.set_modified(SystemTime::now());
        Some((tokio::fs::File::from_std(file), len))
    }

    /// Keeps the whole file at `temp` as media `id`'s (replacing any), then removes the least
    /// recently used files until the cache is within its limit (which may remove this one, when
    /// it alone is larger).
    ///
    /// # Errors
    /// The file cannot be moved in.
    pub async fn put(&self, id: &str, temp: TempPath) -> io::Result<()> {
        let Some(name) = file_name_for(id) else {
            return Err(io::Error::other("not a media id"));
        };
        if self.limit == 0 {
            return Ok(());
        }
        let dest = self.dir.join(name);
        tokio::task::spawn_blocking(move || {
            let _ = std::fs::File::open(&temp).and_then(|f| f.set_modified(SystemTime::now()));
            temp.persist(&dest).map_err(|e| e.error)
        })
        .await
        .map_err(io::Error::other)??;
        self.evict().await;
        Ok(())
    }

    /// Removes the least recently used files until the cache holds at most its limit.
    pub async fn evict(&self) {
        let _one = self.evicting.lock().await;
        let dir = self.dir.clone();
        let limit = self.limit;
        let _ = tokio::task::spawn_blocking(move || evict_in(&dir, limit)).await;
    }

    /// Removes the cached files of media `ids` (an erased customer's); ids not cached are
    /// skipped.
    pub fn remove(&self, ids: &[String]) {
        Self::remove_in(&self.dir, ids);
    }

    /// [`remove`](Self::remove) in the cache at `dir`, without opening it (which would empty
    /// `tmp/` under a running server's uploads): for `wacloud contacts erase`.
    pub fn remove_in(dir: &Path, ids: &[String]) {
        for id in ids {
            if let Some(name) = file_name_for(id) {
                let _ = std::fs::remove_file(dir.join(name));
            }
        }
    }

    /// Bytes of the cached files now.
    #[must_use]
    pub fn used(&self) -> u64 {
        files(&self.dir).iter().map(|(_, len, _)| len).sum()
    }
}

/// The cache's files (not `tmp/`) with their sizes and last uses.
fn files(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file().then(|| {
                let used = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                (e.path(), meta.len(), used)
            })
        })
        .collect()
}

fn evict_in(dir: &Path, limit: u64) {
    let mut all = files(dir);
    let mut total: u64 = all.iter().map(|(_, len, _)| len).sum();
    if total <= limit {
        return;
    }
    all.sort_by_key(|(_, _, used)| *used);
    for (path, len, _) in all {
        if total <= limit {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    async fn put(cache: &MediaCache, id: &str, len: usize) {
        let mut t = cache.temp_file().unwrap();
        t.write_all(&vec![7u8; len]).unwrap();
        cache.put(id, t.into_temp_path()).await.unwrap();
    }

    #[tokio::test]
    async fn the_least_recently_used_files_go_first_when_the_cache_is_full() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::open(dir.path(), 250).unwrap();
        put(&cache, "1", 100).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        put(&cache, "2", 100).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(
            cache.get("1").await.is_some(),
            "1 is used again: now 2 is older"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        put(&cache, "3", 100).await;
        assert!(
            cache.get("2").await.is_none(),
            "the least recently used went"
        );
        assert_eq!(cache.get("1").await.map(|(_, n)| n), Some(100));
        assert!(cache.get("3").await.is_some());
        assert_eq!(cache.used(), 200);
        put(&cache, "4", 300).await;
        assert!(
            cache.used() <= 250,
            "a file larger than the cache is not kept"
        );
    }

    #[tokio::test]
    async fn ids_that_are_not_plain_names_are_neither_read_nor_written() {
        let dir = tempfile::tempdir().unwrap();
        let cache = MediaCache::open(dir.path(), 1000).unwrap();
        std::fs::write(dir.path().join("secret"), b"x").unwrap();
        assert!(cache.get("../secret").await.is_none());
        assert!(cache.get("tmp").await.is_none(), "a directory is no file");
        let t = cache.temp_file().unwrap();
        assert!(cache.put("../x", t.into_temp_path()).await.is_err());
    }
}
