//! A response before encoding, shared by the HTTP and RTSP servers: status, headers, body.
//! Each server encodes it in its own protocol (`HTTP/1.1` with Server and Content-Length,
//! `RTSP/1.0` with CSeq).

/// A response before encoding.
#[derive(Debug)]
pub(crate) struct Reply {
    /// Status code.
    pub(crate) code: u16,
    /// Reason phrase.
    pub(crate) reason: &'static str,
    /// Headers, in order.
    pub(crate) headers: Vec<(String, String)>,
    /// Body (empty for none).
    pub(crate) body: Vec<u8>,
}

impl Reply {
    /// A reply with no headers and no body.
    pub(crate) fn new(code: u16, reason: &'static str) -> Reply {
        Reply {
            code,
            reason,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// The reply with one more header.
    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The reply with a body of `content_type`.
    pub(crate) fn with_body(self, content_type: &str, body: Vec<u8>) -> Reply {
        Reply { body, ..self }.header("Content-Type", content_type)
    }
}
