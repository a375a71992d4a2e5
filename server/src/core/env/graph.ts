/**
 * "Read the graph": which kustomizations include which resources, components and patches; which
 * folders are Helm charts and which values files are their environments; which Argo CD Applications
 * and Flux HelmReleases deploy a chart or kustomization of this workspace. Remote resources are
 * recorded and not followed; missing paths and cycles are problems, never fatal.
 */
import * as posix from 'node:path/posix';
import {
  AppFacts,
  AppSource,
  ChartFacts,
  FactsCache,
  FieldSpec,
  KustomizationFacts,
  Written,
} from './read';
import type { EnvironmentKind, GraphProblem, Workspace } from './types';

export const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export type Target =
  | { kind: 'file'; path: string; written: Written; from: string }
  | { kind: 'kustomization'; path: string; written: Written; from: string }
  | { kind: 'remote'; written: Written; from: string }
  | { kind: 'missing'; written: Written; from: string };

export interface KustomizationNode {
  file: string;
  dir: string;
  facts: KustomizationFacts;
  resources: Target[];
  components: Target[];
  patches: Target[];
  fieldSpecs: FieldSpec[];
}

export interface ChartNode {
  dir: string;
  chartFile: string;
  facts: ChartFacts;
  /** `values.yaml` (or `.yml`), when present. */
  defaults?: string;
  /** Environment values files beside the chart, with the `<env>` each names. */
  envFiles: Array<{ file: string; env: string }>;
}

export interface AppNode {
  facts: AppFacts;
  source: AppSource;
  target: { kind: 'chart'; chart: ChartNode } | { kind: 'kustomization'; node: KustomizationNode } | { kind: 'none'; why: string };
}

/** Where an environment starts. */
export interface EnvRoot {
  kind: EnvironmentKind;
  root: string;
  rootFile: string;
  /** The inferred stage name: overlay folder, values file `<env>`, Application name. */
  name: string;
  kustomization?: KustomizationNode;
  chart?: ChartNode;
  /** A Helm environment's own values file (absent: the chart's defaults alone). */
  valuesFile?: string;
  app?: AppNode;
}

export interface Graph {
  /** What was read of each file, shared with the overrides. */
  facts: FactsCache;
  kustomizations: Map<string, KustomizationNode>;
  charts: Map<string, ChartNode>;
  apps: AppNode[];
  roots: EnvRoot[];
  problems: GraphProblem[];
  /** The files the workspace listed. */
  known: Set<string>;
  /** Files other than kustomizations whose facts decided the structure: Chart.yaml, configurations, Applications. */
  structural: Set<string>;
}

