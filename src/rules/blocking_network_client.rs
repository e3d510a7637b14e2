//! AG112 `blocking-network-client`: synchronous protocol clients and SDKs on the event
//! loop (`smtplib`, `ftplib`, `poplib`, `imaplib`, `paramiko`, boto3, `dns.resolver`,
//! kafka-python, `pika.BlockingConnection`, the sync `elasticsearch` client).
//!
//! ## What it does
//! Reports, in code running on the event loop, the calls of synchronous network clients
//! that wait for a server:
//! - `smtplib.SMTP`/`SMTP_SSL` given a host (without one, they connect later), `connect`,
//!   `login`, `starttls`, `sendmail`, `send_message`, `quit`, …; `ftplib.FTP`/`FTP_TLS`
//!   (given a host), `poplib.POP3`, `imaplib.IMAP4` and their commands;
//! - `telnetlib.Telnet` (given a host), `open`, `read_until`, `read_all`, `read_some`,
//!   `expect`, `write`, `interact`;
//! - every method of an `xmlrpc.client.ServerProxy` (each is a remote call:
//!   `proxy.get_status()`, `proxy.system.listMethods()`);
//! - `paramiko.SSHClient` `connect`, `exec_command`, `open_sftp` and SFTP transfers;
//! - boto3 clients (`boto3.client(…)`, `session.client(…)`): the common S3, SQS, SNS,
//!   DynamoDB and Lambda calls (`upload_file`, `put_object`, `get_object`,
//!   `send_message`, `get_item`, `query`, `invoke`, …), and the same calls on boto3
//!   resources' `Bucket(…)` and `Table(…)`;
//! - `dns.resolver.resolve()`/`query()` and `Resolver` objects' (sync dnspython);
//! - kafka-python `KafkaProducer.flush()`, `KafkaConsumer.poll()`/`commit()`;
//! - `pika.BlockingConnection`, its `channel()` and the channel's publishing and declaring;
//! - the sync `elasticsearch.Elasticsearch` client's `search`, `index`, `get`, ….
//!
//! `http.client` connections are HTTP: AG102 reports them. The async clients (aiosmtplib,
//! aioftp, asyncssh, aioboto3/aiobotocore, `dns.asyncresolver`, aiokafka, aio-pika,
//! `AsyncElasticsearch`) are not reported, nor is an awaited call.
//!
//! ## Why is this bad?
//! Each command is a round trip to a server, often several (a TLS handshake, a login, a
//! transfer); the event loop waits for all of them.
//!
//! ## Example
//! ```python
//! import boto3
//!
//! s3 = boto3.client("s3")
//!
//! async def publish_report(path, key):
//!     s3.upload_file(path, "reports", key)
//! ```
//!
//! ## Use instead
//! The async client the message names (aiosmtplib, aioftp, asyncssh, aioboto3,
//! `dns.asyncresolver`, aiokafka, aio-pika, `AsyncElasticsearch`), or a thread.
//!
//! ## Fix
//! For a thread-safe client (boto3 clients, kafka-python producers, `Elasticsearch`),
//! the call runs in a worker thread; `dns.resolver` functions likewise.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//!
//! import boto3
//!
//! s3 = boto3.client("s3")
//!
//! async def publish_report(path, key):
//!     await asyncio.to_thread(s3.upload_file, path, "reports", key)
//! ```
//!
//! ## Fix safety
//! Unsafe for a shared client: in a thread, the call may now run at the same time as
//! another task's use of it. A `dns.resolver` function call is safe. No fix where the
//! object is not thread-safe (the `smtplib`, `ftplib`, `poplib`, `imaplib`, `telnetlib`
//! and `paramiko` clients, XML-RPC proxies, boto3 resources, kafka-python consumers, pika): another task may
//! use it meanwhile, and moving every use of it is beyond a codemod.
