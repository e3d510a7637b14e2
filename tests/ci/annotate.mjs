// Prints GitHub workflow commands with GitHub's own toolkit, for comparison with aioguard's.
// Usage: node annotate.mjs <path of @actions/core's lib/core.js> < annotations.json
// where annotations.json is [{"level": "error"|"warning"|"notice", "message": "...",
// "properties": {"title", "file", "startLine", "endLine", "startColumn", "endColumn"}}].
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const core = await import(pathToFileURL(process.argv[2]).href);
for (const { level, message, properties } of JSON.parse(readFileSync(0, 'utf8'))) {
  core[level](message, properties);
}
