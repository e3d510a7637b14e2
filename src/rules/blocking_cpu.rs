//! AG115 `blocking-cpu`: password hashing and key derivation on the event loop (`bcrypt`,
//! passlib, argon2-cffi, `hashlib.pbkdf2_hmac`/`scrypt`, cryptography's KDFs, Django's
//! password hashers).
//!
//! ## What it does
//! Reports, in code running on the event loop, the calls that hash a password or derive
//! a key, which are made slow on purpose:
//! - `bcrypt.hashpw()`, `checkpw()`, `kdf()`;
//! - passlib: `hash()`, `verify()`, `verify_and_update()` and `dummy_verify()` of a
//!   `CryptContext(...)`, and `hash()`/`verify()` of the handlers in `passlib.hash`
//!   (`bcrypt`, `bcrypt_sha256`, `argon2`, `scrypt`, `pbkdf2_sha256`, `pbkdf2_sha512`,
//!   `sha256_crypt`, `sha512_crypt`, …), also configured with `using(...)`;
//! - argon2-cffi: `hash()` and `verify()` of a `PasswordHasher()`, and
//!   `argon2.low_level.hash_secret()`, `hash_secret_raw()`, `verify_secret()`;
//! - `hashlib.pbkdf2_hmac()` and `hashlib.scrypt()`;
//! - cryptography: `derive()` and `verify()` of `Scrypt(...)`, `PBKDF2HMAC(...)` and
//!   `Argon2id(...)`;
//! - Django: `django.contrib.auth.hashers.make_password()` and `check_password()`, and a
//!   `User`'s `check_password()`/`set_password()` where the object is certainly a `User`
//!   (built by `User(...)`, or annotated so); a user object of unknown type
//!   (`request.user`, a query's result) is not reported.
//!
//! Fast hashes (`hashlib.sha256()`, `bcrypt.gensalt()`) are not reported.
//!
//! ## Why is this bad?
//! A password hash is tuned to cost 100–300 ms of CPU, so that guessing passwords is
//! slow. On the event loop, every login or sign-up stalls all the other requests for that
//! long; a burst of logins stalls the service for seconds.
//!
//! ## Example
//! ```python
//! import bcrypt
//!
//! async def register(users, name, password):
//!     digest = bcrypt.hashpw(password.encode(), bcrypt.gensalt())
//!     await users.insert(name, digest)
//! ```
//!
//! ## Use instead
//! ```python
//! async def register(users, name, password):
//!     digest = await asyncio.to_thread(bcrypt.hashpw, password.encode(), bcrypt.gensalt())
//!     await users.insert(name, digest)
//! ```
//! or, in Django 5.0 and later, `await acheck_password()`/`await user.acheck_password()`.
//!
//! ## Fix
//! Wraps the call in `await asyncio.to_thread(...)` (with trio or anyio, their
//! `to_thread.run_sync`). Safe: these functions release the GIL while they hash, or only
//! compute from their arguments, so the same call gives the same result in a worker
//! thread while the loop serves other tasks. (Django's `user.check_password()` also saves
//! a hash it upgrades, which Django refuses on the event loop and allows in a thread.)
//!
//! `aioguard check --fix` turns the example into:
//! ```python
//! import asyncio
//!
//! import bcrypt
//!
//! async def register(users, name, password):
//!     digest = await asyncio.to_thread(bcrypt.hashpw, password.encode(), bcrypt.gensalt())
//!     await users.insert(name, digest)
//! ```
