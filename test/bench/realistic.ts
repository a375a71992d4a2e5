/**
 * The realistic benchmark profile: a tree shaped like public chart and GitOps repositories,
 * after the figures measured over 14 of them (6,306 YAML files, 44 MB, issue 13):
 * Helm templates 3,831 files / 13.7 MB (median 1.8 KB, p95 14 KB, 1–2 documents);
 * values files 503 / 9.3 MB (65% comment lines, p95 94 KB, max 270 KB, ~16 image-ish lines);
 * plain manifests 1,823 / 6.7 MB (median 0.8 KB, ~2 documents); 34 install bundles with
 * CRDs, 14.6 MB (median 160 KB, max 1.9 MB, ~6 documents, ~28 image-ish lines); 115
 * kustomizations. Deterministic: the same tree every run.
 */
import type { CorpusFile } from './corpus';

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log-normal size around `median` bytes, capped. */
function sizeOf(r: () => number, median: number, sigma: number, max: number): number {
  const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return Math.min(max, Math.max(200, Math.round(median * Math.exp(sigma * z))));
}

const TAGS = ['latest', '1.27.3', 'v2.4.1', 'main', '16.4-alpine', '7.2.4-debian-12-r9', 'v1.11.2', ''];
const DIGEST = 'sha256:' + 'ab12'.repeat(16);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function templateDoc(r: () => number, i: number, target: number): string {
  let out = `{{- if .Values.enabled }}
apiVersion: apps/v1
kind: {{ .Values.kind | default "Deployment" }}
metadata:
  name: {{ include "chart-${i}.fullname" . }}
  namespace: {{ .Release.Namespace | quote }}
  labels:
    {{- include "chart-${i}.labels" . | nindent 4 }}
  {{- with .Values.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "chart-${i}.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
      labels:
        {{- include "chart-${i}.selectorLabels" . | nindent 8 }}
    spec:
      {{- with .Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      serviceAccountName: {{ include "chart-${i}.serviceAccountName" . }}
      securityContext:
        {{- toYaml .Values.podSecurityContext | nindent 8 }}
      initContainers:
        - name: wait-for-db
          image: ${r() < 0.3 ? `busybox:1.36@${DIGEST}` : 'busybox:1.36'}
          command: ['sh', '-c', 'until nc -z {{ .Values.db.host }} 5432; do sleep 2; done']
      containers:
`;
  let c = 0;
  while (out.length < target - 400) {
    const templated = r() < 0.85;
    out += `        - name: {{ .Chart.Name }}-c${c}
          securityContext:
            {{- toYaml .Values.securityContext | nindent 12 }}
          image: ${templated ? `"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"` : `curlimages/curl:${pick(r, TAGS) || '8.5.0'}`}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          {{- with .Values.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
              protocol: TCP
          env:
            - name: LOG_LEVEL
              value: {{ .Values.logLevel | quote }}
            {{- if .Values.extraEnv }}
            {{- toYaml .Values.extraEnv | nindent 12 }}
            {{- end }}
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
          livenessProbe:
            httpGet:
              path: /healthz
              port: http
          readinessProbe:
            {{- toYaml .Values.readinessProbe | nindent 12 }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          volumeMounts:
            - name: config
              mountPath: /etc/app
`;
    c++;
  }
  out += `      volumes:
        - name: config
          configMap:
            name: {{ include "chart-${i}.fullname" . }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}
`;
  return out;
}

function templateFile(r: () => number, i: number): string {
  const target = sizeOf(r, 1800, 1.25, 60_000);
  const kind = r();
  if (kind < 0.45) {
    // Services, service accounts, RBAC, ingresses: no image at all.
    let out = `apiVersion: v1
kind: Service
metadata:
  name: {{ include "chart-${i}.fullname" . }}
  labels:
    {{- include "chart-${i}.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
`;
    for (let p = 0; out.length < target; p++) {
      out += `    - port: {{ .Values.service.port${p} }}
      targetPort: http-${p}
      protocol: TCP
      name: http-${p}
`;
    }
    return out + `  selector:
    {{- include "chart-${i}.selectorLabels" . | nindent 4 }}
`;
  }
  if (kind < 0.6) {
    // A ConfigMap with an embedded file: block scalars, sometimes with template branches inside.
    let out = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "chart-${i}.fullname" . }}-config
data:
  config.yaml: |
`;
    for (let l = 0; out.length < target; l++) {
      out += l % 7 === 3 ? `    {{- if .Values.feature${l} }}\n    feature${l}: true\n    {{- end }}\n` : `    setting${l}: {{ .Values.setting${l} | quote }}\n`;
    }
    return out;
  }
  let out = templateDoc(r, i, target);
  if (r() < 0.4) {
    out += `---
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-test
  annotations:
    "helm.sh/hook": test
