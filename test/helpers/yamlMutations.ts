/**
 * Seed documents in every shape the extractor knows, and line edits of the kinds real files and
 * typing produce (indentation, quotes, comments, flow style, anchors, block scalars, templates),
 * for the differential test of the fast path.
 */

export interface LineMutation {
  line: number;
  kind: number;
  pick: number;
}

/** How many kinds of edit `mutate` knows. */
export const MUTATION_KINDS = 31;

/** A GitHub Actions workflow with a job container, a service image and a docker:// step (the bench corpus uses it too). */
export const CI_WORKFLOW = `name: ci
on: push
jobs:
  test:
    runs-on: ubuntu-latest
    container: node:20-bookworm
    services:
      db: {image: "postgres:16"}
    steps:
      - uses: actions/checkout@v4
      - uses: docker://ghcr.io/acme/linter:latest
`;

// Seeds: every shape the walk knows, written the way real files are.
export const SEEDS: Array<[string, string]> = [
  ['deploy.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
        - name: app
          image: ghcr.io/acme/api:dev
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: 8080
          resources:
            limits: {cpu: 500m}
        - name: side
          image: "envoyproxy/envoy:v1.31.0"
      volumes:
        - name: data
          image:
            reference: quay.io/acme/data:1
            pullPolicy: IfNotPresent
`],
  ['values.yaml', `## Global settings
description: A chart whose description
  spans three lines, as Chart.yaml
  descriptions do
global:
  imageRegistry: ""
image:
  registry: docker.io
  repository: bitnami/redis
  tag: 7.2.4-debian-12-r9
  digest: ""
  ## Specify a imagePullPolicy
  pullPolicy: IfNotPresent
  pullSecrets: []
controller:
  image:
    registry: registry.k8s.io
    image: ingress-nginx/controller
    tag: "v1.11.2"
    digest: sha256:${'cd34'.repeat(16)}
pilot:
  image:
    hub: docker.io/istio
    image: pilot
    tag: 1.23.0
sidecarImage:
  name: envoy
  tag: latest
metrics:
  exporterImage:
    repository: prom/exporter
    tag:
  resources: {}
`],
  // prometheus-community charts: the digest in `sha`, the hex alone (kube-prometheus-stack) or whole
  // (kube-state-metrics); empty, beside an empty `digest`, and a value that is no digest.
  ['monitoring/values.yaml', `alertmanager:
  alertmanagerSpec:
    image:
      registry: quay.io
      repository: prometheus/alertmanager
      tag: v0.27.0
      sha: ${'0f1e'.repeat(16)}
prometheusOperator:
  image:
    registry: quay.io
    repository: prometheus-operator/prometheus-operator
    tag: ""
    sha: ""
  thanosImage: {registry: quay.io, repository: thanos/thanos, tag: v0.36.1, sha: "sha256:${'9a8b'.repeat(16)}"}
kubeStateMetrics:
  image:
    registry: registry.k8s.io
    repository: kube-state-metrics/kube-state-metrics
    tag: v2.13.0
    digest: ""
    sha: sha256:${'7c6d'.repeat(16)}
  kubeRBACProxy:
    image:
      repository: brancz/kube-rbac-proxy
      tag: v0.18.1
      sha: not-a-digest
`],
  ['kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../base
images:
- name: nginx
  newName: mirror.example.com/nginx
  newTag: "1.27"
- name: api
  newTag: main@sha256:${'ab12'.repeat(16)}
- name: only
  digest: sha256:${'ef56'.repeat(16)}
`],
  ['app.yaml', `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: app}
spec:
  source:
    kustomize:
      images:
      - api=ghcr.io/acme/api:main
      - "nginx:1.27"
    helm:
      valuesObject:
        image:
          repository: acme/app
          tag: latest_release
`],
  // Helm values in literal block scalars (Argo CD): the fast path computes their value and reads them.
  ['apps/argo-values.yaml', `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: values-in-a-string
spec:
  sources:
    - path: charts/api
      helm:
        values: |
          # the api

          image:
            repository: ghcr.io/acme/api
            tag: main
          sidecar:
            image: busybox:1.36
              
    - path: charts/web
      helm:
        values: |-  # stripped
          web:
            image:
              registry: docker.io
              repository: acme/web
              tag: "1.2"
          extra: |
            image: not/parsed:1
`],
  // A folded one is left to `yaml`.
  ['apps/argo-folded.yaml', `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: folded}
spec:
  source:
    path: charts/job
    helm:
      parameters:
        - name: image.tag
          value: "1.0"
      values: >
        image: folded/app:1
`],
  // Block scalars whose text starts with a template action: blanked, a more-indented leading empty
  // line that yaml reports and the template excuses.
  ['chart/templates/configmap.yaml', `apiVersion: v1
kind: ConfigMap
metadata:
  name: config
data:
  config.yaml: |
    {{- if .Values.metrics }}
    metrics:
      image: prom/exporter:1
    {{- end }}
    server:
      port: 8080
---
apiVersion: apps/v1
kind: Deployment
spec:
  template:
    spec:
      containers:
        - name: app
          image: acme/app:1.0
          args:
            - |
              {{- if .Values.debug }}
              --debug
              {{- end }}
              --serve
        - name: side
          image: busybox:1.36
`],
  // Template actions that leave a compact nested mapping once blanked (`key: a: b`), which `yaml`
  // reports and recovers, the template excusing the error (led by an action, and not), a pair without
  // a key (`{{ $k }}: {{ $v }}`) first in its map, a pair below it at the column of neither map, and
  // `name: {{ a }}-{{ b }}` (a lone `-` once blanked).
  ['chart/templates/job.yaml', `{{- if .Values.job }}
apiVersion: batch/v1
kind: Job
spec:
  backoffLimit: {{ .Values.backoffLimit }}
  {{ ternary "activeDeadlineSeconds" "ttlSecondsAfterFinished" .Values.deadline }}: {{ .Values.seconds }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}-test
          image: {{ .Values.registry }}/{{ .Values.repository }}:{{ .Values.tag }}
          env:
            - name: URL
              value: http://{{ .Values.host }}:{{ .Values.port }}/healthz
        - name: curl
          image: curlimages/curl:8.5.0
      restartPolicy: Never
{{- end }}
---
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-{{ .Values.suffix }}
  labels:
    {{- range $k, $v := .Values.labels }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
    app: probe
spec:
  containers:
    - name: probe
      image: busybox:1.36
      args:
        - --target={{ .Values.host }}:{{ .Values.port }}
  extra: {{ .Values.a }}: {{ .Values.b }}
  image: acme/late:{{ .Values.tag }}
`],
  ['docker-compose.yaml', `services:
  web:
    build: .
    image: acme/web:local
  db:
    image: postgres:16
    pull_policy: missing
  cache:
    image: redis:alpine # image-pin: ignore floating-tag
`],
  ['compose.yaml', `x-base: &base
  restart: always
  image: acme/base:1.0
services:
  api:
    <<: *base
    image: &api acme/api:dev
    imagePullPolicy: *api
  worker:
    image: *api
  tagged:
    image:
      repository: &repo acme/split
      tag: &tag "1.0"
  reuse:
    image:
      repository: *repo
      tag: *tag
    labels: &labels
      team: a
    more: *labels
`],
  ['.github/workflows/ci.yaml', CI_WORKFLOW],
  ['chart/templates/deployment.yaml', `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "chart.fullname" . }}
  labels:
    {{- include "chart.labels" . | nindent 4 }}
spec:
  template:
    spec:
      containers:
        - name: main
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
        {{- if .Values.sidecar }}
        - name: wait
          image: busybox:1.36
          command: ["sh", "-c", "sleep 1"]
        {{- end }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
---
apiVersion: v1
kind: ConfigMap
data:
  config.yaml: |
    image: not/an-image:1
    # image-pin: ignore
    key: value
`],
  // Files the environment model reads whole, with documents that cannot hold an image (the extraction
  // skips them; a scan reads them with the fast scanner for the model's facts).
  ['chart/Chart.yaml', `apiVersion: v2
name: app
description: A chart for the app
version: 1.2.3
appVersion: "4.5.6"
dependencies:
  - name: redis
    version: 18.x
    repository: oci://registry-1.docker.io/bitnamicharts
`],
  ['overlays/prod/kustomization.yaml', `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base
  - 'service.yaml'
patches:
  - path: patch.yaml
    target:
      kind: Deployment
patchesStrategicMerge:
  - "extra.yaml"
components:
  - ../../components/tls
`],
  ['chart/values-prod.yaml', `# prod
replicaCount: 3
service:
  port: 8080
---
image:
  repository: acme/app
  tag: 1.2.3
`],
];