const REMOTE = /^(?:[a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)|\?ref=|\/\/[^/]/i;

/** How paths named in kustomizations and Applications are found: listed files first, then `ws.text`. */
interface Lookup {
  known: Set<string>;
  kustomizationIn: (dir: string, listedOnly?: boolean) => string | undefined;
  resolve: (from: string, written: Written, allowFolder: boolean) => Target;
}

function lookup(ws: Workspace, known: Set<string>): Lookup {
  const exists = (p: string) => known.has(p) || ws.text(p) !== undefined;

  const kustomizationIn = (dir: string, listedOnly = false): string | undefined => {
    for (const n of KUSTOMIZATION_NAMES) {
      const p = posix.join(dir, n);
      if (known.has(p)) return p;
    }
    if (listedOnly) return undefined;
    for (const n of KUSTOMIZATION_NAMES) {
      const p = posix.join(dir, n);
      if (ws.text(p) !== undefined) return p;
    }
    return undefined;
  };

  const resolve = (from: string, written: Written, allowFolder: boolean): Target => {
    if (REMOTE.test(written.value)) return { kind: 'remote', written, from };
    const p = posix.resolve(posix.dirname(from), written.value);
    // A file of the workspace first: no look-ups for a kustomization inside a file's name.
    if (known.has(p)) return { kind: 'file', path: p, written, from };
    if (allowFolder) {
      const k = kustomizationIn(p);
      if (k) return { kind: 'kustomization', path: k, written, from };
    }
    if (/\.(ya?ml|json)$/.test(p) && exists(p)) return { kind: 'file', path: p, written, from };
    return { kind: 'missing', written, from };
  };
  return { known, kustomizationIn, resolve };
}

/** A kustomization's targets, resolved (the same targets for the same written paths, in a workspace listing the same files). */
function targetsOf(file: string, k: KustomizationFacts, look: Lookup): Pick<KustomizationNode, 'resources' | 'components' | 'patches'> {
  return {
    resources: k.resources.map((w) => look.resolve(file, w, true)),
    components: k.components.map((w) => look.resolve(file, w, true)),
    patches: k.patches.map((w) => look.resolve(file, w, false)),
  };
}

/**
 * A workspace's graph. `mayBeApp` says which files may hold an Application or HelmRelease (a cheap
 * text test the caller made while it had the text); without it every file's text is looked at.
 */
export function readGraph(ws: Workspace, opts: { mayBeApp?: (file: string) => boolean } = {}): Graph {
  const problems: GraphProblem[] = [];
  const known = new Set(ws.files.map((f) => f.path));
  const look = lookup(ws, known);
  const { kustomizationIn, resolve } = look;
  const facts = new FactsCache((f) => ws.facts?.(f), (f) => ws.text(f));
  const kustomizations = new Map<string, KustomizationNode>();

  const load = (file: string): KustomizationNode | undefined => {
    let node = kustomizations.get(file);
    if (node) return node;
    const k = facts.of(file, 'kustomization')?.kustomization;
    if (!k) return undefined;
    node = { file, dir: posix.dirname(file), facts: k, ...targetsOf(file, k, look), fieldSpecs: [] };
    kustomizations.set(file, node);
    for (const w of k.configurations) {
      const t = resolve(file, w, false);
      const cfg = t.kind === 'file' ? facts.of(t.path) : undefined;
      if (cfg) node.fieldSpecs.push(...cfg.fieldSpecs);
      else problems.push({ file, span: w.span, kind: t.kind === 'remote' ? 'remote' : 'missing', message: `configuration ${w.value} cannot be read` });
    }
    for (const t of [...node.resources, ...node.components, ...node.patches]) {
      if (t.kind === 'missing') problems.push({ file, span: t.written.span, kind: 'missing', message: `${t.written.value} does not exist (or holds no kustomization)` });
      else if (t.kind === 'remote') problems.push({ file, span: t.written.span, kind: 'remote', message: `${t.written.value} is remote: not followed` });
    }
    // What it includes is loaded by the caller's work list, not recursively: a chain thousands long is fine.
    for (const t of [...node.resources, ...node.components]) if (t.kind === 'kustomization' && !kustomizations.has(t.path)) pending.push(t.path);
    return node;
  };
  const pending: string[] = [];
  /** Loads a kustomization and everything it includes. */
  const loadAll = (file: string): KustomizationNode | undefined => {
    const node = load(file);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) load(next);
    return node;
  };
  for (const f of ws.files) if (KUSTOMIZATION_NAMES.includes(posix.basename(f.path))) loadAll(f.path);

  // Cycles: a kustomization that reaches itself. Reported once per cycle, at the entry that closes it.
  // Depth-first with an explicit stack (no recursion: a chain may be thousands long).
  const state = new Map<string, 'active' | 'done'>();
  for (const start of kustomizations.values()) {
    if (state.has(start.file)) continue;
    const frames: Array<{ node: KustomizationNode; next: number; targets: Target[] }> = [];
    const enter = (node: KustomizationNode) => {
      state.set(node.file, 'active');
      frames.push({ node, next: 0, targets: [...node.resources, ...node.components] });
    };
    enter(start);
    while (frames.length) {
      const top = frames[frames.length - 1];
      if (top.next >= top.targets.length) {
        state.set(top.node.file, 'done');
        frames.pop();
        continue;
      }
      const t = top.targets[top.next++];
      if (t.kind !== 'kustomization') continue;
      const s = state.get(t.path);
      if (s === 'active') problems.push({ file: top.node.file, span: t.written.span, kind: 'cycle', message: `${t.written.value} includes this kustomization again (a cycle): not followed` });
      else if (s === undefined) {
        const next = kustomizations.get(t.path);
        if (next) enter(next);
      }
    }
  }

  const included = new Set<string>();
  for (const node of kustomizations.values()) for (const t of [...node.resources, ...node.components]) if (t.kind === 'kustomization' && t.path !== node.file) included.add(t.path);

  const charts = readCharts(ws, known, facts);

  const apps: AppNode[] = [];
  for (const f of ws.files) {
    if (opts.mayBeApp && !opts.mayBeApp(f.path)) continue;
    for (const app of facts.of(f.path, 'apps')?.apps ?? []) {
      for (const source of app.sources) {
        const target = appTarget(f.path, source, charts, kustomizationIn, loadAll);
        apps.push({ facts: app, source, target });
        // A folder of plain manifests (or one outside the workspace) is not an environment we can read:
        // the Application's own references are then judged as written.
        if (target.kind === 'kustomization') included.add(target.node.file);
      }
    }
  }

  const roots: EnvRoot[] = [];
  for (const node of kustomizations.values()) {
    if (included.has(node.file) || node.facts.component) continue;
    roots.push({ kind: 'kustomize', root: node.dir, rootFile: node.file, name: posix.basename(node.dir), kustomization: node });
  }
  const deployed = new Set(apps.map((a) => (a.target.kind === 'chart' ? a.target.chart.dir : '')));
  for (const chart of charts.values()) {
    if (chart.envFiles.length === 0) {
      // A chart an Application deploys is an environment through it, not on its own defaults.
      if (deployed.has(chart.dir)) continue;
      if (chart.defaults) roots.push({ kind: 'helm', root: chart.defaults, rootFile: chart.defaults, name: 'default', chart });
    } else {
      for (const e of chart.envFiles) roots.push({ kind: 'helm', root: e.file, rootFile: e.file, name: e.env, chart, valuesFile: e.file });
    }
  }
  for (const app of apps) {
    if (app.target.kind === 'none') continue;
    const kind = app.facts.kind;
    const label = app.facts.name || posix.basename(app.facts.file).replace(/\.ya?ml$/, '');
    roots.push({ kind, root: app.facts.file, rootFile: app.facts.file, name: label, app });
  }
  const structural = new Set<string>([...[...charts.values()].map((c) => c.chartFile), ...apps.map((a) => a.facts.file)]);
  for (const node of kustomizations.values()) for (const w of node.facts.configurations) structural.add(posix.resolve(node.dir, w.value));
  return { facts, kustomizations, charts, apps, roots, problems, known, structural };
}

