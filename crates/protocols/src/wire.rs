//! Bounded framing (in progress).
