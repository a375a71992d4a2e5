/**
 * The environment model built again after edits with a ModelMemo (what the language server does on
 * every keystroke) is the model built from nothing: on random edit sequences over every environment
 * fixture (kustomize with components, patches and configurations, Helm with fallbacks, Argo CD and
 * Flux), the findings placed from it too, and environments that read no edited file are taken as
 * they were. The edited file's own covered sites and findings, from only the environments that read
 * it (`only`), are those of the whole model. Edits include the ones that change the graph (a
 * resource added or removed, a kustomization's `images:`, a Chart.yaml, an Application, a file
 * renamed) and ones that move its entries without changing it (a comment line above them), some
 * typed in a row with only the edited file's environments built in between (a keystroke before the
 * pause), and builds told which files may declare an Application (the language server's hint) or not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { ModelMemo, type Workspace, type WorkspaceFile, buildModel, deployersOf, mayDeclareApp, placeFindings } from '../../server/src/core/env';
import { readFacts } from '../../server/src/core/env/read';
import { defaultConfig } from '../../server/src/core/config';
import { memoryWorkspace } from '../helpers/envWorkspace';
import { fixture } from '../helpers/paths';

/** Every fixture of test/fixtures/envs as one workspace, by relative path. */
function fixtures(): Record<string, string> {
  const root = fixture('envs');
  const out: Record<string, string> = {};
  for (const rel of fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const file = path.join(root, rel);
    if (fs.statSync(file).isFile() && /\.ya?ml$|Kustomization$/.test(rel)) out[rel.split(path.sep).join('/')] = fs.readFileSync(file, 'utf8');
  }
  return out;
}

/**
 * One edit of one line: a value changed (as typing does), the line removed, doubled or made
 * unparseable, a comment line inserted (what follows moves), a list entry added beside one (a
 * resource, patch, component or `images:` entry), or the file renamed.
 */
type Edit = { file: number; line: number; op: 'value' | 'delete' | 'double' | 'unparseable' | 'comment' | 'entry' | 'rename'; pause: boolean };

function apply(text: string, edit: Edit): string {
  const lines = text.split('\n');
  const i = edit.line % lines.length;
  const line = lines[i];
  if (edit.op === 'delete') lines.splice(i, 1);
  else if (edit.op === 'double') lines.splice(i, 0, line);
  else if (edit.op === 'unparseable') lines[i] = `${line} ]: [`;
  else if (edit.op === 'comment') lines.splice(i, 0, '# moved down');
  else if (edit.op === 'entry') {
    const at = lines.findIndex((l, j) => j >= i && /^\s*- /.test(l));
    if (at >= 0) lines.splice(at, 0, `${/^\s*/.exec(lines[at])![0]}- ${edit.line % 2 ? '../../base' : 'added.yaml'}`);
  }
  else {
    const at = line.lastIndexOf(':');
    lines[i] = at < 0 ? `${line}x` : `${line.slice(0, at + 1)}${line.slice(at + 1).trim() === 'edited' ? ' dev' : ' edited'}`;
  }
  return lines.join('\n');
}

/** The model as data (what a user sees of it), without the parser's tokens the places keep. */
function shape(model: ReturnType<typeof buildModel>): unknown {
  return JSON.parse(JSON.stringify({ ...model, covered: [...model.covered].map(([f, s]) => [f, [...s].sort((a, b) => a - b)]) }, (k, v) => (k === 'token' ? undefined : v)));
}

const CONFIG = defaultConfig('/repo');
const strip = (x: unknown) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'token' ? undefined : v)));
const context = (env: { rootFile: string; root: string; stage: string }) => ({ config: CONFIG, relativePath: env.rootFile.slice(6), alsoPaths: [env.root.slice(6)], today: '2026-11-30', stage: env.stage });

