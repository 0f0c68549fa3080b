//! What `--local` needs to know about the named interface, asked of the kernel over rtnetlink
//! (`RTM_GETLINK` and `RTM_GETADDR` dumps): its index (the IPv6 scope id and
//! `IPV6_MULTICAST_IF`), whether it is up and multicast-capable, and which address families it
//! carries. Netlink answers for the caller's network namespace (`/sys/class/net` does not after
//! `unshare -n`). Reads are bounded ([`MAX_DUMP_BYTES`]) and carry a deadline
//! ([`DEADLINE`]); a malformed answer is an error, never a panic.

use std::io::Read;
use std::time::Duration;

/// Deadline of one dump (all its reads together).
pub const DEADLINE: Duration = Duration::from_secs(2);
/// Most bytes read for one dump (a machine with thousands of interfaces stays far below).
pub const MAX_DUMP_BYTES: usize = 8 * 1024 * 1024;

const AF_NETLINK: i32 = 16;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const NETLINK_ROUTE: i32 = 0;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const RTM_NEWLINK: u16 = 16;
const RTM_GETLINK: u16 = 18;
const RTM_NEWADDR: u16 = 20;
const RTM_GETADDR: u16 = 22;
const NLM_F_REQUEST: u16 = 1;
const NLM_F_DUMP: u16 = 0x300;
const IFLA_IFNAME: u16 = 3;
const IFF_UP: u32 = 1;
const IFF_MULTICAST: u32 = 0x1000;
const HEADER: usize = 16;

/// One interface as the kernel describes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InterfaceInfo {
    /// Interface index (scope id of its link-local addresses).
    pub index: u32,
    /// Administratively up.
    pub up: bool,
    /// Multicast-capable (`IFF_MULTICAST`).
    pub multicast: bool,
    /// Carries at least one IPv4 address.
    pub ipv4: bool,
    /// Carries at least one IPv6 address.
    pub ipv6: bool,
}

/// The interface named `name` in this network namespace (`None` when there is none).
pub fn interface_info(name: &str) -> std::io::Result<Option<InterfaceInfo>> {
    let links = dump(RTM_GETLINK, &[0u8; 16])?;
    let Some(mut info) = find_link(&links, name)? else {
        return Ok(None);
    };
    let addrs = dump(RTM_GETADDR, &[0u8; 8])?;
    for (family, index) in address_families(&addrs)? {
        if index == info.index {
            info.ipv4 |= family == AF_INET;
            info.ipv6 |= family == AF_INET6;
        }
    }
    Ok(Some(info))
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, format!("netlink: {what}"))
}

/// Send one dump request (`kind` with `body`) and return the payloads of the answers (each
/// `(type, message without header)`), up to `NLMSG_DONE`.
fn dump(kind: u16, body: &[u8]) -> std::io::Result<Vec<(u16, Vec<u8>)>> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(
        Domain::from(AF_NETLINK),
        Type::DGRAM,
        Some(Protocol::from(NETLINK_ROUTE)),
    )?;
    let deadline = std::time::Instant::now() + DEADLINE;
    let seq: u32 = rand::random::<u32>() | 1;
    let mut request = Vec::with_capacity(HEADER + body.len());
    request.extend_from_slice(&((HEADER + body.len()) as u32).to_ne_bytes());
    request.extend_from_slice(&kind.to_ne_bytes());
    request.extend_from_slice(&(NLM_F_REQUEST | NLM_F_DUMP).to_ne_bytes());
    request.extend_from_slice(&seq.to_ne_bytes());
    request.extend_from_slice(&0u32.to_ne_bytes());
    request.extend_from_slice(body);
    socket.send(&request)?;
    let mut out = Vec::new();
    let mut total = 0usize;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        if left.is_zero() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "netlink: no end of the dump before the deadline",
            ));
        }
        socket.set_read_timeout(Some(left))?;
        let n = (&socket).read(&mut buf)?;
        if n == 0 {
            return Err(bad("socket closed before the end of the dump"));
        }
        total += n;
        if total > MAX_DUMP_BYTES {
            return Err(bad("dump larger than the limit"));
        }
        for (ty, msg_seq, payload) in messages(&buf[..n])? {
            if msg_seq != seq {
                continue;
            }
            match ty {
                NLMSG_DONE => return Ok(out),
                NLMSG_ERROR => {
                    let code = payload
                        .get(..4)
                        .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                        .unwrap_or(0);
                    return Err(if code < 0 {
                        std::io::Error::from_raw_os_error(-code)
                    } else {
                        bad("error message without a code")
                    });
                }
                _ => out.push((ty, payload.to_vec())),
            }
        }
    }
}

