//! Files the window hands over to be sent: an image pasted or dropped
//! into the text, a file dropped on the composer or picked. The webview
//! has their bytes, not a path, so they are written under the data dir,
//! and the draft names them by that path like any other file. A staged
//! file stays while a draft may still name it; those of drafts long gone
//! are removed when the app starts.

use std::time::{Duration, SystemTime};

use base64::Engine as _;

use crate::Engine;
use crate::error::{Error, Result};
use crate::model::StagedFile;
use crate::problem::Problem;

/// How long a staged file is kept when no draft names it.
const KEEP_UNUSED: Duration = Duration::from_secs(7 * 24 * 3600);

impl Engine {
    /// Keeps a file's bytes under its own name in a folder of its own
    /// (two files may share a name) and returns its path.
    pub(crate) async fn stage_file(&self, name: &str, bytes: Vec<u8>) -> Result<StagedFile> {
        // Only the last part of the name: never a path out of the folder.
        let name = std::path::Path::new(name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| !n.trim().is_empty() && n != "." && n != "..")
            .unwrap_or_else(|| "file".to_owned());
        let folder = self.staging_dir.join(uuid::Uuid::new_v4().simple().to_string());
        let path = folder.join(&name);
        let size = bytes.len() as u64;
        let written = path.clone();
        tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&folder)?;
            std::fs::write(&written, bytes)
        })
        .await
        .map_err(|e| Error::Protocol(format!("staging a file: {e}")))?
        .map_err(|e| {
            Error::Invalid(Problem::AttachmentUnreadable { path: path.display().to_string(), reason: e.to_string() })
        })?;
        Ok(StagedFile { path: path.display().to_string(), name, size })
    }

    /// Names and sizes of files dropped on the composer (the system gives
    /// their paths): attached where they are, without a copy.
    pub(crate) async fn describe_files(&self, paths: Vec<String>) -> Result<Vec<StagedFile>> {
        tokio::task::spawn_blocking(move || {
            paths
                .into_iter()
                .map(|path| {
                    let meta = std::fs::metadata(&path).map_err(|e| {
                        Error::Invalid(Problem::AttachmentUnreadable { path: path.clone(), reason: e.to_string() })
                    })?;
                    if !meta.is_file() {
                        return Err(Error::Invalid(Problem::AttachmentUnreadable {
                            path: path.clone(),
                            reason: "not a file".into(),
                        }));
                    }
                    let name = std::path::Path::new(&path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    Ok(StagedFile { path, name, size: meta.len() })
                })
                .collect()
        })
        .await
        .map_err(|e| Error::Protocol(format!("reading dropped files: {e}")))?
    }

    /// An image dropped into the text, as the `data:` URL the composer
    /// shows and keeps it by (sent as an inline part).
    pub(crate) async fn image_data_url(&self, path: String) -> Result<String> {
        let bytes = tokio::fs::read(&path)
            .await
            .map_err(|e| Error::Invalid(Problem::AttachmentUnreadable { path: path.clone(), reason: e.to_string() }))?;
        let kind = mime_guess::from_path(&path).first_or_octet_stream();
        Ok(format!("data:{};base64,{}", kind.essence_str(), base64::engine::general_purpose::STANDARD.encode(bytes)))
    }

    /// Removes staged files no draft names that are older than a week
    /// (a message that was sent carries its own copy in the outbox).
    pub async fn clean_staged_files(&self) -> Result<()> {
        let dir = self.staging_dir.clone();
        let old = tokio::task::spawn_blocking(move || old_folders(&dir))
            .await
            .map_err(|e| Error::Protocol(format!("cleaning staged files: {e}")))?;
        if old.is_empty() {
            return Ok(());
        }
        // Only then the drafts: a draft still naming a file keeps it.
        let drafts = self.store.drafts().await?;
        let named: Vec<String> = drafts
            .iter()
            .flat_map(|d| d.draft.attachments.iter().cloned().chain(d.draft.inline.iter().map(|i| i.path.clone())))
            .collect();
        for folder in old {
            if !named.iter().any(|n| std::path::Path::new(n).starts_with(&folder)) {
                let _ = tokio::fs::remove_dir_all(&folder).await;
            }
        }
        Ok(())
    }
}

/// The staged folders older than [`KEEP_UNUSED`].
fn old_folders(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(folders) = std::fs::read_dir(dir) else { return Vec::new() };
    folders
        .flatten()
        .filter(|folder| {
            folder
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > KEEP_UNUSED)
        })
        .map(|folder| folder.path())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;

    use crate::Engine;
    use crate::secrets::MemorySecrets;

    #[tokio::test]
    async fn files_handed_over_are_kept_dropped_ones_described_and_images_read() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path(), Arc::new(MemorySecrets::default())).await.unwrap();
        // A name with a path in it stays in its own folder.
        let staged = engine.stage_file("../../etc/Quote 2026.pdf", b"%PDF".to_vec()).await.unwrap();
        assert_eq!((staged.name.as_str(), staged.size), ("Quote 2026.pdf", 4));
        assert!(staged.path.starts_with(&dir.path().join("staged").display().to_string()), "{}", staged.path);
        assert_eq!(std::fs::read(&staged.path).unwrap(), b"%PDF");
        let dropped = dir.path().join("logo.png");
        std::fs::write(&dropped, [0x89, b'P', b'N', b'G']).unwrap();
        let path = dropped.display().to_string();
        let described = engine.describe_files(vec![path.clone()]).await.unwrap();
        assert_eq!((described[0].name.as_str(), described[0].size), ("logo.png", 4));
        assert_eq!(engine.image_data_url(path).await.unwrap(), "data:image/png;base64,iVBORw==");
        let missing = dir.path().join("gone.pdf").display().to_string();
        assert!(engine.describe_files(vec![missing]).await.is_err(), "a file that is not there is named");
        assert!(engine.describe_files(vec![dir.path().display().to_string()]).await.is_err(), "a folder is no file");
    }
}
