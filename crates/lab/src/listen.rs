//! The lab's listening sockets and accept loops.
//!
//! Every (address, port) a device serves is a route to a connection handler. Small labs bind
//! one socket per route on the device's own 127.x.y.z address. Large labs would need more file
//! descriptors than a process may hold (10,000 devices × 3–5 ports; the hard `RLIMIT_NOFILE`
//! here is 20,000), so above [`SHARED_LISTENER_THRESHOLD`] routes the lab binds ONE socket per
//! port on `0.0.0.0` restricted to the loopback interface (`SO_BINDTODEVICE lo`: no packet
//! from another interface can reach it) and picks the device by the connection's local
//! address; connections to an address that is not a lab device are closed at once.

use crate::error::LabError;
use crate::lab::MAX_CONNECTIONS_PER_LISTENER;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinHandle;

/// Above this many (address, port) routes a lab shares one loopback listener per port.
pub const SHARED_LISTENER_THRESHOLD: usize = 2048;
/// Connections served at once by one shared listener (all devices on its port).
pub const MAX_CONNECTIONS_PER_SHARED_LISTENER: usize = 1024;

/// Serves one accepted connection.
pub(crate) type Handler =
    Arc<dyn Fn(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Every (address, port) of a lab and its handler, in insertion (device) order.
#[derive(Default)]
pub(crate) struct RouteTable {
    routes: Vec<(Ipv4Addr, u16, Handler)>,
    seen: HashSet<(Ipv4Addr, u16)>,
}

impl RouteTable {
    /// Add a route; the same (address, port) twice is an "address in use" error.
    pub(crate) fn add(
        &mut self,
        address: Ipv4Addr,
        port: u16,
        handler: Handler,
    ) -> Result<(), LabError> {
        if !self.seen.insert((address, port)) {
            return Err(LabError::Bind {
                addr: SocketAddr::new(address.into(), port),
                source: std::io::Error::new(
                    std::io::ErrorKind::AddrInUse,
                    "two services of the lab on the same address and port",
                ),
            });
        }
        self.routes.push((address, port, handler));
        Ok(())
    }

    /// Number of routes.
    pub(crate) fn len(&self) -> usize {
        self.routes.len()
    }
}

/// Where an accepted connection goes.
enum Route {
    /// A listener of one device.
    One(Handler),
    /// A shared listener: by the connection's local address.
    ByAddress(HashMap<Ipv4Addr, Handler>),
}

impl Route {
    fn pick(&self, stream: &TcpStream) -> Option<&Handler> {
        match self {
            Route::One(h) => Some(h),
            Route::ByAddress(map) => match stream.local_addr() {
                Ok(SocketAddr::V4(a)) => map.get(a.ip()),
                _ => None,
            },
        }
    }
}

/// Raise the soft `RLIMIT_NOFILE` to the hard limit (large labs hold many sockets).
pub(crate) fn raise_fd_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(n) => tracing::debug!(limit = n, "open-file limit"),
        Err(e) => tracing::warn!("cannot raise the open-file limit: {e}"),
    }
}

/// Bind every route (per address, or shared per port for large tables) and start the accept
/// loops. Nothing is left listening on error.
pub(crate) async fn bind_and_serve(
    table: RouteTable,
    stop: &watch::Sender<bool>,
) -> Result<Vec<JoinHandle<()>>, LabError> {
    let mut bound: Vec<(TcpListener, Route, usize)> = Vec::new();
    if table.len() <= SHARED_LISTENER_THRESHOLD {
        for (address, port, handler) in table.routes {
            let addr = SocketAddr::new(address.into(), port);
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| LabError::Bind { addr, source })?;
            bound.push((listener, Route::One(handler), MAX_CONNECTIONS_PER_LISTENER));
        }
    } else {
        let mut ports: Vec<u16> = Vec::new();
        let mut by_port: HashMap<u16, HashMap<Ipv4Addr, Handler>> = HashMap::new();
        for (address, port, handler) in table.routes {
            by_port
                .entry(port)
                .or_insert_with(|| {
                    ports.push(port);
                    HashMap::new()
                })
                .insert(address, handler);
        }
        for port in ports {
            let listener = bind_loopback_wildcard(port)?;
            let map = by_port.remove(&port).unwrap_or_default();
            bound.push((
                listener,
                Route::ByAddress(map),
                MAX_CONNECTIONS_PER_SHARED_LISTENER,
            ));
        }
        tracing::info!(
            listeners = bound.len(),
            "large lab: one loopback-only listener per port"
        );
    }
    Ok(bound
        .into_iter()
        .map(|(listener, route, limit)| {
            tokio::spawn(accept_loop(listener, stop.subscribe(), route, limit))
        })
        .collect())
}

/// A listener on `0.0.0.0:port` that only sees loopback traffic (`SO_BINDTODEVICE lo`).
fn bind_loopback_wildcard(port: u16) -> Result<TcpListener, LabError> {
    use socket2::{Domain, Protocol, Socket, Type};
    let addr = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port);
    let err = |source| LabError::Bind { addr, source };
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).map_err(err)?;
    // Refuse to listen at all rather than on every interface.
    socket.bind_device(Some(b"lo")).map_err(err)?;
    socket.set_reuse_address(true).map_err(err)?;
    socket.set_nonblocking(true).map_err(err)?;
    socket.bind(&addr.into()).map_err(err)?;
    socket.listen(4096).map_err(err)?;
    TcpListener::from_std(std::net::TcpListener::from(socket)).map_err(err)
}

async fn accept_loop(
    listener: TcpListener,
    mut stop: watch::Receiver<bool>,
    route: Route,
    limit: usize,
) {
    let limit = Arc::new(Semaphore::new(limit));
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Some(handler) = route.pick(&stream) else {
                        tracing::debug!(%peer, "connection to an address outside the lab; closing");
                        continue;
                    };
                    let Ok(permit) = limit.clone().try_acquire_owned() else {
                        tracing::debug!(%peer, "connection limit reached; closing");
                        continue;
                    };
                    let _ = stream.set_nodelay(true);
                    let conn = handler(stream);
                    let mut stop = stop.clone();
                    tokio::spawn(async move {
                        tokio::select! {
                            _ = conn => {}
                            _ = stop.changed() => {}
                        }
                        drop(permit);
                    });
                }
                Err(e) => {
                    tracing::debug!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
}
