"""A stand-in for GitHub's REST API that checks every request against GitHub's own OpenAPI
description (npm `@octokit/openapi`), for the action's tests. Run with the tools' Python
(target/tools/venv), which has `jsonschema`.

    github_api.py serve OPENAPI_JSON STATE_DIR
        Serves on 127.0.0.1 under the path /api/v3 (as GitHub Enterprise Server does) and
        prints the port as its first line. STATE_DIR/scenario.json says what to answer
        (`comments`: review comments already on the pull request; `page_size`: the most items
        a list answers with; `faults`: answers to give instead, `{operation, status, body,
        headers, times}`). Each request is appended to STATE_DIR/requests.jsonl with the
        problems found in it; a request with problems is answered 422. Runs until stdin closes.
    github_api.py validate-event SCHEMA_JSON DEFINITION PAYLOAD_JSON
        Validates a webhook payload against a definition of `@octokit/webhooks-schemas`
        (`pull_request$opened`); prints the problems and exits 1 when there are any.
"""

import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from jsonschema import Draft4Validator, validators

PREFIX = "/api/v3"
API_VERSION = "2022-11-28"


class Description:
    """The operations of the OpenAPI description, found by method and concrete path."""

    def __init__(self, path):
        self.document = json.loads(Path(path).read_text("utf-8"))
        self.templates = []
        for template in self.document["paths"]:
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(template)) + "$"
            names = re.findall(r"\{([^}]+)\}", template)
            # A template with fewer parameters is the more specific one.
            self.templates.append((len(names), re.compile(pattern), template, names))
        self.templates.sort(key=lambda entry: entry[0])

    def resolve(self, node, seen=()):
        """`node` with every `$ref` into the document replaced by what it points to."""
        if isinstance(node, list):
            return [self.resolve(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            reference = node["$ref"]
            if reference in seen:
                return {}
            target = self.document
            for part in reference.lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return self.resolve(target, (*seen, reference))
        return {key: self.resolve(value, seen) for key, value in node.items()}

    def find(self, method, path):
        for _, pattern, template, names in self.templates:
            match = pattern.match(path)
            operation = self.document["paths"][template].get(method.lower()) if match else None
            if operation:
                values = [urllib.parse.unquote(value) for value in match.groups()]
                parameters = self.document["paths"][template].get("parameters", []) + operation.get("parameters", [])
                return operation, dict(zip(names, values)), self.resolve(parameters)
        return None, {}, []

    def problems(self, method, path, query, headers, body):
        operation, path_values, parameters = self.find(method, path)
        if operation is None:
            return None, [f"no operation {method} {path} in GitHub's description"]
        problems = []
        declared = {(parameter["in"], parameter["name"]): parameter for parameter in parameters}
        for name, value in path_values.items():
            problems += parameter_problems(declared[("path", name)], value)
        for name, value in query.items():
            parameter = declared.get(("query", name))
            if parameter is None:
                problems.append(f"query parameter `{name}` is not one of the operation's")
            else:
                problems += parameter_problems(parameter, value)
        if not re.fullmatch(r"(Bearer|token) \S+", headers.get("Authorization") or ""):
            problems.append("no `Authorization: Bearer TOKEN` header")
        if "application/vnd.github+json" not in (headers.get("Accept") or ""):
            problems.append("no `Accept: application/vnd.github+json` header")
        if headers.get("X-GitHub-Api-Version") != API_VERSION:
            problems.append(f"no `X-GitHub-Api-Version: {API_VERSION}` header")
        request_body = operation.get("requestBody")
        if body is None:
            if request_body and request_body.get("required"):
                problems.append("the operation needs a body")
        elif request_body is None:
            problems.append("the operation takes no body")
        else:
            schema = self.resolve(request_body["content"]["application/json"]["schema"])
            for error in Draft4Validator(schema).iter_errors(body):
                where = "/".join(str(part) for part in error.absolute_path)
                problems.append(f"body/{where}: {error.message}")
            problems += documented_rules(operation["operationId"], body)
        return operation["operationId"], problems


def parameter_problems(parameter, value):
    schema = parameter.get("schema", {})
    if schema.get("type") == "integer":
        if not re.fullmatch(r"-?\d+", value):
            return [f"parameter `{parameter['name']}` is not an integer: {value!r}"]
        value = int(value)
    errors = list(Draft4Validator(schema).iter_errors(value))
    return [f"parameter `{parameter['name']}`: {error.message}" for error in errors]


def documented_rules(operation_id, body):
    """What GitHub's documentation asks of a body beyond the schema."""
    problems = []
    if operation_id == "pulls/create-review":
        for index, comment in enumerate(body.get("comments", [])):
            if "position" not in comment and "line" not in comment:
                problems.append(f"comments/{index}: neither `line` nor `position`")
            if comment.get("side", "RIGHT") not in ("LEFT", "RIGHT"):
                problems.append(f"comments/{index}: `side` is LEFT or RIGHT")
            if "start_line" in comment and not comment["start_line"] < comment.get("line", 0):
                problems.append(f"comments/{index}: `start_line` must come before `line`")
        if body.get("event") in ("COMMENT", "REQUEST_CHANGES") and not body.get("body"):
            problems.append("a COMMENT review needs a `body`")
    if operation_id in ("checks/create", "checks/update"):
        output = body.get("output", {})
        if output and not ("title" in output and "summary" in output):
            problems.append("output: `title` and `summary` are required")
        for index, annotation in enumerate(output.get("annotations", [])):
            has_columns = "start_column" in annotation or "end_column" in annotation
            if has_columns and annotation["start_line"] != annotation["end_line"]:
                problems.append(f"annotations/{index}: columns on an annotation of several lines")
        if body.get("status") == "completed" and "conclusion" not in body:
            problems.append("a completed check run needs a `conclusion`")
    return problems


class State:
    def __init__(self, directory):
        self.directory = Path(directory)
        scenario = json.loads((self.directory / "scenario.json").read_text("utf-8"))
        self.comments = scenario.get("comments", [])
        self.page_size = scenario.get("page_size", 100)
        self.faults = scenario.get("faults", [])
        self.check_runs = {}
        self.reviews = 0
        self.lock = threading.Lock()

    def log(self, entry):
        with open(self.directory / "requests.jsonl", "a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")

    def fault(self, operation_id):
        for fault in self.faults:
            if fault["operation"] == operation_id and fault.get("times", 1) > 0:
                fault["times"] = fault.get("times", 1) - 1
                return fault
        return None

    def answer(self, operation_id, path, query, body, base_url):
        """Status, headers and body of GitHub's answer to a valid request."""
        if operation_id == "pulls/list-review-comments":
            page, per_page = int(query.get("page", 1)), min(int(query.get("per_page", 30)), self.page_size)
            items = self.comments[(page - 1) * per_page : page * per_page]
            headers = {}
            if page * per_page < len(self.comments):
                next_query = urllib.parse.urlencode({**query, "page": page + 1})
                headers["Link"] = f'<{base_url}{path}?{next_query}>; rel="next"'
            return 200, headers, items
        if operation_id == "pulls/create-review":
            self.reviews += 1
            for comment in body.get("comments", []):
                stored = {**comment, "id": len(self.comments) + 1, "pull_request_review_id": self.reviews}
                self.comments.append({**stored, "commit_id": body.get("commit_id")})
            return 200, {}, {"id": self.reviews, "state": "COMMENTED", "body": body.get("body", "")}
        if operation_id == "checks/create":
            run_id = len(self.check_runs) + 1
            self.check_runs[run_id] = {**body, "id": run_id, "html_url": f"https://github.test/runs/{run_id}"}
            return 201, {}, self.check_runs[run_id]
        if operation_id == "checks/update":
            run_id = int(path.rsplit("/", 1)[1])
            if run_id not in self.check_runs:
                return 404, {}, {"message": "Not Found"}
            self.check_runs[run_id].update(body)
            return 200, {}, self.check_runs[run_id]
        return 501, {}, {"message": f"the stand-in does not play {operation_id}"}


def serve(description_path, state_directory):
    description = Description(description_path)
    state = State(state_directory)

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self):
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            entry = {"method": self.command, "path": url.path, "query": query, "problems": []}
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body, entry["problems"] = None, ["the body is not JSON"]
            entry["body"] = body
            with state.lock:
                if not url.path.startswith(PREFIX + "/"):
                    operation_id, problems = None, [f"not under the API's base {PREFIX}"]
                else:
                    path = url.path[len(PREFIX) :]
                    operation_id, problems = description.problems(self.command, path, query, self.headers, body)
                entry["operation"] = operation_id
                entry["problems"] += problems
                fault = state.fault(operation_id) if not entry["problems"] else None
                if entry["problems"]:
                    status, headers, answer = 422, {}, {"message": "Validation Failed", "errors": entry["problems"]}
                elif fault:
                    status, headers, answer = fault["status"], fault.get("headers", {}), fault.get("body", {})
                else:
                    base_url = f"http://{self.headers.get('Host')}{PREFIX}"
                    status, headers, answer = state.answer(operation_id, path, query, body, base_url)
                entry["status"] = status
                state.log(entry)
            data = json.dumps(answer).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = handle_one

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


def validate_event(schema_path, definition, payload_path):
    schema = json.loads(Path(schema_path).read_text("utf-8"))
    root = {**schema, "$ref": f"#/definitions/{definition}"}
    root.pop("oneOf", None)
    validator_class = validators.validator_for(schema)
    validator = validator_class(root, format_checker=validator_class.FORMAT_CHECKER)
    payload = json.loads(Path(payload_path).read_text("utf-8"))
    problems = [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(payload)]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["serve"] and len(sys.argv) == 4:
        serve(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["validate-event"] and len(sys.argv) == 5:
        sys.exit(validate_event(*sys.argv[2:]))
    else:
        sys.exit(__doc__)