spec:
  template:
    spec:
      containers:
        - name: test
          image: ${pick(r, ['busybox', 'curlimages/curl:8.5.0', 'bitnami/kubectl:1.29', '"{{ .Values.test.image }}"'])}
          command: ['wget', '{{ include "chart-${i}.fullname" . }}:{{ .Values.service.port }}']
      restartPolicy: Never
`;
  }
  if (r() < 0.05) {
    // Template branches that leave `yaml` an error after blanking (about 5% of real templates).
    out += `{{- if .Values.x }}
  extra: {{ .Values.a }}: {{ .Values.b }}
{{- end }}
`;
  }
  return out;
}

function valuesFile(r: () => number, i: number): string {
  const target = sizeOf(r, 7000, 1.5, 270_000);
  let out = `## @section Global parameters
## Global Docker image parameters
## Please, note that this will override the image parameters, including dependencies, configured to use the global value
## Current available global Docker image parameters: imageRegistry, imagePullSecrets and storageClass
##

## @param global.imageRegistry Global Docker image registry
## @param global.imagePullSecrets Global Docker registry secret names as an array
##
global:
  imageRegistry: ""
  ## E.g.
  ## imagePullSecrets:
  ##   - myRegistryKeySecretName
  ##
  imagePullSecrets: []
`;
  for (let c = 0; out.length < target; c++) {
    const dialect = r();
    const name = `component${c}`;
    const tag = pick(r, TAGS);
    let image: string;
    if (dialect < 0.6) {
      image = `  ## Bitnami ${name} image
  ## ref: https://hub.docker.com/r/bitnami/${name}/tags/
  ## @param ${name}.image.registry [default: REGISTRY_NAME] ${name} image registry
  ## @param ${name}.image.repository [default: REPOSITORY_NAME/${name}] ${name} image repository
  ## @skip ${name}.image.tag ${name} image tag (immutable tags are recommended)
  ## @param ${name}.image.digest ${name} image digest in the way sha256:aa.... Please note this parameter, if set, will override the tag
  ## @param ${name}.image.pullPolicy ${name} image pull policy
  ## @param ${name}.image.pullSecrets ${name} image pull secrets
  ##
  image:
    registry: docker.io
    repository: bitnami/${name}
    tag: ${tag}
    digest: "${r() < 0.2 ? DIGEST : ''}"
    ## Specify a imagePullPolicy
    ## ref: https://kubernetes.io/docs/concepts/containers/images/#pre-pulled-images
    ##
    pullPolicy: IfNotPresent
    ## Optionally specify an array of imagePullSecrets.
    ## Secrets must be manually created in the namespace.
    ## ref: https://kubernetes.io/docs/tasks/configure-pod-container/pull-image-private-registry/
    ## e.g:
    ## pullSecrets:
    ##   - myRegistryKeySecretName
    ##
    pullSecrets: []
    ## Enable debug mode
    ##
    debug: false
`;
    } else if (dialect < 0.75) {
      image = `  image:
    # -- image repository
    repository: ghcr.io/acme/${name}
    # -- image pull policy
    pullPolicy: IfNotPresent
    # -- Overrides the image tag whose default is the chart appVersion.
    tag: "${tag}"
`;
    } else if (dialect < 0.85) {
      image = `  image:
    ## Repository for container
    registry: registry.k8s.io
    image: ingress-nginx/${name}
    ## for backwards compatibility consider setting the full image url via the repository value below
    ## use *either* current default registry/image or repository format or installing chart by providing the values.yaml will fail
    ## repository:
    tag: "v1.11.${c % 9}"
    digest: ${r() < 0.5 ? DIGEST : '""'}
    pullPolicy: IfNotPresent
`;
    } else if (dialect < 0.92) {
      image = `  # Image configuration, from the global hub when empty
  hub: ""
  image: ${name}
  tag: ""
`;
    } else {
      image = `  # The sidecar that reloads the configuration
  configReloaderImage:
    repository: quay.io/prometheus-operator/prometheus-config-reloader
    tag: v0.71.${c % 3}
  sidecarImage: "docker.io/envoyproxy/envoy:v1.31.${c % 5}"
`;
    }
    out += `
## @section ${name} parameters
##

${name}:
  ## @param ${name}.enabled Enable ${name}
  ##
  enabled: true
