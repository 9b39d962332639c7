import fs from 'node:fs';
import path from 'node:path';
import ejs from 'ejs';
import ts from 'typescript';

/** What a compiled view receives besides its locals (EJS's own names). */
const EJS_NAMES = `
declare var locals: any;
declare var __output: string;
declare function __append(s: any): void;
declare function escapeFn(s: any): string;
declare function include(path: string, data?: any): string;
declare function rethrow(...args: any[]): never;
`;

/** Every `.ejs` file under `dir`. */
export function viewFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ejs')).map((f) => path.join(dir, f)).sort();
}

/**
 * The names each view uses without declaring them: neither its own variables, nor EJS's, nor
 * JavaScript's globals. Each view's compiled body is type-checked as plain JavaScript, and
 * every "Cannot find name" (or shorthand property without a value) is one such name.
 */
export function undeclaredNames(files: string[]): Map<string, string[]> {
  const sources = new Map<string, string>();
  files.forEach((file, i) => {
    const template = new (ejs as unknown as { Template: new (text: string, opts: object) => { generateSource(): void; source: string } }).Template(
      fs.readFileSync(file, 'utf8'),
      { strict: true, compileDebug: false, filename: file },
    );
    template.generateSource();
    // A function per view, named apart: views are scripts that share one global scope here.
    sources.set(`/views-check/v${i}.js`, `function __view${i}() {\n${template.source}\n}\n`);
  });
  sources.set('/views-check/ejs.d.ts', EJS_NAMES);
  const options: ts.CompilerOptions = { allowJs: true, checkJs: true, noEmit: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts'], types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => sources.get(name) ?? readFile(name);
  host.fileExists = (name) => sources.has(name) || ts.sys.fileExists(name);
  host.getSourceFile = (name, version) => {
    const text = sources.get(name);
    return text !== undefined ? ts.createSourceFile(name, text, version) : getSourceFile(name, version);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  const found = new Map<string, string[]>(files.map((f) => [f, []]));
  for (const d of program.getSemanticDiagnostics()) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    // A name read alone, or as a shorthand property (`{ pages }`).
    const name = /^(?:Cannot find name|No value exists in scope for the shorthand property) '([^']+)'/.exec(message)?.[1];
    const index = d.file ? /\/v(\d+)\.js$/.exec(d.file.fileName)?.[1] : undefined;
    if (!name || index === undefined) continue;
    const names = found.get(files[Number(index)])!;
    if (!names.includes(name)) names.push(name);
  }
  return found;
}
