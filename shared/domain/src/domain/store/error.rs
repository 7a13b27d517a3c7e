//! What can go wrong in a store, in the domain's terms.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached, timed out, or throttled: try again later.
    /// The text is for logs only, never for a response.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// A create found the record already there.
    #[error("record already exists")]
    AlreadyExists,
    /// An item in the store could not be read as a domain record.
    #[error("corrupt record: {0}")]
    Corrupt(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
