# before: BlockingError
# An LLM gateway calls a sync OpenAI client from a coroutine (AG114). The client talks to
# an OpenAI-compatible endpoint this program serves on loopback, in a thread of its own.
import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from openai import OpenAI


class CompletionsEndpoint(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        question = body["messages"][-1]["content"]
        reply = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": f"echo: {question}"},
                    "finish_reason": "stop",
                }
            ],
        }
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), CompletionsEndpoint)
threading.Thread(target=server.serve_forever, daemon=True).start()
client = OpenAI(base_url=f"http://127.0.0.1:{server.server_port}/v1", api_key="test", max_retries=0)


async def answer(question):
    completion = client.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": question}])
    return completion.choices[0].message.content


async def main():
    print(await answer("is the loop free?"))


asyncio.run(main())
server.shutdown()
