/**
 * `npm run bench:registry`: pin 500 unique references in one `image-pin pin` run against a real
 * token-auth registry on loopback, counting the HTTP requests it makes, next to a serial
 * `skopeo inspect` loop over the same references in the same run; then `image-pin check --online` over
 * the pinned files twice over (1000 pinned references, 500 unique), counting its requests too.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../server/src/cli/main';
import { pushImage, skopeoDigest, startFaultProxy, startRegistry } from '../helpers/registry';

const REPOS = Number(process.env.BENCH_REPOS ?? 50);
const TAGS_PER_REPO = Number(process.env.BENCH_TAGS ?? 10);

async function main_(): Promise<void> {
  const user = { username: 'bench', password: 'bench-pass-1' };
  const reg = await startRegistry({ auth: { kind: 'token', users: { [user.username]: user.password } } });
  try {
    const refs: string[] = [];
    let t = Date.now();
    for (let r = 0; r < REPOS; r++) {
      const tags = Array.from({ length: TAGS_PER_REPO }, (_, i) => `v${i}`);
      // One push per tag so every reference has its own digest.
      for (const tag of tags) await pushImage(reg, { name: `bench/app${r}`, tags: [tag], kind: 'docker-v2', seed: `bench-${r}-${tag}` });
      for (const tag of tags) refs.push(`bench/app${r}:${tag}`);
    }
    console.log(`seeded ${refs.length} references in ${REPOS} repositories (${((Date.now() - t) / 1000).toFixed(1)} s)`);

    // Count what reaches the registry through a recording pass-through proxy.
    const proxy = await startFaultProxy(reg.url);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ip-bench-reg-'));
    const docker = path.join(dir, '.docker');
    fs.mkdirSync(docker);
    const auth = Buffer.from(`${user.username}:${user.password}`).toString('base64');
    fs.writeFileSync(path.join(docker, 'config.json'), JSON.stringify({ auths: { [proxy.host]: { auth } } }));
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    for (let i = 0; i < refs.length; i += 50) {
      const containers = refs.slice(i, i + 50).map((ref, j) => `        - name: c${j}\n          image: ${proxy.host}/${ref}\n`);
      fs.writeFileSync(path.join(ws, `deploy-${i / 50}.yaml`), `kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n${containers.join('')}`);
    }
    reg.tokenServer!.issued = 0;
    reg.tokenServer!.requests.length = 0;
    process.env.DOCKER_CONFIG = docker;
    const out: string[] = [];
    t = Date.now();
    const code = await main(['pin', ws, '--write', '--format', 'json'], { out: (s) => out.push(s), err: (s) => out.push(s) });
    const pinMs = Date.now() - t;
    const report = JSON.parse(out.join('')) as { summary: { pinned: number; failed: number } };
    const manifests = proxy.requests.filter((r) => r.path.includes('/manifests/')).length;
    const others = proxy.requests.length - manifests;
    const scopes = new Set(reg.tokenServer!.requests.map((r) => r.scope)).size;
    console.log(`image-pin pin: exit ${code}, ${report.summary.pinned} pinned, ${report.summary.failed} failed in ${(pinMs / 1000).toFixed(2)} s`);
    console.log(`  HTTP to the registry: ${manifests} manifest requests (${refs.length} unique references), ${others} other requests`);
    console.log(`  token requests: ${reg.tokenServer!.issued} for ${scopes} repository scopes (${REPOS} repositories)`);

    // check --online over the pinned files, plus a copy of them (the same pins twice: what dedupe saves).
    const copy = path.join(ws, 'copy');
    fs.mkdirSync(copy);
    for (const name of fs.readdirSync(ws)) if (name.endsWith('.yaml')) fs.copyFileSync(path.join(ws, name), path.join(copy, name));
    proxy.requests.length = 0;
    reg.tokenServer!.issued = 0;
    const checkOut: string[] = [];
    t = Date.now();
    const checkCode = await main(['check', ws, '--online', '--no-cache', '--format', 'json'], { out: (s) => checkOut.push(s), err: (s) => checkOut.push(s) });
    const onlineMs = Date.now() - t;
    const checked = JSON.parse(checkOut.join('')) as { summary: { references: number; online: { pins: number; verified: number; moved: number; unknown: number; registryErrors: number } } };
    const online = checked.summary.online;
    const onlineManifests = proxy.requests.filter((r) => r.path.includes('/manifests/')).length;
    console.log(
      `image-pin check --online: exit ${checkCode}, ${online.pins} pinned references (${refs.length} unique tags, ${refs.length} unique digests): ` +
        `${online.verified} verified, ${online.moved} moved, ${online.unknown} unknown, ${online.registryErrors} not checked in ${(onlineMs / 1000).toFixed(2)} s`,
    );
    console.log(
      `  HTTP to the registry: ${onlineManifests} manifest requests (floor: one per unique tag + one per digest its tag does not prove = ${refs.length}), ` +
        `${proxy.requests.length - onlineManifests} other requests, ${reg.tokenServer!.issued} token requests`,
    );
    console.log(`ratio: check --online takes ${(onlineMs / pinMs).toFixed(3)} × the pin run of the same references`);
    // The floor, plus the first request of the run, which the registry answers with its token challenge.
    if (online.verified !== 2 * refs.length || onlineManifests > refs.length + 1) process.exitCode = 1;

    // Baseline: skopeo, one process per reference, serially.
    t = Date.now();
    for (const ref of refs) await skopeoDigest(reg, ref);
    const skopeoMs = Date.now() - t;
    console.log(`serial skopeo inspect loop: ${(skopeoMs / 1000).toFixed(2)} s`);
    console.log(`ratio: image-pin pin takes ${(pinMs / skopeoMs).toFixed(3)} × the skopeo loop (${(skopeoMs / pinMs).toFixed(1)}× faster)`);
    console.log(`ratio: check --online over ${online.pins} pins takes ${(onlineMs / skopeoMs).toFixed(3)} × the skopeo loop over ${refs.length} references (${(skopeoMs / onlineMs).toFixed(1)}× faster)`);
    await proxy.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    if (report.summary.pinned !== refs.length) process.exitCode = 1;
  } finally {
    await reg.stop();
  }
}

void main_();
