/**
 * What the check reports for each fixture in test/fixtures/shapes: `[rule, 1-based line, the exact
 * text the range covers]`, in line order. The core tests and the language server tests both hold the
 * product to this one table.
 */
export type Expected = Array<[string, number, string]>;

export const SHAPE_FINDINGS: Readonly<Record<string, Expected>> = {
  'workloads.yaml': [
    ['missing-tag', 12, 'busybox'],
    ['floating-tag', 15, 'ghcr.io/acme/api:dev'],
    ['unpinned-tag', 18, 'envoyproxy/envoy:v1.31.0'],
    ['floating-tag', 25, 'quay.io/acme/models:stable'],
    ['invalid-reference', 39, 'Acme/Runner:1.0'],
    ['floating-tag', 47, 'redis:7.2-latest'],
  ],
  'operators.yaml': [
    ['unpinned-tag', 8, 'golang:1.23'],
    ['floating-tag', 21, 'docker/whalesay:latest'],
    ['unpinned-tag', 26, 'quay.io/prometheus/prometheus:v2.54.1'],
    ['missing-tag', 28, 'quay.io/thanos/thanos'],
  ],
  'values.yaml': [
    ['unpinned-tag', 4, '7.2.4-debian-12-r0'],
    ['floating-tag', 19, 'latest'],
    ['unpinned-tag', 22, '1.36'],
    ['unpinned-tag', 24, 'quay.io/prometheus-operator/prometheus-config-reloader'],
    ['unpinned-tag', 28, '1.10'],
  ],
  'kustomization.yaml': [
    ['floating-tag', 6, 'edge'],
    ['unpinned-tag', 15, '1.6.29'],
  ],
  'argocd.yaml': [
    ['floating-tag', 11, 'ghcr.io/acme/web:main'],
    ['unpinned-tag', 12, 'ghcr.io/acme/api:2.0.0'],
    ['floating-tag', 19, 'nightly'],
    ['floating-tag', 25, 'canary'],
    ['unpinned-tag', 27, 'envoyproxy/envoy:v1.31.0'],
    ['unpinned-tag', 40, '6.7.0'],
  ],
  'docker-compose.yaml': [
    ['missing-tag', 6, 'postgres'],
    ['unpinned-tag', 9, 'redis:7-alpine'],
  ],
  '.github/workflows/ci.yml': [
    ['unpinned-tag', 6, 'node:20-bookworm'],
    ['floating-tag', 9, 'redis:latest'],
    ['unpinned-tag', 12, 'alpine:3.20'],
    ['missing-tag', 13, 'ghcr.io/acme/tool'],
    ['unpinned-tag', 17, 'python:3.12'],
  ],
  'values-shapes.yaml': [
    ['unpinned-tag', 5, '7.0.7'],
    ['unpinned-tag', 9, '2.44.0-debian-12-r0'],
    ['unpinned-tag', 15, '1.36'],
    ['floating-tag', 19, 'latest'],
    ['unpinned-tag', 22, '2.1.0'],
  ],
  'skaffold.yaml': [['unpinned-tag', 23, 'busybox:1.36']],
  'action.yml': [['unpinned-tag', 4, 'ghcr.io/acme/action-runner:v2']],
  'chart/templates/deployment.yaml': [['floating-tag', 21, 'curlimages/curl:latest']],
  'suppressed.yaml': [
    ['floating-tag', 8, 'mongo:latest'],
    ['floating-tag', 10, 'ubuntu:latest'],
  ],
};
