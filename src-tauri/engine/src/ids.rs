//! Ids of the engine's things, one type each, so that a message id cannot
//! be passed where an account id is wanted: in the engine's API, its
//! model and events, and the store's calls. In SQL, JSON and TypeScript
//! they are plain integers (SQLite row ids). Ids that never leave the
//! engine (folders, queued actions, outbox rows) stay plain `i64`.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Default, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, specta::Type, sqlx::Type,
        )]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

id_type!(
    /// A mail account.
    AccountId
);
id_type!(
    /// A stored message (one per message, whatever folders it is in).
    MessageId
);
id_type!(
    /// A conversation.
    ThreadId
);
id_type!(
    /// A CRM record: a person, organization, deal, lead or project (its
    /// kind says which table).
    RecordId
);
