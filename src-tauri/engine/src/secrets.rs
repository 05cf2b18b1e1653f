//! Where passwords and tokens live: the OS keychain, never the database.
//!
//! The engine talks to a [`SecretStore`]; the real one is the platform
//! keychain through the `keyring` crate (Secret Service on Linux, Keychain on
//! macOS, Credential Manager on Windows). Keys are scoped by the store's
//! random id so that two data dirs never read each other's secrets.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{Error, Result};

/// A place to keep secrets by key.
pub trait SecretStore: Send + Sync + std::fmt::Debug {
    /// Saves (or replaces) the secret under `key`.
    fn set(&self, key: &str, secret: &str) -> Result<()>;
    /// Reads the secret under `key`, `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<String>>;
    /// Forgets the secret under `key`; forgetting a missing key is fine.
    fn delete(&self, key: &str) -> Result<()>;
}

/// The operating system's keychain.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// `service` groups Threadline's entries in the keychain UI.
    pub fn new(service: impl Into<String>) -> Self {
        OsKeychain { service: service.into() }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(keyring_error)
    }
}

impl Default for OsKeychain {
    fn default() -> Self {
        OsKeychain::new("Threadline")
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    Error::Secret(e.to_string())
}

impl SecretStore for OsKeychain {
    fn set(&self, key: &str, secret: &str) -> Result<()> {
        self.entry(key)?.set_password(secret).map_err(keyring_error)
    }

    fn get(&self, key: &str) -> Result<Option<String>> {
        match self.entry(key)?.get_password() {
            Ok(s) => Ok(Some(s)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// Secrets kept in memory only: for unit tests of code that needs a
/// [`SecretStore`] but is not about the keychain.
#[derive(Debug, Default)]
pub struct MemorySecrets {
    map: Mutex<HashMap<String, String>>,
}

impl SecretStore for MemorySecrets {
    fn set(&self, key: &str, secret: &str) -> Result<()> {
        let mut map = self.map.lock().map_err(|_| Error::Secret("poisoned".into()))?;
        map.insert(key.to_owned(), secret.to_owned());
        Ok(())
    }

    fn get(&self, key: &str) -> Result<Option<String>> {
        let map = self.map.lock().map_err(|_| Error::Secret("poisoned".into()))?;
        Ok(map.get(key).cloned())
    }

    fn delete(&self, key: &str) -> Result<()> {
        let mut map = self.map.lock().map_err(|_| Error::Secret("poisoned".into()))?;
        map.remove(key);
        Ok(())
    }
}
