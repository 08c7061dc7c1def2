#!/usr/bin/env node
// A stand-in for the Azure CLI, for testing the shell scripts offline: it answers the few commands they use
// from a JSON state file (FAKE_AZ_STATE), applies --query with JMESPath as az does, and appends every call,
// with the content of any @parameters file, to FAKE_AZ_LOG as a JSON line. Anything else fails loudly.
'use strict';
const fs = require('node:fs');
const jmespath = require('jmespath');

const args = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(process.env.FAKE_AZ_STATE, 'utf8'));
const option = (name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const all = (name) => args.flatMap((arg, i) => (arg === name ? [args[i + 1]] : []));
const command = args.filter((arg) => !arg.startsWith('-')).slice(0, 3).join(' ');
const record = (extra = {}) => fs.appendFileSync(process.env.FAKE_AZ_LOG, `${JSON.stringify({ args, ...extra })}\n`);

function print(value) {
  const query = option('--query');
  const result = query ? jmespath.search(value, query) : value;
  if (option('-o') === 'tsv' || option('--output') === 'tsv') {
    if (result === null || result === undefined) return;
    const lines = Array.isArray(result) ? result : [result];
    process.stdout.write(lines.map((line) => (typeof line === 'object' ? Object.values(line).join('\t') : String(line))).join('\n') + '\n');
  } else if (option('--output') !== 'none') {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

function fail(message, code = 3) {
  process.stderr.write(`ERROR: ${message}\n`);
  process.exit(code);
}

record();
const group = option('--resource-group') ?? option('-g');
if (command.startsWith('account show')) print({ id: state.subscriptionId, name: state.subscriptionName });
else if (command.startsWith('group exists')) print(state.groupExists ?? true);
else if (command.startsWith('group create')) print({ name: option('--name') });
else if (command.startsWith('functionapp list')) print(state.functionApps ?? []);
else if (command.startsWith('functionapp config appsettings')) print(state.appSettings?.[option('--name')] ?? fail(`app ${option('--name')} not found`));
else if (command.startsWith('functionapp function show') || command.startsWith('functionapp function list')) {
  const functions = state.functions?.[option('--name')] ?? [];
  if (command.endsWith('show')) {
    const found = functions.find((fn) => fn.name.endsWith(`/${option('--function-name')}`));
    if (!found) fail(`function ${option('--function-name')} not found`);
    print(found);
  } else print(functions);
} else if (command.startsWith('keyvault list')) print(state.vaults ?? []);
else if (command.startsWith('resource show')) {
  const vault = (option('--parent') ?? '').replace(/^vaults\//, '');
  const name = option('--name');
  if (!(state.secrets?.[vault] ?? []).includes(name)) fail(`secret ${name} not found in ${vault}`);
  print({ id: `/subscriptions/${state.subscriptionId}/resourceGroups/${group}/providers/Microsoft.KeyVault/vaults/${vault}/secrets/${name}` });
} else if (command.startsWith('deployment group create')) {
  const parameters = {};
  for (const value of all('--parameters')) {
    if (value.startsWith('@')) Object.assign(parameters, JSON.parse(fs.readFileSync(value.slice(1), 'utf8')).parameters);
    else {
      const [key, ...rest] = value.split('=');
      parameters[key] = { value: rest.join('=') };
    }
  }
  record({ deployment: option('--name'), parameters });
} else if (command.startsWith('deployment group show')) print({ properties: { outputs: Object.fromEntries(Object.entries(state.outputs ?? {}).map(([k, v]) => [k, { value: v }])) } });
else fail(`fake az does not know: az ${args.join(' ')}`, 2);
