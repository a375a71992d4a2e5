/** What each rule means, for help text in SARIF, hovers and docs links. */
import type { RuleId } from './types';

export interface RuleInfo {
  id: RuleId;
  title: string;
  summary: string;
  fix: string;
}

export const RULE_INFO: Readonly<Record<RuleId, RuleInfo>> = {
  'missing-tag': {
    id: 'missing-tag',
    title: 'Image without tag or digest',
    summary: 'An image with neither a tag nor a digest means "latest" at pull time: a Git commit does not say which artifact runs.',
    fix: 'Pin the image to a digest: `image-pin pin --write` writes `repo:latest@sha256:…` (or `repo@sha256:…`).',
  },
  'floating-tag': {
    id: 'floating-tag',
    title: 'Floating tag deployed',
    summary: 'Tags such as latest, dev or main are moved on every build, so the same commit can deploy different images and a new push does not roll out.',
    fix: 'Pin the image to its current digest with `image-pin pin --write`, or deploy the unique build tag plus its digest.',
  },
  'unpinned-tag': {
    id: 'unpinned-tag',
    title: 'Tag without digest',
    summary: 'Every tag is a mutable pointer; only a digest names one artifact.',
    fix: 'Add the digest: `repo:tag@sha256:…` keeps the tag readable and makes the reference immutable.',
  },
  'invalid-reference': {
    id: 'invalid-reference',
    title: 'Invalid image reference',
    summary: 'The value is not a valid image reference, so the runtime cannot pull it (or pulls something other than intended).',
    fix: 'Correct the reference: lowercase repository path, a valid tag, a digest of the right length.',
  },
  'yaml-syntax': {
    id: 'yaml-syntax',
    title: 'YAML syntax error',
    summary: 'The file does not parse; what did parse was still checked.',
    fix: 'Fix the syntax error at the reported position.',
  },
  'pull-policy': {
    id: 'pull-policy',
    title: 'Allowed floating tag without pull policy Always',
    summary: 'A transitional allowance permits a floating tag only with an explicit pull policy of Always; the Kubernetes default does not count.',
    fix: 'Add `imagePullPolicy: Always` (or the chart\'s `pullPolicy: Always`), or pin the image.',
  },
  'expired-allowance': {
    id: 'expired-allowance',
    title: 'Expired allowance',
    summary: 'A time-boxed allowance for mutable tags has passed its `until` date; the images it covered must be pinned.',
    fix: 'Pin the images, or renew the allowance in `.image-pin.yaml` with a new date and reason.',
  },
};
