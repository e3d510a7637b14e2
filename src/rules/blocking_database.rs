//! AG111 `blocking-database`: calls of synchronous database and cache clients on the
//! event loop (`sqlite3`, `psycopg2`, sync `psycopg`, the MySQL drivers, `redis.Redis`,
//! `pymongo`, SQLAlchemy's sync engine, connection and session).
//!
//! ## What it does
//! Reports, in code running on the event loop, the calls of synchronous database and cache
//! clients that wait for the server or the disk:
//! - `sqlite3`: `connect()`, `execute*()`, `commit()`, `rollback()`, `backup()`, `close()`
//!   of connections, and `execute*()`, `fetch*()` of cursors;
//! - `psycopg2` and sync `psycopg` (3): `connect()`, `commit()`, `rollback()`, cursors'
//!   `execute()`, `executemany()`, `callproc()` (client-side cursors fetch from memory);
//! - `pymysql`, `MySQLdb`, `mysql.connector`: `connect()`, `commit()`, `rollback()`,
//!   cursors' `execute()`, `executemany()`, `callproc()`;
//! - `redis.Redis` / `StrictRedis` / `redis.from_url()` clients: the common commands
//!   (`get`, `set`, `delete`, `hget`, `lpush`, `publish`, `execute_command`, …) and
//!   `pipeline().execute()`; building a client does not connect and is not reported;
//! - `pymongo.MongoClient`: collections' queries and writes (`find_one`, `insert_one`,
//!   `update_many`, `aggregate`, …), reached as `client.get_database(…)`,
//!   `client["db"]["coll"]`;
//! - SQLAlchemy: `Engine.connect()`, `Connection.execute()`/`commit()`, `Session`
//!   `execute()`/`get()`/`commit()`/`flush()`, `session.query(…)….all()`/`first()`/`one()`;
//! - pandas: `pd.read_sql()`, `read_sql_query()`, `read_sql_table()` and a DataFrame's
//!   `to_sql()`, which query through the connection they are given.
//!
//! The async drivers that look like these (`asyncpg`, `aiosqlite`, `redis.asyncio`, motor,
//! `AsyncMongoClient`, `AsyncSession`) are not reported, nor is a call that is awaited.
//! Objects are tracked like the others (local and module variables, parameters, `with`
//! targets) and on instances: `self.db = psycopg2.connect(…)` in a method, a class-level
//! annotation or dataclass field `db: sqlite3.Connection`, then `self.db.execute(…)`.
//! What a project factory returns is tracked too: by its annotation, by the one type
//! all its `return`s give, or, when an `if` on a parameter chooses between `return
//! redis.asyncio.Redis(…)` and `return redis.Redis(…)`, by the call's literal arguments
//! (`get_connection(url, async_mode=False)`; a default left in place counts; a value
//! not known leaves the result untracked).
//!
//! ## Why is this bad?
//! Every query waits for the database: a network round trip, a lock, a disk read. The
//! event loop stands still meanwhile and every other request of the service waits.
//!
//! ## Example
//! ```python
//! import redis
//!
//! class Cache:
//!     def __init__(self, url):
//!         self.client = redis.Redis.from_url(url)
//!
//!     async def lookup(self, key):
//!         return self.client.get(key)
//! ```
//!
//! ## Use instead
//! The async driver the message names (`redis.asyncio`, `asyncpg`, `aiosqlite`, motor,
//! `AsyncSession`), or a thread for the call.
//!
//! ## Fix
//! For a thread-safe client (`psycopg2` and `psycopg` connections, `redis.Redis`,
//! `pymongo`, a SQLAlchemy `Engine`), the call runs in a worker thread:
//! `self.client.get(key)` becomes `await asyncio.to_thread(self.client.get, key)`.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//!
//! import redis
//!
//! class Cache:
//!     def __init__(self, url):
//!         self.client = redis.Redis.from_url(url)
//!
//!     async def lookup(self, key):
//!         return await asyncio.to_thread(self.client.get, key)
//! ```
//!
//! ## Fix safety
//! Unsafe: the connection is shared, and in a thread the call may now run at the same
//! time as another task's use of it. No fix at all where the object may not be used from
//! another thread: `sqlite3` (its objects refuse any thread but their creator's), the
//! MySQL drivers' connections and SQLAlchemy connections and sessions (not thread-safe),
//! and pandas' SQL calls (their connection may be any of these).
