// Keeps docs/benchmarks.md: each benchmark owns one section, replaced when it runs again.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const FILE = path.resolve(__dirname, '..', 'docs', 'benchmarks.md');
const HEADER = `# Benchmarks

Measured with the commands named in each section, on the machine named there, against the local stack
(\`npm run stack -- up\`). Every figure is compared with a raw baseline measured in the same run, so the
ratio stays meaningful on another machine; absolute numbers are for this machine only. The local MongoDB
server is SecantusDB (a Python stand-in, see mongodb-compatibility.md), which is much slower than a real
mongod: MongoDB-bound figures here are lower bounds.
`;

export function writeSection(id: string, markdown: string): void {
  const current = existsSync(FILE) ? readFileSync(FILE, 'utf8') : HEADER;
  const start = `<!-- ${id}:start -->`;
  const end = `<!-- ${id}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  const pattern = new RegExp(`${start}[\\s\\S]*?${end}`);
  writeFileSync(
    FILE,
    pattern.test(current) ? current.replace(pattern, block) : `${current.trimEnd()}\n\n${block}\n`,
  );
  console.log(`wrote section '${id}' of ${path.relative(process.cwd(), FILE)}`);
}