/**
 * Brings the graph of the previous build of the same workspace up to date with files whose text
 * changed since, when that leaves its structure as it was: the files listed are the same (the
 * caller checks), and no changed file is a Chart.yaml, a kustomize `configurations` file or one that
 * may declare an Application, and every changed kustomization names the same resources, components,
 * patches and configurations (its `images:` and the places of what it names may differ). Then the
 * changed kustomizations take their new facts (in place: roots and Applications hold the nodes) and
 * true is returned; false: read the graph again. The graph's facts forget the changed files.
 */
export function updateGraph(graph: Graph, ws: Workspace, changed: ReadonlySet<string>, opts: { mayBeApp?: (file: string) => boolean } = {}): boolean {
  graph.facts.rebind((f) => ws.facts?.(f), (f) => ws.text(f));
  for (const f of changed) graph.facts.forget(f);
  const patched: Array<{ node: KustomizationNode; facts: KustomizationFacts }> = [];
  for (const f of changed) {
    if (graph.structural.has(f) || posix.basename(f) === 'Chart.yaml') return false;
    const mayBeApp = opts.mayBeApp ? opts.mayBeApp(f) : (graph.facts.of(f, 'apps')?.apps?.length ?? 0) > 0;
    if (mayBeApp) return false;
    const node = graph.kustomizations.get(f);
    if (!node) {
      if (KUSTOMIZATION_NAMES.includes(posix.basename(f))) return false;
      continue;
    }
    const k = graph.facts.of(f, 'kustomization')?.kustomization;
    if (!k || !sameStructure(node.facts, k)) return false;
    patched.push({ node, facts: k });
  }
  if (patched.length === 0) return true;
  // A problem keeps its place: the span of the entry it is about, now where the new text has it.
  const moved = new Map<unknown, { start: number; end: number }>();
  for (const { node, facts } of patched) {
    const next = movedTargets(node, facts);
    const pairs: Array<[Written[], Written[]]> = [
      [node.facts.resources, facts.resources],
      [node.facts.components, facts.components],
      [node.facts.patches, facts.patches],
      [node.facts.configurations, facts.configurations],
    ];
    for (const [before, after] of pairs) before.forEach((w, i) => moved.set(w.span, after[i].span));
    node.facts = facts;
    Object.assign(node, next);
  }
  // Most keystrokes move no problem's entry: the list (every problem of the workspace) is made anew only when one moves.
  if (graph.problems.some((p) => moved.has(p.span))) graph.problems = graph.problems.map((p) => (moved.has(p.span) ? { ...p, span: moved.get(p.span)! } : p));
  return true;
}

