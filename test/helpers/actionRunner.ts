/**
 * Runs the committed GitHub Action (action/index.js) the way the runner does: `node` on the file
 * action.yml names, every input as `INPUT_<NAME>` (upper case, spaces as `_`, hyphens kept) with
 * action.yml's default when the workflow gives none, and the GITHUB_* files of a job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './paths';
import { Run, run } from './cliRun';

export interface ActionManifest {
  runs: { using: string; main: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
}

export const ACTION_MANIFEST = parse(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionManifest;

export interface ActionRun extends Run {
  /** The outputs the step set (GITHUB_OUTPUT). */
  outputs: Record<string, string>;
  /** What it appended to the job summary (GITHUB_STEP_SUMMARY). */
  summary: string;
}

/** Parses a GITHUB_OUTPUT file: `name=value` lines and `name<<DELIMITER` … `DELIMITER` blocks. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return outputs;
}

/** Runs the action in `workspace` with the inputs a workflow's `with:` gives; `temp` holds the job's files. */
export async function runAction(workspace: string, temp: string, withInputs: Record<string, string>): Promise<ActionRun> {
  for (const name of Object.keys(withInputs)) if (!(name in ACTION_MANIFEST.inputs)) throw new Error(`action.yml has no input "${name}"`);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('INPUT_') && !k.startsWith('GITHUB_')) env[k] = v;
  for (const [name, input] of Object.entries(ACTION_MANIFEST.inputs)) {
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = withInputs[name] ?? input.default ?? '';
  }
  fs.mkdirSync(temp, { recursive: true });
  const outputFile = path.join(temp, `output-${Date.now()}-${Math.random()}`);
  const summaryFile = path.join(temp, `summary-${Date.now()}-${Math.random()}`);
  fs.writeFileSync(outputFile, '');
  fs.writeFileSync(summaryFile, '');
  Object.assign(env, {
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: temp,
    XDG_CACHE_HOME: path.join(temp, 'cache'),
  });
  // The runner starts the action with its own working folder; the action must go by GITHUB_WORKSPACE.
  const r = await run(process.execPath, [path.join(REPO_ROOT, ACTION_MANIFEST.runs.main)], { cwd: temp, env });
  return { ...r, outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')), summary: fs.readFileSync(summaryFile, 'utf8') };
}
