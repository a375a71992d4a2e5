/**
 * `npm run bench:lsp`: the language server's latency through the real server process over LSP
 * (stdio), next to the `yaml` package parsing the same text in this run on this machine.
 *
 * - didChange → publishDiagnostics for single YAML documents of 100, 2,000 and 50,000 lines (every
 *   edit re-parses the whole document), and for a 2,000-line file of many small documents;
 * - a 6 MB multi-document manifest: opening it, and an edit inside one of its documents (only that
 *   document is parsed again);
 * - hover latency on a small document while a 5 MB document is being checked.
 * The server runs with `debounceMs: 0` so the debounce is not measured.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TestClient } from '../lsp/lspClient';

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

const fmt = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));

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

/** Times didChange → publishDiagnostics for `runs` edits that each replace `needle`'s tag. */
async function timeEdits(client: TestClient, uri: string, runs: number, lineOf: (run: number) => number): Promise<number[]> {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const line = lineOf(run);
    const text = client.document(uri).getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } });
    const at = text.lastIndexOf(':');
    const tag = run % 2 === 0 ? 'edited' : TAGS[0];
    const started = process.hrtime.bigint();
    const version = await client.change(uri, `${tag}\n`, { start: { line, character: at + 1 }, end: { line: line + 1, character: 0 } });
    await client.diagnosticsFor(uri, { version, timeoutMs: 120_000 });
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

async function main(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-lsp-bench-'));
  const client = await TestClient.start({ folders: [ws], initializationOptions: { debounceMs: 0 } });
  console.log(`image-pin language server latency (${os.cpus().length} cores, Node ${process.version}); times in ms\n`);
  const rows: string[][] = [['case', 'size', 'findings', 'server p50', 'server p99', 'yaml parse p50', 'p50 ratio', 'runs']];
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
      const server = stats(await timeEdits(client, uri, c.runs, () => line));
      const bare = stats(bareParse(c.text, Math.min(c.runs, 50)));
      rows.push([c.name, `${(c.text.length / 1024).toFixed(0)} KiB`, String(first.length), fmt(server.p50), fmt(server.p99), fmt(bare.p50), `${(server.p50 / bare.p50).toFixed(2)}×`, String(c.runs)]);
      await client.close(uri);
    }

    const big = manifest(6);
    const docs = parseAllDocuments(big).length;
    const bareWhole = stats(bareParse(big, 5));
    const opens: number[] = [];
    let uri = '';
    for (let i = 0; i < 3; i++) {
      if (uri) await client.close(uri);
      const started = process.hrtime.bigint();
      ({ uri } = await client.open(path.join(ws, `manifest-${i}.yaml`), big));
      await client.diagnosticsFor(uri, { version: 1, timeoutMs: 120_000 });
      opens.push(ms(started));
    }
    const findings = client.diagnostics.get(uri)!.diagnostics.length;
    const open = stats(opens);
    rows.push([`6 MB manifest (${docs} documents): open`, `${(big.length / 1024 / 1024).toFixed(1)} MiB`, String(findings), fmt(open.p50), fmt(percentile(opens, 100)), fmt(bareWhole.p50), `${(open.p50 / bareWhole.p50).toFixed(2)}×`, '3']);
    const middle = lineWith(big, 'image: registry.example.com', Math.floor(big.length / 2));
    const oneDoc = deployment(0);
    const bareOne = stats(bareParse(oneDoc, 200));
    const edit = stats(await timeEdits(client, uri, 40, () => middle));
    rows.push(['6 MB manifest: edit in one document', '1 document', String(findings), fmt(edit.p50), fmt(edit.p99), `${fmt(bareWhole.p50)} (whole) / ${fmt(bareOne.p50)} (one doc)`, `${(edit.p50 / bareWhole.p50).toFixed(3)}× whole`, '40']);
    await client.close(uri);

    // Hover on a small document while a 5 MB document is checked.
    const small = await client.open(path.join(ws, 'small.yaml'), 'image: nginx:1.27\n');
    await client.diagnosticsFor(small.uri, { version: 1 });
    const hover = async () => {
      const started = process.hrtime.bigint();
      await client.hover(small.uri, { line: 0, character: 9 });
      return ms(started);
    };
    const idle: number[] = [];
    for (let i = 0; i < 50; i++) idle.push(await hover());
    const five = singleDocumentOfSize(5 * 1024 * 1024);
    const busy: number[] = [];
    const started = process.hrtime.bigint();
    const large = await client.open(path.join(ws, 'five.yaml'), five);
    let checked = false;
    void client.diagnosticsFor(large.uri, { version: 1, timeoutMs: 120_000 }).then(() => (checked = true));
    while (!checked) busy.push(await hover());
    const checkMs = ms(started);
    console.log(table(rows));
    console.log(
      `\nhover on a small document: idle p50 ${fmt(percentile(idle, 50))} ms; while a ${(five.length / 1024 / 1024).toFixed(1)} MiB one-document file was checked ` +
        `(${fmt(checkMs)} ms): ${busy.length} hovers, p50 ${fmt(percentile(busy, 50))} ms, max ${fmt(percentile(busy, 100))} ms`,
    );
  } finally {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ')).join('\n');
}

void main();
