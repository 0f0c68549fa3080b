//! rtsp client (in progress).
