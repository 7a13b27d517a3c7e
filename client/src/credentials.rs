//! The CLI's session on disk: one JSON file per project, readable by its
//! owner only (0600 in a 0700 directory), replaced atomically so a crash or
//! a second process never leaves half a file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What the CLI keeps between runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// The service the session belongs to; a file written for another base
    /// URL is not used.
    pub base_url: String,
    pub project_id: String,
    pub refresh_token: String,
    /// The session is an anonymous user's (passed as `anon_refresh_token`
    /// when logging in, so the browser can take it over).
    #[serde(default)]
    pub anonymous: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no configuration directory on this system; pass --credentials-file")]
    NoConfigDir,
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a credentials file ({source}); delete it or log in again")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// Where credentials live: a given file, or
/// `<config dir>/cli-auth/<project id>.json` (e.g. `~/.config/cli-auth/` on
/// Linux, `~/Library/Application Support/cli-auth/` on macOS).
#[derive(Debug, Clone)]
pub struct CredentialsFile {
    path: PathBuf,
}

impl CredentialsFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn for_project(project_id: &str) -> Result<Self, Error> {
        let dir = dirs::config_dir().ok_or(Error::NoConfigDir)?;
        // Project ids are UUIDs or plain names; keep the file name tame.
        let name: String = project_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(Self::at(dir.join("cli-auth").join(format!("{name}.json"))))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored credentials, if any.
    pub fn load(&self) -> Result<Option<Credentials>, Error> {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes)
                    .map(Some)
                    .map_err(|source| Error::Corrupt {
                        path: self.path.clone(),
                        source,
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(self.io(source)),
        }
    }

    /// Replaces the file atomically: a private temporary file in the same
    /// directory, synced, then renamed over the old one.
    pub fn save(&self, credentials: &Credentials) -> Result<(), Error> {
        let dir = self
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(|source| Error::Io {
            path: dir.to_owned(),
            source,
        })?;
        // tempfile creates the file with mode 0600 on Unix.
        let mut file = tempfile::Builder::new()
            .prefix(".cli-auth-")
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?;
        let json = serde_json::to_vec_pretty(credentials).map_err(|source| Error::Corrupt {
            path: self.path.clone(),
            source,
        })?;
        file.write_all(&json)
            .and_then(|()| file.as_file().sync_all())
            .map_err(|source| self.io(source))?;
        file.persist(&self.path).map_err(|e| self.io(e.error))?;
        Ok(())
    }

    /// Deletes the file; true if there was one.
    pub fn delete(&self) -> Result<bool, Error> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(source) => Err(self.io(source)),
        }
    }

    fn io(&self, source: std::io::Error) -> Error {
        Error::Io {
            path: self.path.clone(),
            source,
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