/**
 * A kustomization's targets for a new reading of the same structure (sameStructure): the same
 * written paths resolve to the same targets (see targetsOf), now at the entries' new places.
 */
function movedTargets(node: KustomizationNode, k: KustomizationFacts): Pick<KustomizationNode, 'resources' | 'components' | 'patches'> {
  const moved = (targets: readonly Target[], written: readonly Written[]): Target[] => targets.map((t, i) => ({ ...t, written: written[i] }));
  return { resources: moved(node.resources, k.resources), components: moved(node.components, k.components), patches: moved(node.patches, k.patches) };
}

/** Whether two readings of a kustomization name the same files, in the same order, the same way. */
function sameStructure(a: KustomizationFacts, b: KustomizationFacts): boolean {
  const same = (x: Written[], y: Written[]) => x.length === y.length && x.every((w, i) => w.value === y[i].value);
  return a.component === b.component && same(a.resources, b.resources) && same(a.components, b.components) && same(a.patches, b.patches) && same(a.configurations, b.configurations);
}

/** `values-<env>.yaml`, `values.<env>.yaml`, `<env>-values.yaml`, `values/<env>.yaml`, `ci/<env>-values.yaml`. */
export function envOfValuesFile(chartDir: string, file: string): string | undefined {
  const rel = posix.relative(chartDir, file);
  let m: RegExpExecArray | null;
  if ((m = /^values[-.]([^/]+)\.ya?ml$/.exec(rel))) return m[1];
  if ((m = /^([^/]+)-values\.ya?ml$/.exec(rel))) return m[1];
  if ((m = /^values\/([^/]+)\.ya?ml$/.exec(rel))) return m[1];
  if ((m = /^ci\/([^/]+)-values\.ya?ml$/.exec(rel))) return m[1];
  return undefined;
}

/** The folders whose chart a values file can belong to: its own and the one above (`ci/`, `values/`), nearest first. */
export function chartDirsOf(file: string): [string, string] {
  const dir = posix.dirname(file);
  return [dir, posix.dirname(dir)];
}

function readCharts(ws: Workspace, known: Set<string>, facts: FactsCache): Map<string, ChartNode> {
  const charts = new Map<string, ChartNode>();
  for (const f of ws.files) {
    if (posix.basename(f.path) !== 'Chart.yaml') continue;
    const chart = facts.of(f.path, 'chart')?.chart;
    if (!chart) continue;
    const dir = posix.dirname(f.path);
    const defaults = ['values.yaml', 'values.yml'].map((n) => posix.join(dir, n)).find((p) => known.has(p));
    charts.set(dir, { dir, chartFile: f.path, facts: chart, defaults, envFiles: [] });
  }
  if (charts.size === 0) return charts;
  for (const f of ws.files) {
    for (const dir of chartDirsOf(f.path)) {
      const chart = charts.get(dir);
      if (!chart) continue;
      const env = envOfValuesFile(dir, f.path);
      if (env && f.path !== chart.defaults) chart.envFiles.push({ file: f.path, env });
      break;
    }
  }
  for (const chart of charts.values()) chart.envFiles.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return charts;
}

/** The folder an Application's `path` names: tried against every folder above the Application, as the repository root is not known. */
function appTarget(
  file: string,
  source: AppSource,
  charts: Map<string, ChartNode>,
  kustomizationIn: (dir: string, listedOnly?: boolean) => string | undefined,
  load: (file: string) => KustomizationNode | undefined,
): AppNode['target'] {
  const written = source.path.value;
  if (REMOTE.test(written)) return { kind: 'none', why: `${written} is remote: not followed` };
  // Files the workspace lists first, then (a kustomization the scan does not list) any file there.
  for (const listedOnly of [true, false]) {
    for (let dir = posix.dirname(file); ; dir = posix.dirname(dir)) {
      const p = posix.resolve(dir, written);
      const chart = charts.get(p);
      if (chart) return { kind: 'chart', chart };
      const k = kustomizationIn(p, listedOnly);
      if (k) {
        const node = load(k);
        if (node) return { kind: 'kustomization', node };
      }
      if (posix.dirname(dir) === dir) break;
    }
  }
  return { kind: 'none', why: `${written} is not a chart or kustomization folder of this workspace` };
}
