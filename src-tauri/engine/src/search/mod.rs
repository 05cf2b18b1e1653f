//! Search as the user types it (F-INBOX): the query language, read into
//! terms that the store's search answers.

pub mod query;
pub mod segment;