${image}  ## @param ${name}.replicaCount Number of ${name} replicas to deploy
  ##
  replicaCount: 1
  ## Configure extra options for ${name} containers' liveness and readiness probes
  ## ref: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-probes/#configure-probes
  ## @param ${name}.livenessProbe.enabled Enable livenessProbe on ${name} containers
  ## @param ${name}.livenessProbe.initialDelaySeconds Initial delay seconds for livenessProbe
  ## @param ${name}.livenessProbe.periodSeconds Period seconds for livenessProbe
  ## @param ${name}.livenessProbe.timeoutSeconds Timeout seconds for livenessProbe
  ## @param ${name}.livenessProbe.failureThreshold Failure threshold for livenessProbe
  ## @param ${name}.livenessProbe.successThreshold Success threshold for livenessProbe
  ##
  livenessProbe:
    enabled: true
    initialDelaySeconds: 30
    periodSeconds: 10
    timeoutSeconds: 5
    failureThreshold: 6
    successThreshold: 1
  ## ${name} resource requests and limits
  ## ref: http://kubernetes.io/docs/concepts/configuration/manage-compute-resources-container/
  ## @param ${name}.resourcesPreset Set container resources according to one common preset (allowed values: none, nano, micro, small, medium, large, xlarge, 2xlarge). This is ignored if ${name}.resources is set (${name}.resources is recommended for production).
  ## More information: https://github.com/bitnami/charts/blob/main/bitnami/common/templates/_resources.tpl#L15
  ##
  resourcesPreset: "nano"
  ## @param ${name}.resources Set container requests and limits for different resources like CPU or memory (essential for production workloads)
  ## Example:
  ## resources:
  ##   requests:
  ##     cpu: 2
  ##     memory: 512Mi
  ##   limits:
  ##     cpu: 3
  ##     memory: 1024Mi
  ##
  resources: {}
  ## @param ${name}.podAnnotations Annotations for ${name} pods
  ## ref: https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/
  ##
  podAnnotations: {}
  ## @param ${name}.extraEnvVars Array with extra environment variables to add to ${name} nodes
  ## e.g:
  ## extraEnvVars:
  ##   - name: FOO
  ##     value: "bar"
  ##
  extraEnvVars: []
  ## @param ${name}.command Override default container command (useful when using custom images)
  ##
  command: []
  ## @param ${name}.nodeSelector Node labels for ${name} pods assignment
  ## ref: https://kubernetes.io/docs/user-guide/node-selection/
  ##
  nodeSelector: {}
  tolerations: []
  ## @param ${name}.initContainers Add additional init containers to the ${name} pod(s)
  ## ref: https://kubernetes.io/docs/concepts/workloads/pods/init-containers/
  ## e.g:
  ## initContainers:
  ##  - name: your-image-name
  ##    image: your-image
  ##    imagePullPolicy: Always
  ##    command: ['sh', '-c', 'echo "hello world"']
  ##
  initContainers: []
`;
  }
  if (r() < 0.08) {
    // A few values files use anchors, or multi-line strings: the fallback must handle them.
    out += `
commonLabels: &labels
  team: platform
extraLabels: *labels
notes: "a long note
  that continues on the next line"
`;
  }
  return out;
}

function manifestFile(r: () => number, i: number): [string, string] {
  const target = sizeOf(r, 800, 1.75, 80_000);
  const k = r();
  const tag = pick(r, TAGS) || 'latest';
  if (k < 0.08) {
    return [`compose/app-${i}/docker-compose.yaml`, `services:
  web:
    build: .
    image: acme/web-${i}:local
    ports:
      - "8080:80"
  db:
    image: postgres:${tag}
    environment:
      POSTGRES_PASSWORD: example
  cache:
    image: redis:alpine
`];
  }
  if (k < 0.14) {
    return [`.github/workflows/ci-${i}.yaml`, `name: ci
on:
  push:
    branches: [main]
jobs:
  test:
    runs-on: ubuntu-latest
    container: node:20-bookworm
    services:
      db:
        image: postgres:16
    steps:
      - uses: actions/checkout@v4
      - name: Lint
        uses: docker://ghcr.io/acme/linter:${tag}
      - run: |
          npm ci
          npm test
`];
  }
  if (k < 0.2) {
    return [`argocd/apps/app-${i}.yaml`, `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: app-${i}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://github.com/acme/gitops.git
    targetRevision: HEAD
    path: apps/app-${i}
    ${r() < 0.5 ? `kustomize:
      images:
        - api=ghcr.io/acme/api:${tag}` : `helm:
      values: |
        image:
          repository: acme/app-${i}
          tag: ${tag}`}
  destination:
    server: https://kubernetes.default.svc
    namespace: app-${i}
  syncPolicy:
    automated: {prune: true, selfHeal: true}
