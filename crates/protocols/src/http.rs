//! http client (in progress).
