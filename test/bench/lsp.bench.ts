/**
 * `npm run bench:lsp`: the language server's latency through the real server process over LSP
 * (stdio), next to the `yaml` package parsing the same text in this run on this machine.
 *
 * Documents alone (an empty workspace folder):
 * - didChange → publishDiagnostics for single YAML documents of 100, 2,000 and 50,000 lines (every
 *   edit re-parses the whole document), and for a 2,000-line file of many small documents;
 * - a 6 MB multi-document manifest: opening it, and an edit inside one of its documents (only that
 *   document is parsed again);
 * - hover latency on a small document while a 5 MB document is being checked.
 * In a workspace of realistic size (lspWorkspace.ts; measured once the server's start-up index is done):
 * - first diagnostics after opening a manifest;
 * - a keystroke in a kustomize overlay (its base open too), in that base, and in a chart's 200 KB
 *   values file read by its environments;
 * - hover and code actions on the base's image.
 * Besides wall time from request to answer, the server process's CPU time (all its threads) per
 * operation, which includes work an edit leaves for after its diagnostics (re-judging other files).
 *
 * `BASELINE_SERVER=<another build>/out/server/src/lsp/main.js` runs every scenario against that
 * server too, in alternating rounds (`LSP_BENCH_ROUNDS`, default 3), and prints medians over the rounds
 * and ratios (this ÷ baseline). `LSP_BENCH_ONLY=documents|workspace` runs one half, `LSP_BENCH_SCALE` scales the
 * realistic profile (default 1);
 * `LSP_BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR'` profiles the servers.
 * The server runs with `debounceMs: 0` so the debounce is not measured, in an untrusted workspace so
 * that it asks no registry.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { NO_DOCKER_CONFIG, TestClient, rangeOf } from '../lsp/lspClient';
import { type BenchWorkspace, writeBenchWorkspace } from './lspWorkspace';

const TAGS = ['1.27.3', 'latest', 'v2.4.1', 'dev', 'sha-3f9c2a1', '16.4-alpine'];
const DIGEST = 'sha256:' + 'ab12'.repeat(16);

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function stats(values: number[]): { p50: number; p99: number } {
  return { p50: percentile(values, 50), p99: percentile(values, 99) };
}

/** One YAML document (a List of Pods) of about `lines` lines; every container has an image. */
function singleDocument(lines: number): string {
  const parts = ['apiVersion: v1\nkind: List\nitems:\n'];
  for (let i = 0, n = 3; n < lines; i++, n += 10) {
    parts.push(`  - apiVersion: v1\n    kind: Pod\n    metadata:\n      name: pod-${i}\n      labels: {app: app-${i % 40}}\n    spec:\n      containers:\n        - name: main\n          image: registry.example.com/team-${i % 17}/app-${i}:${TAGS[i % TAGS.length]}${i % 5 === 0 ? `@${DIGEST}` : ''}\n          ports: [{containerPort: 8080}]\n`);
  }
  return parts.join('');
}

/** One YAML document of about `bytes` bytes. */
function singleDocumentOfSize(bytes: number): string {
  return singleDocument(Math.ceil(bytes / 26));
}

/** A manifest of `count` small documents (Deployment + Service pairs). */
function manyDocuments(lines: number): string {
  const parts: string[] = [];
  for (let i = 0, n = 0; n < lines; i++) {
    const doc = deployment(i) + service(i);
    parts.push(doc);
    n += doc.split('\n').length - 1;
  }
  return parts.join('');
}

function deployment(i: number): string {
  return `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  labels: {app: svc-${i}, team: team-${i % 17}}
spec:
  replicas: ${1 + (i % 3)}
  selector:
    matchLabels: {app: svc-${i}}
  template:
    metadata:
      labels: {app: svc-${i}}
    spec:
      containers:
        - name: app
          image: registry.example.com/team-${i % 17}/svc-${i}:${TAGS[i % TAGS.length]}${i % 5 === 0 ? `@${DIGEST}` : ''}
          ports: [{containerPort: 8080}]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
        - name: proxy
          image: "envoyproxy/envoy:v1.31.${i % 9}@${DIGEST}"
`;
}

function service(i: number): string {
  return `---
apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
spec:
  selector: {app: svc-${i}}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: svc-${i}-config
data:
  LOG_LEVEL: info
  FEATURE_FLAGS: "a,b,c"
  image.note: "images are set in the Deployment"
`;
}

/** A CustomResourceDefinition of about `kb` KiB whose schema mentions image fields (operator bundles). */
function crd(i: number, kb: number): string {
  let props = '';
  for (let n = 0; props.length < kb * 1024; n++) {
    props += `                field${n}:\n                  type: object\n                  description: Settings for component ${n}; its image field names the container image.\n                  properties:\n                    image: {type: string}\n                    imagePullPolicy: {type: string}\n`;
  }
  return `---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things${i}.example.com\nspec:\n  group: example.com\n  names: {kind: Thing${i}, plural: things${i}}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n            spec:\n              type: object\n              properties:\n${props}`;
}

