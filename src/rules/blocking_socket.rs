//! AG106 `blocking-socket`: blocking socket calls and DNS look-ups.
//!
//! ## What it does
//! Reports `socket.create_connection`, `socket.getaddrinfo`, `socket.gethostbyname(_ex)`,
//! `socket.gethostbyaddr`, `socket.getfqdn`, and `connect`, `accept`, `recv*`, `send*`,
//! `sendall`, `makefile` and `do_handshake` on tracked sockets (a variable assigned from
//! `socket.socket()` or `socket.create_connection()`, or a parameter annotated
//! `socket.socket`), in code running on the event loop. A socket the same function put in
//! non-blocking mode earlier (`sock.setblocking(False)`, `sock.settimeout(0)`) is not
//! reported: its calls return at once (or raise `BlockingIOError`). Nor is
//! `socket.getaddrinfo(host, port, flags=socket.AI_NUMERICHOST)` (the flag alone or or-ed
//! with others): the host must be a numeric address, so nothing is looked up.
//!
//! ## Why is this bad?
//! A blocking socket waits for the network; a DNS look-up can take seconds when a resolver
//! is slow. The event loop is stopped for the whole wait.
//!
//! ## Example
//! ```python
//! import socket
//!
//! async def resolve(host):
//!     addresses = socket.getaddrinfo(host, 443, 0, socket.SOCK_STREAM)
//!     return socket.gethostbyname(host), addresses
//! ```
//!
//! ## Use instead
//! ```python
//! async def resolve(host):
//!     infos = await asyncio.get_running_loop().getaddrinfo(host, None)
//!     return infos[0][4][0]
//! ```
//! and `asyncio.open_connection()` / streams for socket traffic.
//!
//! ## Fix
//! `socket.getaddrinfo(...)` becomes `await asyncio.get_running_loop().getaddrinfo(...)`
//! (its optional arguments passed by keyword; `trio.socket.getaddrinfo` and
//! `anyio.getaddrinfo` in modules using those); other calls are wrapped in
//! `await asyncio.to_thread(...)`. Safe.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//! import socket
//!
//! async def resolve(host):
//!     addresses = await asyncio.get_running_loop().getaddrinfo(host, 443, family=0, type=socket.SOCK_STREAM)
//!     return await asyncio.to_thread(socket.gethostbyname, host), addresses
//! ```
