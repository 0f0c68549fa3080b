//! A real Motion-JPEG stream: baseline 4:2:0 JPEG frames generated once (colour bars with a
//! moving marker) and packetised as RTP per RFC 2435.

use crate::error::LabError;
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// RTP payload type of JPEG (RFC 3551 static assignment).
pub const PAYLOAD_TYPE: u8 = 26;
/// RTP clock rate of JPEG.
pub const CLOCK_RATE: u32 = 90_000;
/// Frames per second of the lab's streams.
pub const FPS: u32 = 10;
/// Largest RTP packet the lab sends (header included).
pub const MAX_PACKET: usize = 1400;
/// Distinct frames in a stream's loop.
pub const FRAMES: usize = 4;

/// One JPEG frame reduced to what RFC 2435 carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegFrame {
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Luma then chroma quantization table, 64 bytes each, in zig-zag order (as in DQT).
    pub qtables: Vec<u8>,
    /// Entropy-coded scan data (between the SOS header and EOI).
    pub scan: Vec<u8>,
}

/// Frames per size, shared by every device.
type FrameCache = Mutex<HashMap<(u16, u16), Arc<Vec<JpegFrame>>>>;

/// Colour-bar frames of a size, generated once per size and shared by every device.
pub fn frames(width: u16, height: u16) -> Result<Arc<Vec<JpegFrame>>, LabError> {
    static CACHE: OnceLock<FrameCache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(f) = cache
        .lock()
        .map_err(|_| LabError::Jpeg("frame cache poisoned".into()))?
        .get(&(width, height))
    {
        return Ok(f.clone());
    }
    let mut out = Vec::with_capacity(FRAMES);
    for i in 0..FRAMES {
        let jpeg = encode_bars(width, height, i)?;
        out.push(strip(&jpeg)?);
    }
    let out = Arc::new(out);
    cache
        .lock()
        .map_err(|_| LabError::Jpeg("frame cache poisoned".into()))?
        .insert((width, height), out.clone());
    Ok(out)
}

/// Encode SMPTE-like colour bars with a white block whose position depends on `index`.
pub fn encode_bars(width: u16, height: u16, index: usize) -> Result<Vec<u8>, LabError> {
    const BARS: [[u8; 3]; 8] = [
        [192, 192, 192],
        [192, 192, 0],
        [0, 192, 192],
        [0, 192, 0],
        [192, 0, 192],
        [192, 0, 0],
        [0, 0, 192],
        [16, 16, 16],
    ];
    let (w, h) = (width as usize, height as usize);
    let mut rgb = vec![0u8; w * h * 3];
    let block = (w / 8).max(8);
    let bx = (index * w / FRAMES.max(1)) % w.max(1);
    for y in 0..h {
        for x in 0..w {
            let mut c = BARS[(x * 8 / w.max(1)).min(7)];
            if y >= h * 3 / 4 {
                c = [(x * 255 / w.max(1)) as u8; 3];
            }
            if y >= h / 3 && y < h / 3 + block && x >= bx && x < bx + block {
                c = [255, 255, 255];
            }
            let o = (y * w + x) * 3;
            rgb[o..o + 3].copy_from_slice(&c);
        }
    }
    let mut jpeg = Vec::new();
    let mut enc = Encoder::new(&mut jpeg, 80);
    enc.set_sampling_factor(SamplingFactor::F_2_2);
    enc.set_progressive(false);
    enc.set_optimized_huffman_tables(false);
    enc.encode(&rgb, width, height, ColorType::Rgb)
        .map_err(|e| LabError::Jpeg(e.to_string()))?;
    Ok(jpeg)
}

/// Reduce a baseline JFIF image to its quantization tables and scan data, checking that it is
/// what RFC 2435 type 1 can carry (baseline, 8-bit tables, Y 2x2 + Cb/Cr 1x1, no restart).
pub fn strip(jpeg: &[u8]) -> Result<JpegFrame, LabError> {
    let bad = |m: &str| LabError::Jpeg(m.to_string());
    if jpeg.len() < 4 || jpeg[0..2] != [0xFF, 0xD8] {
        return Err(bad("missing SOI"));
    }
    let mut pos = 2;
    let mut tables: [Option<[u8; 64]>; 4] = [None; 4];
    let mut size = None;
    loop {
        if pos + 4 > jpeg.len() || jpeg[pos] != 0xFF {
            return Err(bad("bad marker"));
        }
        let marker = jpeg[pos + 1];
        let len = u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]) as usize;
        let seg_end = pos + 2 + len;
        if len < 2 || seg_end > jpeg.len() {
            return Err(bad("truncated segment"));
        }
        let seg = &jpeg[pos + 4..seg_end];
        match marker {
            0xDB => {
                let mut s = seg;
                while !s.is_empty() {
                    let (pq, tq) = (s[0] >> 4, (s[0] & 0x0F) as usize);
                    if pq != 0 || tq > 3 || s.len() < 65 {
                        return Err(bad("unsupported quantization table"));
                    }
                    let mut t = [0u8; 64];
                    t.copy_from_slice(&s[1..65]);
                    tables[tq] = Some(t);
                    s = &s[65..];
                }
            }
            0xC0 => {
                if seg.len() < 15 || seg[0] != 8 || seg[5] != 3 {
                    return Err(bad("not a baseline 3-component frame"));
                }
                let h = u16::from_be_bytes([seg[1], seg[2]]);
                let w = u16::from_be_bytes([seg[3], seg[4]]);
                let comps = &seg[6..15];
                if comps[1] != 0x22 || comps[2] != 0 || comps[4] != 0x11 || comps[7] != 0x11 {
                    return Err(bad("not 4:2:0 with table 0 for luma"));
                }
                size = Some((w, h));
            }
            0xC1..=0xCF if marker != 0xC4 && marker != 0xC8 && marker != 0xCC => {
                return Err(bad("not a baseline JPEG"));
            }
            0xDD => return Err(bad("restart intervals are not supported")),
            0xDA => {
                let end = if jpeg.ends_with(&[0xFF, 0xD9]) {
                    jpeg.len() - 2
                } else {
                    return Err(bad("missing EOI"));
                };
                let (width, height) = size.ok_or_else(|| bad("SOS before SOF"))?;
                let (Some(luma), Some(chroma)) = (tables[0], tables[1]) else {
                    return Err(bad("missing quantization tables"));
                };
                let mut qtables = luma.to_vec();
                qtables.extend_from_slice(&chroma);
                return Ok(JpegFrame {
                    width,
                    height,
                    qtables,
                    scan: jpeg[seg_end..end].to_vec(),
                });
            }
            _ => {}
        }
        pos = seg_end;
    }
}