/** About `mb` MB the way a rendered platform looks: workloads, services, config maps and CRD bundles. */
function manifest(mb: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < mb * 1024 * 1024; i++) {
    const part = i % 60 === 59 ? crd(i, 96) : deployment(i) + service(i);
    parts.push(part);
    size += part.length;
  }
  return parts.join('');
}

/**
 * Times didChange → publishDiagnostics for `runs` edits of one line's value (what follows its last
 * colon: an image's tag, or a key's value), alternating between `edited` and what was there.
 */
async function timeEdits(client: TestClient, uri: string, runs: number, line: number): Promise<number[]> {
  const original = client.document(uri).getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
  const at = original.lastIndexOf(':');
  const was = original.slice(at + 1, original.endsWith('\n') ? -1 : undefined);
  const edited = was.startsWith(' ') ? ' edited' : 'edited';
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const text = client.document(uri).getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
    const started = process.hrtime.bigint();
    const version = await client.change(uri, `${run % 2 === 0 ? edited : was}\n`, { start: { line, character: at + 1 }, end: { line: line + 1, character: 0 } });
    await client.diagnosticsFor(uri, { version, timeoutMs: 120_000 });
    times.push(ms(started));
    if (!text.startsWith(original.slice(0, at + 1))) throw new Error(`line ${line} of ${uri} moved`);
  }
  return times;
}

async function timeRequests(runs: number, request: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    await request();
    times.push(ms(started));
  }
  return times;
}

function bareParse(text: string, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    parseAllDocuments(text);
    times.push(ms(started));
  }
  return times;
}

function lineWith(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`no ${needle}`);
  return text.slice(0, at).split('\n').length - 1;
}

/** One scenario's figures in one run of one server. */
interface Measure {
  p50: number;
  p99: number;
  /** The server process's CPU milliseconds (every thread) per operation. */
  cpu: number;
  ops: number;
  size: string;
  findings?: number;
  /** The `yaml` package parsing the same text in the bench process, p50 (ms). */
  bare?: number;
}

const CLOCK_TICKS = Number(process.env.CLK_TCK ?? 100);

