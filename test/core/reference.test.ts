import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseReference,
  fullName,
  familiarName,
  formatReference,
  isValidTag,
  parseDigest,
  splitWritten,
  pinnedText,
  type ImageReference,
} from '../../server/src/core/reference';

const HEX64 = '0123456789abcdef'.repeat(4);
const HEX128 = 'fedcba9876543210'.repeat(8);
const SHA256 = `sha256:${HEX64}`;
const SHA256_OTHER = `sha256:${'9'.repeat(64)}`;
const SHA512 = `sha512:${HEX128}`;

interface Valid {
  input: string;
  domain: string;
  path: string;
  tag?: string;
  digest?: string;
  explicit: boolean;
}
interface Invalid {
  input: string;
  /** Every fragment must appear in the error message. */
  error: string[];
}

const valid: Valid[] = [
  { input: 'nginx', domain: 'docker.io', path: 'library/nginx', explicit: false },
  { input: 'nginx:1.25', domain: 'docker.io', path: 'library/nginx', tag: '1.25', explicit: false },
  { input: 'library/nginx', domain: 'docker.io', path: 'library/nginx', explicit: false },
  { input: 'docker.io/nginx', domain: 'docker.io', path: 'library/nginx', explicit: true },
  { input: 'docker.io/library/nginx:latest', domain: 'docker.io', path: 'library/nginx', tag: 'latest', explicit: true },
  { input: 'index.docker.io/library/nginx', domain: 'docker.io', path: 'library/nginx', explicit: true },
  { input: 'index.docker.io/nginx:1', domain: 'docker.io', path: 'library/nginx', tag: '1', explicit: true },
  { input: 'docker.io/library', domain: 'docker.io', path: 'library/library', explicit: true },
  { input: 'bitnami/redis:7.2', domain: 'docker.io', path: 'bitnami/redis', tag: '7.2', explicit: false },
  { input: 'docker.io/bitnami/redis', domain: 'docker.io', path: 'bitnami/redis', explicit: true },
  { input: 'a/b/c/d', domain: 'docker.io', path: 'a/b/c/d', explicit: false },
  // A port, not a tag: the colon sits before the last "/".
  { input: 'localhost:5000/app', domain: 'localhost:5000', path: 'app', explicit: true },
  { input: 'localhost/app:1', domain: 'localhost', path: 'app', tag: '1', explicit: true },
  // Without a "/" the name is on Docker Hub, so the colon starts a tag.
  { input: 'localhost:5000', domain: 'docker.io', path: 'library/localhost', tag: '5000', explicit: false },
  { input: 'localhost', domain: 'docker.io', path: 'library/localhost', explicit: false },
  { input: 'example.com:5000', domain: 'docker.io', path: 'library/example.com', tag: '5000', explicit: false },
  { input: 'foo_bar.com:8080', domain: 'docker.io', path: 'library/foo_bar.com', tag: '8080', explicit: false },
  { input: 'test:5000/repo', domain: 'test:5000', path: 'repo', explicit: true },
  { input: 'my-registry:5000/ns/app:1', domain: 'my-registry:5000', path: 'ns/app', tag: '1', explicit: true },
  { input: '[::1]:5000/app:latest', domain: '[::1]:5000', path: 'app', tag: 'latest', explicit: true },
  { input: '[2001:db8::1]/app', domain: '[2001:db8::1]', path: 'app', explicit: true },
  { input: `[2001:db8::1]:5000/repo@${SHA256}`, domain: '[2001:db8::1]:5000', path: 'repo', digest: SHA256, explicit: true },
  { input: '192.168.1.1:5000/repo:5050', domain: '192.168.1.1:5000', path: 'repo', tag: '5050', explicit: true },
  { input: '0.0.0.0/app', domain: '0.0.0.0', path: 'app', explicit: true },
  { input: 'ghcr.io/a/b', domain: 'ghcr.io', path: 'a/b', explicit: true },
  { input: 'quay.io/prometheus/node-exporter:v1.8.1', domain: 'quay.io', path: 'prometheus/node-exporter', tag: 'v1.8.1', explicit: true },
  { input: 'gcr.io/distroless/static-debian12:nonroot', domain: 'gcr.io', path: 'distroless/static-debian12', tag: 'nonroot', explicit: true },
  { input: 'xn--n3h.com/myimage:xn--n3h.com', domain: 'xn--n3h.com', path: 'myimage', tag: 'xn--n3h.com', explicit: true },
  { input: 'b.gcr.io/test.example.com/my-app:test.example.com', domain: 'b.gcr.io', path: 'test.example.com/my-app', tag: 'test.example.com', explicit: true },
  // registry-1.docker.io is Docker Hub's real host, but the grammar only folds index.docker.io.
  { input: 'registry-1.docker.io/library/nginx', domain: 'registry-1.docker.io', path: 'library/nginx', explicit: true },
  {
    input: `registry.example.com:443/org/team/app:v1@${SHA256}`,
    domain: 'registry.example.com:443',
    path: 'org/team/app',
    tag: 'v1',
    digest: SHA256,
    explicit: true,
  },
  // Hosts keep their written case.
  { input: 'Registry.Example.com/app', domain: 'Registry.Example.com', path: 'app', explicit: true },
  // An uppercase first component is read as a registry host, as Docker does.
  { input: 'Acme/app', domain: 'Acme', path: 'app', explicit: true },
  // Folding compares exactly, so a capitalised Docker Hub host is just another registry.
  { input: 'Docker.io/nginx', domain: 'Docker.io', path: 'nginx', explicit: true },
  { input: 'acme/app:V1.0', domain: 'docker.io', path: 'acme/app', tag: 'V1.0', explicit: false },
  { input: 'a__b', domain: 'docker.io', path: 'library/a__b', explicit: false },
  { input: 'a--b', domain: 'docker.io', path: 'library/a--b', explicit: false },
  { input: 'a---b', domain: 'docker.io', path: 'library/a---b', explicit: false },
  { input: 'a.b_c-d', domain: 'docker.io', path: 'library/a.b_c-d', explicit: false },
  { input: 'a_b/c', domain: 'docker.io', path: 'a_b/c', explicit: false },
  { input: '1/2/3', domain: 'docker.io', path: '1/2/3', explicit: false },
  { input: 'fortio:latest_release', domain: 'docker.io', path: 'library/fortio', tag: 'latest_release', explicit: false },
  { input: 'nginx:_x', domain: 'docker.io', path: 'library/nginx', tag: '_x', explicit: false },
  { input: 'nginx:1.0-alpine3.19', domain: 'docker.io', path: 'library/nginx', tag: '1.0-alpine3.19', explicit: false },
  { input: `nginx:${'t'.repeat(128)}`, domain: 'docker.io', path: 'library/nginx', tag: 't'.repeat(128), explicit: false },
  { input: `nginx@${SHA256}`, domain: 'docker.io', path: 'library/nginx', digest: SHA256, explicit: false },
  { input: `nginx:1.25@${SHA256}`, domain: 'docker.io', path: 'library/nginx', tag: '1.25', digest: SHA256, explicit: false },
  { input: `nginx@${SHA512}`, domain: 'docker.io', path: 'library/nginx', digest: SHA512, explicit: false },
  { input: `app@blake3:${HEX64}`, domain: 'docker.io', path: 'library/app', digest: `blake3:${HEX64}`, explicit: false },
  {
    input: `registry.k8s.io/ingress-nginx/controller:v1.10.0@${SHA256}`,
    domain: 'registry.k8s.io',
    path: 'ingress-nginx/controller',
    tag: 'v1.10.0',
    digest: SHA256,
    explicit: true,
  },
  // The 255-character limit is on the path; the domain does not count.
  { input: `example.com/${'a'.repeat(255)}`, domain: 'example.com', path: 'a'.repeat(255), explicit: true },
  // ... but "library/" added for Docker Hub does.
  { input: 'a'.repeat(247), domain: 'docker.io', path: `library/${'a'.repeat(247)}`, explicit: false },
  // 63 hex characters is not an image ID, so it is a name.
  { input: HEX64.slice(1), domain: 'docker.io', path: `library/${HEX64.slice(1)}`, explicit: false },
];