/// RTP state of one outgoing stream.
#[derive(Debug, Clone)]
pub struct RtpState {
    /// Next sequence number.
    pub seq: u16,
    /// Timestamp of the next frame.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
}

impl RtpState {
    /// Packetise one frame (RFC 2435 main header, type 1, Q=255 with in-band tables in the
    /// first packet); the marker bit is set on the last packet. Advances seq and timestamp.
    pub fn packetize(&mut self, frame: &JpegFrame) -> Vec<Vec<u8>> {
        // 12 (RTP) + 8 (JPEG main header) + 132 (tables) leave room for data.
        const _: () = assert!(12 + 8 + 132 < MAX_PACKET);
        let mut packets = Vec::new();
        let mut offset = 0usize;
        let total = frame.scan.len();
        loop {
            let mut p = Vec::with_capacity(MAX_PACKET);
            p.extend_from_slice(&[0x80, PAYLOAD_TYPE]);
            p.extend_from_slice(&self.seq.to_be_bytes());
            p.extend_from_slice(&self.timestamp.to_be_bytes());
            p.extend_from_slice(&self.ssrc.to_be_bytes());
            let off = (offset as u32).to_be_bytes();
            p.extend_from_slice(&[0, off[1], off[2], off[3]]);
            p.extend_from_slice(&[1, 255, (frame.width / 8) as u8, (frame.height / 8) as u8]);
            if offset == 0 {
                p.extend_from_slice(&[0, 0]);
                p.extend_from_slice(&(frame.qtables.len() as u16).to_be_bytes());
                p.extend_from_slice(&frame.qtables);
            }
            let room = MAX_PACKET - p.len();
            let take = room.min(total - offset);
            p.extend_from_slice(&frame.scan[offset..offset + take]);
            offset += take;
            self.seq = self.seq.wrapping_add(1);
            let last = offset >= total;
            if last {
                p[1] |= 0x80;
            }
            packets.push(p);
            if last {
                break;
            }
        }
        self.timestamp = self.timestamp.wrapping_add(CLOCK_RATE / FPS);
        packets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_strip_to_type1_material() {
        let f = frames(640, 360).expect("frames");
        assert_eq!(f.len(), FRAMES);
        for fr in f.iter() {
            assert_eq!((fr.width, fr.height), (640, 360));
            assert_eq!(fr.qtables.len(), 128);
            assert!(fr.scan.len() > 1000);
        }
        assert_ne!(f[0].scan, f[1].scan, "frames differ");
    }

    #[test]
    fn packets_follow_rfc2435() {
        let f = frames(320, 240).expect("frames");
        let mut st = RtpState {
            seq: 65534,
            timestamp: 1000,
            ssrc: 0x0102_0304,
        };
        let pk = st.packetize(&f[0]);
        assert!(pk.len() > 1);
        let mut reassembled = Vec::new();
        for (i, p) in pk.iter().enumerate() {
            assert!(p.len() <= MAX_PACKET);
            assert_eq!(p[0], 0x80);
            assert_eq!(p[1] & 0x7F, PAYLOAD_TYPE);
            assert_eq!(p[1] & 0x80 != 0, i == pk.len() - 1, "marker on last only");
            assert_eq!(u32::from_be_bytes([p[4], p[5], p[6], p[7]]), 1000);
            let off = u32::from_be_bytes([0, p[13], p[14], p[15]]) as usize;
            assert_eq!(off, reassembled.len());
            assert_eq!(&p[16..20], &[1, 255, 40, 30]);
            let mut body = &p[20..];
            if i == 0 {
                assert_eq!(&body[..4], &[0, 0, 0, 128]);
                assert_eq!(&body[4..132], &f[0].qtables[..]);
                body = &body[132..];
            }
            reassembled.extend_from_slice(body);
        }
        assert_eq!(reassembled, f[0].scan);
        assert_eq!(st.seq, 65534u16.wrapping_add(pk.len() as u16));
        assert_eq!(st.timestamp, 1000 + 9000);
    }

    #[test]
    fn strip_rejects_garbage() {
        assert!(strip(b"").is_err());
        assert!(strip(&[0xFF, 0xD8, 0xFF]).is_err());
        assert!(strip(&[0xFF, 0xD8, 0xFF, 0xDB, 0xFF, 0xFF]).is_err());
        let mut j = encode_bars(64, 64, 0).expect("jpeg");
        j.truncate(j.len() - 2);
        assert!(strip(&j).is_err());
    }
}
