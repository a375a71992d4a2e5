/**
 * `npm run bench`: workspace scan speed on two generated trees, each against the bare `yaml`
 * parse of the same files measured in the same run on the same machine. Prints ratios.
 *
 * Profiles (BENCH_PROFILES, default both): `realistic` is shaped like public chart and GitOps
 * repositories (test/bench/realistic.ts); `generated` is the older 20,000-file tree.
 * As processes, `image-pin check --no-cache` of this build is timed against, when set,
 * BASELINE_BIN (another build's bin/image-pin.js, e.g. of main) and RENOVATE_BIN (Renovate's
 * bin, run with RENOVATE_NODE or `node`, `--platform=local --dry-run=extract` in a git copy
 * of the tree, as docs/performance.md describes).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { extractImages, newFastPathStats } from '../../server/src/core/extract';
import { scan } from '../../server/src/scan/scanner';
import { Profile, writeCorpus } from './corpus';
import { writeEnvironmentCorpus } from './envCorpus';

const REPO = path.resolve(__dirname, '..', '..', '..');

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function listYaml(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && !(e.parentPath ?? e.path).includes(`${path.sep}.git`))
    .map((e) => path.join(e.parentPath ?? e.path, e.name));
}

interface Timed {
  wall: number;
  /** User + system CPU seconds of the child, when /usr/bin/time is there to say. */
  cpu?: number;
  rssMiB?: number;
  stdout: string;
}