const invalid: Invalid[] = [
  { input: '', error: ['empty reference'] },
  { input: '   ', error: ['empty reference', 'whitespace'] },
  { input: ' nginx', error: ['whitespace'] },
  { input: 'nginx:1.25\n', error: ['whitespace', '\\n'] },
  { input: 'nginx :1', error: ['whitespace'] },
  { input: 'Acme/App:1.0', error: ['repository path "App"', 'uppercase', '"Acme"'] },
  { input: 'Nginx', error: ['"Nginx"', 'uppercase'] },
  { input: 'Uppercase:tag', error: ['"Uppercase"', 'uppercase'] },
  { input: 'localhost:5000/App', error: ['"App"', 'uppercase'] },
  { input: 'test:5000/Uppercase/lowercase:tag', error: ['"Uppercase/lowercase"', 'uppercase'] },
  { input: 'nginx@sha256:abc123', error: ['digest "sha256:abc123" must be 64 lowercase hex characters', 'found 6'] },
  { input: `nginx@sha256:${HEX64.toUpperCase()}`, error: ['64 lowercase hex', 'found "A"'] },
  { input: `nginx@sha256:${HEX64}0`, error: ['64 lowercase hex', 'found 65'] },
  { input: `nginx@sha512:${HEX64}`, error: ['128 lowercase hex'] },
  { input: 'nginx@', error: ['"@" is not followed by a digest'] },
  { input: 'nginx@latest', error: ['digest "latest"', 'algorithm:hex'] },
  { input: `nginx@SHA256:${HEX64}`, error: ['algorithm "SHA256"', 'lowercase'] },
  { input: `nginx@${SHA256}@${SHA256}`, error: ['more than one "@"'] },
  { input: 'nginx@blake3:abcd', error: ['too short', 'at least 32'] },
  { input: `nginx@:${HEX64}`, error: ['no algorithm'] },
  { input: `nginx@sha256++b64:${HEX64}`, error: ['algorithm "sha256++b64"'] },
  // Valid digests in general, but not inside an image reference.
  { input: `nginx@sha256+b64:${'A'.repeat(40)}_-`, error: ['image reference', 'hex'] },
  { input: `nginx@1alg:${HEX64}`, error: ['image reference', 'start with a letter'] },
  { input: 'nginx:', error: ['":" is not followed by a tag'] },
  { input: ':tag', error: ['repository name is missing', '":tag"'] },
  { input: `@${SHA256}`, error: ['repository name is missing'] },
  { input: 'a___b', error: ['separator "___"'] },
  { input: 'a.-b', error: ['separator ".-"'] },
  { input: 'a..b', error: ['separator ".."'] },
  { input: 'a-_b', error: ['separator "-_"'] },
  { input: '-a', error: ['"-a"', 'must start and end'] },
  { input: 'a-', error: ['"a-"', 'must start and end'] },
  { input: 'org/_app', error: ['"_app"', 'must start and end'] },
  { input: 'nginx/', error: ['ends with "/"'] },
  { input: 'ghcr.io/org/', error: ['"org/"', 'ends with "/"'] },
  { input: 'ghcr.io/', error: ['"ghcr.io/"', 'path is missing'] },
  { input: 'a//b', error: ['empty component'] },
  { input: '/nginx', error: ['starts with "/"'] },
  { input: 'aa/asdf$$^/aa', error: ['invalid character "$"'] },
  { input: 'ngïnx', error: ['invalid character "ï"'] },
  { input: 'nginx:-x', error: ['tag "-x" must start with a letter, digit or underscore'] },
  { input: 'nginx:.x', error: ['tag ".x" must start'] },
  { input: 'nginx:a+b', error: ['tag "a+b"', 'invalid character "+"'] },
  { input: 'a:b:c', error: ['tag "b:c"', 'invalid character ":"'] },
  { input: `nginx:${'t'.repeat(129)}`, error: ['129 characters', '128'] },
  { input: `example.com/${'a'.repeat(256)}`, error: ['256 characters', 'limit is 255'] },
  { input: 'a'.repeat(248), error: ['256 characters', 'library/', 'limit is 255'] },
  { input: `${'a/'.repeat(128)}a:tag`, error: ['257 characters', 'limit is 255'] },
  { input: '[::1]', error: ['invalid character "["'] },
  { input: '[2001:db8::1]:5000', error: ['invalid character "["'] },
  { input: '[fe80::1%eth0]:5000/repo', error: ['IPv6 address', 'invalid character "%"'] },
  { input: '[::1/app', error: ['does not close'] },
  { input: '[]:5000/app', error: ['empty brackets'] },
  // Without a ":" the brackets are not read as a registry, so they land in the path.
  { input: '[abc]/app', error: ['repository path "[abc]/app"', 'invalid character "["'] },
  { input: '[::1]x/app', error: ['"x"', 'only ":port"'] },
  { input: '::1/app', error: ['brackets'] },
  { input: '-bad.com/app', error: ['label "-bad"', '"-"'] },
  { input: 'bad-.com/app', error: ['label "bad-"'] },
  { input: 'foo..com/app', error: ['empty label'] },
  // Docker's regex would take this as a domain-less path; a host with "_" is no registry anyone can reach.
  { input: 'a_b.com/app', error: ['registry host "a_b.com"', 'invalid character "_"'] },
  { input: 'host:/app', error: ['no port number'] },
  { input: 'host:abc/app', error: ['port "abc"', 'digits'] },
  { input: ':5000/app', error: ['no host name'] },
  { input: 'nginx:1.0/foo', error: ['port "1.0"'] },
  { input: HEX64, error: ['64-character hex image ID'] },
];

