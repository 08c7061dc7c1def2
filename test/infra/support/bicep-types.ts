// Checks Bicep resource bodies against the vendored Azure/bicep-types-az type entries: unknown property names,
// values outside a closed set of allowed strings, read-only properties set, required ones missing, literals of
// the wrong kind. Expressions (parameters, function calls, interpolation) are not evaluated and pass.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Node } from 'web-tree-sitter';
import { repoRoot, stringLiteral, type ResourceDeclaration } from './bicep';

export const vendoredTypesPath = path.join(repoRoot, 'test/infra/types/bicep-types.json');

/** One entry of a types.json array, as bicep-types writes it. */
export interface TypeEntry {
  readonly $type: string;
  readonly [key: string]: unknown;
}
interface Ref {
  readonly $ref: string;
}
interface Property {
  readonly type: Ref;
  readonly flags: number;
}
export interface VendoredTypes {
  readonly source: { readonly repository: string; readonly commit: string; readonly license: string; readonly note: string };
  readonly resources: Record<string, { readonly path: string; readonly root: number; readonly types: Record<string, TypeEntry> }>;
}

/** bicep-types ObjectTypePropertyFlags. */
const REQUIRED = 1;
const READ_ONLY = 2;
/** Keys of a resource body that are Bicep's own, not the resource type's. */
const BICEP_KEYWORDS = new Set(['parent', 'scope', 'dependsOn']);

export function loadVendoredTypes(): VendoredTypes {
  return JSON.parse(readFileSync(vendoredTypesPath, 'utf8')) as VendoredTypes;
}

