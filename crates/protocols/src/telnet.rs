//! telnet client (in progress).
