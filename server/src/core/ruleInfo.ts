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
    summary:
      'An image with neither a tag nor a digest pulls whatever "latest" names at pull time, so a Git commit does not say which artifact runs. The policy asks GitOps-managed environments to deploy immutable references: repo@sha256:<digest>, or repo:<tag>@sha256:<digest>.',
    fix: 'In VS Code, the quick fix "Pin … to its digest" (Ctrl+.) looks up "latest" and writes repo:latest@sha256:…. On the command line, `image-pin pin --write` does the same for every file.',
  },
  'floating-tag': {
    id: 'floating-tag',
    title: 'Floating tag deployed',
    summary:
      'Tags such as latest, dev or main move with every build: a new push changes what runs without a Git change, so nothing rolls out and a pod restart can pull something else. The policy lets floating tags exist but not be deployed directly.',
    fix: 'In VS Code, the quick fix "Pin … to its digest" (Ctrl+.) writes the tag\'s current digest beside it. On the command line, `image-pin pin --write`. Better still, deploy the build\'s unique tag with its digest.',
  },
  'unpinned-tag': {
    id: 'unpinned-tag',
    title: 'Tag without digest',
    summary:
      'Any tag can be pushed again, so only a digest names one artifact. The policy asks each build to publish a unique tag and a digest, and the deployment to reference the digest.',
    fix: 'In VS Code, the quick fix "Pin … to its digest" (Ctrl+.) adds the digest: repo:tag@sha256:… keeps the tag readable. On the command line, `image-pin pin --write`.',
  },
  'invalid-reference': {
    id: 'invalid-reference',
    title: 'Invalid image reference',
    summary: 'The value is not a valid image reference, so the runtime cannot pull it, or pulls something other than intended.',
    fix: 'Correct the reference as the message says: a lowercase repository path, a valid tag, a sha256 digest of 64 hex digits.',
  },
  'yaml-syntax': {
    id: 'yaml-syntax',
    title: 'YAML syntax error',
    summary: 'The file does not parse; what did parse was still checked.',
    fix: 'Fix the syntax error at the reported position.',
  },
  'pull-policy': {
    id: 'pull-policy',
    title: 'Allowed mutable tag without pull policy Always',
    summary:
      'The policy\'s time-boxed transitional allowance permits a floating tag only with an explicit pull policy of Always (and a Git change per rollout); the Kubernetes default does not count.',
    fix: 'In VS Code, the quick fix adds `imagePullPolicy: Always` (or the chart\'s `pullPolicy: Always`); or pin the image to its digest.',
  },
  'expired-allowance': {
    id: 'expired-allowance',
    title: 'Expired allowance',
    summary: 'The transitional allowance for mutable tags is time-boxed, and this one has passed its `until` date: the images it covered must be pinned.',
    fix: 'In VS Code, the quick fix "Pin … to its digest" (Ctrl+.); on the command line, `image-pin pin --write`. Or renew the allowance in `.image-pin.yaml` with a new date and reason.',
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