const index = (ref: Ref) => ref.$ref.replace(/^#\//, '');

export class TypeChecker {
  constructor(private readonly vendored: VendoredTypes) {}

  /** Problems in one resource declaration's body, each as "<path>: <message>". */
  check(resource: ResourceDeclaration): string[] {
    const pair = `${resource.type}@${resource.apiVersion}`;
    const entry = Object.entries(this.vendored.resources).find(([key]) => key.toLowerCase() === pair.toLowerCase())?.[1];
    if (!entry) return [`${pair}: not in the vendored types (run test/infra/support/vendor-bicep-types.ts)`];
    const root = entry.types[String(entry.root)];
    if (root?.$type !== 'ResourceType') return [`${pair}: vendored root is not a ResourceType`];
    const problems: string[] = [];
    const context = { types: entry.types, problems, existing: resource.existing };
    this.value(context, resource.body, root.body as Ref, '', true);
    return problems;
  }

  private value(context: Context, node: Node | null | undefined, ref: Ref, at: string, topLevel = false): void {
    if (!node) return;
    const type = context.types[index(ref)];
    if (!type) {
      context.problems.push(`${at}: type ${ref.$ref} missing from the vendored entries`);
      return;
    }
    switch (node.type) {
      case 'parenthesized_expression':
        return this.value(context, node.namedChildren.find((child) => child.type !== 'comment'), ref, at);
      case 'ternary_expression': {
        const [, consequence, alternative] = node.namedChildren.filter((child) => child.type !== 'comment');
        this.value(context, consequence, ref, at);
        this.value(context, alternative, ref, at);
        return;
      }
      case 'null':
        return;
    }
    switch (type.$type) {
      case 'AnyType':
        return;
      case 'UnionType':
        return this.union(context, node, type.elements as Ref[], at);
      case 'ObjectType':
        if (node.type === 'object') return this.object(context, node, type, at, topLevel);
        return this.kind(context, node, 'an object', at);
      case 'DiscriminatedObjectType':
        if (node.type === 'object') return this.discriminated(context, node, type, at, topLevel);
        return this.kind(context, node, 'an object', at);
      case 'ArrayType':
        if (node.type === 'array') {
          node.namedChildren.filter((item) => item.type !== 'comment').forEach((item, i) => this.value(context, item, type.itemType as Ref, `${at}[${i}]`));
          return;
        }
        if (node.type === 'for_statement') return this.value(context, node.childForFieldName('body'), type.itemType as Ref, `${at}[for]`);
        return this.kind(context, node, 'an array', at);
      case 'StringType': {
        const text = stringLiteral(node);
        if (text !== undefined) {
          if (typeof type.minLength === 'number' && text.length < type.minLength) context.problems.push(`${at}: '${text}' is shorter than ${type.minLength}`);
          if (typeof type.maxLength === 'number' && text.length > type.maxLength) context.problems.push(`${at}: '${text}' is longer than ${type.maxLength}`);
          return;
        }
        return this.kind(context, node, 'a string', at);
      }
      case 'StringLiteralType': {
        const text = stringLiteral(node);
        if (text !== undefined && text.toLowerCase() !== String(type.value).toLowerCase()) {
          context.problems.push(`${at}: '${text}' is not '${String(type.value)}'`);
        }
        return this.kind(context, node, 'a string', at);
      }
      case 'IntegerType':
        if (node.type === 'number') {
          const value = Number(node.text);
          if (typeof type.minValue === 'number' && value < type.minValue) context.problems.push(`${at}: ${value} is below ${type.minValue}`);
          if (typeof type.maxValue === 'number' && value > type.maxValue) context.problems.push(`${at}: ${value} is above ${type.maxValue}`);
          return;
        }
        return this.kind(context, node, 'an integer', at);
      case 'BooleanType':
        if (node.type === 'boolean') return;
        return this.kind(context, node, 'a boolean', at);
      default:
        return;
    }
  }

  /** A literal of the wrong kind is a problem; an expression cannot be judged here and passes. */
  private kind(context: Context, node: Node, expected: string, at: string): void {
    const literalKinds: Record<string, string> = { object: 'an object', array: 'an array', number: 'an integer', boolean: 'a boolean' };
    const actual = node.type === 'string' ? 'a string' : literalKinds[node.type];
    if (actual && actual !== expected) context.problems.push(`${at}: ${actual} where the type wants ${expected}`);
  }

  private union(context: Context, node: Node, elements: readonly Ref[], at: string): void {
    const attempts = elements.map((element) => {
      const trial: Context = { ...context, problems: [] };
      this.value(trial, node, element, at);
      return trial.problems;
    });
    if (attempts.some((problems) => problems.length === 0)) return;
    const literal = stringLiteral(node);
    const allowed = elements.map((element) => context.types[index(element)]).filter((type) => type?.$type === 'StringLiteralType');
    if (literal !== undefined && allowed.length > 0) {
      context.problems.push(`${at}: '${literal}' is not one of ${allowed.map((type) => `'${String(type?.value)}'`).join(', ')}`);
      return;
    }
    // Objects: report against the closest member, the one with the fewest problems.
    context.problems.push(...(attempts.sort((a, b) => a.length - b.length)[0] ?? []));
  }

  private object(context: Context, node: Node, type: TypeEntry, at: string, topLevel: boolean): void {
    this.properties(context, node, (type.properties ?? {}) as Record<string, Property>, type.additionalProperties as Ref | undefined, at, topLevel);
  }

  private discriminated(context: Context, node: Node, type: TypeEntry, at: string, topLevel: boolean): void {
    const discriminator = String(type.discriminator);
    const base = (type.baseProperties ?? {}) as Record<string, Property>;
    const elements = type.elements as Record<string, Ref>;
    const valueNode = propertyNode(node, discriminator);
    const value = stringLiteral(valueNode);
    const match = value === undefined ? undefined : Object.keys(elements).find((key) => key.toLowerCase() === value.toLowerCase());
    if (value !== undefined && match === undefined) {
      context.problems.push(`${at}${at ? '.' : ''}${discriminator}: '${value}' is not one of ${Object.keys(elements).map((key) => `'${key}'`).join(', ')}`);
      return;
    }
    const chosen = match === undefined ? Object.values(elements) : [elements[match] as Ref];
    const properties: Record<string, Property> = { ...base };
    for (const element of chosen) Object.assign(properties, (context.types[index(element)]?.properties ?? {}) as Record<string, Property>);
    if (match === undefined) {
      // Unknown variant: judge names only, against every variant's properties.
      this.properties({ ...context, existing: true }, node, properties, undefined, at, topLevel);
      return;
    }
    this.properties(context, node, properties, undefined, at, topLevel);
  }

  private properties(context: Context, node: Node, properties: Record<string, Property>, additional: Ref | undefined, at: string, topLevel: boolean): void {
    const seen = new Set<string>();
    for (const child of node.namedChildren.filter((candidate) => candidate.type === 'object_property')) {
      const keyNode = child.namedChildren[0];
      const key = keyNode?.type === 'identifier' ? keyNode.text : stringLiteral(keyNode);
      if (key === undefined) continue;
      if (topLevel && BICEP_KEYWORDS.has(key)) continue;
      const where = at ? `${at}.${key}` : key;
      const name = Object.keys(properties).find((candidate) => candidate === key) ?? Object.keys(properties).find((candidate) => candidate.toLowerCase() === key.toLowerCase());
      const value = child.namedChildren[1];
      if (name === undefined) {
        if (additional) this.value(context, value, additional, where);
        else context.problems.push(`${where}: no such property (known: ${Object.keys(properties).join(', ')})`);
        continue;
      }
      seen.add(name);
      const property = properties[name] as Property;
      if (property.flags & READ_ONLY && !(property.flags & REQUIRED)) context.problems.push(`${where}: read-only, it cannot be set`);
      this.value(context, value, property.type, where);
    }
    if (context.existing) return;
    for (const [name, property] of Object.entries(properties)) {
      if (property.flags & REQUIRED && !(property.flags & READ_ONLY) && !seen.has(name)) {
        context.problems.push(`${at ? `${at}.` : ''}${name}: required, missing`);
      }
    }
  }
}

interface Context {
  readonly types: Record<string, TypeEntry>;
  readonly problems: string[];
  /** `existing` resources only name what they refer to, so nothing is required of them. */
  readonly existing: boolean;
}

function propertyNode(object: Node, key: string): Node | undefined {
  for (const child of object.namedChildren) {
    if (child.type !== 'object_property') continue;
    const keyNode = child.namedChildren[0];
    const name = keyNode?.type === 'identifier' ? keyNode.text : stringLiteral(keyNode);
    if (name?.toLowerCase() === key.toLowerCase()) return child.namedChildren[1] ?? undefined;
  }
  return undefined;
}
