//! A TCP listener whose connections a handler can cut (the "lost response" fault).
//!
//! Every accepted stream shares a kill flag with the request's `ConnectInfo<ConnInfo>`. When a
//! handler sets it, the stream refuses all further writes (and reads see end-of-file), so hyper
//! drops the connection before a single byte of the response is written, and the socket is reset
//! (`SO_LINGER` 0). The client sees a network error although the request's effects took place.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

pub struct KillableListener(pub TcpListener);

/// The connect info of a request: the peer and its connection's kill switch.
#[derive(Clone, Debug)]
pub struct ConnInfo {
    /// The peer (kept for diagnostics).
    #[allow(dead_code)]
    pub remote: SocketAddr,
    kill: Arc<AtomicBool>,
}

impl ConnInfo {
    /// Drops the connection instead of answering.
    pub fn kill(&self) {
        self.kill.store(true, Ordering::SeqCst);
    }
}

pub struct KillableStream {
    inner: TcpStream,
    kill: Arc<AtomicBool>,
    reset_armed: bool,
}

impl KillableStream {
    fn killed(&mut self) -> bool {
        let k = self.kill.load(Ordering::SeqCst);
        if k && !self.reset_armed {
            self.reset_armed = true;
            // A reset, not an orderly close: the client must not mistake it for a response.
            #[allow(deprecated)]
            let _ = self.inner.set_linger(Some(std::time::Duration::ZERO));
        }
        k
    }
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "emulator fault: response lost",
    )
}

impl AsyncRead for KillableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for KillableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.killed() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl axum::serve::Listener for KillableListener {
    type Io = KillableStream;
    type Addr = ConnInfo;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, remote) = axum::serve::Listener::accept(&mut self.0).await;
        let kill = Arc::new(AtomicBool::new(false));
        (
            KillableStream {
                inner: stream,
                kill: kill.clone(),
                reset_armed: false,
            },
            ConnInfo { remote, kill },
        )
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(ConnInfo {
            remote: self.0.local_addr()?,
            kill: Arc::new(AtomicBool::new(false)),
        })
    }
}

impl Connected<IncomingStream<'_, KillableListener>> for ConnInfo {
    fn connect_info(stream: IncomingStream<'_, KillableListener>) -> Self {
        stream.remote_addr().clone()
    }
}