describe('environment model memo', () => {
  const start = fixtures();
  const names = Object.keys(start);

  it('after every edit of a random sequence, the model built with the memo is the model built from nothing', () => {
    const edit = fc.record({
      file: fc.nat(names.length - 1),
      line: fc.nat(60),
      op: fc.constantFrom<Edit['op']>('value', 'value', 'value', 'delete', 'double', 'unparseable', 'comment', 'entry', 'rename'),
      pause: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), fc.boolean(), (edits, hint) => {
        const files = { ...start };
        const current = [...names];
        const memo = new ModelMemo();
        const opts = (ws: Record<string, string>) => (hint ? { mayBeApp: (f: string) => mayDeclareApp(ws[f.slice('/repo/'.length)] ?? '') } : {});
        // With the hint, the workspace is given as the language server gives it: one list of files kept
        // and changed in place (an edited file's entry replaced), sites and facts by path.
        let listed: WorkspaceFile[] | undefined;
        const workspace = (): Workspace => {
          const ws = memoryWorkspace(files);
          if (!hint) return ws;
          if (!listed || listed.length !== ws.files.length || listed.some((f, i) => f.path !== ws.files[i].path)) listed = [...ws.files];
          else ws.files.forEach((f, i) => memo.changed.has(f.path) && (listed![i] = f));
          const byPath = new Map(listed.map((f) => [f.path, f.sites]));
          return { files: listed, text: ws.text, sitesOf: (f) => byPath.get(f), facts: (f) => (ws.text(f) === undefined ? undefined : readFacts(f, ws.text(f)!)) };
        };
        buildModel(workspace(), { memo, ...opts(files) });
        edits.forEach((e, n) => {
          let name = current[e.file];
          if (e.op === 'rename') {
            // kustomization.yaml ⇄ kustomization.yml; anything else moves beside itself.
            const to = name.endsWith('.yaml') ? name.replace(/\.yaml$/, '.yml') : name.replace(/\.yml$/, '.yaml').replace(/Kustomization$/, 'kustomization.yaml');
            if (to !== name && !(to in files)) {
              files[to] = files[name];
              delete files[name];
              memo.changed.add(`/repo/${name}`);
              current[e.file] = name = to;
            }
          } else files[name] = apply(files[name], e);
          memo.changed.add(`/repo/${name}`);
          const ws = workspace();
          // What the edited file's own findings need, from the environments that read it (before the whole build).
          const only = buildModel(ws, { memo, only: `/repo/${name}`, ...opts(files) });
          const fresh = buildModel(ws, opts(files));
          const own = (m: typeof fresh, verdicts?: ModelMemo['verdicts']) => ({
            covered: [...(m.covered.get(`/repo/${name}`) ?? [])].sort((a, b) => a - b),
            placed: strip(placeFindings(m, ws, context, undefined, verdicts).filter((f) => f.file === `/repo/${name}`)),
          });
          assert.deepEqual(own(only, memo.verdicts), own(fresh), `the edited file's findings after ${JSON.stringify(e)} of ${name}`);
          // Typing goes on: the whole model waits for a pause (and for the last edit).
          if (!e.pause && n < edits.length - 1) return;
          const kept = buildModel(ws, { memo, ...opts(files) });
          assert.deepEqual(shape(kept), shape(fresh), `after ${JSON.stringify(e)} of ${name}`);
          assert.deepEqual(strip(placeFindings(kept, ws, context, undefined, memo.verdicts)), strip(placeFindings(fresh, ws, context)), `findings after ${JSON.stringify(e)} of ${name}`);
        });
      }),
      { numRuns: Number(process.env.ENV_MEMO_RUNS ?? 150) },
    );
  });

  it('a keystroke in one overlay computes that environment again and takes the others as they were', () => {
    const files = { ...start };
    const memo = new ModelMemo();
    const before = buildModel(memoryWorkspace(files), { memo });
    const overlay = 'kustomize/overlays/dev/kustomization.yaml';
    files[overlay] = files[overlay].replace('newTag: dev', 'newTag: edited');
    memo.changed.add(`/repo/${overlay}`);
    const after = buildModel(memoryWorkspace(files), { memo });
    const byId = new Map(before.environments.map((e) => [e.id, e]));
    const redone = after.environments.filter((e) => e.images !== byId.get(e.id)?.images).map((e) => e.id);
    const reading = after.environments.filter((e) => e.files.includes(`/repo/${overlay}`)).map((e) => e.id);
    assert.ok(reading.length > 0 && reading.length < after.environments.length, `${overlay} is read by some environments: ${reading}`);
    assert.deepEqual(redone, reading);
    assert.ok(after.environments.some((e) => reading.includes(e.id) && e.images.some((i) => i.tag === 'edited')));
  });

  it("deployersOf (a hover's question, indexed by file once per model) answers as a walk over every image does, before and after edits", () => {
    const files = { ...start };
    const walk = (model: ReturnType<typeof buildModel>, file: string, site: number) =>
      model.environments.flatMap((env) =>
        env.images
          .filter((image) => {
            const p = image.provenance;
            return [p.base, p.name, p.registry, p.tag, p.digest, ...p.overrides].some((pl) => pl && pl.file === file && pl.site === site);
          })
          .map((image) => ({ env, image })),
      );
    let asked = 0;
    for (const round of [0, 1]) {
      if (round === 1) for (const name of names) files[name] = apply(files[name], { file: 0, line: 4, op: 'value', pause: true });
      const ws = memoryWorkspace(files);
      const model = buildModel(ws);
      for (const f of ws.files) {
        for (let site = 0; site < f.sites.length; site++) {
          const expected = walk(model, f.path, site);
          asked += expected.length;
          assert.deepEqual(deployersOf(model, f.path, site), expected, `${f.path} site ${site}`);
        }
      }
    }
    assert.ok(asked > 20, `sites deployed by environments were asked about: ${asked}`);
  });
});