function expectedRef(c: Valid): ImageReference {
  const ref: ImageReference = { domain: c.domain, path: c.path, domainExplicit: c.explicit };
  if (c.tag !== undefined) ref.tag = c.tag;
  if (c.digest !== undefined) ref.digest = c.digest;
  return ref;
}

describe('parseReference: valid references', () => {
  for (const c of valid) {
    it(JSON.stringify(c.input.length > 70 ? `${c.input.slice(0, 60)}…` : c.input), () => {
      const result = parseReference(c.input);
      assert.ok(result.ok, `expected valid, got: ${result.ok ? '' : result.error}`);
      assert.deepEqual(result.ref, expectedRef(c));
    });
  }
});

describe('parseReference: invalid references', () => {
  for (const c of invalid) {
    it(JSON.stringify(c.input.length > 70 ? `${c.input.slice(0, 60)}…` : c.input), () => {
      const result = parseReference(c.input);
      assert.equal(result.ok, false, `expected invalid: ${c.input}`);
      if (result.ok) return;
      for (const fragment of c.error) {
        assert.ok(result.error.includes(fragment), `error ${JSON.stringify(result.error)} lacks ${JSON.stringify(fragment)}`);
      }
    });
  }

  it('has at least 70 cases in all', () => {
    assert.ok(valid.length + invalid.length >= 70);
  });

  it('keeps long values short in messages', () => {
    const result = parseReference(`ghcr.io/${'A'.repeat(300)}`);
    assert.equal(result.ok, false);
    if (!result.ok) assert.ok(result.error.length < 200, result.error);
  });
});

