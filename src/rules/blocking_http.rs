//! AG102 `blocking-http`: synchronous HTTP clients (`requests`, `httpx` module
//! functions and `httpx.Client`, `urllib.request.urlopen`, `urllib3`) on the event loop,
//! and any `x.request("GET", ...)` with an HTTP verb literal that is not awaited.
//!
//! ## What it does
//! Reports synchronous HTTP requests in code running on the event loop: `requests.get()`
//! and the other `requests` verbs, methods of a `requests.Session`, `httpx` module
//! functions and `httpx.Client` methods, `urllib.request.urlopen()` and `urlretrieve()`
//! (a download to a file), `urllib3.request()` and the methods of urllib3's pools and
//! managers that make a request (`.request()`, `.urlopen()`, `.request_encode_url()`,
//! `.request_encode_body()`), and any
//! `x.request("GET", ...)` whose first argument is an HTTP verb literal and whose result is
//! used at once (not awaited, entered by `async with` or passed to another call, as an async
//! client's would be). Sessions and clients are tracked when assigned from their constructor in the
//! same function or at module level, or when a variable or parameter is annotated with
//! their type (`client: Annotated[httpx.Client, Depends(get_client)]`).
//!
//! ## Why is this bad?
//! A request waits for DNS, a TCP and TLS handshake and the server's answer; the event
//! loop stands still for all of it, often for seconds, and every other task waits too.
//!
//! ## Example
//! ```python
//! import requests
//!
//! async def fetch_user(user_id):
//!     response = requests.get(f"https://api.example.com/users/{user_id}", timeout=5)
//!     return response.json()
//! ```
//!
//! ## Use instead
//! An async client (`httpx.AsyncClient`, `aiohttp`), or run the call in a thread:
//! ```python
//! async def fetch_user(user_id):
//!     response = await asyncio.to_thread(requests.get, f"https://api.example.com/users/{user_id}", timeout=5)
//!     return response.json()
//! ```
//!
//! ## Fix
//! Wraps the call: `requests.get(u, timeout=5)` becomes
//! `await asyncio.to_thread(requests.get, u, timeout=5)` (a method call offloads the bound
//! method). Safe: the same call runs with the same arguments, in a worker thread. A
//! `with urlopen(u) as r:` block is offloaded whole by the unsafe block fix.
//! `httpx.stream()` has no fix.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! import requests
//!
//! async def fetch_user(user_id):
//!     response = await asyncio.to_thread(requests.get, f"https://api.example.com/users/{user_id}", timeout=5)
//!     return response.json()
//! ```
