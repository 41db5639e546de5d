// Every JavaScript and TypeScript block of README.md and docs/*.md runs, so
// no example rots. Each block is a file in its own directory under
// .doc-examples/ inside the package, where require('buffer-protocol')
// resolves to this package by its own name (package.json "exports") and the
// optional peers (sharp, ndarray, ...) from its node_modules. A block is a
// whole program: it runs in a fresh node process with that directory as its
// working directory, and fails the test by a non-zero exit. A console.log
// line that ends in a comment claims its output: `console.log(x); // 7` or
// `// 7: why` must print exactly 7 (whitespace aside) on its first call.
//   ```js / ```javascript   run as CommonJS, inside an async function (await works)
//   ```ts / ```typescript   type-checked together (tsc --strict), then transpiled and run
//   ```c                    compiled (cc -fsyntax-only, C11, warnings as errors) against
//                           buffer_protocol.h and Node's headers: whole functions
//   add no-run              type-checked (TypeScript) or syntax-checked (JavaScript) only;
//                           a C block is then left alone: fragments (CONTRIBUTING.md)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.join(__dirname, '..');
const work = path.join(root, '.doc-examples');

interface Block {
  name: string; // file:line, as the test's title
  lang: 'js' | 'ts' | 'c';
  run: boolean;
  code: string;
  dir: string;
}

function blocksOf(file: string): Block[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const blocks: Block[] = [];
  const fence = /^```(\w+)([^\n]*)\n([\s\S]*?)^```$/gm;
  for (let m = fence.exec(text); m !== null; m = fence.exec(text)) {
    const kind = m[1]!.toLowerCase();
    const lang = kind === 'js' || kind === 'javascript' ? 'js' : kind === 'ts' || kind === 'typescript' ? 'ts' : kind;
    if (lang !== 'js' && lang !== 'ts' && lang !== 'c') continue;
    if (lang === 'c' && /\bno-run\b/.test(m[2]!)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    const name = `${file}:${line}`;
    const dir = path.join(work, name.replace(/[/:.]/g, '_'));
    blocks.push({ name, lang, run: !/\bno-run\b/.test(m[2]!), code: m[3]!, dir });
  }
  return blocks;
}

const files = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = files.flatMap(blocksOf);

// The transpiled or wrapped program of a block, written to <dir>/example.js.
function program(block: Block): string {
  if (block.lang === 'ts') {
    // The inline source map puts the block's own lines in stack traces.
    return ts.transpileModule(`${block.code}\nexport {};\n`, {
      fileName: 'example.ts',
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        inlineSourceMap: true,
      },
    }).outputText;
  }
  return `(async () => {\n${block.code}\n})().catch((error) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

// Preloaded into every example: records each console.log call's line in
// example.js or example.ts and what it printed, into log.json at exit.
const prelude = `
const { format } = require('node:util');
const { writeFileSync } = require('node:fs');
const calls = [];
const log = console.log;
console.log = (...args) => {
  const frame = /example\\.(js|ts):(\\d+)/.exec(new Error().stack.split('\\n').slice(2).join('\\n'));
  if (frame !== null) calls.push({ file: frame[1], line: Number(frame[2]), text: format(...args) });
  log(...args);
};
process.on('exit', () => writeFileSync('log.json', JSON.stringify(calls)));
`;

/** The outputs a block claims: block line (1-based) -> the text its console.log prints. */
function claims(block: Block): Map<number, string> {
  const out = new Map<number, string>();
  block.code.split('\n').forEach((line, i) => {
    const m = /console\.log\(.*\/\/ (.+)$/.exec(line);
    if (m !== null) out.set(i + 1, m[1]!.split(/: | \(/)[0]!.trim());
  });
  return out;
}

const squeeze = (text: string): string => text.replace(/\s+/g, ' ').trim();

// Type errors by example file.
const typeErrors = new Map<string, string[]>();

beforeAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  fs.writeFileSync(path.join(work, 'prelude.js'), prelude);
  for (const block of blocks) {
    fs.mkdirSync(block.dir, { recursive: true });
    if (block.lang === 'c') {
      fs.writeFileSync(path.join(block.dir, 'example.c'), `#include <stdlib.h>\n#include <buffer_protocol.h>\n${block.code}`);
      continue;
    }
    if (block.lang === 'ts') {
      // A module of its own, so that blocks do not share a global scope.
      fs.writeFileSync(path.join(block.dir, 'example.ts'), `${block.code}\nexport {};\n`);
    }
    fs.writeFileSync(path.join(block.dir, 'example.js'), program(block));
  }
  const tsFiles = blocks.filter((b) => b.lang === 'ts').map((b) => path.join(b.dir, 'example.ts'));
  if (tsFiles.length === 0) return;
  const compiler = ts.createProgram(tsFiles, {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
    esModuleInterop: true,
    skipLibCheck: true,
  });
  for (const d of ts.getPreEmitDiagnostics(compiler)) {
    const file = d.file === undefined ? '' : path.resolve(d.file.fileName);
    const at = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
    const list = typeErrors.get(file) ?? [];
    list.push(`line ${at}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    typeErrors.set(file, list);
  }
});

afterAll(() => {
  if (process.env['KEEP_DOC_EXAMPLES'] !== '1') fs.rmSync(work, { recursive: true, force: true });
});

test('the docs have examples to run', () => {
  expect(blocks.filter((b) => b.run).length).toBeGreaterThan(10);
  // Errors outside any example (a broken option) would hide the examples' own.
  expect(typeErrors.get('') ?? []).toEqual([]);
});

// Node's headers as node-gyp finds them for this node (nodedir: <prefix>/include/node).
const nodeInclude = path.join(path.dirname(process.execPath), '..', 'include', 'node');

test.each(blocks.map((b) => [b.name, b] as const))('%s', (_name, block) => {
  if (block.lang === 'c') {
    const cc = ['-fsyntax-only', '-std=c11', '-Wall', '-Wextra', '-Werror', '-Wno-unused-function'];
    const includes = ['-I', path.join(root, 'native', 'include'), '-I', nodeInclude];
    const result = spawnSync('cc', [...cc, ...includes, path.join(block.dir, 'example.c')], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    return;
  }
  if (block.lang === 'ts') {
    expect(typeErrors.get(path.join(block.dir, 'example.ts')) ?? []).toEqual([]);
  }
  const file = path.join(block.dir, 'example.js');
  const args = block.run ? ['--enable-source-maps', '-r', path.join(work, 'prelude.js'), file] : ['--check', file];
  const result = spawnSync(process.execPath, args, { cwd: block.dir, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${block.name} exited with ${result.status ?? result.signal}:\n${result.stderr}`);
  expect(result.status).toBe(0);
  if (!block.run) return;
  // example.js has one line before the block's (the async wrapper); example.ts none.
  const calls = JSON.parse(fs.readFileSync(path.join(block.dir, 'log.json'), 'utf8')) as {
    file: string;
    line: number;
    text: string;
  }[];
  for (const [line, claimed] of claims(block)) {
    const call = calls.find((c) => c.line - (c.file === 'js' ? 1 : 0) === line);
    expect({ line, printed: call === undefined ? '(nothing)' : squeeze(call.text) }).toEqual({ line, printed: squeeze(claimed) });
  }
});