describe('parseDigest', () => {
  const cases: { input: string; expect: { algorithm: string; hex: string; algorithmKnown: boolean } | string }[] = [
    { input: SHA256, expect: { algorithm: 'sha256', hex: HEX64, algorithmKnown: true } },
    { input: SHA512, expect: { algorithm: 'sha512', hex: HEX128, algorithmKnown: true } },
    { input: `blake3:${HEX64}`, expect: { algorithm: 'blake3', hex: HEX64, algorithmKnown: false } },
    { input: `sha256+b64u:${'Ab_-='.repeat(8)}`, expect: { algorithm: 'sha256+b64u', hex: 'Ab_-='.repeat(8), algorithmKnown: false } },
    { input: `1x.y_z-w:${'0'.repeat(32)}`, expect: { algorithm: '1x.y_z-w', hex: '0'.repeat(32), algorithmKnown: false } },
    // sha384 is not an OCI-registered algorithm, so any length of 32 or more passes as unknown.
    { input: `sha384:${HEX64}`, expect: { algorithm: 'sha384', hex: HEX64, algorithmKnown: false } },
    { input: 'sha256:abc123', expect: 'must be 64 lowercase hex characters' },
    { input: `sha512:${HEX128.slice(1)}`, expect: 'must be 128 lowercase hex characters' },
    // A name that exists on Object.prototype is still just an unknown algorithm.
    { input: `constructor:${HEX64}`, expect: { algorithm: 'constructor', hex: HEX64, algorithmKnown: false } },
    { input: HEX64, expect: 'algorithm:hex' },
    { input: `:${HEX64}`, expect: 'no algorithm' },
    { input: `blake3:${'0'.repeat(31)}`, expect: 'too short' },
    { input: `blake3:${'0'.repeat(31)}!`, expect: 'invalid character "!"' },
    { input: `Blake3:${HEX64}`, expect: 'must be lowercase' },
    { input: `-blake3:${HEX64}`, expect: 'must be lowercase letters and digits' },
    { input: `bla ke:${HEX64}`, expect: 'invalid character " "' },
  ];
  for (const c of cases) {
    it(c.input.slice(0, 40), () => {
      const result = parseDigest(c.input);
      if (typeof c.expect === 'string') {
        assert.equal(result.ok, false);
        if (!result.ok) assert.ok(result.error.includes(c.expect), result.error);
      } else {
        assert.deepEqual(result, { ok: true, ...c.expect });
      }
    });
  }
});

