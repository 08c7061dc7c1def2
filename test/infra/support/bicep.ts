// Parses Bicep offline with tree-sitter-bicep (WASM) and answers structural questions about the tree.
// Syntax only: no type checking, no scope or reference resolution beyond what the helpers do here.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

export const repoRoot = path.resolve(__dirname, '../../..');
export const infraDir = path.join(repoRoot, 'infra');

export interface BicepFile {
  /** Path relative to the repository root, with forward slashes. */
  readonly rel: string;
  readonly abs: string;
  readonly source: string;
  readonly root: Node;
}

export interface ResourceDeclaration {
  readonly file: BicepFile;
  readonly symbol: string;
  readonly type: string;
  readonly apiVersion: string;
  readonly existing: boolean;
  /** Declared with `= if (...)`, directly or inside a loop. */
  readonly conditional: boolean;
  readonly condition: string | undefined;
  readonly loop: boolean;
  /** The resource body object. */
  readonly body: Node;
}

let parserPromise: Promise<Parser> | undefined;

function createParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(require.resolve('tree-sitter-bicep/tree-sitter-bicep.wasm'));
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

export function bicepPaths(): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.bicep')) found.push(full);
    }
  };
  walk(infraDir);
  return found.sort();
}

export async function parseBicepFile(abs: string): Promise<BicepFile> {
  const parser = await createParser();
  const source = readFileSync(abs, 'utf8');
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${abs}`);
  return { rel: path.relative(repoRoot, abs).split(path.sep).join('/'), abs, source, root: tree.rootNode };
}

export async function parseAllBicep(): Promise<BicepFile[]> {
  return Promise.all(bicepPaths().map((abs) => parseBicepFile(abs)));
}

/** ERROR and MISSING nodes as "line:column text" (1-based). */
export function syntaxProblems(root: Node): string[] {
  const problems: string[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      const { row, column } = node.startPosition;
      problems.push(`${row + 1}:${column + 1} ${node.isMissing ? `missing ${node.type}` : 'unexpected'} ${JSON.stringify(node.text.slice(0, 40))}`);
    }
    for (const child of node.children) visit(child);
  };
  visit(root);
  return problems;
}

export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((found): found is Node => found !== null);
}

/** The text of a string literal without interpolation, or undefined for anything else. */
export function stringLiteral(node: Node | undefined): string | undefined {
  if (node?.type !== 'string') return undefined;
  if (node.namedChildren.some((child) => child.type === 'interpolation')) return undefined;
  return node.namedChildren.map((child) => (child.type === 'escape_sequence' ? unescapeBicep(child.text) : child.text)).join('');
}

function unescapeBicep(sequence: string): string {
  const map: Record<string, string> = { '\\\\': '\\', "\\'": "'", '\\n': '\n', '\\r': '\r', '\\t': '\t', '\\$': '$' };
  return map[sequence] ?? sequence;
}

function propertyKey(property: Node): string | undefined {
  const key = property.namedChildren[0];
  if (!key) return undefined;
  return key.type === 'identifier' ? key.text : stringLiteral(key);
}

/** Keys of an object literal, in source order. */
export function objectKeys(object: Node): string[] {
  return object.namedChildren
    .filter((child) => child.type === 'object_property')
    .map((property) => propertyKey(property))
    .filter((key): key is string => key !== undefined);
}

/** The value node of `key` in an object literal. */
export function property(object: Node | undefined, key: string): Node | undefined {
  if (object?.type !== 'object') return undefined;
  for (const child of object.namedChildren) {
    if (child.type === 'object_property' && propertyKey(child) === key) return child.namedChildren[1];
  }
  return undefined;
}

/** Follows a dotted path of object keys, e.g. 'properties.filter.includedEventTypes'. */
export function propertyAt(object: Node | undefined, dottedPath: string): Node | undefined {
  let current = object;
  for (const key of dottedPath.split('.')) current = property(current, key);
  return current;
}

export function arrayItems(array: Node | undefined): Node[] {
  return array?.type === 'array' ? array.namedChildren.filter((child) => child.type !== 'comment') : [];
}

export function numberValue(node: Node | undefined): number | undefined {
  return node?.type === 'number' ? Number(node.text) : undefined;
}

export function resources(file: BicepFile): ResourceDeclaration[] {
  return descendants(file.root, 'resource_declaration').map((declaration) => {
    const [symbolNode, typeNode] = declaration.namedChildren;
    const typeAndVersion = stringLiteral(typeNode) ?? '';
    const [type = '', apiVersion = ''] = typeAndVersion.split('@');
    let value = declaration.namedChildren[declaration.namedChildren.length - 1];
    let loop = false;
    let condition: string | undefined;
    if (value?.type === 'for_statement') {
      loop = true;
      value = value.childForFieldName('body') ?? undefined;
    }
    if (value?.type === 'if_statement') {
      condition = value.namedChildren.find((child) => child.type === 'parenthesized_expression')?.text;
      value = value.namedChildren.find((child) => child.type === 'object');
    }
    if (value?.type !== 'object') throw new Error(`${file.rel}: resource ${symbolNode?.text ?? '?'} has no object body`);
    return {
      file,
      symbol: symbolNode?.text ?? '',
      type,
      apiVersion,
      existing: declaration.children.some((child) => child.type === 'existing'),
      conditional: condition !== undefined,
      condition,
      loop,
      body: value,
    };
  });
}

/** Top-level `var name = <value>` declarations. */
export function variables(file: BicepFile): Map<string, Node> {
  const found = new Map<string, Node>();
  for (const declaration of file.root.namedChildren.filter((child) => child.type === 'variable_declaration')) {
    const [name, value] = [declaration.namedChildren[0], declaration.namedChildren[declaration.namedChildren.length - 1]];
    if (name && value) found.set(name.text, value);
  }
  return found;
}

/** Default values of `param name type = <value>` declarations (undefined when there is none). */
export function parameterDefaults(file: BicepFile): Map<string, Node | undefined> {
  const found = new Map<string, Node | undefined>();
  for (const declaration of file.root.namedChildren.filter((child) => child.type === 'parameter_declaration')) {
    const name = declaration.namedChildren[0];
    const hasDefault = declaration.children.some((child) => child.type === '=');
    if (name) found.set(name.text, hasDefault ? declaration.namedChildren[declaration.namedChildren.length - 1] : undefined);
  }
  return found;
}

/** Resolves a string literal, a variable holding one, or `variable.key` on an object variable. */
export function resolveString(file: BicepFile, node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'string') return stringLiteral(node);
  const vars = variables(file);
  if (node.type === 'identifier') return resolveString(file, vars.get(node.text));
  if (node.type === 'member_expression') {
    const object = node.childForFieldName('object');
    const key = node.childForFieldName('property');
    if (object?.type === 'identifier' && key) return resolveString(file, property(vars.get(object.text), key.text));
  }
  return undefined;
}

/** Calls of a function by name, e.g. loadTextContent, with their arguments. */
export function callsOf(root: Node, functionName: string): Node[][] {
  return descendants(root, 'call_expression')
    .filter((call) => call.childForFieldName('function')?.text === functionName)
    .map((call) => call.childForFieldName('arguments')?.namedChildren ?? []);
}
