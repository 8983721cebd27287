//! Plain functions over connection records.