/** Runs a command and times it as a process (best of `repeat` wall times). */
function timeProcess(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; repeat?: number }): Timed {
  const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
  let best: Timed | undefined;
  for (let i = 0; i < (opts.repeat ?? 1); i++) {
    const t = process.hrtime.bigint();
    const r = timeBin
      ? spawnSync(timeBin, ['-f', 'TIME %U %S %M', command, ...args], { cwd: opts.cwd, env: opts.env, encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(command, args, { cwd: opts.cwd, env: opts.env, encoding: 'utf8', maxBuffer: 1 << 30 });
    const wall = seconds(t);
    const m = /TIME ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr ?? '');
    const run: Timed = { wall, cpu: m ? Number(m[1]) + Number(m[2]) : undefined, rssMiB: m ? Number(m[3]) / 1024 : undefined, stdout: r.stdout ?? '' };
    if (!best || run.wall < best.wall) best = run;
  }
  return best!;
}

function show(t: Timed): string {
  return `${t.wall.toFixed(2)} s wall${t.cpu !== undefined ? `, ${t.cpu.toFixed(2)} s CPU` : ''}${t.rssMiB !== undefined ? `, ${t.rssMiB.toFixed(0)} MiB peak RSS` : ''}`;
}

async function benchProfile(profile: Profile, root: string): Promise<boolean> {
  const dir = path.join(root, profile);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-pin-bench-cache-'));
  let t = process.hrtime.bigint();
  const files = profile === 'generated' ? Number(process.env.BENCH_FILES ?? 20000) : undefined;
  const stats = writeCorpus(dir, profile, { files });
  console.log(`\n== profile ${profile}: ${stats.files} files, ${(stats.bytes / 1024 / 1024).toFixed(1)} MiB (written in ${seconds(t).toFixed(1)} s)`);

  // Baseline: the yaml package alone parsing every file once, on one thread.
  const texts = listYaml(dir).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  t = process.hrtime.bigint();
  let c = cpuSeconds();
  let docs = 0;
  for (const { text } of texts) docs += parseAllDocuments(text).length;
  const bare = seconds(t);
  const bareCpu = cpuSeconds() - c;
  console.log(`bare yaml parse of every file:      ${bare.toFixed(2)} s wall, ${bareCpu.toFixed(2)} s CPU (${docs} documents)`);

  // The extraction alone, in memory, one thread: the yaml walk, then the fast path with its fallbacks.
  c = cpuSeconds();
  for (const { file, text } of texts) extractImages(text, { path: file });
  const walk = cpuSeconds() - c;
  const fast = newFastPathStats();
  c = cpuSeconds();
  for (const { file, text } of texts) extractImages(text, { path: file, fast });
  const fastS = cpuSeconds() - c;
  const bailed = Object.values(fast.bailed).reduce((a, b) => a + (b ?? 0), 0);
  console.log(`extraction in memory, yaml walk:    ${walk.toFixed(2)} s CPU`);
  console.log(`extraction in memory, fast path:    ${fastS.toFixed(2)} s CPU = ${(walk / fastS).toFixed(1)}× faster than the walk`);
  console.log(
    `fast path: ${fast.documents} documents parsed, ${bailed} (${((100 * bailed) / Math.max(1, fast.documents)).toFixed(1)}%) handed to yaml, ` +
      `${(fast.fallbackBytes / 1024 / 1024).toFixed(2)} MiB; by cause ${JSON.stringify(fast.bailed)}`,
  );

  // Wall and CPU (all threads of this process) of a scan.
  const timedScan = async (opts: Parameters<typeof scan>[1]) => {
    const start = process.hrtime.bigint();
    const cpu = cpuSeconds();
    const result = await scan([dir], opts);
    return { result, wall: seconds(start), cpu: cpuSeconds() - cpu };
  };
  const cold = await timedScan({ cacheDir, version: 'bench' });
  const warm = await timedScan({ cacheDir, version: 'bench' });
  const single = await timedScan({ cacheDir: false, workers: 1 });
  const same = JSON.stringify(cold.result.summary) === JSON.stringify(warm.result.summary);
  const line = (label: string, r: { wall: number; cpu: number }) =>
    console.log(`${label}${r.wall.toFixed(2)} s wall = ${(r.wall / bare).toFixed(3)} × bare parse; ${r.cpu.toFixed(2)} s CPU = ${(r.cpu / bareCpu).toFixed(3)} × bare parse`);
  line('image-pin cold scan (in process):   ', cold);
  line('image-pin cold scan (1 thread):     ', single);
  line('image-pin warm rescan (cache):      ', warm);
  const coldResult = cold.result;
  console.log(`references found: ${coldResult.summary.references}, findings: ${coldResult.summary.findings}; warm result identical: ${same}`);
  fs.rmSync(cacheDir, { recursive: true, force: true });

  // As processes, the way CI runs it.
  const repeat = Number(process.env.BENCH_REPEAT ?? 3);
  const check = (bin: string) => timeProcess(process.execPath, [bin, 'check', '--no-cache', '--format', 'json', '.'], { cwd: dir, repeat });
  // The bundle is what the package's `image-pin` runs (bin/image-pin.js runs the tsc output, for tests).
  const bundle = path.join(REPO, 'dist', 'cli.js');
  const ours = check(fs.existsSync(bundle) ? bundle : path.join(REPO, 'bin', 'image-pin.js'));
  console.log(`image-pin check --no-cache:         ${show(ours)}`);
  // A baseline whose output differs (an older build words findings differently) still gets timed, and
  // Renovate after it; the run then exits 1 so that nobody takes a different answer for a faster one.
  let sameAsBaseline = true;
  if (process.env.BASELINE_BIN) {
    const base = check(path.resolve(process.env.BASELINE_BIN));
    sameAsBaseline = base.stdout === ours.stdout;
    console.log(`baseline check --no-cache:          ${show(base)}  → this build ${(base.wall / ours.wall).toFixed(1)}× faster (wall)${base.cpu && ours.cpu ? `, ${(base.cpu / ours.cpu).toFixed(1)}× less CPU` : ''}; same output: ${sameAsBaseline}`);
  }
  if (process.env.RENOVATE_BIN) {
    // Renovate's local platform reads a git repository.
    const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=bench@localhost', '-c', 'user.name=bench', ...args], { cwd: dir });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'bench');
    const report = path.join(os.tmpdir(), `image-pin-bench-renovate-${profile}.json`);
    const env = {
      ...process.env,
      LOG_LEVEL: 'warn',
      RENOVATE_CONFIG: JSON.stringify({
        kubernetes: { managerFilePatterns: ['/\\.ya?ml$/'] },
        onboarding: false,
        requireConfig: 'ignored',
        reportType: 'file',
        reportPath: report,
      }),
    };
    const renovate = timeProcess(
      process.env.RENOVATE_NODE ?? process.execPath,
      [path.resolve(process.env.RENOVATE_BIN), '--platform=local', '--dry-run=extract', '--enabled-managers=kubernetes,helm-values,kustomize,docker-compose'],
      { cwd: dir, env },
    );
    let deps = 0;
    try {
      const r = JSON.parse(fs.readFileSync(report, 'utf8')) as { repositories: Record<string, { packageFiles: Record<string, Array<{ deps: unknown[] }>> }> };
      for (const repo of Object.values(r.repositories)) for (const pfs of Object.values(repo.packageFiles)) for (const pf of pfs) deps += pf.deps.length;
    } catch {
      deps = -1;
    }
    console.log(
      `Renovate extract:                   ${show(renovate)}, ${deps} dependencies  → image-pin ${(renovate.wall / ours.wall).toFixed(1)}× faster (wall)` +
        `${renovate.cpu && ours.cpu ? `, ${(renovate.cpu / ours.cpu).toFixed(1)}× less CPU` : ''}`,
    );
  }
  return same && sameAsBaseline;
}

async function main(): Promise<void> {
  // Outside the repository: the scan honours .gitignore, which lists nothing for a temp folder.
  const root = process.env.BENCH_DIR ?? path.join(os.tmpdir(), 'image-pin-bench-corpus');
  const profiles = (process.env.BENCH_PROFILES ?? 'realistic,generated').split(',') as Profile[];
  let ok = true;
  for (const profile of profiles) {
    if (!['realistic', 'generated'].includes(profile)) throw new Error(`unknown profile ${profile}`);
    ok = (await benchProfile(profile, root)) && ok;
  }
  await benchEnvironments(path.join(root, profiles[0]));
  // The real tree, when one is given: same in-memory comparison, no processes.
  if (process.env.BENCH_REAL_TREE) realTree(process.env.BENCH_REAL_TREE);
  if (!ok) process.exitCode = 1;
}

/** Fast path against the walk on a tree of real repositories: speed, bail-outs, and that every file agrees. */
function realTree(dir: string): void {
  const texts = listYaml(dir).map((file) => ({ file, text: fs.readFileSync(file, 'utf8') }));
  const bytes = texts.reduce((a, t) => a + t.text.length, 0);
  console.log(`\n== real tree ${dir}: ${texts.length} files, ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
  let t = process.hrtime.bigint();
  for (const { text } of texts) {
    try {
      parseAllDocuments(text);
    } catch {
      // counted as parsed
    }
  }
  const bare = seconds(t);
  t = process.hrtime.bigint();
  const full = texts.map(({ file, text }) => JSON.stringify(extractImages(text, { path: file })));
  const walk = seconds(t);
  const fast = newFastPathStats();
  t = process.hrtime.bigint();
  const quick = texts.map(({ file, text }) => JSON.stringify(extractImages(text, { path: file, fast })));
  const fastS = seconds(t);
  const differ = texts.filter((_, i) => full[i] !== quick[i]).map((x) => x.file);
  const bailed = Object.values(fast.bailed).reduce((a, b) => a + (b ?? 0), 0);
  console.log(`bare yaml parse ${bare.toFixed(2)} s; yaml walk ${walk.toFixed(2)} s; fast path ${fastS.toFixed(2)} s (${(walk / fastS).toFixed(1)}× the walk)`);
  console.log(`fast path: ${fast.documents} documents, ${bailed} (${((100 * bailed) / Math.max(1, fast.documents)).toFixed(1)}%) handed to yaml, ${(fast.fallbackBytes / 1024 / 1024).toFixed(2)} MiB; by cause ${JSON.stringify(fast.bailed)}`);
  console.log(`files where the fast path differs from the walk: ${differ.length}${differ.length ? ` (${differ.slice(0, 5).join(', ')})` : ''}`);
  if (differ.length) process.exitCode = 1;
}

void main();

/** The environment model's share of a cold scan: the same scan with and without it, alternated, medians. */
async function benchEnvironments(dir: string): Promise<void> {
  let t: bigint;
  const envDir = process.env.BENCH_ENV_DIR ?? path.join(os.tmpdir(), 'image-pin-bench-env-corpus');
  const envStats = writeEnvironmentCorpus(envDir, Number(process.env.BENCH_SERVICES ?? 1000));
  console.log(`environment corpus: ${envStats.files} files, ${(envStats.bytes / 1024 / 1024).toFixed(1)} MiB`);
  // CPU time (all threads) is reported beside wall time: on a shared machine it is the steadier measure.
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  for (const [name, root] of [['GitOps corpus', dir], ['environment corpus', envDir]] as const) {
    const wall: Array<[number, number]> = [];
    const cpus: Array<[number, number]> = [];
    const shares: number[] = [];
    let envs = 0;
    for (let i = 0; i < Number(process.env.BENCH_REPEAT ?? 3); i++) {
      t = process.hrtime.bigint();
      let c = cpu();
      await scan([root], { cacheDir: false, environments: false });
      const a = [seconds(t), cpu() - c];
      t = process.hrtime.bigint();
      c = cpu();
      const r = await scan([root], { cacheDir: false });
      const b = [seconds(t), cpu() - c];
      wall.push([a[0], b[0]]);
      cpus.push([a[1], b[1]]);
      // The model's own time inside the scan that ran it, against the rest of that same scan.
      const model = (r.environments?.elapsedMs ?? 0) / 1000;
      shares.push(model / (b[0] - model));
      envs = r.environments?.model.environments.length ?? 0;
    }
    const ratio = (xs: Array<[number, number]>) => median(xs.map(([p, q]) => q / p));
    console.log(
      `${name}: ${envs} environments; with the model / without: wall ${ratio(wall).toFixed(3)} ×, CPU ${ratio(cpus).toFixed(3)} ×; ` +
        `the model's share of its own scan ${(100 * median(shares)).toFixed(1)} % (medians of ${wall.length}; without: ${median(wall.map((w) => w[0])).toFixed(2)} s wall, ${median(cpus.map((w) => w[0])).toFixed(2)} s CPU)`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}
