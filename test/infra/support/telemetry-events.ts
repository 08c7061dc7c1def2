// Reads from the TypeScript of src/ every custom event the app can emit: each telemetry.trackEvent(...) call and,
// for calls whose event name is taken from a union of event objects (the domain's milestones), every member of it.
// For each event, the dimensions whose values are a closed set of string literals, with those values.
import path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './bicep';

export interface EmittedEvent {
  readonly name: string;
  /** Dimension name -> every value the code can give it; dimensions with open string values are left out. */
  readonly dimensions: Readonly<Record<string, readonly string[]>>;
  /** Where it is emitted, "file:line", for messages. */
  readonly sources: readonly string[];
}

function program(): ts.Program {
  const configPath = path.join(repoRoot, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot);
  const srcDir = path.join(repoRoot, 'src') + path.sep;
  return ts.createProgram(parsed.fileNames.filter((file) => path.resolve(file).startsWith(srcDir)), parsed.options);
}

/** The string literal values of a type, or undefined when it admits any other value (string, number, object...). */
function literalValues(type: ts.Type): string[] | undefined {
  const members = type.isUnion() ? type.types : [type];
  const values: string[] = [];
  for (const member of members) {
    if (member.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)) continue;
    if (!member.isStringLiteral()) return undefined;
    values.push(member.value);
  }
  return values.length > 0 ? values : undefined;
}

export function emittedEvents(): EmittedEvent[] {
  const prog = program();
  const checker = prog.getTypeChecker();
  const found = new Map<string, { dimensions: Map<string, Set<string>>; open: Set<string>; sources: Set<string> }>();
  /** `null` marks a dimension some call gives an open string: then it is open for the event as a whole. */
  const add = (name: string, dimensions: Record<string, string[] | null>, source: string) => {
    const entry = found.get(name) ?? { dimensions: new Map<string, Set<string>>(), open: new Set<string>(), sources: new Set<string>() };
    for (const [key, values] of Object.entries(dimensions)) {
      if (values === null) {
        entry.open.add(key);
        continue;
      }
      const set = entry.dimensions.get(key) ?? new Set<string>();
      for (const value of values) set.add(value);
      entry.dimensions.set(key, set);
    }
    entry.sources.add(source);
    found.set(name, entry);
  };

  /** Dimensions of the properties argument: per property, the literal values its expression can take. */
  const dimensionsOf = (argument: ts.Expression | undefined): Record<string, string[] | null> => {
    if (!argument) return {};
    const out: Record<string, string[] | null> = {};
    if (ts.isObjectLiteralExpression(argument)) {
      for (const property of argument.properties) {
        if (ts.isPropertyAssignment(property)) {
          out[property.name.getText()] = literalValues(checker.getTypeAtLocation(property.initializer)) ?? null;
        } else if (ts.isShorthandPropertyAssignment(property)) {
          const symbol = checker.getShorthandAssignmentValueSymbol(property);
          out[property.name.getText()] = (symbol && literalValues(checker.getTypeOfSymbolAtLocation(symbol, property))) ?? null;
        } else {
          throw new Error(`${where(argument)}: spread or method in trackEvent properties; teach telemetry-events.ts`);
        }
      }
      return out;
    }
    const type = checker.getTypeAtLocation(argument);
    for (const symbol of type.getProperties()) out[symbol.getName()] = literalValues(checker.getTypeOfSymbolAtLocation(symbol, argument)) ?? null;
    return out;
  };

  const where = (node: ts.Node) => {
    const file = node.getSourceFile();
    return `${path.relative(repoRoot, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  };

  /** `const { name, ...rest } = x` with x a union of event objects: each member, its name and literal fields. */
  const destructuredUnion = (nameArgument: ts.Identifier): boolean => {
    const declaration = checker.getSymbolAtLocation(nameArgument)?.declarations?.[0];
    if (!declaration || !ts.isBindingElement(declaration) || !ts.isObjectBindingPattern(declaration.parent)) return false;
    const variable = declaration.parent.parent;
    if (!ts.isVariableDeclaration(variable) || !variable.initializer) return false;
    const source = checker.getTypeAtLocation(variable.initializer);
    for (const member of source.isUnion() ? source.types : [source]) {
      const nameSymbol = member.getProperty('name');
      const names = nameSymbol ? literalValues(checker.getTypeOfSymbolAtLocation(nameSymbol, variable)) : undefined;
      if (!names) return false;
      const dimensions: Record<string, string[] | null> = {};
      for (const property of member.getProperties()) {
        if (property.getName() !== 'name') dimensions[property.getName()] = literalValues(checker.getTypeOfSymbolAtLocation(property, variable)) ?? null;
      }
      for (const name of names) add(name, dimensions, where(nameArgument));
    }
    return true;
  };

  for (const file of prog.getSourceFiles()) {
    if (file.isDeclarationFile || !path.resolve(file.fileName).startsWith(path.join(repoRoot, 'src'))) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 'trackEvent') {
        const [nameArgument, properties] = node.arguments;
        if (nameArgument && ts.isStringLiteralLike(nameArgument)) add(nameArgument.text, dimensionsOf(properties), where(node));
        else if (!(nameArgument && ts.isIdentifier(nameArgument) && destructuredUnion(nameArgument))) {
          throw new Error(`${where(node)}: trackEvent with an event name this reader cannot resolve; teach telemetry-events.ts`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return [...found]
    .map(([name, entry]) => ({
      name,
      dimensions: Object.fromEntries([...entry.dimensions].filter(([key]) => !entry.open.has(key)).map(([key, values]) => [key, [...values].sort()])),
      sources: [...entry.sources].sort(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}
