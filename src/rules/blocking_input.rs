//! AG107 `blocking-input`: the built-in `input()` on the event loop.
//!
//! ## What it does
//! Reports the built-in `input()` in code running on the event loop (not a local function
//! or parameter called `input`).
//!
//! ## Why is this bad?
//! `input()` waits for a line on standard input: for a human, that is forever in event loop
//! time, and nothing else runs until the answer comes.
//!
//! ## Example
//! ```python
//! async def confirm(question):
//!     return input(f"{question} [y/N] ").lower() == "y"
//! ```
//!
//! ## Use instead
//! ```python
//! async def confirm(question):
//!     return (await asyncio.to_thread(input, f"{question} [y/N] ")).lower() == "y"
//! ```
//!
//! ## Fix
//! Wraps the call in `await asyncio.to_thread(input, ...)`. Safe.
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! async def confirm(question):
//!     return (await asyncio.to_thread(input, f"{question} [y/N] ")).lower() == "y"
//! ```
