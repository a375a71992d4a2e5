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
  'tag-conflict': {
    id: 'tag-conflict',
    title: 'One tag pinned to two digests',
    summary: 'The same registry/repository:tag is pinned to different digests in one scan: at most one of them is what the tag names, and a reader cannot tell which artifact the tag means.',
    fix: 'Pin every place to the same digest (the one the build published for this tag), or give the other artifact its own tag.',
  },
  'unknown-digest': {
    id: 'unknown-digest',
    title: 'Pinned digest does not exist',
    summary: 'The registry has no manifest with the pinned digest: the deployment would fail to pull (ImagePullBackOff). The digest was mistyped, or the manifest was deleted or garbage-collected.',
    fix: 'Pin the reference again from its tag (`image-pin pin --update`), or correct the digest.',
  },
  'moved-tag': {
    id: 'moved-tag',
    title: 'Tag moved away from the pinned digest',
    summary: 'The reference says `repo:tag@digest`, but the tag now points to another digest (or no longer exists): the tag shown to every reader no longer names what is deployed. A release tag must be published once.',
    fix: 'Update the digest to what the tag points to now (`image-pin pin --update`), or keep the artifact and drop the tag (`repo@sha256:…`).',
  },
  'registry-error': {
    id: 'registry-error',
    title: 'Pin could not be verified',
    summary: 'The registry could not be asked (unreachable, unauthorized, rate-limited, TLS): the pin was not verified. It is reported, never passed silently.',
    fix: 'Fix what the message names (network, credentials, CA) and check again; set its severity in `.image-pin.yaml` if unverified pins should not fail CI.',
  },
};