describe('isValidTag', () => {
  const cases: [string, boolean][] = [
    ['latest', true],
    ['V1.0', true],
    ['_', true],
    ['1.25-alpine', true],
    ['latest_release', true],
    ['t'.repeat(128), true],
    ['t'.repeat(129), false],
    ['', false],
    ['-x', false],
    ['.x', false],
    ['a/b', false],
    ['a:b', false],
    ['a@b', false],
    ['é', false],
  ];
  for (const [tag, expected] of cases) {
    it(`${JSON.stringify(tag.slice(0, 20))} → ${expected}`, () => assert.equal(isValidTag(tag), expected));
  }
});

describe('fullName / familiarName / formatReference', () => {
  const cases: {
    ref: { domain: string; path: string; tag?: string; digest?: string };
    name: string;
    familiarName: string;
    full: string;
    familiar: string;
  }[] = [
    {
      ref: { domain: 'docker.io', path: 'library/nginx' },
      name: 'docker.io/library/nginx',
      familiarName: 'nginx',
      full: 'docker.io/library/nginx',
      familiar: 'nginx',
    },
    {
      ref: { domain: 'docker.io', path: 'bitnami/redis', tag: '7' },
      name: 'docker.io/bitnami/redis',
      familiarName: 'bitnami/redis',
      full: 'docker.io/bitnami/redis:7',
      familiar: 'bitnami/redis:7',
    },
    // Dropping docker.io here would make "a.b" read as a registry.
    {
      ref: { domain: 'docker.io', path: 'a.b/c' },
      name: 'docker.io/a.b/c',
      familiarName: 'docker.io/a.b/c',
      full: 'docker.io/a.b/c',
      familiar: 'docker.io/a.b/c',
    },
    // Only single-component official names drop "library/".
    {
      ref: { domain: 'docker.io', path: 'library/a/b' },
      name: 'docker.io/library/a/b',
      familiarName: 'library/a/b',
      full: 'docker.io/library/a/b',
      familiar: 'library/a/b',
    },
    {
      ref: { domain: 'ghcr.io', path: 'a/b', digest: SHA256 },
      name: 'ghcr.io/a/b',
      familiarName: 'ghcr.io/a/b',
      full: `ghcr.io/a/b@${SHA256}`,
      familiar: `ghcr.io/a/b@${SHA256}`,
    },
    {
      ref: { domain: 'ghcr.io', path: 'library/x' },
      name: 'ghcr.io/library/x',
      familiarName: 'ghcr.io/library/x',
      full: 'ghcr.io/library/x',
      familiar: 'ghcr.io/library/x',
    },
    {
      ref: { domain: 'localhost:5000', path: 'app', tag: 'v1' },
      name: 'localhost:5000/app',
      familiarName: 'localhost:5000/app',
      full: 'localhost:5000/app:v1',
      familiar: 'localhost:5000/app:v1',
    },
    {
      ref: { domain: 'docker.io', path: 'library/nginx', tag: '1.25', digest: SHA256 },
      name: 'docker.io/library/nginx',
      familiarName: 'nginx',
      full: `docker.io/library/nginx:1.25@${SHA256}`,
      familiar: `nginx:1.25@${SHA256}`,
    },
  ];
  for (const c of cases) {
    it(c.full.slice(0, 60), () => {
      assert.equal(fullName(c.ref), c.name);
      assert.equal(familiarName(c.ref), c.familiarName);
      assert.equal(formatReference(c.ref), c.full);
      assert.equal(formatReference(c.ref, { familiar: false }), c.full);
      assert.equal(formatReference(c.ref, { familiar: true }), c.familiar);
    });
  }
  it('familiarName of parsed references', () => {
    const names: [string, string][] = [
      ['nginx:1', 'nginx'],
      ['docker.io/library/nginx', 'nginx'],
      ['index.docker.io/bitnami/redis', 'bitnami/redis'],
      ['ghcr.io/a/b', 'ghcr.io/a/b'],
      ['[::1]:5000/app', '[::1]:5000/app'],
    ];
    for (const [input, familiar] of names) {
      const result = parseReference(input);
      assert.ok(result.ok);
      if (result.ok) assert.equal(familiarName(result.ref), familiar, input);
    }
  });
});