`];
  }
  let out = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc-${i}
  namespace: apps
  labels:
    app.kubernetes.io/name: svc-${i}
    app.kubernetes.io/part-of: platform
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: svc-${i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: svc-${i}
    spec:
      containers:
      - name: app
        image: registry.example.com/apps/svc-${i}:${tag}${r() < 0.3 ? '@' + DIGEST : ''}
        imagePullPolicy: IfNotPresent
        args: ["--port=8080", "--log-level=info"]
        ports:
        - containerPort: 8080
          name: http
        resources:
          requests:
            cpu: 100m
            memory: 128Mi
`;
  for (let e = 0; out.length < target - 300; e++) {
    out += `        - name: ENV_${e}
          value: "value-${e}"
`.replace('        - name', e === 0 ? '        env:\n        - name' : '        - name');
  }
  out += `---
apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
spec:
  selector:
    app.kubernetes.io/name: svc-${i}
  ports:
  - port: 80
    targetPort: http
`;
  return [`manifests/team-${i % 23}/svc-${i}.yaml`, out];
}

function crdDoc(r: () => number, i: number, kb: number): string {
  let props = '';
  for (let n = 0; props.length < kb * 1024; n++) {
    props += `                  field${n}:
                    description: Settings for component ${n}; the image field names the container image to run.
                    properties:
                      image:
                        description: Container image name, e.g. registry/repository:tag.
                        type: string
                      imagePullPolicy:
                        description: Image pull policy. One of Always, Never, IfNotPresent.
                        type: string
                    type: object
`;
  }
  return `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.14.0
  name: widgets${i}.example.com
spec:
  group: example.com
  names:
    kind: Widget${i}
    plural: widgets${i}
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

function bundleFile(r: () => number, i: number): string {
  const target = sizeOf(r, 80_000, 1.7, 1_900_000);
  const docs: string[] = [];
  // About 28 image-ish lines outside the CRDs: operator deployments with their sidecars.
  for (let d = 0; d < 4; d++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: operator-${i}-${d}
  namespace: operators
spec:
  template:
    spec:
      containers:
      - name: manager
        image: quay.io/acme/operator-${i}:v0.${d}.1
        imagePullPolicy: IfNotPresent
        args:
        - --leader-elect
        - --image-default=quay.io/acme/workload:v1
        env:
        - name: RELATED_IMAGE_AGENT
          value: quay.io/acme/agent:v0.${d}.1
        - name: RELATED_IMAGE_SIDECAR
          value: quay.io/acme/sidecar@${DIGEST}
      - name: kube-rbac-proxy
        image: gcr.io/kubebuilder/kube-rbac-proxy:v0.16.0
        resources:
          limits:
            cpu: 500m
`);
  }
  let size = docs.reduce((a, d) => a + d.length, 0);
  for (let c = 0; size < target; c++) {
    const doc = crdDoc(r, i * 100 + c, Math.min(300, Math.max(8, (target - size) / 1024 / 2)));
    docs.push(doc);
    size += doc.length;
  }
  return docs.join('---\n');
}

/** The realistic profile at `scale` (1: the 6,306 files of the measured tree). */
export function* realisticFiles(scale: number): Generator<CorpusFile> {
  const r = rng(13);
  const count = (n: number) => Math.max(1, Math.round(n * scale));
  for (let i = 0; i < count(3831); i++) yield { rel: `charts/chart-${Math.floor(i / 8)}/templates/t-${i}.yaml`, text: templateFile(r, i) };
  for (let i = 0; i < count(503); i++) yield { rel: `charts/chart-${i}/values${i % 5 === 1 ? '-production' : ''}.yaml`, text: valuesFile(r, i) };
  for (let i = 0; i < count(1823); i++) {
    const [rel, text] = manifestFile(r, i);
    yield { rel, text };
  }
  for (let i = 0; i < count(34); i++) yield { rel: `install/bundle-${i}/install.yaml`, text: bundleFile(r, i) };
  for (let i = 0; i < count(115); i++) {
    yield {
      rel: `overlays/env-${i}/kustomization.yaml`,
      text: `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: env-${i}
resources:
  - ../../base
patches:
  - path: replicas.yaml
images:
  - name: registry.example.com/apps/svc-${i}
    newTag: ${pick(r, TAGS) || 'v1'}
  - name: nginx
    newName: mirror.example.com/nginx
    newTag: "1.27"
`,
    };
  }
}