const VALUES = ['nginx', 'ghcr.io/acme/app:1.0', '"quoted:1"', "'single''s:2'", '""', '~', 'null', '1.10', 'true', '{{ .Values.x }}', '${TAG}', 'auto', '<IMAGE>', 'a: b', 'x #y', 'docker://alpine:3', '1234'.repeat(16), `sha256:${'5e'.repeat(32)}`];
const PREFIXES = ['&a ', '*a', '!!str ', '? ', '- ', '-', ': ', '@', '`', '%', '[', '{', ']'];

/** Applies line edits of the kinds real files and typing produce, at lines near image keys. */
export function mutate(seed: string, mutations: LineMutation[]): string {
  const lines = seed.split('\n');
  for (const m of mutations) {
    // Half of the edits land on or right around a line that mentions an image-ish key.
    const imageish = lines.map((l, i) => (/image|tag|repository|name|newTag|uses|container/i.test(l) ? i : -1)).filter((i) => i >= 0);
    const at = m.pick % 2 === 0 && imageish.length ? Math.min(lines.length - 1, imageish[m.line % imageish.length] + ((m.pick >> 1) % 3) - 1) : m.line % lines.length;
    const line = lines[Math.max(0, at)] ?? '';
    const indent = /^ */.exec(line)![0];
    const colon = line.indexOf(': ');
    const value = VALUES[m.pick % VALUES.length];
    let out: string[];
    switch (m.kind) {
      case 0: out = [' ' + line]; break; // indentation one deeper
      case 1: out = [line.replace(/^ {1,2}/, '')]; break; // shallower
      case 2: out = [line + '   ']; break; // trailing spaces
      case 3: out = [line + ' # note']; break;
      case 4: out = [line + ' # image-pin: ignore']; break;
      case 5: out = [indent + '# a comment', line]; break;
      case 6: out = [' '.repeat(m.pick % 9) + '# image-pin: ignore floating-tag', line]; break;
      case 7: out = [line, '']; break;
      case 8: out = [line, ' '.repeat(m.pick % 12)]; break;
      case 9: out = colon > 0 ? [line.slice(0, colon + 2) + value] : [line]; break;
      case 10: out = colon > 0 ? [line.slice(0, colon + 2) + `"${line.slice(colon + 2)}"`] : [line]; break;
      case 11: out = colon > 0 ? [line.slice(0, colon + 2) + `'${line.slice(colon + 2)}'`] : [line]; break;
      case 12: out = colon > 0 ? [line.slice(0, colon + 2) + PREFIXES[m.pick % PREFIXES.length] + line.slice(colon + 2)] : [line]; break;
      case 13: out = colon > 0 ? [line.slice(0, colon + 1) + ' |' + (m.pick % 3 === 0 ? '-' : m.pick % 3 === 1 ? '+' : ''), indent + '  ' + line.slice(colon + 2)] : [line]; break;
      case 14: out = colon > 0 ? [line.slice(0, colon + 1), indent + '  ' + line.slice(colon + 2)] : [line]; break; // value on the next line
      case 15: out = colon > 0 ? [`${indent}${line.slice(indent.length, colon)}: {${m.pick % 2 ? 'image' : 'repository'}: ${line.slice(colon + 2) || 'x'}, tag: "1"}`] : [line]; break;
      case 16: out = colon > 0 ? [`${line.slice(0, colon + 2)}[${line.slice(colon + 2) || 'a'}, b]`] : [line]; break;
      case 17: out = [indent + '{{- if .Values.enabled }}', line, indent + '{{- end }}']; break;
      case 18: out = [line.replace(/: /, ': {{ .Values.tag }}')]; break;
      case 19: out = [line.replace(/:(\S*)$/, ':{{ .Chart.AppVersion }}')]; break;
      case 20: out = [line.replace(/^( *)/, '$1\t')]; break;
      case 21: out = [line + '\r']; break;
      case 22: out = [line, line]; break; // duplicate key
      case 23: out = []; break; // deleted
      case 24: out = [line.replace(/^( *)- /, '$1  ').replace(/^( *)([a-z])/, '$1- $2')]; break; // toggled list item
      case 25: out = colon > 0 ? [line.slice(0, colon + 2) + `"a\\tb${m.pick % 2 ? '\\q' : ''}"`] : [line]; break;
      case 26: out = ['---', line]; break;
      case 28: out = colon > 0 ? [line.slice(0, colon + 2) + `"${line.slice(colon + 2)}`, ' '.repeat(Math.max(0, indent.length + (m.pick % 4) - 1)) + ['more"', 'a\\"b" # c', '', "x' y"][m.pick % 4], indent + ' z"'] : [line]; break; // a quoted scalar over lines
      case 27: out = [line, indent + '  ' + ['continued words', 'more: x', '- item', '# c', 'a #b', '"q"'][m.pick % 6]]; break; // a folded plain scalar, or not
      case 30: { // a template leaving `key: a: b` once blanked, or a key-less pair
        const key = colon > 0 ? line.slice(0, colon + 2) : `${indent}x: `;
        const rest = colon > 0 ? line.slice(colon + 2) : 'v';
        out = [[`${key}{{ .Values.a }}: ${rest}`, `${key}http://{{ .Values.host }}:{{ .Values.port }}/${rest}`, `${key}${rest}:{{ .Values.tag }}`, `${indent}{{ $k }}: {{ $v }}`, `${key}{{ .Values.a }}:`][m.pick % 5]];
        break;
      }
      default: out = [line.replace(/: /, ' : ')];
    }
    lines.splice(Math.max(0, at), 1, ...out);
  }
  return lines.join('\n');
}