describe('splitWritten', () => {
  const cases: [string, { name: string; tag?: string; digest?: string } | null][] = [
    ['nginx', { name: 'nginx' }],
    ['nginx:1.25', { name: 'nginx', tag: '1.25' }],
    ['index.docker.io/nginx:1', { name: 'index.docker.io/nginx', tag: '1' }],
    ['localhost:5000/app', { name: 'localhost:5000/app' }],
    ['localhost:5000', { name: 'localhost', tag: '5000' }],
    [`[::1]:5000/app:latest@${SHA256}`, { name: '[::1]:5000/app', tag: 'latest', digest: SHA256 }],
    [`Registry.Example.com/app@${SHA256}`, { name: 'Registry.Example.com/app', digest: SHA256 }],
    ['Acme/App:1.0', null],
    ['nginx@sha256:abc123', null],
    ['', null],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input.slice(0, 50)), () => assert.deepEqual(splitWritten(input), expected));
  }
});

describe('pinnedText', () => {
  const cases: [string, 'tag-digest' | 'digest', string][] = [
    ['nginx', 'tag-digest', `nginx:latest@${SHA256_OTHER}`],
    ['nginx', 'digest', `nginx@${SHA256_OTHER}`],
    ['nginx:1.25', 'tag-digest', `nginx:1.25@${SHA256_OTHER}`],
    ['nginx:1.25', 'digest', `nginx@${SHA256_OTHER}`],
    // An existing digest is replaced, and the name stays exactly as written.
    [`nginx:1.25@${SHA256}`, 'tag-digest', `nginx:1.25@${SHA256_OTHER}`],
    [`index.docker.io/nginx@${SHA256}`, 'tag-digest', `index.docker.io/nginx:latest@${SHA256_OTHER}`],
    ['localhost:5000/app', 'tag-digest', `localhost:5000/app:latest@${SHA256_OTHER}`],
    ['[::1]:5000/app:v1', 'digest', `[::1]:5000/app@${SHA256_OTHER}`],
    ['Registry.Example.com/team/app:V2', 'tag-digest', `Registry.Example.com/team/app:V2@${SHA256_OTHER}`],
  ];
  for (const [written, style, expected] of cases) {
    it(`${written.slice(0, 40)} (${style})`, () => {
      const text = pinnedText(written, SHA256_OTHER, style);
      assert.equal(text, expected);
      const parsed = parseReference(text);
      assert.ok(parsed.ok);
      if (parsed.ok) assert.equal(parsed.ref.digest, SHA256_OTHER);
    });
  }
  it('refuses an invalid reference or digest', () => {
    assert.throws(() => pinnedText('Acme/App', SHA256, 'digest'), /uppercase/);
    assert.throws(() => pinnedText('nginx', 'sha256:abc', 'digest'), /64 lowercase hex/);
  });
});

// ------------------------------------------------------------------------- properties

