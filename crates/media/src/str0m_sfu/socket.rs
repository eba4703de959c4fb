//! The shard's UDP sockets, with a receive buffer for a shard's worth of
//! connections.
//!
//! A shard reads one datagram at a time and carries it to every receiver
//! before the next; what arrives meanwhile waits in the kernel's receive
//! buffer, and what does not fit there is lost. webrtc-rs and Janus (libnice)
//! give each connection a socket of its own, and so a buffer of its own; a
//! shard here receives every connection of its sessions on one socket, whose
//! default buffer (Linux: `rmem_default`, 212,992 bytes, about 90 datagrams
//! of video) overflows on a key frame from several senders at once or
//! while the shard's thread waits one time slice for a core. So we ask for
//! more; the kernel grants at most `net.core.rmem_max` / `wmem_max`.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

/// What we ask of the kernel for each direction (Linux doubles it for its
/// bookkeeping): about 900 datagrams, 0.1 s at the rate a shard forwards
/// when its core is full; more would only queue video that arrives late.
pub const BUFFER_BYTES: usize = 1 << 20;

/// A non-blocking UDP socket on `ip` (any free port).
pub fn bind(ip: IpAddr) -> std::io::Result<UdpSocket> {
    let address = SocketAddr::new(ip, 0);
    let socket = Socket::new(Domain::for_address(address), Type::DGRAM, Some(Protocol::UDP))?;
    // A smaller buffer than asked for is not an error: the host's limit
    // stands, and the log says so.
    let _ = socket.set_recv_buffer_size(BUFFER_BYTES);
    let _ = socket.set_send_buffer_size(BUFFER_BYTES);
    socket.set_nonblocking(true)?;
    socket.bind(&address.into())?;
    let (recv, send) = (socket.recv_buffer_size()?, socket.send_buffer_size()?);
    if recv < BUFFER_BYTES {
        tracing::warn!(
            granted = recv,
            asked = BUFFER_BYTES,
            "a media socket's receive buffer is smaller than asked: raise net.core.rmem_max"
        );
    }
    tracing::debug!(recv, send, "a media socket's buffers");
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_socket_gets_a_deeper_receive_buffer_than_the_default_where_the_host_allows() {
        let socket = Socket::from(bind(IpAddr::from([127, 0, 0, 1])).unwrap());
        let granted = socket.recv_buffer_size().unwrap();
        let allowed =
            std::fs::read_to_string("/proc/sys/net/core/rmem_max").ok().and_then(|s| s.trim().parse::<usize>().ok());
        match allowed {
            // Linux doubles what it grants; left alone, a socket has
            // `rmem_default`, less than that.
            Some(max) => assert!(granted >= 2 * BUFFER_BYTES.min(max), "granted {granted}, rmem_max {max}"),
            None => assert!(granted > 0),
        }
    }
}
