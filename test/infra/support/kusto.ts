// Parses and analyses KQL offline with the Kusto language service (a Bridge.NET build of
// Kusto.Language), against a hand-written subset of the Application Insights classic schema.
import '@kusto/language-service-next/bridge.js';
import '@kusto/language-service-next/Kusto.Language.Bridge.js';

interface DotNetList<T> {
  readonly Count: number;
  getItem(index: number): T;
}
interface Diagnostic {
  readonly Start: number;
  readonly Severity: string | null;
  readonly Message: string | null;
}
interface Column {
  readonly Name: string;
}
interface KustoCode {
  GetDiagnostics(): DotNetList<Diagnostic> | null;
  readonly ResultType: { readonly Columns?: DotNetList<Column> } | null;
}
interface KustoApi {
  Language: {
    KustoCode: { Parse(text: string): KustoCode; ParseAndAnalyze(text: string, globals: unknown): KustoCode };
    GlobalState: { Default: { WithDatabase(database: unknown): unknown } };
    Symbols: {
      TableSymbol: { $ctor7: new (name: string, schema: string, description: string | null) => unknown };
      DatabaseSymbol: { ctor: new (name: string, members: unknown[]) => unknown };
    };
  };
}

const kusto = (globalThis as unknown as { Kusto: KustoApi }).Kusto;
const symbols = kusto.Language.Symbols;

/** Columns the queries may use; customDimensions/customMeasurements are dynamic bags. */
export const appInsightsTables = {
  customEvents:
    '(timestamp:datetime, name:string, itemType:string, customDimensions:dynamic, customMeasurements:dynamic, ' +
    'operation_Name:string, operation_Id:string, operation_ParentId:string, session_Id:string, user_Id:string, ' +
    'cloud_RoleName:string, cloud_RoleInstance:string, appName:string, itemId:string, itemCount:int)',
  requests:
    '(timestamp:datetime, id:string, name:string, url:string, success:bool, resultCode:string, duration:real, ' +
    'performanceBucket:string, itemType:string, customDimensions:dynamic, customMeasurements:dynamic, ' +
    'operation_Name:string, operation_Id:string, cloud_RoleName:string, cloud_RoleInstance:string, itemCount:int)',
} as const;

const globals = kusto.Language.GlobalState.Default.WithDatabase(
  new symbols.DatabaseSymbol.ctor(
    'appinsights',
    Object.entries(appInsightsTables).map(([name, schema]) => new symbols.TableSymbol.$ctor7(name, schema, null)),
  ),
);

function messages(list: DotNetList<Diagnostic> | null, text: string): string[] {
  const out: string[] = [];
  for (let index = 0; index < (list?.Count ?? 0); index += 1) {
    const diagnostic = list?.getItem(index);
    if (!diagnostic) continue;
    const line = text.slice(0, diagnostic.Start).split('\n').length;
    out.push(`line ${line}: ${diagnostic.Severity ?? '?'} ${diagnostic.Message ?? ''}`);
  }
  return out;
}

/** Syntax errors only. */
export function kqlSyntaxDiagnostics(text: string): string[] {
  return messages(kusto.Language.KustoCode.Parse(text).GetDiagnostics(), text);
}

/** Syntax and semantic errors (unknown tables/columns/functions, type errors) against the schema above. */
export function kqlSemanticDiagnostics(text: string): string[] {
  return messages(kusto.Language.KustoCode.ParseAndAnalyze(text, globals).GetDiagnostics(), text);
}

/** Names of the columns the query returns. */
export function kqlResultColumns(text: string): string[] {
  const columns = kusto.Language.KustoCode.ParseAndAnalyze(text, globals).ResultType?.Columns;
  const names: string[] = [];
  for (let index = 0; index < (columns?.Count ?? 0); index += 1) {
    const column = columns?.getItem(index);
    if (column) names.push(column.Name);
  }
  return names;
}

interface LexicalToken {
  readonly Kind: number;
  readonly Text: string | null;
}
const syntaxKinds = (globalThis as unknown as { Kusto: { Language: { Syntax: { SyntaxKind: Record<string, number> } } } }).Kusto.Language.Syntax.SyntaxKind;

/** The values of the query's string literals, from the Kusto lexer: text in comments is not a literal. */
export function kqlStringLiterals(text: string): string[] {
  // Bridge.NET hands this IReadOnlyList over as a plain array.
  const code = kusto.Language.KustoCode.Parse(text) as unknown as { GetLexicalTokens(): readonly LexicalToken[] | null };
  const literals: string[] = [];
  for (const token of code.GetLexicalTokens() ?? []) {
    if (token.Kind !== syntaxKinds.StringLiteralToken || !token.Text) continue;
    // 'x', "x" and verbatim @'x' / @"x"; the queries use no escapes inside event names and reasons.
    literals.push(token.Text.replace(/^[@hH]?(['"])([\s\S]*)\1$/, '$2'));
  }
  return literals;
}