const chars = (s: string) => fc.constantFrom(...s);
const lowerAlnum = fc.string({ unit: chars('abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 6 });
const separator = fc.constantFrom('.', '_', '__', '-', '--', '---');
const component = fc
  .tuple(lowerAlnum, fc.array(fc.tuple(separator, lowerAlnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const label = fc
  .tuple(
    fc.string({ unit: chars('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 1, maxLength: 5 }),
    fc.option(fc.string({ unit: chars('abcXYZ019-'), minLength: 0, maxLength: 4 }).map((s) => `${s}z`)),
  )
  .map(([a, b]) => a + (b ?? ''));
const port = fc.option(fc.integer({ min: 0, max: 99999 }).map((n) => `:${n}`), { nil: '' });
const domain = fc.oneof(
  fc.tuple(fc.array(label, { minLength: 2, maxLength: 4 }), port).map(([labels, p]) => labels.join('.') + p),
  fc.tuple(label, fc.integer({ min: 1, max: 65535 })).map(([l, p]) => `${l}:${p}`),
  port.map((p) => `localhost${p}`),
  // Brackets are read as a registry because of the ":" an IPv6 address always has.
  fc
    .tuple(fc.string({ unit: chars('0123456789abcdefABCDEF:'), maxLength: 12 }), port)
    .map(([a, p]) => `[${a}:]${p}`),
  fc.constantFrom('docker.io', 'index.docker.io'),
);
const hex = (n: number) => fc.string({ unit: chars('0123456789abcdef'), minLength: n, maxLength: n });
const digest = fc.oneof(hex(64).map((h) => `sha256:${h}`), hex(128).map((h) => `sha512:${h}`));
const tag = fc
  .tuple(chars('abcXYZ019_'), fc.string({ unit: chars('abcXYZ019_.-'), maxLength: 127 }))
  .map(([first, rest]) => first + rest);

const generated = fc
  .record({
    domain: fc.option(domain, { nil: undefined }),
    components: fc.array(component, { minLength: 1, maxLength: 4 }),
    tag: fc.option(tag, { nil: undefined }),
    digest: fc.option(digest, { nil: undefined }),
  })
  // Without a written domain, a first component with "." (or "localhost") would itself be read as one.
  .filter((g) => g.domain !== undefined || g.components.length === 1 || !(g.components[0].includes('.') || g.components[0] === 'localhost'));

describe('properties', () => {
  it('generated references parse and format to their normalized form', () => {
    fc.assert(
      fc.property(generated, (g) => {
        const writtenPath = g.components.join('/');
        const text =
          (g.domain !== undefined ? `${g.domain}/` : '') +
          writtenPath +
          (g.tag !== undefined ? `:${g.tag}` : '') +
          (g.digest !== undefined ? `@${g.digest}` : '');
        const result = parseReference(text);
        assert.ok(result.ok, `${text}: ${result.ok ? '' : result.error}`);
        if (!result.ok) return;

        const hub = g.domain === undefined || g.domain === 'docker.io' || g.domain === 'index.docker.io';
        const expectedDomain = hub ? 'docker.io' : g.domain!;
        const expectedPath = hub && g.components.length === 1 ? `library/${writtenPath}` : writtenPath;
        const normalized =
          `${expectedDomain}/${expectedPath}` +
          (g.tag !== undefined ? `:${g.tag}` : '') +
          (g.digest !== undefined ? `@${g.digest}` : '');
        assert.equal(formatReference(result.ref), normalized);
        assert.equal(result.ref.domainExplicit, g.domain !== undefined);

        // The normalized and familiar forms both read back as the same reference.
        for (const form of [normalized, formatReference(result.ref, { familiar: true })]) {
          const again = parseReference(form);
          assert.ok(again.ok, form);
          if (again.ok) assert.equal(formatReference(again.ref), normalized);
        }
        assert.deepEqual(splitWritten(text), {
          name: (g.domain !== undefined ? `${g.domain}/` : '') + writtenPath,
          ...(g.tag !== undefined ? { tag: g.tag } : {}),
          ...(g.digest !== undefined ? { digest: g.digest } : {}),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, and whatever it accepts formats back to itself', () => {
    const nearReference = fc.string({ unit: chars('aZ0-._:/@[]+= é\n'), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), nearReference), (text) => {
        const result = parseReference(text);
        const split = splitWritten(text);
        assert.equal(split !== null, result.ok);
        if (!result.ok) {
          assert.ok(result.error.length > 0);
          return;
        }
        const again = parseReference(formatReference(result.ref));
        assert.ok(again.ok);
        if (again.ok) assert.deepEqual({ ...again.ref, domainExplicit: false }, { ...result.ref, domainExplicit: false });
        assert.equal(split!.name + (split!.tag !== undefined ? `:${split!.tag}` : '') + (split!.digest !== undefined ? `@${split!.digest}` : ''), text);
      }),
      { numRuns: 2000 },
    );
  });
});
