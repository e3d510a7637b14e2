//! AG106 `blocking-socket`: blocking socket calls and DNS look-ups.

use super::{FixAvailability, RuleInfo};

pub static RULE: RuleInfo = RuleInfo {
    code: "AG106",
    name: "blocking-socket",
    summary: "blocking socket operations and DNS look-ups in an `async def` stall the event loop",
    fix: FixAvailability::Always,
    aliases: &[],
    doc: r#"## What it does
Reports `socket.create_connection`, `socket.getaddrinfo`, `socket.gethostbyname(_ex)`,
`socket.gethostbyaddr`, `socket.getfqdn`, and `connect`, `accept`, `recv*`, `send*`,
`sendall`, `makefile` and `do_handshake` on tracked sockets (a variable assigned from
`socket.socket()` or `socket.create_connection()`, or a parameter annotated
`socket.socket`), in code running on the event loop.

## Why is this bad?
A blocking socket waits for the network; a DNS look-up can take seconds when a resolver
is slow. The event loop is stopped for the whole wait.

## Example
```python
async def resolve(host):
    return socket.gethostbyname(host)
```

## Use instead
```python
async def resolve(host):
    infos = await asyncio.get_running_loop().getaddrinfo(host, None)
    return infos[0][4][0]
```
and `asyncio.open_connection()` / streams for socket traffic.

## Fix
`socket.getaddrinfo(...)` becomes `await asyncio.get_running_loop().getaddrinfo(...)`
(its optional arguments passed by keyword); other calls are wrapped in
`await asyncio.to_thread(...)`. Safe.
"#,
};