/// Split one datagram into `(type, seq, payload)` messages.
fn messages(mut data: &[u8]) -> std::io::Result<Vec<(u16, u32, &[u8])>> {
    let mut out = Vec::new();
    while data.len() >= HEADER {
        let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
        if len < HEADER || len > data.len() {
            return Err(bad("message length out of bounds"));
        }
        let ty = u16::from_ne_bytes([data[4], data[5]]);
        let seq = u32::from_ne_bytes([data[8], data[9], data[10], data[11]]);
        out.push((ty, seq, &data[HEADER..len]));
        data = &data[align(len).min(data.len())..];
    }
    Ok(out)
}

fn align(n: usize) -> usize {
    n.saturating_add(3) & !3
}

/// The `(type, value)` attributes after a fixed header of `skip` bytes.
fn attributes(payload: &[u8], skip: usize) -> std::io::Result<Vec<(u16, &[u8])>> {
    let mut data = payload.get(skip..).ok_or_else(|| bad("short message"))?;
    let mut out = Vec::new();
    while data.len() >= 4 {
        let len = u16::from_ne_bytes([data[0], data[1]]) as usize;
        if len < 4 || len > data.len() {
            return Err(bad("attribute length out of bounds"));
        }
        let ty = u16::from_ne_bytes([data[2], data[3]]) & 0x3fff;
        out.push((ty, &data[4..len]));
        data = &data[align(len).min(data.len())..];
    }
    Ok(out)
}

/// The link named `name` among `RTM_NEWLINK` answers.
fn find_link(answers: &[(u16, Vec<u8>)], name: &str) -> std::io::Result<Option<InterfaceInfo>> {
    for (ty, payload) in answers {
        if *ty != RTM_NEWLINK {
            continue;
        }
        if payload.len() < 16 {
            return Err(bad("short link message"));
        }
        let index = u32::from_ne_bytes([payload[4], payload[5], payload[6], payload[7]]);
        let flags = u32::from_ne_bytes([payload[8], payload[9], payload[10], payload[11]]);
        let named = attributes(payload, 16)?
            .into_iter()
            .any(|(t, v)| t == IFLA_IFNAME && v.split(|b| *b == 0).next() == Some(name.as_bytes()));
        if named {
            return Ok(Some(InterfaceInfo {
                index,
                up: flags & IFF_UP != 0,
                multicast: flags & IFF_MULTICAST != 0,
                ..InterfaceInfo::default()
            }));
        }
    }
    Ok(None)
}

/// `(family, interface index)` of every `RTM_NEWADDR` answer.
fn address_families(answers: &[(u16, Vec<u8>)]) -> std::io::Result<Vec<(u8, u32)>> {
    answers
        .iter()
        .filter(|(ty, _)| *ty == RTM_NEWADDR)
        .map(|(_, p)| {
            if p.len() < 8 {
                return Err(bad("short address message"));
            }
            Ok((p[0], u32::from_ne_bytes([p[4], p[5], p[6], p[7]])))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_found_with_its_index_and_families() {
        let lo = interface_info("lo").unwrap().expect("lo exists");
        assert!(lo.index >= 1);
        assert!(lo.ipv4, "{lo:?}");
        assert_eq!(interface_info("no-such-if0").unwrap(), None);
    }

    #[test]
    fn hostile_netlink_bytes_are_errors_not_panics() {
        // Length shorter than a header, longer than the datagram, attribute overruns.
        assert!(messages(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
        let mut long = vec![0u8; 16];
        long[0] = 200;
        assert!(messages(&long).is_err());
        assert!(attributes(&[0u8; 4], 8).is_err());
        assert!(attributes(&[9, 0, 3, 0, b'l'], 0).is_err());
        let short = vec![(RTM_NEWLINK, vec![0u8; 3])];
        assert!(find_link(&short, "lo").is_err());
        assert!(address_families(&[(RTM_NEWADDR, vec![10])]).is_err());
        // A trailing partial message is ignored, not read past.
        assert!(messages(&[0u8; 7]).unwrap().is_empty());
        for seed in 0u32..2000 {
            let bytes: Vec<u8> = (0..(seed % 64))
                .map(|i| (seed.wrapping_mul(2_654_435_761).wrapping_add(i * 97) >> 7) as u8)
                .collect();
            let _ = messages(&bytes);
            let _ = attributes(&bytes, (seed % 20) as usize);
            let _ = find_link(&[(RTM_NEWLINK, bytes.clone())], "lo");
        }
    }
}
