//! AG114 `blocking-sdk-client`: the sync clients of vendor SDKs called on the event loop
//! (LLM APIs, LangChain runnables, cloud storage, vector databases, Kubernetes, Docker,
//! Slack, Stripe, Twilio).
//!
//! ## What it does
//! Reports, in code running on the event loop, a call through the sync client of a vendor
//! SDK that makes a request, naming the SDK's async alternative:
//! - LLM APIs: `openai.OpenAI` and `AzureOpenAI` (and the module-level
//!   `openai.chat.completions.create(...)`), `anthropic.Anthropic`, `AnthropicBedrock`,
//!   `AnthropicVertex`, `groq.Groq`, `cohere.Client`/`ClientV2`, `mistralai.Mistral`,
//!   google-genai's `genai.Client()` (its `client.aio` is the async client),
//!   `huggingface_hub.InferenceClient`, `ollama.Client` and the `ollama.chat()`,
//!   `generate()`, `embed()`, `pull()`, `list()`, … functions, `litellm.completion()`,
//!   `embedding()` and their siblings;
//! - LangChain: `invoke()`, `batch()`, `stream()` of a chat model or LLM built in the
//!   module (`ChatOpenAI(...)`, `ChatAnthropic(...)`, `init_chat_model(...)`, …), of a
//!   chain built from one (`prompt | model | parser`, `model.pipe(...)`), or of one with
//!   bound tools, structured output, configuration, retries or fallbacks;
//! - `slack_sdk.WebClient` and `WebhookClient`, Stripe's API resources
//!   (`stripe.Customer.create(...)`) and `StripeClient`, `twilio.rest.Client`;
//! - Google Cloud Storage clients, buckets and blobs, BigQuery (`client.query(...)` and its
//!   job's `result()`), Pub/Sub's administrative calls and `pull()`, Azure Blob Storage's
//!   service, container and blob clients;
//! - Kubernetes API classes (`client.CoreV1Api()`, `AppsV1Api()`, …), Docker
//!   (`docker.from_env()`, `DockerClient`, the containers and images it gets);
//! - vector databases and search: `QdrantClient`, `Pinecone` and its indexes, Weaviate's
//!   `connect_to_*()` clients and their collections, Chroma's `HttpClient`, `MilvusClient`,
//!   `opensearchpy.OpenSearch`, `minio.Minio`.
//!
//! A client is followed through its attributes (`client.chat.completions.create(...)`,
//! `client.beta.threads.runs.create(...)`) and through the methods that give it again
//! (`client.with_options(timeout=5)`, `storage_client.bucket(name).blob(key)`). What does
//! no I/O is not reported: `with_options()`, `copy()`, a webhook's signature check, a
//! signed URL, `client.collections.get(name)`, `model.bind_tools(...)`,
//! `model.with_structured_output(...)`, `model.with_config(...)`, `prompt | model`. The
//! async clients (`AsyncOpenAI`, `AsyncAnthropic`, `AsyncQdrantClient`,
//! `ollama.AsyncClient`, `AsyncWebClient`, `genai.Client().aio`, …), the async methods
//! (`ainvoke()`, `complete_async()`, `create_async()`), any awaited call, and a
//! Kubernetes call given `async_req=True` (the client's thread pool makes it) are not
//! reported. Which calls these are is data: the `clients` of the catalogue.
//!
//! **Clients learnt from the environment.** When a module imports a package installed in
//! the project's Python environment (`VIRTUAL_ENV`, `.venv` or `venv` at the project root,
//! or the configuration's `python`), aioguard reads that package's `__init__.py` (and those
//! of its `asyncio` and `aio` submodules, never running them) and learns its sync/async twin
//! clients: a class `X` exported beside a class `AsyncX`, or `X` exported again by
//! `pkg.asyncio`/`pkg.aio` from an async module of its own. A call of any public method on
//! an object built from the sync class (`client = pkg.X(...)`, then `client.search(...)` or
//! `client.a.b.c(...)`) is then reported, with the twin to use instead. A package the
//! catalogue or the configuration names anything of is not learnt from: what of it blocks
//! is said there. `learn-from-environment: false` turns the learning off.
//!
//! ## Why is this bad?
//! Each call is a request to a remote service, and a model's answer can take seconds or
//! minutes: the event loop waits for all of it, and every other request of the service
//! with it.
//!
//! ## Example
//! ```python
//! from openai import OpenAI
//!
//! client = OpenAI()
//!
//! async def summarize(text):
//!     response = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
//!     return response.choices[0].message.content
//! ```
//!
//! ## Use instead
//! The SDK's async client the message names (`AsyncOpenAI`, `AsyncAnthropic`,
//! `client.aio`, `ainvoke()`, `AsyncQdrantClient`, …), awaited; or a worker thread.
//!
//! ## Fix
//! The call runs in a worker thread: `client.chat.completions.create(model=m, ...)`
//! becomes `await asyncio.to_thread(client.chat.completions.create, model=m, ...)`. A
//! generator that makes its requests while it is read (a runnable's `stream()`,
//! google-genai's `generate_content_stream()`, a lazy page iterator such as
//! `bucket.list_blobs()`) is collected in the thread where it is consumed at once:
//! `for chunk in chain.stream(x):` becomes
//! `for chunk in await asyncio.to_thread(lambda: list(chain.stream(x))):`.
//!
//! `aioguard check --fix --unsafe-fixes` turns the example into:
//! ```python
//! import asyncio
//!
//! from openai import OpenAI
//!
//! client = OpenAI()
//!
//! async def summarize(text):
//!     response = await asyncio.to_thread(client.chat.completions.create, model="gpt-4o-mini", messages=[{"role": "user", "content": text}])
//!     return response.choices[0].message.content
//! ```
//!
//! ## Fix safety
//! Unsafe: these clients are shared and thread-safe (httpx, urllib3 or gRPC
//! underneath; the Azure and Stripe SDKs document it, MinIO's client too), but in a
//! thread the call may now run at the same time as another task's use of the same
//! client, and a collected stream arrives whole instead of piece by piece. A streaming
//! call (`create(..., stream=True)`) runs its request in the thread but the stream is
//! still read on the loop: use the async client for those. No fix for a factory that
//! connects before it returns a new client (`docker.from_env()`,
//! `weaviate.connect_to_local()`, `chromadb.HttpClient(...)`, `MilvusClient(...)`): the
//! SDK's async client replaces the whole of it. None either where the call is used as a
//! stream in the same expression, or for MinIO's endless `listen_bucket_notification()`.
//! The same holds for a client learnt from the environment; switching to its async twin
//! is left to you: its calls must be awaited, and it is built and closed differently.
