/**
 * The workspace the language server bench opens for its environment scenarios: the realistic profile
 * (charts, values files, manifests, install bundles, kustomizations) beside a GitOps tree of Kustomize
 * overlays and Helm charts per environment, one chart of which has a large values file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCorpus } from './corpus';
import { chartValues, writeEnvironmentCorpus } from './envCorpus';
import { realisticFiles } from './realistic';

export interface BenchWorkspace {
  root: string;
  files: number;
  bytes: number;
  /** A kustomize overlay (dev) whose base and sibling overlays are in the tree. */
  overlay: string;
  /** The base deployment that overlay changes. */
  base: string;
  /** A chart's values.yaml of about 200 KB (what a Bitnami-style chart keeps), read by its environments. */
  values: string;
  /** Plain manifests and templates of the realistic profile, for first-open timings. */
  manifests: string[];
}

/** The service of the GitOps tree whose overlay and chart the scenarios edit. */
const SERVICE_INDEX = 7;
const SERVICE = `svc-${SERVICE_INDEX}`;

/**
 * The edited chart's values file: its own values, then the largest values file of the profile under
 * 256 KiB (larger ones are checked on a worker; its top-level keys are component names, so nothing is
 * duplicated).
 */
export function benchValues(scale = 1): string {
  let big = '';
  for (const f of realisticFiles(scale)) if (/values[^/]*\.yaml$/.test(f.rel) && f.text.length < 240_000 && f.text.length > big.length) big = f.text;
  return chartValues(SERVICE_INDEX) + big;
}

export function writeBenchWorkspace(root: string, opts: { scale?: number; services?: number } = {}): BenchWorkspace {
  fs.rmSync(root, { recursive: true, force: true });
  const platform = writeCorpus(path.join(root, 'platform'), 'realistic', { scale: opts.scale ?? 1 });
  const gitops = writeEnvironmentCorpus(path.join(root, 'gitops'), opts.services ?? 300);
  const values = path.join(root, 'gitops', 'apps', SERVICE, 'chart', 'values.yaml');
  const text = benchValues(opts.scale ?? 1);
  fs.writeFileSync(values, text);
  const k = path.join(root, 'gitops', 'apps', SERVICE, 'kustomize');
  const manifests = fs
    .readdirSync(path.join(root, 'platform'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && !f.includes('values') && !f.includes('install'))
    .sort()
    .filter((_, i) => i % 97 === 0)
    .map((f) => path.join(root, 'platform', f));
  return {
    root,
    files: platform.files + gitops.files,
    bytes: platform.bytes + gitops.bytes + text.length - chartValues(SERVICE_INDEX).length,
    overlay: path.join(k, 'overlays', 'dev', 'kustomization.yaml'),
    base: path.join(k, 'base', 'deployment.yaml'),
    values,
    manifests,
  };
}
