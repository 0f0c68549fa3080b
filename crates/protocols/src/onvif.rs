//! onvif client (in progress).
