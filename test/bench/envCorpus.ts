/**
 * A GitOps tree shaped around environments, for measuring what the environment model costs: per
 * service a Kustomize base with three overlays (one an overlay of another), a Helm chart with values
 * files per environment, and Argo CD Applications over both.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CorpusStats } from './corpus';

const DIGEST = 'sha256:' + 'cd34'.repeat(16);

/** The `values.yaml` of service `i`'s chart. */
export function chartValues(i: number): string {
  return `image:\n  registry: registry.example.com\n  repository: svc-${i}-worker\n  tag: ""\n  digest: ""\nmetrics:\n  image:\n    repository: prom/exporter\n    tag: v0.${i % 4}\n`;
}

export function writeEnvironmentCorpus(dir: string, services = 1500): CorpusStats {
  fs.rmSync(dir, { recursive: true, force: true });
  let files = 0;
  let bytes = 0;
  const write = (rel: string, text: string) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    files++;
    bytes += Buffer.byteLength(text);
  };
  for (let i = 0; i < services; i++) {
    const s = `svc-${i}`;
    const k = `apps/${s}/kustomize`;
    write(`${k}/base/kustomization.yaml`, 'resources:\n  - deployment.yaml\n  - service.yaml\n');
    write(
      `${k}/base/deployment.yaml`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${s}\nspec:\n  template:\n    spec:\n      initContainers:\n        - name: migrate\n          image: registry.example.com/${s}-migrate:1.${i % 7}\n      containers:\n        - name: app\n          image: registry.example.com/${s}\n          ports: [{containerPort: 8080}]\n        - name: proxy\n          image: envoyproxy/envoy:v1.31.${i % 9}\n`,
    );
    write(`${k}/base/service.yaml`, `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${s}\nspec:\n  ports: [{port: 80}]\n`);
    write(`${k}/overlays/dev/kustomization.yaml`, `resources: [../../base]\nimages:\n  - name: registry.example.com/${s}\n    newTag: dev\n`);
    write(`${k}/overlays/staging/kustomization.yaml`, `resources: [../../base]\nimages:\n  - name: registry.example.com/${s}\n    newTag: rc-${i}\n    digest: ${DIGEST}\n`);
    write(`${k}/overlays/prod/kustomization.yaml`, `resources: [../staging]\nimages:\n  - name: envoyproxy/envoy\n    newTag: "v1.31.${i % 9}@${DIGEST}"\n`);
    const c = `apps/${s}/chart`;
    write(`${c}/Chart.yaml`, `apiVersion: v2\nname: ${s}\nversion: 0.1.0\nappVersion: "1.${i % 5}.0"\n`);
    write(`${c}/values.yaml`, chartValues(i));
    write(`${c}/values-dev.yaml`, 'image:\n  tag: dev\n');
    write(`${c}/values-prod.yaml`, `image:\n  digest: ${DIGEST}\n`);
    write(`argocd/${s}-prod.yaml`, `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${s}-prod\nspec:\n  source:\n    path: apps/${s}/kustomize/overlays/prod\n`);
  }
  return { files, bytes };
}
