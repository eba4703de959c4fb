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

use std::io::IoSlice;
use std::net::{IpAddr, SocketAddr, UdpSocket};

use rustix::net::{MMsgHdr, SendAncillaryBuffer, SendFlags, SocketAddrAny};
use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::Interest;

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

/// Sends `datagrams` from `udp`, as many to a system call as the kernel
/// takes (`sendmmsg`), and returns how many were sent. A shard sends
/// several thousand datagrams a second per core, each in a call of its own
/// before, and the call's fixed cost was a measurable part of the server's
/// CPU. A datagram the kernel refuses (a full buffer, a peer gone) is
/// dropped, as a network would, and the rest still go.
pub fn send_all(udp: &tokio::net::UdpSocket, datagrams: &[(SocketAddr, Vec<u8>)]) -> usize {
    let addresses: Vec<SocketAddrAny> = datagrams.iter().map(|(to, _)| SocketAddrAny::from(*to)).collect();
    let slices: Vec<[IoSlice<'_>; 1]> = datagrams.iter().map(|(_, data)| [IoSlice::new(data)]).collect();
    let mut controls: Vec<SendAncillaryBuffer<'_, '_, '_>> =
        datagrams.iter().map(|_| SendAncillaryBuffer::default()).collect();
    let mut messages: Vec<MMsgHdr<'_>> = addresses
        .iter()
        .zip(&slices)
        .zip(controls.iter_mut())
        .map(|((to, slice), control)| MMsgHdr::new_with_addr(to, slice, control))
        .collect();
    let (mut at, mut sent) = (0, 0);
    while at < messages.len() {
        let batch = &mut messages[at..];
        match udp.try_io(Interest::WRITABLE, || Ok(rustix::net::sendmmsg(udp, batch, SendFlags::empty())?)) {
            Ok(n) if n > 0 => {
                at += n;
                sent += n;
            }
            // The first of those left was refused: it is dropped.
            Ok(_) | Err(_) => {
                if let Some((to, _)) = datagrams.get(at) {
                    tracing::trace!(%to, "a datagram was not sent");
                }
                at += 1;
            }
        }
    }
    sent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_batch_reaches_each_of_its_destinations_in_order() {
        let from = tokio::net::UdpSocket::from_std(bind(IpAddr::from([127, 0, 0, 1])).unwrap()).unwrap();
        // As in the shard, whose runtime has polled its sockets by then.
        from.writable().await.unwrap();
        let a = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let b = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let (to_a, to_b) = (a.local_addr().unwrap(), b.local_addr().unwrap());
        let datagrams: Vec<(SocketAddr, Vec<u8>)> =
            (0..40u8).map(|i| (if i % 3 == 0 { to_b } else { to_a }, vec![i; 100 + usize::from(i)])).collect();
        assert_eq!(send_all(&from, &datagrams), 40);
        let mut buf = [0u8; 2048];
        for (to, socket) in [(to_a, &a), (to_b, &b)] {
            socket.set_read_timeout(Some(std::time::Duration::from_secs(2))).unwrap();
            for (_, data) in datagrams.iter().filter(|(d, _)| *d == to) {
                let (n, source) = socket.recv_from(&mut buf).unwrap();
                assert_eq!(source, from.local_addr().unwrap());
                assert_eq!(&buf[..n], data.as_slice(), "each datagram whole, in the order sent");
            }
        }
    }

    #[tokio::test]
    async fn a_datagram_the_kernel_refuses_does_not_hold_back_the_rest() {
        let from = tokio::net::UdpSocket::from_std(bind(IpAddr::from([127, 0, 0, 1])).unwrap()).unwrap();
        // As in the shard, whose runtime has polled its sockets by then.
        from.writable().await.unwrap();
        let to = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let good = to.local_addr().unwrap();
        // Port 0 is no destination: sendmmsg stops there with an error.
        let refused = SocketAddr::from(([127, 0, 0, 1], 0));
        let datagrams = vec![(good, vec![1]), (refused, vec![2]), (good, vec![3])];
        assert_eq!(send_all(&from, &datagrams), 2);
        to.set_read_timeout(Some(std::time::Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 16];
        let firsts: Vec<u8> = (0..2).map(|_| to.recv_from(&mut buf).map(|_| buf[0]).unwrap()).collect();
        assert_eq!(firsts, vec![1, 3]);
    }

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
