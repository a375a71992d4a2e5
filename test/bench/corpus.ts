/**
 * A deterministic GitOps-shaped corpus for benchmarks: small workloads, Helm values,
 * chart templates, Compose files, and multi-MB CRD bundles whose schemas mention `image`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CI_WORKFLOW } from '../helpers/yamlMutations';
import { realisticFiles } from './realistic';

export interface CorpusStats {
  files: number;
  bytes: number;
}

const TAGS = ['latest', 'dev', '1.27.3', 'v2.4.1', 'main', 'sha-3f9c2a1', 'stable', '16.4-alpine'];
const DIGEST = 'sha256:' + 'ab12'.repeat(16);

function workload(i: number): string {
  const tag = TAGS[i % TAGS.length];
  const pinned = i % 5 === 0 ? `@${DIGEST}` : '';
  return `apiVersion: apps/v1
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
          image: registry.example.com/team-${i % 17}/svc-${i}:${tag}${pinned}
          ports: [{containerPort: 8080}]
          resources:
            requests: {cpu: 100m, memory: 128Mi}
        - name: proxy
          image: "envoyproxy/envoy:v1.31.${i % 9}"
---
apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
spec:
  selector: {app: svc-${i}}
  ports: [{port: 80, targetPort: 8080}]
`;
}

function values(i: number): string {
  return `# values for chart ${i}
replicaCount: 2
image:
  registry: docker.io
  repository: acme/app-${i}
  tag: "${TAGS[(i + 3) % TAGS.length]}"
  digest: ""
  pullPolicy: IfNotPresent
metrics:
  enabled: true
  exporterImage:
    repository: prom/exporter
    tag: latest
resources:
  limits: {cpu: 500m, memory: 256Mi}
podAnnotations: {}
nodeSelector: {}
tolerations: []
ingress:
  enabled: false
  hosts:
    - host: app-${i}.example.com
      paths: [{path: /, pathType: Prefix}]
`;
}

function template(i: number): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        - name: main
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
        {{- if .Values.metrics.enabled }}
        - name: exporter
          image: "{{ .Values.metrics.exporterImage.repository }}:{{ .Values.metrics.exporterImage.tag }}"
        {{- end }}
        - name: wait
          image: busybox:1.36
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
# chart ${i}
`;
}

function compose(i: number): string {
  return `services:
  web:
    build: .
    image: acme/web-${i}:local
  db:
    image: postgres:16
  cache:
    image: redis:${TAGS[i % TAGS.length]}
`;
}

/** Shapes that only a YAML-aware extractor reads right: split-map dialects, Kustomize, Argo CD, Actions. */
function varied(i: number): [string, string] {
  switch (Math.floor(i / 10) % 5) {
    case 0:
      return [`overlays/o-${i}/kustomization.yaml`, `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../base]
images:
  - name: registry.example.com/svc-${i}
    newTag: ${TAGS[i % TAGS.length]}
  - name: nginx
    newName: mirror.example.com/nginx
    newTag: "1.27"
`];
    case 1:
      return [`argocd/app-${i}.yaml`, `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app-${i}}
spec:
  source:
    repoURL: https://git.example.com/acme/gitops.git
    kustomize:
      images: ["svc=registry.example.com/svc-${i}:${TAGS[(i + 1) % TAGS.length]}"]
    helm:
      values: |
        image:
          repository: acme/app-${i}
          tag: latest_release
        sidecar:
          image: envoyproxy/envoy:v1.31.0
`];
    case 2:
      return [`istio/values-${i}.yaml`, `global:
  hub: docker.io/istio
pilot:
  image:
    hub: docker.io/istio
    image: pilot
    tag: 1.23.${i % 7}
proxy:
  image:
    hub: gcr.io/istio-release
    image: proxyv2
    tag: latest
`];
    case 3:
      return [`ingress/values-${i}.yaml`, `controller:
  image:
    registry: registry.k8s.io
    image: ingress-nginx/controller
    tag: "v1.11.${i % 5}"
    digest: sha256:${'cd34'.repeat(16)}
  admissionWebhooks:
    patch:
      image:
        registry: registry.k8s.io
        image: ingress-nginx/kube-webhook-certgen
        tag: v1.4.3
        digest: ""
`];
    default:
      return [`.github/workflows/ci-${i}.yaml`, CI_WORKFLOW];
  }
}

/** One CRD of roughly `kb` KiB whose schema mentions image fields, as operator bundles do. */
function crd(i: number, kb: number): string {
  const prop = (n: number) => `                  field${n}:
                    type: object
                    description: Settings for component ${n}; the image field names the container image to run.
                    properties:
                      image:
                        type: string
                        description: Container image name, e.g. registry/repository:tag.
                      imagePullPolicy:
                        type: string
                        enum: [Always, IfNotPresent, Never]
                      replicas:
                        type: integer
                        format: int32
`;
  let props = '';
  for (let n = 0; props.length < kb * 1024; n++) props += prop(n);
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets${i}.example.com
spec:
  group: example.com
  names: {kind: Widget${i}, plural: widgets${i}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
${props}`;
}

export type Profile = 'realistic' | 'generated';

export interface CorpusFile {
  rel: string;
  text: string;
}

/** The files of a profile, in memory. `scale` multiplies the file counts (tests use a small slice). */
export function* corpusFiles(profile: Profile, opts: { files?: number; scale?: number } = {}): Generator<CorpusFile> {
  if (profile === 'realistic') {
    yield* realisticFiles(opts.scale ?? 1);
    return;
  }
  const scale = opts.scale ?? 1;
  const files = Math.round((opts.files ?? 20000) * scale);
  const bundles = Math.max(1, Math.round(12 * scale));
  for (let b = 0; b < bundles; b++) {
    const docs: string[] = [];
    for (let size = 0, i = 0; size < 3 * 1024 * 1024 * Math.min(1, scale * 4); i++) {
      const doc = crd(b * 1000 + i, 256);
      docs.push(doc);
      size += doc.length;
    }
    yield { rel: `operators/op-${b}/crds.yaml`, text: docs.join('---\n') };
  }
  for (let i = 0; i < files - bundles; i++) {
    const app = `apps/app-${Math.floor(i / 40)}`;
    switch (i % 10) {
      case 0:
      case 1:
        yield { rel: `charts/chart-${i}/values${i % 20 === 1 ? '-prod' : ''}.yaml`, text: values(i) };
        break;
      case 2:
        yield { rel: `charts/chart-${i}/templates/deployment.yaml`, text: template(i) };
        break;
      case 3: {
        const [rel, text] = varied(i);
        yield { rel, text };
        break;
      }
      case 4:
        yield { rel: `${app}/docker-compose-${i}.yaml`, text: compose(i) };
        break;
      default:
        yield { rel: `${app}/deploy-${i}.yaml`, text: workload(i) };
    }
  }
}

/** Writes a profile into `dir` (emptied first). */
export function writeCorpus(dir: string, profile: Profile = 'generated', opts: { files?: number; scale?: number } = {}): CorpusStats {
  fs.rmSync(dir, { recursive: true, force: true });
  let bytes = 0;
  let files = 0;
  for (const { rel, text } of corpusFiles(profile, opts)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    // Written long ago, like a repository's files: the scan cache keeps no entry of a file modified
    // moments before its run, and the editor trusts its index only for files settled before its scan.
    fs.utimesSync(file, CORPUS_MTIME, CORPUS_MTIME);
    bytes += Buffer.byteLength(text);
    files++;
  }
  return { files, bytes };
}

const CORPUS_MTIME = new Date('2026-01-01T00:00:00Z');