/** CPU milliseconds a process has used (user + system), from /proc; NaN where there is none. */
function cpuOf(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** The process's resident memory in MB, from /proc; NaN where there is none. */
function rssOf(pid: number | undefined): number {
  try {
    const kb = /^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

class Recorder {
  readonly results = new Map<string, Measure>();
  constructor(private readonly client: TestClient) {}

  /** Runs `work` (which returns per-operation wall times) and records it with the server's CPU per operation. */
  async record(name: string, size: string, work: () => Promise<number[]>, extra: Partial<Measure> = {}): Promise<number[]> {
    const cpuBefore = cpuOf(this.client.process.pid);
    const times = await work();
    const cpu = (cpuOf(this.client.process.pid) - cpuBefore) / times.length;
    this.results.set(name, { ...stats(times), cpu, ops: times.length, size, ...extra });
    return times;
  }
}

/** No debounce; an untrusted workspace, so that no registry is asked (the bench's references name hosts beyond loopback). */
const SERVER_OPTIONS = { debounceMs: 0, workspaceTrusted: false };
const nodeArgs = () => process.env.LSP_BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean);

/** The scenarios on documents alone, in an empty workspace folder. */
async function documentScenarios(serverMain: string | undefined): Promise<Map<string, Measure>> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-lsp-bench-'));
  const client = await TestClient.start({ folders: [ws], initializationOptions: SERVER_OPTIONS, env: NO_DOCKER_CONFIG, serverMain, nodeArgs: nodeArgs() });
  const rec = new Recorder(client);
  try {
    const cases: Array<{ name: string; text: string; runs: number }> = [
      { name: '100 lines, one document', text: singleDocument(100), runs: 300 },
      { name: '2,000 lines, one document', text: singleDocument(2000), runs: 200 },
      { name: '2,000 lines, many documents', text: manyDocuments(2000), runs: 200 },
      { name: '50,000 lines, one document', text: singleDocument(50_000), runs: 20 },
    ];
    for (const c of cases) {
      const { uri } = await client.open(path.join(ws, `${c.name.replace(/\W+/g, '-')}.yaml`), c.text);
      const first = await client.diagnosticsFor(uri, { version: 1, timeoutMs: 120_000 });
      // Edit the image of the middle container: in a one-document file the whole file is parsed again.
      const line = lineWith(c.text, 'image: ', Math.floor(c.text.length / 2));
      const bare = stats(bareParse(c.text, Math.min(c.runs, 50)));
      await rec.record(`${c.name}: edit`, `${(c.text.length / 1024).toFixed(0)} KiB`, () => timeEdits(client, uri, c.runs, line), { findings: first.length, bare: bare.p50 });
      await client.close(uri);
    }

    const big = manifest(6);
    const docs = parseAllDocuments(big).length;
    const bareWhole = stats(bareParse(big, 5));
    let uri = '';
    let i = 0;
    await rec.record(`6 MB manifest (${docs} documents): open`, `${(big.length / 1024 / 1024).toFixed(1)} MiB`, async () => {
      const opens: number[] = [];
      for (; i < 3; i++) {
        if (uri) await client.close(uri);
        const started = process.hrtime.bigint();
        ({ uri } = await client.open(path.join(ws, `manifest-${i}.yaml`), big));
        await client.diagnosticsFor(uri, { version: 1, timeoutMs: 120_000 });
        opens.push(ms(started));
      }
      return opens;
    }, { bare: bareWhole.p50 });
    const findings = client.diagnostics.get(uri)!.diagnostics.length;
    rec.results.get(`6 MB manifest (${docs} documents): open`)!.findings = findings;
    const middle = lineWith(big, 'image: registry.example.com', Math.floor(big.length / 2));
    const bareOne = stats(bareParse(deployment(0), 200));
    await rec.record('6 MB manifest: edit in one document', '1 document', () => timeEdits(client, uri, 40, middle), { findings, bare: bareOne.p50 });
    await client.close(uri);

    // Hover on a small document, idle and while a 5 MB document is checked.
    const small = await client.open(path.join(ws, 'small.yaml'), 'image: nginx:1.27\n');
    await client.diagnosticsFor(small.uri, { version: 1 });
    const hover = () => client.hover(small.uri, { line: 0, character: 9 });
    await rec.record('hover, small document', '1 line', () => timeRequests(50, hover));
    const five = singleDocumentOfSize(5 * 1024 * 1024);
    await rec.record('hover, small document, while a 5 MiB one is checked', '1 line', async () => {
      const busy: number[] = [];
      const large = await client.open(path.join(ws, 'five.yaml'), five);
      let checked = false;
      void client.diagnosticsFor(large.uri, { version: 1, timeoutMs: 120_000 }).then(() => (checked = true));
      while (!checked) busy.push(...(await timeRequests(1, hover)));
      return busy;
    });
  } finally {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
  return rec.results;
}

/** Waits until the server's start-up index of the workspace is done (a server without the environment model has none). */
async function indexed(client: TestClient): Promise<void> {
  for (;;) {
    const seen = client.environmentChanges;
    const result = await client.connection.sendRequest<{ complete: boolean }>('imagePin/environments').catch(() => undefined);
    if (!result || result.complete) return;
    await client.waitFor('the environment index', () => client.environmentChanges > seen, 600_000);
  }
}

/** The scenarios in a workspace of realistic size. */
async function workspaceScenarios(serverMain: string | undefined, ws: BenchWorkspace): Promise<Map<string, Measure>> {
  const started = process.hrtime.bigint();
  const client = await TestClient.start({ folders: [ws.root], initializationOptions: SERVER_OPTIONS, env: NO_DOCKER_CONFIG, serverMain, nodeArgs: nodeArgs() });
  const rec = new Recorder(client);
  try {
    await indexed(client);
    rec.results.set('start-up index of the workspace', { p50: ms(started), p99: ms(started), cpu: cpuOf(client.process.pid), ops: 1, size: `${ws.files} files` });
    await rec.record('first diagnostics after opening a manifest', `${ws.manifests.length} files`, async () => {
      const times: number[] = [];
      for (const file of ws.manifests) {
        const t = process.hrtime.bigint();
        const { uri } = await client.open(file);
        await client.diagnosticsFor(uri, { version: 1, timeoutMs: 120_000 });
        times.push(ms(t));
        await client.close(uri);
      }
      return times;
    });
    const open = async (file: string) => {
      const { uri } = await client.open(file);
      return { uri, findings: (await client.diagnosticsFor(uri, { version: 1, timeoutMs: 120_000 })).length, text: fs.readFileSync(file, 'utf8') };
    };
    const base = await open(ws.base);
    const overlay = await open(ws.overlay);
    await rec.record('kustomize overlay (its base open): keystroke', `${overlay.text.length} B`, () => timeEdits(client, overlay.uri, 100, lineWith(overlay.text, 'newTag: ')), { findings: overlay.findings });
    await rec.record('kustomize base deployment: keystroke', `${base.text.length} B`, () => timeEdits(client, base.uri, 100, lineWith(base.text, 'image: ')), { findings: base.findings });
    const values = await open(ws.values);
    await rec.record('chart values file: keystroke', `${(values.text.length / 1024).toFixed(0)} KiB`, () => timeEdits(client, values.uri, 60, lineWith(values.text, '  tag: ', Math.floor(values.text.length / 2))), { findings: values.findings });
    const image = rangeOf(base.text, 'registry.example.com/svc-7\n');
    await rec.record('hover, base image', `${base.text.length} B`, () => timeRequests(100, () => client.hover(base.uri, image.start)));
    const finding = client.diagnostics.get(base.uri)!.diagnostics[0]?.range ?? image;
    await rec.record('code actions, base image', `${base.text.length} B`, () => timeRequests(100, () => client.codeActions(base.uri, finding)));
    // What the server holds once the workspace's scenarios ran (in MB, as p50 and p99): the heap its collector goes over.
    const rss = rssOf(client.process.pid);
    rec.results.set('server resident memory (MB)', { p50: rss, p99: rss, cpu: NaN, ops: 1, size: `${ws.files} files` });
  } finally {
    await client.stop();
  }
  return rec.results;
}

const median = (xs: number[]) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : '—');

async function main(): Promise<void> {
  const baseline = process.env.BASELINE_SERVER;
  const rounds = Number(process.env.LSP_BENCH_ROUNDS ?? (baseline ? 3 : 1));
  const only = process.env.LSP_BENCH_ONLY;
  const servers: Array<{ name: string; main?: string }> = [{ name: 'this' }];
  if (baseline) servers.push({ name: 'baseline', main: path.resolve(baseline) });
  let ws: BenchWorkspace | undefined;
  if (only !== 'documents') ws = writeBenchWorkspace(fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-lsp-bench-ws-')), { scale: Number(process.env.LSP_BENCH_SCALE ?? 1) });
  console.log(`image-pin language server latency (${os.cpus().length} cores, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}); times in ms`);
  if (baseline) console.log(`baseline: ${baseline}; ${rounds} rounds, alternating which server goes first; medians over the rounds`);
  if (ws) console.log(`workspace: ${ws.files} files, ${(ws.bytes / 1024 / 1024).toFixed(1)} MiB (the realistic profile and a GitOps tree of Kustomize overlays and Helm charts per environment)`);
  const all = new Map<string, Map<string, Measure[]>>(servers.map((s) => [s.name, new Map()]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const server of round % 2 === 0 ? servers : [...servers].reverse()) {
        const results = new Map<string, Measure>();
        if (only !== 'workspace') for (const [k, v] of await documentScenarios(server.main)) results.set(k, v);
        if (ws) for (const [k, v] of await workspaceScenarios(server.main, ws)) results.set(k, v);
        for (const [k, v] of results) {
          const list = all.get(server.name)!.get(k) ?? [];
          list.push(v);
          all.get(server.name)!.set(k, list);
        }
        console.error(`round ${round + 1}: ${server.name} done (load average ${os.loadavg()[0].toFixed(2)})`);
      }
    }
  } finally {
    if (ws) fs.rmSync(ws.root, { recursive: true, force: true });
  }
  const ours = all.get('this')!;
  const theirs = all.get('baseline');
  const header = ['scenario', 'size', 'findings', 'ops', 'p50', 'p99', 'CPU/op', 'yaml parse p50', 'p50 ÷ parse'];
  if (theirs) header.push('baseline p50', 'p99', 'CPU/op', 'p50 ratio', 'p99 ratio', 'CPU ratio');
  const rows = [header];
  for (const [name, list] of ours) {
    const m = (xs: Measure[] | undefined, f: (x: Measure) => number | undefined) => median((xs ?? []).map((x) => f(x) ?? NaN));
    const p50 = m(list, (x) => x.p50);
    const p99 = m(list, (x) => x.p99);
    const cpu = m(list, (x) => x.cpu);
    const bare = m(list, (x) => x.bare);
    const row = [name, list[0].size, list[0].findings === undefined ? '' : String(list[0].findings), String(list[0].ops), fmt(p50), fmt(p99), fmt(cpu), Number.isNaN(bare) ? '' : fmt(bare), Number.isNaN(bare) ? '' : ratio(p50, bare)];
    if (theirs) {
      const other = theirs.get(name);
      const [b50, b99, bcpu] = [m(other, (x) => x.p50), m(other, (x) => x.p99), m(other, (x) => x.cpu)];
      row.push(fmt(b50), fmt(b99), fmt(bcpu), ratio(p50, b50), ratio(p99, b99), ratio(cpu, bcpu));
    }
    rows.push(row);
  }
  console.log(table(rows));
  console.log(`(ratios: this ÷ baseline; load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (cell ?? '').padEnd(widths[i])).join('  ')).join('\n');
}

const fmt = (n: number) => (Number.isNaN(n) ? '—' : n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));

void main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

